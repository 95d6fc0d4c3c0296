/**
 * window: token ids → fixed-window training examples for the MLP (Bengio et
 * al. 2003), batched.
 *
 * Input:  `Ids` (Int32Array). Sentence mode: one array per document, as the
 *         encode stage emits it (`<s> w1 … wn </s>`); stream mode: chunks of
 *         one continuous token stream (chunk boundaries carry no meaning).
 * Output: `WindowBatch` {kind:'window', B, N, context: Int32Array(B·N), next: Int32Array(B)}
 *         with B = `batch` examples, except the last batch which holds the
 *         remainder (its B is smaller; no padding, so no mask is needed).
 *
 * Contexts: sentence mode pads with `<s>` at the start of every document, so
 * the first token after `<s>` is predicted from `<s> <s> … <s>`; a leading
 * `<s>` is context only, never a target. Stream mode carries the context
 * across chunks and lines; the very start of the stream is padded with `<s>`,
 * so every token of the stream is a target.
 *
 * Expanding stage (one document can give many batches): written as an async
 * generator, so a batch is only built when downstream asks for it
 * (backpressure by construction, memory O(B·N)).
 */
import { Duplex } from 'node:stream';
import type { MarkerMode } from '../types.js';
import type { WindowBatch } from '../neural/api.js';

export interface WindowOptions {
  /** n of the n-gram window: context length N = order - 1 (≥ 1) */
  order: number;
  /** examples per batch */
  batch: number;
  mode: MarkerMode;
  /** id of `<s>` (the padding token); 1 in an lmstream vocabulary */
  bosId?: number;
}

export type WindowStage = (source: AsyncIterable<Int32Array>) => AsyncGenerator<WindowBatch>;

/** The window stage as an async-generator function for `stream.pipeline`. */
export function windowBatches(opts: WindowOptions): WindowStage {
  const N = opts.order - 1;
  const B = opts.batch;
  const bos = opts.bosId ?? 1;
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`window: order must be an integer ≥ 2, got ${opts.order}`);
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`window: batch must be a positive integer, got ${B}`);

  return async function* window(source) {
    let context = new Int32Array(B * N);
    let next = new Int32Array(B);
    let n = 0;
    const hist = new Int32Array(N).fill(bos); // last N ids, oldest first
    const take = (): WindowBatch => {
      const batch: WindowBatch = { kind: 'window', B, N, context, next };
      context = new Int32Array(B * N);
      next = new Int32Array(B);
      n = 0;
      return batch;
    };
    for await (const chunk of source) {
      if (!(chunk instanceof Int32Array)) throw new TypeError('window: expected Int32Array chunks of token ids');
      let start = 0;
      if (opts.mode === 'sentence') {
        hist.fill(bos);
        if (chunk.length > 0 && chunk[0] === bos) start = 1;
      }
      for (let i = start; i < chunk.length; i++) {
        context.set(hist, n * N);
        next[n] = chunk[i];
        hist.copyWithin(0, 1);
        hist[N - 1] = chunk[i];
        if (++n === B) yield take();
      }
    }
    if (n > 0) {
      yield { kind: 'window', B: n, N, context: context.slice(0, n * N), next: next.slice(0, n) };
    }
  };
}

/** The window stage as a Duplex stream (objectMode on both sides). */
export function createWindowStage(opts: WindowOptions): Duplex {
  return Duplex.from(windowBatches(opts));
}
