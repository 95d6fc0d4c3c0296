/**
 * Count index shared by the classic smoothings (pure logic, no streams).
 *
 * Input: `NgramCounts` (src/ngram/api.ts): per order k a table of k-grams,
 * ids oldest first, sorted lexicographically. Output: a `CountIndex` that
 * answers, without any string work,
 * - c(w) for every vocabulary id (unigram counts of predictable words) and N;
 * - for every order k ≥ 2, the distinct histories h (k-1 ids) with the range
 *   of their continuations, c(h) = Σ_w c(h, w) and N1+(h ·);
 * - lookups by binary search: history → history index (O(k log H)),
 *   (history index, w) → entry (O(log range)).
 *
 * Because the tables are sorted and the history is the prefix of each entry,
 * the continuations of one history are one contiguous range, so a
 * next-word distribution touches only the entries of its histories.
 *
 * Predictable words (the event space every distribution is over):
 * - `<s>` (id 1) is never predicted, in either mode (it only ever starts a
 *   sentence or a stream; a unigram count of `<s>` is a history count);
 * - `</s>` (id 2) is predicted in sentence mode; in stream mode only when the
 *   counts hold it as a unigram (a counter that closes the stream with one
 *   `</s>`, as KenLM does for one long line, makes it predictable);
 * - every other vocabulary id is predictable, `<unk>` included and words of
 *   the vocabulary with no count included (they get mass from smoothing).
 * n-grams whose last word is not predictable (e.g. a unigram `<s>`) are
 * ignored; so are zero counts. c(h) is the sum over predictable continuations,
 * not the count of h as an n-gram (they differ only where h ends a stream).
 */
import type { CountTable, NgramCounts } from '../api.js';
import type { Vocabulary } from '../../vocab/vocabulary.js';
import type { MarkerMode } from '../../types.js';

/** The histories of length k-1 of the order-k table and their continuations. */
export interface Level {
  k: number;
  /** number of distinct histories */
  nCtx: number;
  /** history ids, (k-1) per history, sorted lexicographically */
  ctxIds: Uint32Array;
  /** continuations of history j are entries ctxStart[j] … ctxStart[j+1]-1 */
  ctxStart: Uint32Array;
  /** c(h): sum of the continuation counts */
  ctxTotal: Float64Array;
  /** predicted word of each entry (ascending within a history) */
  words: Uint32Array;
  /** count of each entry (> 0) */
  counts: Float64Array;
}

export interface CountIndex {
  order: number;
  vocab: Vocabulary;
  mode: MarkerMode;
  /** vocabulary size */
  V: number;
  /** 1 where the id can be predicted */
  predictable: Uint8Array;
  /** number of predictable ids (|V| of the formulas) */
  nPredictable: number;
  /** c(w) for predictable ids, 0 elsewhere */
  unigram: Float64Array;
  /** N = Σ_w c(w) over predictable ids */
  total: number;
  /** levels[k] for k = 2 … order (levels[0], levels[1] unused) */
  levels: Level[];
}

function checkTable(t: CountTable | undefined, k: number, V: number): CountTable {
  if (!t) throw new Error(`counts: the table of order ${k} is missing`);
  if (t.order !== k) throw new Error(`counts: tables[${k - 1}] has order ${t.order}, expected ${k}`);
  if (t.ids.length !== t.n * k || t.counts.length !== t.n) {
    throw new Error(`counts: the table of order ${k} has ${t.ids.length} ids and ${t.counts.length} counts for ${t.n} entries`);
  }
  const { ids, counts } = t;
  for (let i = 0; i < t.n; i++) {
    const c = counts[i];
    if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`counts: order ${k}, entry ${i} has a bad count ${c}`);
    const b = i * k;
    for (let j = 0; j < k; j++) {
      if (ids[b + j] >= V) throw new Error(`counts: order ${k}, entry ${i} has id ${ids[b + j]} outside the vocabulary (size ${V})`);
    }
    if (i > 0) {
      let cmp = 0;
      for (let j = 0; j < k && cmp === 0; j++) cmp = ids[b - k + j] - ids[b + j];
      if (cmp >= 0) throw new Error(`counts: the table of order ${k} is not sorted (or has a duplicate) at entry ${i}`);
    }
  }
  return t;
}

/** Build the index. Throws a clear error on malformed tables. */
export function buildCountIndex(counts: NgramCounts): CountIndex {
  const { order, vocab, mode } = counts;
  if (!Number.isInteger(order) || order < 1) throw new Error(`counts: order must be an integer ≥ 1, got ${order}`);
  const V = vocab.size;
  const t1 = checkTable(counts.tables[0], 1, V);
  const raw = new Float64Array(V);
  for (let i = 0; i < t1.n; i++) raw[t1.ids[i]] += t1.counts[i];

  const predictable = new Uint8Array(V).fill(1);
  predictable[vocab.bosId] = 0;
  if (mode === 'stream' && !(raw[vocab.eosId] > 0)) predictable[vocab.eosId] = 0;
  let nPredictable = 0;
  for (let w = 0; w < V; w++) nPredictable += predictable[w];

  const unigram = new Float64Array(V);
  let total = 0;
  for (let w = 0; w < V; w++) {
    if (predictable[w]) {
      unigram[w] = raw[w];
      total += raw[w];
    }
  }

  const levels: Level[] = [];
  for (let k = 2; k <= order; k++) levels[k] = buildLevel(checkTable(counts.tables[k - 1], k, V), k, predictable);
  return { order, vocab, mode, V, predictable, nPredictable, unigram, total, levels };
}

function buildLevel(t: CountTable, k: number, predictable: Uint8Array): Level {
  const h = k - 1;
  const { ids, counts } = t;
  // pass 1: how many kept entries and distinct histories
  let nKeep = 0;
  let nCtx = 0;
  let prev = -1;
  for (let i = 0; i < t.n; i++) {
    if (!(counts[i] > 0) || !predictable[ids[i * k + h]]) continue;
    if (prev < 0 || !samePrefix(ids, prev * k, i * k, h)) nCtx++;
    prev = i;
    nKeep++;
  }
  const ctxIds = new Uint32Array(nCtx * h);
  const ctxStart = new Uint32Array(nCtx + 1);
  const ctxTotal = new Float64Array(nCtx);
  const words = new Uint32Array(nKeep);
  const cs = new Float64Array(nKeep);
  let e = 0;
  let j = -1;
  prev = -1;
  for (let i = 0; i < t.n; i++) {
    const c = counts[i];
    const b = i * k;
    if (!(c > 0) || !predictable[ids[b + h]]) continue;
    if (prev < 0 || !samePrefix(ids, prev * k, b, h)) {
      j++;
      ctxStart[j] = e;
      for (let q = 0; q < h; q++) ctxIds[j * h + q] = ids[b + q];
    }
    prev = i;
    words[e] = ids[b + h];
    cs[e] = c;
    ctxTotal[j] += c;
    e++;
  }
  ctxStart[nCtx] = nKeep;
  return { k, nCtx, ctxIds, ctxStart, ctxTotal, words, counts: cs };
}

function samePrefix(ids: Uint32Array, a: number, b: number, len: number): boolean {
  for (let q = 0; q < len; q++) if (ids[a + q] !== ids[b + q]) return false;
  return true;
}

/**
 * Index of the history formed by the last `m` ids of `ctx[0 … end-1]` in the
 * order-(m+1) level, or -1. Binary search, no allocation.
 */
export function findContext(level: Level | undefined, ctx: ArrayLike<number>, end: number, m: number): number {
  if (!level) return -1;
  const { ctxIds } = level;
  const s = end - m;
  let lo = 0;
  let hi = level.nCtx - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const b = mid * m;
    let cmp = 0;
    for (let q = 0; q < m && cmp === 0; q++) cmp = ctxIds[b + q] - ctx[s + q];
    if (cmp === 0) return mid;
    if (cmp < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Entry index of word `w` among the continuations of history `j`, or -1. */
export function findWord(level: Level, j: number, w: number): number {
  const { words } = level;
  let lo = level.ctxStart[j];
  let hi = level.ctxStart[j + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = words[mid];
    if (x === w) return mid;
    if (x < w) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Length of the longest n-gram ending in `w`, within the last `M` ids of the
 * context, that has a positive count; 1 when none has (every word has a
 * unigram entry in the model). This is KenLM's "n-gram length".
 */
export function matchedLength(idx: CountIndex, ctx: ArrayLike<number>, M: number, w: number): number {
  for (let m = M; m >= 1; m--) {
    const level = idx.levels[m + 1];
    const j = findContext(level, ctx, ctx.length, m);
    if (j >= 0 && findWord(level, j, w) >= 0) return m + 1;
  }
  return 1;
}

/** The number of context ids that matter: min(order - 1, context length). */
export function effectiveContext(order: number, ctx: ArrayLike<number>): number {
  return Math.min(order - 1, ctx.length);
}

export function checkWord(V: number, w: number): void {
  if (!Number.isInteger(w) || w < 0 || w >= V) throw new RangeError(`word id ${w} is outside the vocabulary (size ${V})`);
}
