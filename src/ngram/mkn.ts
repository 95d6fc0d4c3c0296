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
 * Up to two arrays of n ids from the free parts of the `pools` (all of
 * each, but what `busy`, a view into one of them, holds); the sort
 * allocates what does not fit.
 */
function poolArrays(pools: Uint32Array[] | undefined, n: number, busy: Uint32Array | null): { a?: Uint32Array; b?: Uint32Array } | undefined {
  if (!pools) return undefined;
  const got: Uint32Array[] = [];
  for (const pool of pools) {
    const P = pool.length;
    const ranges: [number, number][] = [];
    if (busy && busy.buffer === pool.buffer) {
      const s = (busy.byteOffset - pool.byteOffset) / 4;
      ranges.push([0, s], [s + busy.length, P]);
    } else ranges.push([0, P]);
    for (const r of ranges) {
      while (got.length < 2 && r[1] - r[0] >= n) {
        got.push(pool.subarray(r[0], r[0] + n));
        r[0] += n;
      }
    }
  }
  return { a: got[0], b: got[1] };
}

/**
 * The entries of one order read in context order a window at a time: each
 * array's random reads (end, adjusted count and parent, the parent's
 * probability, the words that tell where a context starts) are gathered in
 * one sweep over the window, so that they overlap. The window starts at a
 * context's first entry and grows when one context's entries overflow it.
 */
class Window {
  cap = 4096;
  idx = new Uint32Array(this.cap);
  end = new Uint32Array(this.cap);
  adj = new Uint32Array(this.cap);
  par = new Uint32Array(this.cap);
  pp = new Float64Array(this.cap);
  fresh = new Uint8Array(this.cap);
  /** the context's last word */
  last = new Uint32Array(this.cap);
  /** keep entries [from, len) at the front */
  shift(from: number, len: number): void {
    this.idx.copyWithin(0, from, len);
    this.end.copyWithin(0, from, len);
    this.adj.copyWithin(0, from, len);
    this.par.copyWithin(0, from, len);
    this.pp.copyWithin(0, from, len);
    this.fresh.copyWithin(0, from, len);
    this.last.copyWithin(0, from, len);
  }
  grow(): void {
    this.cap *= 2;
    const g = <T extends Uint32Array | Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap);
      b.set(a as never);
      return b;
    };
    this.idx = g(this.idx); this.end = g(this.end); this.adj = g(this.adj);
    this.par = g(this.par); this.pp = g(this.pp); this.fresh = g(this.fresh); this.last = g(this.last);
  }
}

/**
 * One order k ≥ 2: the interpolated probabilities p (u + γ p(suffix), in
 * place of the adjusted counts) of its entries, and the log10 back-off (γ)
 * of each context in `bo`, an array over order k-1. The contexts come in
 * lexicographic order (`perm`), so each context's entry of order k-1 is
 * found by walking order k-1's lexicographic order (`prevPerm`, null: the
 * unigrams' id order) alongside.
 */
function interpolateOrder(
  words: Uint32Array, k: number, perm: Uint32Array, ends: Uint32Array, ad: Uint32Array, p: Float64Array,
  prevP: Float64Array, prevPerm: Uint32Array | null, prevEnds: Uint32Array, bo: Float64Array,
  dk: Discount, prune: boolean, w: Window, allContexts: boolean,
): void {
  const n = perm.length;
  const prevN = bo.length;
  let q = 0; // position in order k-1's lexicographic order
  // with allContexts: the first index of order k-1 (suffix order: by last word first) whose last word is above </s>
  let noContext = -1;
  if (allContexts) {
    let lo = 0;
    let hi = prevN;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (words[prevEnds[mid]] <= EOS_ID) lo = mid + 1; else hi = mid;
    }
    noContext = lo;
  }
  let base = 0; // perm index of the window's first entry
  let len = 0; // entries in the window
  while (base < n) {
    const want = Math.min(w.cap, n - base);
    const { idx, end, adj, par, pp, fresh, last } = w;
    for (let x = len; x < want; x++) idx[x] = perm[base + x];
    for (let x = len; x < want; x++) end[x] = ends[idx[x]];
    for (let x = len; x < want; x++) { const e = idx[x]; adj[x] = ad[2 * e]; par[x] = ad[2 * e + 1]; }
    for (let x = len; x < want; x++) pp[x] = prevP[par[x]];
    for (let x = len; x < want; x++) {
      const e = end[x];
      const c = words[e - 1];
      last[x] = c;
      if (x === 0) { fresh[0] = 1; continue; }
      // same context = same first k-1 words
      const f = end[x - 1];
      let i = 1;
      if (c === last[x - 1]) {
        i = 2;
        while (i < k && words[e - i] === words[f - i]) i++;
      }
      fresh[x] = i < k ? 1 : 0;
    }
    len = want;
    let x = 0;
    for (;;) {
      let y = x + 1;
      while (y < len && fresh[y] === 0) y++;
      // a context that reaches the window's end may go on past it
      if (y === len && base + len < n) break;
      let gden = 0;
      let c1 = 0, c2 = 0, c3 = 0;
      let pruned = 0;
      for (let z = x; z < y; z++) {
        const a = adj[z];
        gden += a;
        if (prune && a <= 1) pruned += a;
        else if (a === 1) c1++; else if (a === 2) c2++; else if (a >= 3) c3++;
      }
      const gamma = (dk[1] * c1 + dk[2] * c2 + dk[3] * c3 + pruned) / gden;
      for (let z = x; z < y; z++) {
        const a = adj[z];
        p[idx[z]] = prune && a <= 1 ? NaN : (a - dk[a < 3 ? a : 3]) / gden + gamma * pp[z];
      }
      // back-off of the context (k-1 words ending at end - 1)
      const ctxEnd = end[x] - 1;
      const cl = last[x];
      if (cl !== UNK_ID && cl !== EOS_ID) {
        if (noContext >= 0) {
          // every order k-1 entry is a context but those ending in </s> or <unk>, which
          // (in suffix order) are the indices below noContext that do not end in <s>
          while (q < prevN) {
            const i = prevPerm ? prevPerm[q] : q;
            q++;
            if (i < noContext && words[prevEnds[i]] !== BOS_ID) continue;
            bo[i] = Math.log10(gamma);
            break;
          }
        } else while (q < prevN) {
          const i = prevPerm ? prevPerm[q] : q;
          const c = cmpWords(words, prevEnds[i], ctxEnd, k - 1);
          if (c < 0) { q++; continue; }
          if (c === 0) bo[i] = Math.log10(gamma);
          break;
        }
      }
      x = y;
      if (x === len) break;
    }
    if (x === 0 && len > 0 && base + len < n) w.grow();
    else { w.shift(x, len); base += x; len -= x; }
  }
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
  const win = new Window();
  for (let k = 2; k <= N; k++) {
    const o = orders[k - 1];
    const n = o.n;
    const dk = discounts[k - 1];
    // --prune: singletons of the highest order go, their mass goes to the back-off (as lmplz --prune 0 … 1)
    const prune = opts.pruneTop === true && k === N;
    // the context sort reuses the adjustment's spare array where it fits (beside order k-1's permutation, still in use)
    const perm = lexPermutation(words, o.ends, k, V, true, poolArrays(t.spare, n, prevPerm));
    const p = new Float64Array(o.adjpar.buffer, o.adjpar.byteOffset, n);
    const bo = new Float64Array(prevOrder.n); // log10 back-off of order k-1
    interpolateOrder(words, k, perm, o.ends, o.adjpar, p, prevP, prevPerm, prevOrder.ends, bo, dk, prune, win, t.allContexts === true);
    // order k-1 is complete
    const prevN = prevOrder.n;
    for (let i = 0; i < prevN; i++) prevP[i] = Math.min(0, Math.log10(prevP[i]));
    yield { order: k - 1, n: prevN, words, ends: prevOrder.ends, log10p: prevP, log10bo: bo };
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
