/**
 * Radix sorts of n-gram occurrences over an id array (pure logic).
 *
 * An occurrence is an index `p` into `words`; the k-gram it stands for is
 * `words[p-k+1 … p]`. Both sorts are LSD counting sorts with one pass per
 * word (`vocabSize` buckets), stable, O(k · (n + V)), no comparator calls.
 */

/**
 * counting-sort `src` into `dst` by the key words[src[i] - back] (the key is
 * read twice rather than gathered into a buffer: that buffer, one id per
 * position, would raise the build's peak memory by a quarter at order 3)
 */
function pass(words: Uint32Array, src: Uint32Array, dst: Uint32Array, back: number, hist: Uint32Array): void {
  hist.fill(0);
  const n = src.length;
  for (let i = 0; i < n; i++) hist[words[src[i] - back] + 1]++;
  for (let v = 1; v < hist.length; v++) hist[v] += hist[v - 1];
  for (let i = 0; i < n; i++) {
    const p = src[i];
    dst[hist[words[p - back]]++] = p;
  }
}

/**
 * Sort positions in suffix order: by the last word, then the one before, …
 * (KenLM's SuffixOrder) over k words. Returns the sorted array (may be
 * `positions` itself, which is used as scratch either way).
 */
export function suffixSort(words: Uint32Array, positions: Uint32Array, k: number, vocabSize: number): Uint32Array {
  const hist = new Uint32Array(vocabSize + 1);
  let a: Uint32Array = positions;
  let b: Uint32Array = new Uint32Array(positions.length);
  // least significant first: the oldest word
  for (let back = k - 1; back >= 0; back--) {
    pass(words, a, b, back, hist);
    const t = a; a = b; b = t;
  }
  return a;
}

/**
 * Lexicographic (context) order of entries: sorts the indices 0…n-1 of
 * `ends` (end positions of k-grams) by words[end-k+1], …, words[end].
 * Returns a permutation: perm[j] = index of the j-th smallest entry.
 * `suffixSorted`: the entries are already in suffix order (sorted by their
 * last word first), so the pass on the last word is skipped. `gather`: each
 * pass first gathers its keys into a buffer of n ids (faster: one sweep of
 * random reads instead of two); false saves that buffer.
 */
export function lexPermutation(words: Uint32Array, ends: Uint32Array, k: number, vocabSize: number, suffixSorted = false, gather = true): Uint32Array {
  const n = ends.length;
  const hist = new Uint32Array(vocabSize + 1);
  let a: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  let b: Uint32Array = new Uint32Array(n);
  const key = gather ? new Uint32Array(n) : null;
  // least significant first: the newest word (back = 0)
  for (let back = suffixSorted ? 1 : 0; back < k; back++) {
    hist.fill(0);
    if (key) {
      for (let i = 0; i < n; i++) {
        const w = words[ends[a[i]] - back];
        key[i] = w;
        hist[w + 1]++;
      }
      for (let v = 1; v < hist.length; v++) hist[v] += hist[v - 1];
      for (let i = 0; i < n; i++) b[hist[key[i]]++] = a[i];
    } else {
      for (let i = 0; i < n; i++) hist[words[ends[a[i]] - back] + 1]++;
      for (let v = 1; v < hist.length; v++) hist[v] += hist[v - 1];
      for (let i = 0; i < n; i++) {
        const e = a[i];
        b[hist[words[ends[e] - back]]++] = e;
      }
    }
    const t = a; a = b; b = t;
  }
  return a;
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
