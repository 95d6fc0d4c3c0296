/**
 * shuffle: shuffles fixed-window examples within a bounded buffer, so that the
 * MLP does not see the corpus in order (sequential windows are strongly
 * correlated) while memory stays O(buffer).
 *
 * Input:  `WindowBatch` (from window). Output: `WindowBatch` of the same size
 *         B (the last may be smaller), holding the same examples in a
 *         permuted order: the examples of `buffer` consecutive batches are
 *         pooled and permuted (Fisher-Yates) with a seeded RNG.
 *
 * Determinism: the permutation depends only on the seed and the input order,
 * so an epoch replayed from its start with the same seed gives the same
 * batches (resume skips batches of the shuffled stream).
 */
import type { WindowBatch } from '../neural/api.js';
import { Mulberry32 } from '../util/random.js';

export interface ShuffleOptions {
  /** batches pooled per shuffle (≥ 1; 1 shuffles within each batch) */
  buffer: number;
  seed: number;
}

export function shuffleWindows(opts: ShuffleOptions): (source: AsyncIterable<WindowBatch>) => AsyncGenerator<WindowBatch> {
  if (!Number.isInteger(opts.buffer) || opts.buffer < 1) throw new RangeError(`shuffle: buffer must be a positive integer, got ${opts.buffer}`);
  return async function* shuffle(source) {
    const rng = new Mulberry32(opts.seed);
    let pool: WindowBatch[] = [];
    const flush = function* (): Generator<WindowBatch> {
      if (pool.length === 0) return;
      const N = pool[0].N;
      const B = pool[0].B;
      const total = pool.reduce((s, b) => s + b.B, 0);
      const ctx = new Int32Array(total * N);
      const next = new Int32Array(total);
      let o = 0;
      for (const b of pool) { ctx.set(b.context, o * N); next.set(b.next, o); o += b.B; }
      const perm = new Int32Array(total);
      for (let i = 0; i < total; i++) perm[i] = i;
      for (let i = total - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = perm[i]; perm[i] = perm[j]; perm[j] = t;
      }
      for (let s = 0; s < total; s += B) {
        const n = Math.min(B, total - s);
        const c = new Int32Array(n * N);
        const y = new Int32Array(n);
        for (let k = 0; k < n; k++) {
          const e = perm[s + k];
          c.set(ctx.subarray(e * N, e * N + N), k * N);
          y[k] = next[e];
        }
        yield { kind: 'window', B: n, N, context: c, next: y };
      }
      pool = [];
    };
    for await (const b of source) {
      if (b.kind !== 'window') throw new TypeError('shuffle: expected window batches');
      if (pool.length > 0 && (b.N !== pool[0].N || b.B > pool[0].B)) throw new RangeError('shuffle: batches of different shapes');
      pool.push(b);
      if (pool.length === opts.buffer) yield* flush();
    }
    yield* flush();
  };
}
