/**
 * lanes: the truncated-BPTT batcher for recurrent models. B lanes advance in
 * parallel, T steps per batch; a lane's hidden state is carried from one batch
 * to the next (the model detaches it: truncated BPTT) until `reset` says a new
 * document starts in that lane.
 *
 * Output: `SeqBatch` {kind:'seq', B, T, x, y: Int32Array(B·T) lane-major
 *         (x[b*T + t]), reset: Uint8Array(B), mask?: Uint8Array(B·T)}; `mask`
 *         is present only when some position is padding (0 there, x = y = 0).
 *
 * Two modes:
 * - `sentenceLanes` (sentence mode). Input: `Ids`, one Int32Array per document
 *   `<s> w1 … wn </s>`, in corpus order. Inputs are d[0..len-2], targets
 *   d[1..len-1]. At the start of each batch, every lane without a document
 *   takes the next one (lanes in index order: document i goes to the lane
 *   that became free first) and gets reset = 1.
 *   Choice (documented): a document starts only at a window boundary. When a
 *   document ends mid-window, the rest of that lane's window is padding
 *   (mask 0) and the next document starts in the next batch with a reset. So
 *   the hidden state never crosses a document boundary and every document is
 *   scored from a zero state, exactly like a per-sentence evaluation. Cost:
 *   padding, on average about T/2 positions per document; pick T near the
 *   typical document length in sentence mode.
 * - `streamLanes` (stream mode). Input: random access to the whole id stream
 *   (the id cache on disk, or an array), as PyTorch's word_language_model
 *   `batchify`: a `<s>` is put before the stream so every token is a target;
 *   the n targets are cut into B contiguous lanes of L = ⌈n/B⌉ (the last
 *   lanes may be shorter: padding with mask 0, nothing is dropped); batch k
 *   covers positions k·T … k·T+T-1 of every lane. reset = 1 for every lane in
 *   batch 0 only: the state flows across lines and documents.
 *   Packed sentence mode reuses it over the `<s> … </s>` documents back to
 *   back (`maskTarget` = `<s>`): no padding per document, the state flows
 *   across sentence boundaries (the markers tell the model), for training
 *   only; evaluation keeps `sentenceLanes`, exact per sentence.
 *
 * Both are async generators (expanding stages: a batch is built only when
 * downstream asks for it).
 */
import { Readable } from 'node:stream';
import type { SeqBatch } from '../neural/api.js';

export interface LanesOptions {
  /** lanes (batch size) */
  batch: number;
  /** steps per batch (BPTT length) */
  bptt: number;
}

function check(opts: LanesOptions): void {
  if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new RangeError(`lanes: batch must be a positive integer, got ${opts.batch}`);
  if (!Number.isInteger(opts.bptt) || opts.bptt < 1) throw new RangeError(`lanes: bptt must be a positive integer, got ${opts.bptt}`);
}

function finish(B: number, T: number, x: Int32Array, y: Int32Array, reset: Uint8Array, mask: Uint8Array, padded: boolean): SeqBatch {
  const b: SeqBatch = { kind: 'seq', B, T, x, y, reset };
  if (padded) b.mask = mask;
  return b;
}

/** Sentence-mode lanes, as an async-generator function for `stream.pipeline`. */
export function sentenceLanes(opts: LanesOptions): (source: AsyncIterable<Int32Array>) => AsyncGenerator<SeqBatch> {
  check(opts);
  const B = opts.batch;
  const T = opts.bptt;
  return async function* lanes(source) {
    const it = source[Symbol.asyncIterator]();
    let exhausted = false;
    const nextDoc = async (): Promise<Int32Array | undefined> => {
      while (!exhausted) {
        const r = await it.next();
        if (r.done) { exhausted = true; break; }
        const d = r.value;
        if (!(d instanceof Int32Array)) throw new TypeError('lanes: expected Int32Array documents of token ids');
        if (d.length >= 2) return d;
      }
      return undefined;
    };
    const docs: (Int32Array | undefined)[] = new Array(B).fill(undefined);
    const pos = new Array<number>(B).fill(0); // next input index in the lane's document
    try {
      for (;;) {
        const reset = new Uint8Array(B);
        for (let b = 0; b < B; b++) {
          if (docs[b] === undefined) {
            const d = await nextDoc();
            if (d) { docs[b] = d; pos[b] = 0; reset[b] = 1; }
          }
        }
        if (docs.every((d) => d === undefined)) return;
        const x = new Int32Array(B * T);
        const y = new Int32Array(B * T);
        const mask = new Uint8Array(B * T);
        let padded = false;
        for (let b = 0; b < B; b++) {
          const d = docs[b];
          let t = 0;
          if (d) {
            const n = Math.min(T, d.length - 1 - pos[b]);
            for (; t < n; t++) {
              x[b * T + t] = d[pos[b] + t];
              y[b * T + t] = d[pos[b] + t + 1];
              mask[b * T + t] = 1;
            }
            pos[b] += n;
            if (pos[b] >= d.length - 1) docs[b] = undefined;
          }
          if (t < T) padded = true;
        }
        yield finish(B, T, x, y, reset, mask, padded);
      }
    } finally {
      if (!exhausted) await it.return?.();
    }
  };
}

/** Random access to one continuous stream of n token ids. */
export interface IdSource {
  readonly length: number;
  /** ids[start … end-1] */
  read(start: number, end: number): Promise<Int32Array>;
}

/** An IdSource over an array in memory. */
export function arraySource(ids: Int32Array): IdSource {
  return { length: ids.length, read: async (s, e) => ids.subarray(s, e) };
}

export interface StreamLanesOptions extends LanesOptions {
  /** id of `<s>`, put before the stream (1 in an lmstream vocabulary) */
  bosId?: number;
  /** start at this batch (resume: the lanes are computed, not replayed) */
  startBatch?: number;
  /**
   * mask the positions whose target is this id (packed sentence mode: the
   * `<s>` that follows each `</s>` is input only, never predicted)
   */
  maskTarget?: number;
}

/** Number of batches `streamLanes` gives for n ids. */
export function streamBatchCount(n: number, batch: number, bptt: number): number {
  return Math.ceil(Math.ceil(n / batch) / bptt);
}

/** Stream-mode lanes (batchify) over random-access ids. */
export async function* streamLanes(src: IdSource, opts: StreamLanesOptions): AsyncGenerator<SeqBatch> {
  check(opts);
  const B = opts.batch;
  const T = opts.bptt;
  const bos = opts.bosId ?? 1;
  const n = src.length;
  const L = Math.ceil(n / B);
  const K = streamBatchCount(n, B, T);
  // per-lane read-ahead: one read of `ahead` ids per lane every few batches
  const ahead = Math.max(T + 1, Math.min(L + 1, 64 * T));
  const bufs: { start: number; ids: Int32Array }[] = Array.from({ length: B }, () => ({ start: 0, ids: new Int32Array(0) }));
  const read = async (b: number, s: number, e: number): Promise<Int32Array> => {
    const buf = bufs[b];
    if (s < buf.start || e > buf.start + buf.ids.length) {
      const laneEnd = Math.min((b + 1) * L, n);
      buf.start = s;
      buf.ids = await src.read(s, Math.max(e, Math.min(s + ahead, laneEnd)));
    }
    return buf.ids.subarray(s - buf.start, e - buf.start);
  };
  for (let k = opts.startBatch ?? 0; k < K; k++) {
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    const mask = new Uint8Array(B * T);
    const reset = new Uint8Array(B);
    let padded = false;
    for (let b = 0; b < B; b++) {
      if (k === 0) reset[b] = 1;
      const laneEnd = Math.min((b + 1) * L, n);
      const p0 = b * L + k * T; // first target position of this window
      const p1 = Math.min(p0 + T, laneEnd);
      if (p1 - p0 < T) padded = true;
      if (p1 <= p0) continue;
      // targets ids[p0 … p1-1]; inputs ids[p0-1 … p1-2], with <s> before id 0
      const from = Math.max(0, p0 - 1);
      const got = await read(b, from, p1);
      // got = ids[from … p1-1]; when p0 = 0 the <s> before the stream stands in for ids[-1]
      const off = p0 === 0 ? 1 : 0;
      for (let t = 0; t < p1 - p0; t++) {
        x[b * T + t] = p0 + t === 0 ? bos : got[t - off];
        y[b * T + t] = got[t + 1 - off];
        if (y[b * T + t] === opts.maskTarget) padded = true;
        else mask[b * T + t] = 1;
      }
    }
    yield finish(B, T, x, y, reset, mask, padded);
  }
}

/** `streamLanes` as a Readable stream (objectMode). */
export function createStreamLanes(src: IdSource, opts: StreamLanesOptions): Readable {
  return Readable.from(streamLanes(src, opts), { objectMode: true, highWaterMark: 2 });
}
