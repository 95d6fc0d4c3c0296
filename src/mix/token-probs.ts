/**
 * The probability each model gives every token of a text, for mixtures.
 *
 * Input: a model file or directory (ARPA / binary n-gram model, or a neural
 * checkpoint) and the lines of a text. Output: `TokenProbs` — one P(token |
 * history) per token, `</s>` after each line included, in text order, plus
 * the tokens themselves so that models can be checked to tokenize alike.
 * n-gram models score as `lmstream ngram ppl` (OOVs as `<unk>`), neural
 * checkpoints as `lmstream eval` (the model's own tokenizer, `<s>` … `</s>`
 * per line in sentence mode, one stream after `<s>` otherwise): both through
 * load()'s scorer.
 */
import { load } from '../api/load.js';

export interface TokenProbs {
  kind: 'ngram' | 'neural' | 'mixture';
  probs: Float64Array;
  /** tokens per line (`</s>` included where scored) */
  perLine: number[];
}

/** load()'s line-by-line scorer (src/api/load.ts): the numbers of ngram ppl and lmstream eval; `onLine`: lines scored so far (progress) */
export async function modelTokenProbs(model: string, lines: readonly string[], onLine?: (done: number) => void): Promise<TokenProbs> {
  const m = await load(model);
  const out: number[] = [];
  const perLine: number[] = [];
  try {
    const sc = m.scorer();
    for (const l of lines) {
      const recs = sc.push(l);
      for (const r of recs) out.push(Math.exp(r.logprob));
      perLine.push(recs.length);
      onLine?.(perLine.length);
    }
    const end = sc.end();
    for (const r of end) out.push(Math.exp(r.logprob));
    if (end.length && perLine.length) perLine[perLine.length - 1] += end.length;
  } finally {
    m.dispose();
  }
  return { kind: m.kind, probs: Float64Array.from(out), perLine };
}
