/**
 * Katz back-off with Good-Turing discounting (pure logic). Input:
 * CountIndex; output: BackoffModel.
 *
 * Discounts, per order, from the counts-of-counts n_r of that order's
 * predictable n-grams, with Katz's threshold k (SRILM's default gtmax 5):
 *   d_r = ((r+1) n_{r+1} / (r n_r) − (k+1) n_{k+1} / n_1) / (1 − (k+1) n_{k+1} / n_1),  1 ≤ r ≤ k,
 *   d_r = 1 for r > k.
 * Degenerate cases follow SRILM's GoodTuring::estimate: no singletons → no
 * discounting; while n_{k+1} = 0, k is lowered; a d_r that is not finite, ≤ 0
 * or > 1 (or n_r = 0) becomes 1 (no discount for that r). Counts must be
 * integers. Tiny corpora therefore often get no discount at all.
 *
 *   P(w | h) = d_c · c / c(h)             for c = c(h, w) > 0,
 *            = α(h) · P(w | h')           otherwise,
 *   α(h) = (1 − Σ_{seen w} P(w | h)) / (1 − Σ_{seen w} P(w | h')),
 * α = 1 for a history never seen. Unigrams: P(w) = d_c · c / N; the mass
 * left over goes uniformly to the predictable words with no count (`<unk>`
 * among them), or, when every word has a count, is spread over all of them
 * (SRILM does the same). When every word with lower-order mass was seen after
 * h (denominator 0), the seen probabilities are scaled to sum to 1 and α(h) = 0;
 * when nothing was discounted (numerator 0: every continuation of h has a
 * count above k), α(h) = 0.
 *
 * Beware: that last case is Katz's (and SRILM's, whose ARPA files then carry
 * a -99 back-off weight): every word never seen after such a history has
 * probability ZERO (log10 -Infinity). On real text it happens (42 of 161,192
 * test tokens of the Brown/Bengio split with a 3-gram), so perplexity must
 * count zero-probability tokens apart, as SRILM's `zeroprobs`; prefer
 * witten-bell or (m)kn when every token needs a probability.
 */
import type { CountIndex } from './count-index.js';
import { BackoffModel } from './backoff-model.js';

const EPS = 1e-12;

/**
 * Good-Turing discount coefficients d[r] for r = 0 … returned length - 1
 * (d[0] = 1, and 1 for every r beyond the effective threshold).
 * `countOfCounts[r]` = n_r. SRILM's rules for degenerate counts (see above).
 */
export function goodTuringDiscounts(countOfCounts: ArrayLike<number>, maxCount: number): Float64Array {
  const n = (r: number) => (r < countOfCounts.length ? countOfCounts[r] : 0);
  let K = maxCount;
  if (!(n(1) > 0)) K = 0;
  while (K > 0 && n(K + 1) === 0) K--;
  const d = new Float64Array(Math.max(K, 0) + 2).fill(1);
  if (K <= 0) return d;
  const common = ((K + 1) * n(K + 1)) / n(1);
  for (let r = 1; r <= K; r++) {
    if (n(r) === 0) continue;
    const coeff0 = ((r + 1) * n(r + 1)) / (r * n(r));
    const coeff = (coeff0 - common) / (1 - common);
    d[r] = Number.isFinite(coeff) && coeff > EPS && coeff <= 1 ? coeff : 1;
  }
  return d;
}

function countsOfCounts(counts: ArrayLike<number>, what: string): number[] {
  const coc: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c === 0) continue;
    if (!Number.isInteger(c)) throw new Error(`katz: Good-Turing needs integer counts, ${what} has a count of ${c}`);
    if (c < 64) coc[c] = (coc[c] ?? 0) + 1; // only n_1 … n_{k+1} matter
  }
  for (let r = 0; r < coc.length; r++) coc[r] ??= 0;
  return coc;
}

export interface KatzOptions {
  /** Katz threshold k for orders ≥ 2 (default 5) */
  k?: number;
  /** threshold for unigrams (default: k) */
  unigramK?: number;
}

export function buildKatz(idx: CountIndex, opts: KatzOptions = {}): BackoffModel {
  const K = opts.k ?? 5;
  const K1 = opts.unigramK ?? K;
  for (const [name, v] of [['k', K], ['unigramK', K1]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 50) throw new Error(`katz: ${name} must be an integer from 0 to 50, got ${v}`);
  }
  const { V, unigram, predictable, nPredictable, total } = idx;
  const d1 = goodTuringDiscounts(countsOfCounts(unigram, 'the unigram table'), K1);
  const disc = (d: Float64Array, c: number) => (c < d.length ? d[c] : 1);
  const p1 = new Float64Array(V);
  let sum = 0;
  let zeros = 0;
  for (let w = 0; w < V; w++) {
    if (!predictable[w]) continue;
    const c = unigram[w];
    if (c > 0) {
      p1[w] = (disc(d1, c) * c) / total;
      sum += p1[w];
    } else zeros++;
  }
  const left = 1 - sum;
  if (left > EPS) {
    for (let w = 0; w < V; w++) {
      if (!predictable[w]) continue;
      if (zeros > 0) {
        if (unigram[w] === 0) p1[w] = left / zeros;
      } else p1[w] += left / nPredictable;
    }
  }
  const prob: Float64Array[] = [];
  const bo: Float64Array[] = [];
  const model = new BackoffModel('katz', true, idx, p1, prob, bo, 1);
  for (let k = 2; k <= idx.order; k++) {
    const L = idx.levels[k];
    const h = k - 1;
    const d = goodTuringDiscounts(countsOfCounts(L.counts, `the table of order ${k}`), K);
    const p = new Float64Array(L.words.length);
    const b = new Float64Array(L.nCtx);
    for (let j = 0; j < L.nCtx; j++) {
      const s = L.ctxStart[j];
      const stop = L.ctxStart[j + 1];
      const t = L.ctxTotal[j];
      const shorter = L.ctxIds.subarray(j * h + 1, j * h + h);
      let seen = 0;
      let lower = 0;
      for (let e = s; e < stop; e++) {
        const c = L.counts[e];
        p[e] = (disc(d, c) * c) / t;
        seen += p[e];
        lower += model.probWithin(shorter, h - 1, L.words[e]).p;
      }
      const num = 1 - seen;
      const den = 1 - lower;
      if (num <= EPS) b[j] = 0;
      else if (den <= EPS) {
        for (let e = s; e < stop; e++) p[e] /= seen;
        b[j] = 0;
      } else b[j] = num / den;
    }
    prob[k] = p;
    bo[k] = b;
  }
  return model;
}
