/**
 * Plumbing shared by the front-end stages (not a stage itself): an object-mode
 * Transform that maps each record through a pure function.
 *
 * Batches: every front-end stage takes `{ batch: true }`, in which case each
 * chunk it reads and writes is an array of records (`RecordBatch<T>`) instead of one
 * record. Batching is only a performance device (fewer stream round trips per
 * token); the records themselves are the same. `unbatch()` turns a batched
 * stream back into one record per chunk.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Object-mode high-water mark of batched streams (each chunk holds many records). */
export const BATCH_HWM = 4;

/** Several records in one stream chunk. */
export type RecordBatch<T> = T[];

export interface BatchOption {
  /** read and write arrays of records instead of single records (default false) */
  batch?: boolean;
}

/**
 * A Transform applying `fn` to every record (or to every record of every batch
 * when `batch`). `fn` returning undefined drops the record. Errors thrown by
 * `fn` go to the stream's callback.
 */
export function recordStage<I, O>(fn: (rec: I) => O | undefined, opts: BatchOption & { highWaterMark?: number } = {}): Transform {
  const batch = opts.batch ?? false;
  return new Transform({
    objectMode: true,
    // a batch holds many records: keep fewer of them in each buffer
    highWaterMark: opts.highWaterMark ?? (batch ? BATCH_HWM : 16),
    transform(chunk: I | I[], _enc, cb: TransformCallback) {
      try {
        if (!batch) {
          const out = fn(chunk as I);
          cb(null, out === undefined ? undefined : out);
          return;
        }
        const recs = chunk as I[];
        const out: O[] = [];
        for (let i = 0; i < recs.length; i++) {
          const o = fn(recs[i]);
          if (o !== undefined) out.push(o);
        }
        cb(null, out.length > 0 ? out : undefined);
      } catch (e) {
        cb(e as Error);
      }
    },
  });
}

/** RecordBatch<T> → T: one record per chunk again. */
export function unbatch<T>(): Transform {
  return new Transform({
    writableObjectMode: true,
    readableObjectMode: true,
    writableHighWaterMark: BATCH_HWM,
    readableHighWaterMark: 16,
    transform(chunk: T[], _enc, cb) {
      for (const r of chunk) this.push(r);
      cb();
    },
  });
}
