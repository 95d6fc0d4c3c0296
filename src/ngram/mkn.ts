/**
 * Interpolated modified Kneser-Ney exactly as KenLM's lmplz computes it
 * (pure logic, no streams).
 *
 * Input: `AdjustedTables` (src/ngram/adjust.ts). Output: a generator of
 * `ArpaBlock`s, order 1 … N, each with log10 probabilities and back-off
 * weights; it frees each order's tables once the order has been yielded, so
 * the consumer should write each block before asking for the next.
 *
 * The formulas (lm/builder/adjust_counts.cc, initial_probabilities.cc,
 * interpolate.cc):
 *  - discounts per order from the counts-of-counts n1 … n4 of adjusted counts
 *    (Chen & Goodman eq. 26): Y = n1 / (n1 + 2 n2), D_j = j - (j+1) Y n_{j+1}/n_j,
 *    j = 1, 2, 3+; invalid ones (n_j = 0, D_j outside [0, j]) fall back to
 *    0.5, 1, 1.5 with a warning (KenLM's --discount_fallback). `kn` uses
 *    D = Y for every count.
 *  - u(w | c) = (a(c w) - D(a)) / Σ_x a(c x);  γ(c) = Σ_j D_j N_j(c ·) / Σ_x a(c x)
 *  - p(w | c) = u(w | c) + γ(c) p(w | c'), c' = c without its oldest word;
 *    unigrams interpolate with the uniform 1 / (|unigrams| - 1) (`<s>` is
 *    excluded); `<unk>` gets u = 0 (only its uniform share) unless the
 *    corpus holds `<unk>` as a word (then it is smoothed like any word); `<s>` gets
 *    probability 1 (log10 0, as lmplz writes it) and no mass.
 *  - back-off of an n-gram = γ of it as a context at the next order, 1 when
 *    it is not a context (or ends in `<unk>` / `</s>`).
 */
import type { AdjustedTables } from './adjust.js';
import { BOS_ID, EOS_ID, UNK_ID } from './corpus.js';
import { lexPermutation } from './radix.js';
import type { ArpaBlock } from './arpa-write.js';

export type KneserNey = 'mkn' | 'kn';

/** [0, D1, D2, D3+] per order */
export type Discount = [number, number, number, number];

export const DEFAULT_FALLBACK: [number, number, number] = [0.5, 1, 1.5];

export interface MknOptions {
  smoothing?: KneserNey;
  /** discounts used where they cannot be estimated (default 0.5 1 1.5) */
  fallback?: [number, number, number];
  /** fail instead of falling back */
  strictDiscounts?: boolean;
  warn?: (msg: string) => void;
}

export function estimateDiscounts(countsOfCounts: number[][], opts: MknOptions = {}): Discount[] {
  const fb = opts.fallback ?? DEFAULT_FALLBACK;
  const kn = opts.smoothing === 'kn';
  return countsOfCounts.map((n, i) => {
    const order = i + 1;
    let problem = '';
    for (let j = 1; j <= (kn ? 2 : 3); j++) {
      if (n[j] === 0) {
        problem = `could not calculate Kneser-Ney discounts for ${order}-grams with adjusted count ${j + 1} because no ${order}-grams with adjusted count ${j} were observed (small or artificial data?)`;
        break;
      }
    }
    let d: Discount = [0, 0, 0, 0];
    if (!problem) {
      const y = n[1] / (n[1] + 2 * n[2]);
      if (kn) d = [0, y, y, y];
      else for (let j = 1; j <= 3; j++) d[j] = j - (j + 1) * y * n[j + 1] / n[j];
      for (let j = 1; j <= 3 && !problem; j++) {
        if (!(d[j] >= 0 && d[j] <= j)) problem = `${order}-gram discount out of range for adjusted count ${j}: ${d[j]}`;
      }
    }
    if (problem) {
      if (opts.strictDiscounts) throw new Error(problem);
      opts.warn?.(`warning: ${problem}; substituting fallback discounts D1=${fb[0]} D2=${fb[1]} D3+=${fb[2]}`);
      d = [0, fb[0], fb[1], fb[2]];
    }
    return d;
  });
}

/** Entries per order, as the ARPA header lists them (after --prune of the highest order). */
export function orderSizes(t: AdjustedTables, pruneTop = false): number[] {
  const sizes = t.orders.map((o) => o.n);
  if (pruneTop && t.order > 1) {
    const o = t.orders[t.order - 1];
    let kept = 0;
    for (let i = 0; i < o.n; i++) if (o.adjpar[2 * i] > 1) kept++;
    sizes[t.order - 1] = kept;
  }
  return sizes;
}

/** compare the k words ending at a with the k words ending at b */
function cmpWords(w: Uint32Array, a: number, b: number, k: number): number {
  for (let i = k - 1; i >= 0; i--) {
    const x = w[a - i];
    const y = w[b - i];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Two arrays of n ids from the free part of `pool` (all of it, or what
 * `busy`, a view into it, leaves on either side), or undefined when they do
 * not fit.
 */
function poolArrays(pool: Uint32Array | undefined, n: number, busy: Uint32Array | null): { a: Uint32Array; b: Uint32Array } | undefined {
  if (!pool) return undefined;
  const P = pool.length;
  const ranges: [number, number][] = [];
  if (busy && busy.buffer === pool.buffer) {
    const s = (busy.byteOffset - pool.byteOffset) / 4;
    ranges.push([0, s], [s + busy.length, P]);
  } else ranges.push([0, P]);
  const got: Uint32Array[] = [];
  for (const r of ranges) {
    while (got.length < 2 && r[1] - r[0] >= n) {
      got.push(pool.subarray(r[0], r[0] + n));
      r[0] += n;
    }
  }
  return got.length === 2 ? { a: got[0], b: got[1] } : undefined;
}

/**
 * Compute the model order by order. Blocks hold the words array of the
 * tables and the end index of each n-gram (suffix order of KenLM's output).
 */
export function* mknBlocks(t: AdjustedTables, discounts: Discount[], opts: { pruneTop?: boolean } = {}): Generator<ArpaBlock> {
  const N = t.order;
  const words = t.words;
  const V = t.vocabSize;
  const orders = t.orders;
  // --- unigrams
  const u = orders[0];
  const n1 = u.n;
  const d1 = discounts[0];
  let den = 0;
  const cnt = [0, 0, 0, 0];
  for (let i = 0; i < n1; i++) {
    const a = u.adjpar[2 * i];
    den += a;
    if (a > 0) cnt[a < 3 ? a : 3]++;
  }
  if (!(den > 0)) throw new Error('empty corpus: no n-grams to estimate');
  const gamma1 = (d1[1] * cnt[1] + d1[2] * cnt[2] + d1[3] * cnt[3]) / den;
  const uniform = 1 / (n1 - 1);
  let prevP = new Float64Array(u.adjpar.buffer, u.adjpar.byteOffset, n1);
  for (let i = 0; i < n1; i++) {
    const a = u.adjpar[2 * i];
    const w = words[u.ends[i]];
    let p: number;
    if (w === UNK_ID && a === 0) p = gamma1 * uniform;
    else if (w === BOS_ID) p = 1;
    else p = (a - d1[a < 3 ? a : 3]) / den + gamma1 * uniform;
    prevP[i] = p;
  }
  // unigrams are in id order already: identity permutation
  let prevPerm: Uint32Array | null = null;
  let prevOrder = u;
  for (let k = 2; k <= N; k++) {
    const o = orders[k - 1];
    const n = o.n;
    const dk = discounts[k - 1];
    // --prune: singletons of the highest order go, their mass goes to the back-off (as lmplz --prune 0 … 1)
    const prune = opts.pruneTop === true && k === N;
    // the context sort reuses the adjustment's spare array where it fits (beside order k-1's permutation, still in use)
    const perm = lexPermutation(words, o.ends, k, V, true, poolArrays(t.spare, n, prevPerm));
    const p = new Float64Array(o.adjpar.buffer, o.adjpar.byteOffset, n);
    const ad = o.adjpar;
    const ends = o.ends;
    const prevEnds = prevOrder.ends;
    const bo = new Float64Array(prevOrder.n); // log10 back-off of order k-1
    let q = 0; // position in order k-1's lexicographic order
    const prevN = prevOrder.n;
    let g = 0;
    while (g < n) {
      const first = perm[g];
      const e0 = ends[first];
      let h = g + 1;
      let gden = 0;
      let c1 = 0, c2 = 0, c3 = 0;
      let pruned = 0;
      {
        const a = ad[2 * first];
        gden += a;
        if (prune && a <= 1) pruned += a;
        else if (a === 1) c1++; else if (a === 2) c2++; else if (a >= 3) c3++;
      }
      while (h < n) {
        const e = ends[perm[h]];
        // same context = same first k-1 words
        let same = true;
        for (let i = 1; i < k; i++) if (words[e - i] !== words[e0 - i]) { same = false; break; }
        if (!same) break;
        const a = ad[2 * perm[h]];
        gden += a;
        if (prune && a <= 1) pruned += a;
        else if (a === 1) c1++; else if (a === 2) c2++; else if (a >= 3) c3++;
        h++;
      }
      const gamma = (dk[1] * c1 + dk[2] * c2 + dk[3] * c3 + pruned) / gden;
      for (let x = g; x < h; x++) {
        const e = perm[x];
        const a = ad[2 * e];
        const par = ad[2 * e + 1];
        p[e] = prune && a <= 1 ? NaN : (a - dk[a < 3 ? a : 3]) / gden + gamma * prevP[par];
      }
      // back-off of the context (k-1 words ending at e0 - 1)
      const ctxEnd = e0 - 1;
      const last = words[ctxEnd];
      if (last !== UNK_ID && last !== EOS_ID) {
        while (q < prevN) {
          const idx = prevPerm ? prevPerm[q] : q;
          const c = cmpWords(words, prevEnds[idx], ctxEnd, k - 1);
          if (c < 0) { q++; continue; }
          if (c === 0) bo[idx] = Math.log10(gamma);
          break;
        }
      }
      g = h;
    }
    // order k-1 is complete
    for (let i = 0; i < prevN; i++) prevP[i] = Math.min(0, Math.log10(prevP[i]));
    yield { order: k - 1, n: prevN, words, ends: prevEnds, log10p: prevP, log10bo: bo };
    prevP = p;
    prevPerm = perm;
    prevOrder = o;
    orders[k - 2] = { order: k - 1, n: 0, ends: new Uint32Array(0), adjpar: new Uint32Array(0) };
  }
  let lastN = prevOrder.n;
  const lastEnds = prevOrder.ends;
  if (opts.pruneTop && N > 1) {
    let j = 0;
    for (let i = 0; i < lastN; i++) {
      if (Number.isNaN(prevP[i])) continue;
      lastEnds[j] = lastEnds[i];
      prevP[j++] = prevP[i];
    }
    lastN = j;
  }
  for (let i = 0; i < lastN; i++) prevP[i] = Math.min(0, Math.log10(prevP[i]));
  yield { order: N, n: lastN, words, ends: lastEnds.subarray(0, lastN), log10p: prevP.subarray(0, lastN), log10bo: null };
}
