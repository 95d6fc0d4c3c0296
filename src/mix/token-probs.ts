/**
 * The probability each model gives every token of a text, for mixtures.
 *
 * Input: a model file or directory (ARPA / binary n-gram model, or a neural
 * checkpoint) and the lines of a text. Output: `TokenProbs` — one P(token |
 * history) per token, `</s>` after each line included, in text order, plus
 * the tokens themselves so that models can be checked to tokenize alike.
 * n-gram models score as `lmstream ngram ppl` (OOVs as `<unk>`); neural
 * checkpoints through their generation source (the model's own tokenizer,
 * `<s>` … `</s>` per line in sentence mode, one stream otherwise).
 */
import { promises as fsp } from 'node:fs';
import { loadNgramModel } from '../ngram/load.js';
import { PplScorer } from '../ngram/ppl.js';
import { loadForGeneration } from '../generate/load-model.js';
import { EOS } from '../types.js';

export interface TokenProbs {
  kind: 'ngram' | 'neural';
  probs: Float64Array;
  /** tokens per line (`</s>` included where scored) */
  perLine: number[];
}

export async function modelTokenProbs(model: string, lines: readonly string[]): Promise<TokenProbs> {
  const st = await fsp.stat(model).catch(() => { throw new Error(`${model}: no such file or directory`); });
  const out: number[] = [];
  const perLine: number[] = [];
  if (!st.isDirectory()) {
    const sc = new PplScorer(await loadNgramModel(model), 'sentence');
    for (const l of lines) {
      const s = sc.document(l.split(/[ \t\r\0]+/).filter(Boolean));
      for (const x of s) out.push(Math.pow(10, x.log10));
      perLine.push(s.length);
    }
    return { kind: 'ngram', probs: Float64Array.from(out), perLine };
  }
  const m = await loadForGeneration(model);
  try {
    const src = m.source;
    let state = src.begin();
    const sentence = (src as { mode?: string }).mode !== 'stream';
    for (const l of lines) {
      if (sentence) state = src.begin();
      const ids = m.tokenize(l).filter((t) => t !== EOS).map((t) => m.id(t));
      if (sentence) ids.push(src.eosId);
      for (const id of ids) {
        out.push(src.next(state)[id]);
        state = src.advance(state, id);
      }
      perLine.push(ids.length);
    }
  } finally {
    m.dispose();
  }
  return { kind: 'neural', probs: Float64Array.from(out), perLine };
}
