/**
 * Interpolated Witten-Bell (pure logic). Input: CountIndex; output:
 * BackoffModel (the interpolated model written in back-off form, exact).
 *
 *   P(w | h) = (c(h, w) + T(h) · P(w | h')) / (c(h) + T(h)),   T(h) = N1+(h ·)
 * (the number of distinct predictable words seen after h); a history never
 * seen gives P(w | h) = P(w | h'). The unigram level interpolates with the
 * uniform distribution over the |V| predictable ids:
 *   P(w) = (c(w) + T / |V|) / (N + T),   T = number of distinct words seen.
 * So `<unk>` and words without a count get T / (|V| (N + T)).
 * Back-off form: seen (h, w) carry the interpolated P(w | h); bo(h) = T(h) / (c(h) + T(h)).
 */
import type { CountIndex } from './count-index.js';
import { BackoffModel } from './backoff-model.js';

export function buildWittenBell(idx: CountIndex): BackoffModel {
  const { V, unigram, predictable, nPredictable, total } = idx;
  let types = 0;
  for (let w = 0; w < V; w++) if (unigram[w] > 0) types++;
  const p1 = new Float64Array(V);
  const floor = types / nPredictable;
  for (let w = 0; w < V; w++) if (predictable[w]) p1[w] = (unigram[w] + floor) / (total + types);
  const prob: Float64Array[] = [];
  const bo: Float64Array[] = [];
  const model = new BackoffModel('witten-bell', true, idx, p1, prob, bo, 1);
  for (let k = 2; k <= idx.order; k++) {
    const L = idx.levels[k];
    const h = k - 1;
    const p = new Float64Array(L.words.length);
    const b = new Float64Array(L.nCtx);
    for (let j = 0; j < L.nCtx; j++) {
      const s = L.ctxStart[j];
      const t = L.ctxStart[j + 1] - s;
      const denom = L.ctxTotal[j] + t;
      const shorter = L.ctxIds.subarray(j * h + 1, j * h + h);
      for (let e = s; e < L.ctxStart[j + 1]; e++) {
        p[e] = (L.counts[e] + t * model.probWithin(shorter, h - 1, L.words[e]).p) / denom;
      }
      b[j] = t / denom;
    }
    prob[k] = p;
    bo[k] = b;
  }
  return model;
}
