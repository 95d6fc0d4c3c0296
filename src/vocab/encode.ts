/**
 * Encode stage: `Tokens` (string[]) → `Ids` (Int32Array).
 *
 * - Default: one Int32Array per document (with `{ batch: true }`:
 *   `RecordBatch<Tokens>` → `RecordBatch<Ids>`).
 * - `chunkSize: n` (stream mode): the ids of all documents are concatenated and
 *   cut into Int32Arrays of exactly n ids; the last chunk, emitted at the end,
 *   may be shorter (never empty). With `batch`, the input is `RecordBatch<Tokens>`
 *   and the output is still plain Int32Array chunks.
 * Tokens outside the vocabulary get `<unk>`'s id (0); `unknown` counts them
 * (a literal `<unk>` token is not counted).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { Vocabulary } from './vocabulary.js';
import { BATCH_HWM, type BatchOption } from '../io/record-stage.js';
import { UNK } from '../types.js';

export interface EncodeOptions extends BatchOption {
  /** concatenate documents into chunks of this many ids (stream mode) */
  chunkSize?: number;
}

export type Encoder = Transform & {
  /** ids emitted so far */
  readonly ids: number;
  /** tokens mapped to `<unk>` because they are not in the vocabulary */
  readonly unknown: number;
};

/** Pure: the ids of one document. */
export function encodeTokens(vocab: Vocabulary, tokens: readonly string[]): Int32Array {
  return vocab.encode(tokens);
}

export function encode(vocab: Vocabulary, opts: EncodeOptions = {}): Encoder {
  const chunkSize = opts.chunkSize;
  if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize >= 1)) {
    throw new RangeError(`chunkSize must be a whole number ≥ 1, got ${chunkSize}`);
  }
  const batch = opts.batch ?? false;
  let ids = 0;
  let unknown = 0;
  const countUnknown = (tokens: readonly string[], out: Int32Array, off: number, n: number) => {
    for (let i = 0; i < n; i++) if (out[off + i] === 0 && tokens[i] !== UNK) unknown++;
  };
  const one = (tokens: string[]): Int32Array => {
    const out = vocab.encode(tokens);
    countUnknown(tokens, out, 0, out.length);
    ids += out.length;
    return out;
  };

  let buf = chunkSize ? new Int32Array(chunkSize) : new Int32Array(0);
  let fill = 0;
  const append = (s: Transform, tokens: string[]) => {
    const size = chunkSize as number;
    for (let i = 0; i < tokens.length; ) {
      const n = Math.min(size - fill, tokens.length - i);
      const part = i === 0 && n === tokens.length ? tokens : tokens.slice(i, i + n);
      vocab.encode(part, buf.subarray(fill, fill + n));
      countUnknown(part, buf, fill, n);
      fill += n;
      i += n;
      if (fill === size) {
        s.push(buf);
        ids += size;
        buf = new Int32Array(size);
        fill = 0;
      }
    }
  };

  const t = new Transform({
    objectMode: true,
    writableHighWaterMark: batch ? BATCH_HWM : 16,
    readableHighWaterMark: batch && !chunkSize ? BATCH_HWM : 16,
    transform(chunk: string[] | string[][], _enc, cb: TransformCallback) {
      try {
        if (chunkSize) {
          if (batch) for (const d of chunk as string[][]) append(this, d);
          else append(this, chunk as string[]);
          cb();
        } else if (batch) {
          cb(null, (chunk as string[][]).map(one));
        } else {
          cb(null, one(chunk as string[]));
        }
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb: TransformCallback) {
      if (chunkSize && fill > 0) {
        ids += fill;
        this.push(buf.slice(0, fill));
      }
      cb();
    },
  }) as Encoder;
  Object.defineProperty(t, 'ids', { get: () => ids });
  Object.defineProperty(t, 'unknown', { get: () => unknown });
  return t;
}
