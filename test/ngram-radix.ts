import t from 'tap';
import { lexPermutation, suffixSort, suffixSortScratch } from '../src/ngram/radix.js';
import { Xoshiro128 } from '../src/util/random.js';

/** random words (ids below V, small ones frequent) and the k-gram ends k-1 … len-1 */
function corpus(seed: number, len: number, V: number): { words: Uint32Array; ends: Uint32Array } {
  const rng = new Xoshiro128(seed);
  const words = new Uint32Array(len);
  for (let i = 0; i < len; i++) words[i] = Math.floor(V * rng.random() ** 3);
  return { words, ends: new Uint32Array(0) };
}

function cmpSuffix(w: Uint32Array, a: number, b: number, k: number): number {
  for (let d = 0; d < k; d++) if (w[a - d] !== w[b - d]) return w[a - d] - w[b - d];
  return a - b; // stable: ties keep the input order
}

function cmpLex(w: Uint32Array, a: number, b: number, k: number): number {
  for (let d = k - 1; d >= 0; d--) if (w[a - d] !== w[b - d]) return w[a - d] - w[b - d];
  return 0;
}

// sizes above the gather block (2048) and vocabularies small (all histograms at once) and huge (one pass's at a time)
const cases = [
  { len: 5000, V: 7, k: 3 },
  { len: 20000, V: 300, k: 2 },
  { len: 20000, V: 300, k: 5 },
  { len: 9000, V: 3_000_000, k: 4 },
  { len: 3000, V: 50, k: 1 },
];

t.test('suffixSort equals a comparator sort (stable), with its scratch buffer', async (t) => {
  for (const [i, c] of cases.entries()) {
    const { words } = corpus(i + 1, c.len, c.V);
    const pos = Uint32Array.from({ length: c.len - c.k + 1 }, (_, j) => j + c.k - 1);
    const want = [...pos].sort((a, b) => cmpSuffix(words, a, b, c.k));
    const { sorted, scratch } = suffixSortScratch(words, Uint32Array.from(pos), c.k, c.V);
    t.same([...sorted], want, `len ${c.len} V ${c.V} k ${c.k}`);
    t.equal(scratch.length, pos.length);
    t.not(scratch, sorted);
    t.same([...suffixSort(words, Uint32Array.from(pos), c.k, c.V)], want);
  }
});

t.test('lexPermutation orders entries by their words, oldest first (stable)', async (t) => {
  for (const [i, c] of cases.entries()) {
    const { words } = corpus(100 + i, c.len, c.V);
    const rng = new Xoshiro128(7 + i);
    const ends = Uint32Array.from({ length: Math.floor(c.len / 2) }, () => c.k - 1 + Math.floor(rng.random() * (c.len - c.k + 1)));
    const want = [...ends.keys()].sort((a, b) => cmpLex(words, ends[a], ends[b], c.k) || a - b);
    t.same([...lexPermutation(words, ends, c.k, c.V)], want, `len ${c.len} V ${c.V} k ${c.k}`);
    // entries already in suffix order: the pass on the last word is skipped, same result
    const bySuffix = Uint32Array.from([...ends].sort((a, b) => cmpSuffix(words, a, b, c.k)));
    const want2 = [...bySuffix.keys()].sort((a, b) => cmpLex(words, bySuffix[a], bySuffix[b], c.k) || a - b);
    t.same([...lexPermutation(words, bySuffix, c.k, c.V, true)], want2, `suffix-sorted, k ${c.k}`);
  }
});

t.test('lexPermutation into given scratch arrays (views of one pool)', async (t) => {
  const { words } = corpus(42, 10000, 500);
  const ends = Uint32Array.from({ length: 4000 }, (_, i) => 2 + i * 2);
  const pool = new Uint32Array(9000).fill(7);
  const a = pool.subarray(0, 4000);
  const b = pool.subarray(4000, 8000);
  const got = lexPermutation(words, ends, 3, 500, false, { a, b });
  t.ok(got.buffer === pool.buffer && (got.byteOffset === 0 || got.byteOffset === 16000), 'the result is one of the given arrays');
  t.same([...got], [...lexPermutation(words, ends, 3, 500)]);
  t.same([...pool.subarray(8000)], new Array(1000).fill(7), 'nothing written past them');
  t.throws(() => lexPermutation(words, ends, 3, 500, false, { a: pool.subarray(0, 10), b }), /one id per entry/);
});

t.test('lexPermutation with one scratch array given, the other allocated', async (t) => {
  const { words } = corpus(43, 8000, 300);
  const ends = Uint32Array.from({ length: 3000 }, (_, i) => 4 + i * 2);
  const want = [...lexPermutation(words, ends, 4, 300)];
  for (const which of ['a', 'b'] as const) {
    const pool = new Uint32Array(3000);
    const got = lexPermutation(words, ends, 4, 300, false, { [which]: pool });
    t.same([...got], want, `only ${which} given`);
  }
});
