/**
 * ngram-stream: an n-gram model's probabilities over one continuous id
 * stream (a split of the Brown protocol), the way KenLM's `query` scores it
 * when the split is one line `<s> w1 … wn </s>`. Pure logic.
 */
import type { NgramModel } from '../ngram/api.js';

/** What an n-gram model scores on one split. */
export interface NgramScore {
  /** ppl over the split's tokens plus one `</s>` (KenLM, each split joined into one line) */
  ppl: number;
  /** ppl over the split's tokens only (no `</s>`): comparable with the neural models */
  pplTokens: number;
  /** P(token i | history) for every token of the split (for mixtures) */
  probs: Float64Array;
}

/**
 * Score a split as one line `<s> w1 … wn </s>`: the context starts at `<s>`,
 * every token and the final `</s>` are predicted.
 */
export function scoreNgramStream(model: NgramModel, ids: Int32Array): NgramScore {
  const keep = Math.max(0, model.order - 1);
  const ctx: number[] = keep > 0 ? [model.vocab.bosId] : [];
  const probs = new Float64Array(ids.length);
  let sum10 = 0;
  const push = (w: number) => {
    if (keep === 0) return;
    if (ctx.length >= keep) ctx.shift();
    ctx.push(w);
  };
  for (let i = 0; i < ids.length; i++) {
    const { log10 } = model.logProb(ctx, ids[i]);
    probs[i] = Math.pow(10, log10);
    sum10 += log10;
    push(ids[i]);
  }
  const tokensOnly = ids.length > 0 ? Math.pow(10, -sum10 / ids.length) : NaN;
  const eos = model.logProb(ctx, model.vocab.eosId).log10;
  return { ppl: Math.pow(10, -(sum10 + eos) / (ids.length + 1)), pplTokens: tokensOnly, probs };
}
