/**
 * Maximum likelihood (pure logic). Input: CountIndex; output: BackoffModel.
 *
 *   P(w | h) = c(h, w) / c(h)        for a history seen at least once,
 * zero (log10 -Infinity; -99 in ARPA) for words never seen after it. A history
 * never seen (c(h) = 0) backs off to the longest shorter history that was
 * seen, as an ARPA back-off model with weight 1 for absent histories does;
 * the empty history gives P(w) = c(w) / N. So `<unk>` and every word without
 * a count have probability zero in the unigram distribution: MLE does not
 * smooth. In ARPA form every seen history has back-off weight 0 (-99).
 */
import type { CountIndex } from './count-index.js';
import { BackoffModel } from './backoff-model.js';

/**
 * Relative frequencies c(h,w)/c(h) at every order (c(w)/N for unigrams) and a
 * constant back-off weight `backoff` on every seen history: the MLE's tables,
 * and stupid back-off's with weight α.
 */
export function relativeFrequencies(idx: CountIndex, backoff: number): { p1: Float64Array; prob: Float64Array[]; bo: Float64Array[] } {
  const p1 = new Float64Array(idx.V);
  for (let w = 0; w < idx.V; w++) p1[w] = idx.unigram[w] / idx.total;
  const prob: Float64Array[] = [];
  const bo: Float64Array[] = [];
  for (let k = 2; k <= idx.order; k++) {
    const L = idx.levels[k];
    const p = new Float64Array(L.words.length);
    for (let j = 0; j < L.nCtx; j++) {
      const t = L.ctxTotal[j];
      for (let e = L.ctxStart[j]; e < L.ctxStart[j + 1]; e++) p[e] = L.counts[e] / t;
    }
    prob[k] = p;
    bo[k] = new Float64Array(L.nCtx).fill(backoff);
  }
  return { p1, prob, bo };
}

export function buildMle(idx: CountIndex): BackoffModel {
  // back-off weight 0 on seen histories: no mass is left for unseen words
  const { p1, prob, bo } = relativeFrequencies(idx, 0);
  return new BackoffModel('mle', true, idx, p1, prob, bo, 1);
}
