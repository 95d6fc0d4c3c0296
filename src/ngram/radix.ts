/**
 * Radix sorts of n-gram occurrences over an id array (pure logic).
 *
 * An occurrence is an index `p` into `words`; the k-gram it stands for is
 * `words[p-k+1 … p]`. Both sorts are LSD counting sorts with one pass per
 * word (`vocabSize` buckets), stable, O(k · (n + V)), no comparator calls.
 */

/**
 * The histograms of every pass at once: hist[pass·(V+1) + w + 1] counts the
 * entries whose key of that pass is w. The key of an entry in pass j is
 * words[end(entry) - backs[j]], and which entry has which key does not
 * depend on the order of the entries, so one sequential sweep over the
 * entries (each entry's words read from one place) gives all passes'
 * histograms; each pass then reads its keys once, when it scatters.
 */
function allHistograms(words: Uint32Array, ends: Uint32Array, backs: readonly number[], V: number): Uint32Array {
  const B = backs.length;
  const W = V + 1;
  const hist = new Uint32Array(B * W);
  const n = ends.length;
  if (B === 1) {
    const b0 = backs[0];
    for (let i = 0; i < n; i++) hist[words[ends[i] - b0] + 1]++;
  } else if (B === 2) {
    const b0 = backs[0], b1 = backs[1];
    for (let i = 0; i < n; i++) {
      const e = ends[i];
      hist[words[e - b0] + 1]++;
      hist[W + words[e - b1] + 1]++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const e = ends[i];
      for (let j = 0; j < B; j++) hist[j * W + words[e - backs[j]] + 1]++;
    }
  }
  for (let j = 0; j < B; j++) {
    const o = j * W;
    for (let v = 1; v < W; v++) hist[o + v] += hist[o + v - 1];
  }
  return hist;
}

/** entries whose keys are gathered at a time */
const BLOCK = 2048;
const KEY = new Uint32Array(BLOCK);

/** the histograms of all passes are kept at once when they are no bigger than this many entries (else one pass's at a time) */
function histogramsFit(passes: number, V: number, n: number): boolean {
  return passes * (V + 1) <= Math.max(n, 1 << 22);
}

/** one key per entry: the word `back` before the entry's end (the end is the entry itself when `ends` is null) */
function gatherKeys(words: Uint32Array, ends: Uint32Array | null, a: Uint32Array, i0: number, m: number, back: number): void {
  if (ends) for (let x = 0; x < m; x++) KEY[x] = words[ends[a[i0 + x]] - back];
  else for (let x = 0; x < m; x++) KEY[x] = words[a[i0 + x] - back];
}

/**
 * The LSD passes shared by both sorts: the entries of `a` (positions when
 * `ends` is null, else indices into `ends`) counting-sorted by the word
 * `backs[0]` before their end, then by `backs[1]`, … (least significant
 * first), `b` as scratch. Returns the sorted array and the other one.
 */
function radixPasses(words: Uint32Array, ends: Uint32Array | null, a: Uint32Array, b: Uint32Array, backs: readonly number[], V: number): { sorted: Uint32Array; scratch: Uint32Array } {
  const n = a.length;
  const W = V + 1;
  const all = histogramsFit(backs.length, V, n) ? allHistograms(words, ends ?? a, backs, V) : null;
  const one = all ? null : new Uint32Array(W);
  for (let j = 0; j < backs.length; j++) {
    const back = backs[j];
    let hist: Uint32Array;
    let o = 0;
    if (all) { hist = all; o = j * W; } else {
      hist = one!;
      hist.fill(0);
      for (let i0 = 0; i0 < n; i0 += BLOCK) {
        const m = Math.min(BLOCK, n - i0);
        gatherKeys(words, ends, a, i0, m, back);
        for (let x = 0; x < m; x++) hist[KEY[x] + 1]++;
      }
      for (let v = 1; v < W; v++) hist[v] += hist[v - 1];
    }
    // keys gathered a block at a time (their random reads overlap), then scattered
    for (let i0 = 0; i0 < n; i0 += BLOCK) {
      const m = Math.min(BLOCK, n - i0);
      gatherKeys(words, ends, a, i0, m, back);
      for (let x = 0; x < m; x++) b[hist[o + KEY[x]]++] = a[i0 + x];
    }
    const t = a; a = b; b = t;
  }
  return { sorted: a, scratch: b };
}

/**
 * Sort positions in suffix order: by the last word, then the one before, …
 * (KenLM's SuffixOrder) over k words. Returns the sorted array (may be
 * `positions` itself, which is used as scratch either way).
 */
export function suffixSort(words: Uint32Array, positions: Uint32Array, k: number, vocabSize: number): Uint32Array {
  return suffixSortScratch(words, positions, k, vocabSize).sorted;
}

/**
 * `suffixSort`, also handing back the other buffer of the sort (as long as
 * `positions`), free for the caller to reuse.
 */
export function suffixSortScratch(words: Uint32Array, positions: Uint32Array, k: number, vocabSize: number): { sorted: Uint32Array; scratch: Uint32Array } {
  // least significant first: the oldest word
  const backs: number[] = [];
  for (let back = k - 1; back >= 0; back--) backs.push(back);
  return radixPasses(words, null, positions, new Uint32Array(positions.length), backs, vocabSize);
}

/**
 * Lexicographic (context) order of entries: sorts the indices 0…n-1 of
 * `ends` (end positions of k-grams) by words[end-k+1], …, words[end].
 * Returns a permutation: perm[j] = index of the j-th smallest entry.
 * `suffixSorted`: the entries are already in suffix order (sorted by their
 * last word first), so the pass on the last word is skipped. Memory: the
 * permutation and one scratch array of n ids, plus the histograms; either
 * can be given (`scratch`, n ids each; what is not given is allocated): the
 * result is one of the two.
 */
export function lexPermutation(words: Uint32Array, ends: Uint32Array, k: number, vocabSize: number, suffixSorted = false, scratch?: { a?: Uint32Array; b?: Uint32Array }): Uint32Array {
  const n = ends.length;
  if (scratch && ((scratch.a && scratch.a.length !== n) || (scratch.b && scratch.b.length !== n))) throw new RangeError('lexPermutation: scratch arrays must hold one id per entry');
  const a = scratch?.a ?? new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  // least significant first: the newest word (back = 0)
  const backs: number[] = [];
  for (let back = suffixSorted ? 1 : 0; back < k; back++) backs.push(back);
  if (backs.length === 0) return a;
  return radixPasses(words, ends, a, scratch?.b ?? new Uint32Array(n), backs, vocabSize).sorted;
}

/**
 * In positions sorted by `suffixSort`, the end of the run of equal N-grams
 * starting at index i: the first j > i whose N words differ from sorted[i]'s.
 */
export function equalRunEnd(words: Uint32Array, sorted: Uint32Array, i: number, N: number): number {
  const p = sorted[i];
  const L = sorted.length;
  let j = i + 1;
  while (j < L) {
    const q = sorted[j];
    let d = 0;
    while (d < N && words[p - d] === words[q - d]) d++;
    if (d < N) break;
    j++;
  }
  return j;
}
