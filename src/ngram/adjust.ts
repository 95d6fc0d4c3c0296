/**
 * Counting and KenLM's adjusted counts in one pass (pure logic, no streams).
 *
 * Input: a `PaddedCorpus` (padded N-gram occurrences over an id array).
 * Output: `AdjustedTables`: for every order k = 1 … N the distinct k-grams in
 * suffix order (last word first, as KenLM's AdjustCounts emits them), each
 * with
 *  - `ends[i]`: an index into `words` where the k-gram ends,
 *  - adjusted count (k = N: the raw count; k < N: the number of distinct
 *    words seen before it, except k-grams starting with `<s>`, which keep
 *    their raw count — lm/builder/adjust_counts.cc),
 *  - parent: index of its (k-1)-suffix in order k-1,
 *  - optionally the raw count;
 * and the counts-of-counts of the adjusted counts (n1 … n4) per order, from
 * which the discounts are estimated. Order 1 always starts with `<unk>` and
 * `<s>` (adjusted count 0, as KenLM initialises them).
 *
 * Method: the padded N-grams are radix-sorted in suffix order; one linear
 * scan then finds, for each distinct padded N-gram, the length of the suffix
 * it shares with the previous one; shorter suffixes that changed are closed,
 * the longest shared one gains one left extension, new ones open.
 */
import { BOS_ID, UNK_ID, type PaddedCorpus } from './corpus.js';
import { equalRunEnd, suffixSortScratch } from './radix.js';

export interface AdjustedOrder {
  order: number;
  n: number;
  ends: Uint32Array;
  /**
   * interleaved [adjusted count, parent index] per entry (2n Uint32); the
   * builder later reuses this buffer for a Float64 per entry.
   */
  adjpar: Uint32Array;
  /** raw counts (when requested) */
  raw?: Float64Array;
}

export interface AdjustedTables {
  order: number;
  words: Uint32Array;
  vocabSize: number;
  orders: AdjustedOrder[];
  /** countsOfCounts[k-1][j] = number of k-grams with adjusted count j (j = 1 … 4) */
  countsOfCounts: number[][];
  /**
   * the sort's array of sorted positions, free once the tables are made:
   * scratch for the next sorts (mknBlocks), so that they reuse it instead of
   * allocating
   */
  spare?: Uint32Array[];
  /**
   * every entry of an order below N whose last word is not `</s>` or
   * `<unk>` is the context of some entry of the next order, and every
   * context is an entry (true of the tables of a whole corpus; not of count
   * files or parts, which may leave contexts out)
   */
  allContexts?: boolean;
}

export interface AdjustOptions {
  /** also keep raw counts (for count files and the shared NgramCounts) */
  raw?: boolean;
}

function positionsOf(c: PaddedCorpus): Uint32Array {
  if (c.positions) return Uint32Array.from(c.positions);
  const w = c.words;
  let n = 0;
  for (let i = 2; i < w.length; i++) if (w[i] !== BOS_ID) n++;
  const out = new Uint32Array(n);
  let j = 0;
  for (let i = 2; i < w.length; i++) if (w[i] !== BOS_ID) out[j++] = i;
  return out;
}

export function adjustCounts(c: PaddedCorpus, vocabSize: number, opts: AdjustOptions = {}): AdjustedTables {
  const N = c.order;
  const words = c.words;
  const srt = suffixSortScratch(words, positionsOf(c), N, vocabSize);
  let weightAt: Weights | null = null;
  if (c.positions && c.weights) {
    const pos = c.positions;
    const n = pos.length;
    // count-file input lays the entries out N words apart: index the weights by (p - first) / N
    let uniform = n > 0;
    for (let i = 0; i < n && uniform; i++) if (pos[i] !== pos[0] + i * N) uniform = false;
    if (uniform) weightAt = { at: c.weights, base: pos[0], stride: N };
    else {
      // weights per position
      const at = new Uint32Array(words.length);
      for (let i = 0; i < n; i++) at[pos[i]] += c.weights[i];
      weightAt = { at, base: 0, stride: 1 };
    }
  }
  // the sort's second buffer: per sorted entry what the filling scan needs
  // from the words (one byte per entry, two past order 8), then the tables'
  // end arrays when they fit (no allocation beside the sort's two buffers)
  const { sorted, scratch } = srt;
  const codes = N <= 8 ? new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.length) : new Uint16Array(scratch.buffer, scratch.byteOffset, scratch.length);
  // without weights every entry counts: the codes from the words gathered a block at a time, then both scans replay them
  if (!weightAt) recordCodes(words, sorted, codes, N);
  const sizes = scan(words, sorted, codes, !weightAt, weightAt, N, null, c.sentences);
  let total = 0;
  for (let k = 1; k <= N; k++) total += sizes.n[k];
  const codeWords = Math.ceil(codes.byteLength / 4);
  let endsAt = total <= scratch.length - codeWords ? codeWords : -1;
  const orders: AdjustedOrder[] = [];
  for (let k = 1; k <= N; k++) {
    const n = sizes.n[k];
    let ends: Uint32Array;
    if (endsAt >= 0) { ends = scratch.subarray(endsAt, endsAt + n); endsAt += n; } else ends = new Uint32Array(n);
    orders.push({
      order: k,
      n,
      ends,
      adjpar: new Uint32Array(2 * n),
      raw: opts.raw ? new Float64Array(n) : undefined,
    });
  }
  const res = scan(words, sorted, codes, true, weightAt, N, orders, c.sentences);
  // (the other buffer is not offered: when the tables' ends are not in it, holding it through the
  // highest order costs more than the arrays it could save there)
  return { order: N, words, vocabSize, orders, countsOfCounts: res.cc, spare: [sorted], allContexts: !c.positions };
}

/** weight of the padded N-gram ending at p: at[(p - base) / stride] */
interface Weights {
  at: Uint32Array;
  base: number;
  stride: number;
}


/** sorted entries whose words are gathered at a time */
const GATHER = 1024;

/**
 * The codes of `scan` (replay) for unweighted entries: per sorted entry its
 * N words are gathered a block at a time (so their random reads overlap),
 * then compared with the entry before: a repeat, or the suffix shared with
 * it (bounded by the orders the entry before left open), where a `<s>` cuts
 * the new ones, and whether it ends in `<unk>` — what `scan` finds reading
 * the words itself.
 */
function recordCodes(words: Uint32Array, sorted: Uint32Array, codes: Uint8Array | Uint16Array, N: number): void {
  const B = N <= 8 ? 3 : 4;
  const UNK = 1 << (2 * B);
  const REPEAT = N <= 8 ? 0x80 : 0x8000;
  const L = sorted.length;
  const g = new Uint32Array((GATHER + 1) * N);
  // g[0 … N-1]: the words of the entry before the block; g[(x+1)·N + d]: word d back of the block's entry x
  let valid = 0;
  for (let i0 = 0; i0 < L; i0 += GATHER) {
    const m = Math.min(GATHER, L - i0);
    for (let x = 0; x < m; x++) {
      const p = sorted[i0 + x];
      const o = (x + 1) * N;
      for (let d = 0; d < N; d++) g[o + d] = words[p - d];
    }
    for (let x = 0; x < m; x++) {
      const i = i0 + x;
      const o = (x + 1) * N;
      let same = 0;
      if (i > 0) while (same < N && g[o + same] === g[o - N + same]) same++;
      if (same === N) { codes[i] = REPEAT; continue; }
      const s = same < valid ? same : valid;
      let cut = 0;
      for (let k = s + 1; k <= N - 1; k++) if (g[o + k - 1] === BOS_ID) { cut = k; break; }
      valid = cut > 0 ? cut : s + 1 <= N - 1 ? N - 1 : s;
      codes[i] = s | (cut << B) | (g[o] === UNK_ID ? UNK : 0);
    }
    g.copyWithin(0, m * N, (m + 1) * N);
  }
}

/**
 * The scan over the sorted padded N-grams. The first (`replay` false) reads
 * the words: it finds the runs of equal N-grams, the suffix each shares with
 * the one before, where a `<s>` cuts it and whether it ends in `<unk>`, and
 * records them per entry in `codes` (s | cut << B | unk << 2B with B = 3 bits
 * up to order 8, else 4; the top bit marks the later entries of a run); with
 * `fill` null it only counts. The second
 * (`replay` true) fills the tables from `codes` and the positions alone: a
 * sequential sweep instead of the words' random reads.
 */
function scan(
  words: Uint32Array,
  sorted: Uint32Array,
  codes: Uint8Array | Uint16Array,
  replay: boolean,
  weightAt: Weights | null,
  N: number,
  fill: AdjustedOrder[] | null,
  sentences: number,
): { n: number[]; cc: number[][] } {
  const nk = new Array<number>(N + 1).fill(0);
  const cc: number[][] = [];
  for (let k = 0; k < N; k++) cc.push([0, 0, 0, 0, 0]);
  const open = new Int32Array(N + 1);
  const curAdj = new Float64Array(N + 1);
  const curRaw = new Float64Array(N + 1);
  // specials: <unk> at words[0], <s> at words[1]
  nk[1] = 2;
  if (fill) {
    const u = fill[0];
    u.ends[0] = 0;
    u.ends[1] = 1;
    if (u.raw) {
      u.raw[0] = 0;
      u.raw[1] = sentences;
    }
  }
  const close = (k: number): void => {
    const a = curAdj[k];
    if (a < 5) cc[k - 1][a]++;
    if (fill) {
      const o = fill[k - 1];
      const idx = open[k];
      o.adjpar[2 * idx] = a;
      if (o.raw) o.raw[idx] = curRaw[k];
    }
  };
  const B = N <= 8 ? 3 : 4;
  const FIELD = (1 << B) - 1;
  const UNK = 1 << (2 * B);
  const REPEAT = N <= 8 ? 0x80 : 0x8000;
  let valid = 0;
  let prev = -1;
  const L = sorted.length;
  let i = 0;
  while (i < L) {
    const p = sorted[i];
    // merge identical padded N-grams
    let j: number;
    let s = 0;
    let cut = 0;
    let unk = false;
    if (replay) {
      j = i + 1;
      while (j < L && codes[j] === REPEAT) j++;
      const code = codes[i];
      s = code & FIELD;
      cut = (code >>> B) & FIELD;
      unk = (code & UNK) !== 0;
    } else {
      j = equalRunEnd(words, sorted, i, N);
      for (let x = i + 1; x < j; x++) codes[x] = REPEAT;
      codes[i] = 0;
    }
    const head = i;
    let c = j - i;
    if (weightAt) {
      c = 0;
      for (let x = i; x < j; x++) c += weightAt.at[(sorted[x] - weightAt.base) / weightAt.stride];
    }
    i = j;
    if (weightAt && c === 0) continue;
    if (!replay) {
      if (prev >= 0) while (s < valid && words[p - s] === words[prev - s]) s++;
      unk = words[p] === UNK_ID;
    }
    for (let k = valid; k > s; k--) close(k);
    if (s > 0) curAdj[s] += 1;
    for (let k = 1; k <= s; k++) curRaw[k] += c;
    valid = s;
    let full = true;
    for (let k = s + 1; k <= N - 1; k++) {
      // <unk> as a word of the corpus: its unigram is the special entry 0
      const idx = k === 1 && unk ? 0 : nk[k]++;
      open[k] = idx;
      if (fill) {
        const o = fill[k - 1];
        o.ends[idx] = p;
        o.adjpar[2 * idx + 1] = k > 1 ? open[k - 1] : 0;
      }
      valid = k;
      curRaw[k] = c;
      if (replay ? k === cut : words[p - k + 1] === BOS_ID) {
        cut = k;
        curAdj[k] = c;
        full = false;
        break;
      }
      curAdj[k] = 1;
    }
    if (!replay) codes[head] = s | (cut << B) | (unk ? UNK : 0);
    if (full) {
      const idx = N === 1 && unk ? 0 : nk[N]++;
      if (c < 5) cc[N - 1][c]++;
      if (fill) {
        const o = fill[N - 1];
        o.ends[idx] = p;
        o.adjpar[2 * idx] = c;
        o.adjpar[2 * idx + 1] = N > 1 ? open[N - 1] : 0;
        if (o.raw) o.raw[idx] = c;
      }
    }
    prev = p;
  }
  for (let k = valid; k >= 1; k--) close(k);
  return { n: nk, cc };
}
