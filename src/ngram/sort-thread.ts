/**
 * The sort thread of a bounded build: a worker_thread (src/ngram/sort-worker.ts)
 * that sorts a full buffer of records and writes it as a run file while the
 * main thread fills the next buffer, as lmplz's sort threads do.
 *
 * Jobs (one at a time, answered in order):
 *  - `sort`: n records of an ExternalSorter buffer (a SharedArrayBuffer: the
 *    main thread does not touch it until the job is done) → a sorted run file,
 *    equal keys combined (ext-sort.ts `writeSortedRunSync`);
 *  - `count`: a corpus part (ids and n-gram end positions, transferred) →
 *    its padded N-grams radix-sorted in suffix order, equal ones summed, as a
 *    run of `[w_N … w_1, count]` records.
 *
 * Without a built worker script (or with `threads: false`) the same job runs
 * in the calling thread (`runThreadJob`).
 *
 * Memory: the worker's isolate (~10 MB), the other array of the largest
 * sort job (as big as its buffer, counted in the sorter's budget), a 1 MiB
 * output buffer of a count job; the shared sort blocks (as many as are in use at
 * once: two per filling sorter), reused by every sorter.
 */
import { Worker } from 'node:worker_threads';
import { type SortService, type SortSpec, SyncRunWriter, writeSortedRunSync } from './ext-sort.js';
import { equalRunEnd, suffixSortScratch } from './radix.js';
import { workerScript } from '../util/worker-script.js';
import { ArpaWriter, type ByteSink } from './arpa-write.js';

export type SortJob =
  | { type: 'sort'; buf: Uint32Array; n: number; spec: SortSpec; file: string }
  /** the sorting is done: drop the sorts' other array */
  | { type: 'trim' }
  | { type: 'count'; words: Uint32Array; positions: Uint32Array; order: number; vocab: number; file: string };

/** a thread's reusable array for the sorts' other half */
export class ScratchCache {
  private s: Uint32Array | null = null;
  get(words: number): Uint32Array {
    if (!this.s || this.s.length < words) this.s = new Uint32Array(words);
    return this.s;
  }
  /** forget the array; returns its buffer (to hand back: see JobResult.release) */
  drop(): ArrayBuffer[] {
    const b = this.s?.buffer as ArrayBuffer | undefined;
    this.s = null;
    return b ? [b] : [];
  }
}

/** the padded N-grams of a corpus part as a sorted run of `[w_N … w_1, count]` */
function countRunSync(words: Uint32Array, positions: Uint32Array, N: number, vocab: number, file: string): ArrayBuffer[] {
  const { sorted, scratch } = suffixSortScratch(words, positions, N, vocab);
  const done = [words.buffer as ArrayBuffer, positions.buffer as ArrayBuffer, scratch.buffer as ArrayBuffer];
  const w = new SyncRunWriter(file, N + 1);
  try {
    const L = sorted.length;
    const b = w.buf;
    let i = 0;
    while (i < L) {
      const p = sorted[i];
      const j = equalRunEnd(words, sorted, i, N);
      if (w.full) w.flush();
      const at = w.take();
      for (let d = 0; d < N; d++) b[at + d] = words[p - d];
      b[at + N] = j - i;
      i = j;
    }
    w.close();
  } catch (e) {
    w.abort();
    throw e;
  }
  return done;
}

export type ArpaJob =
  | { type: 'arpa-open'; tokens: readonly string[]; counts: readonly number[] }
  | { type: 'arpa-order'; k: number; n: number }
  /** n lines of order k: ids reversed (newest first), k per line; probabilities (not logs); log10 back-offs (NaN: none) */
  | { type: 'arpa-lines'; k: number; n: number; ids: Uint32Array; p: Float64Array; bo: Float64Array }
  | { type: 'arpa-end-order' }
  | { type: 'arpa-end' };

export type Job = SortJob | ArpaJob;

/**
 * what a job gives back: the ARPA bytes made so far, the batch's arrays (to
 * reuse), and big buffers it is done with (`release`: handed back only to be
 * dropped, so that the busy main thread's collector frees them; an idle
 * worker would keep them resident until its next collection)
 */
export interface JobResult {
  chunks?: Uint8Array[];
  batch?: { ids: Uint32Array; p: Float64Array; bo: Float64Array };
  release?: ArrayBuffer[];
}

/** a thread's side of the jobs: its sort scratch and the ARPA writer whose bytes it hands back */
export class JobRunner {
  readonly scratch = new ScratchCache();
  private arpa: ArpaWriter | undefined;
  private chunks: Uint8Array[] = [];

  async run(job: Job): Promise<JobResult> {
    switch (job.type) {
      case 'sort':
        writeSortedRunSync(job.buf, job.n, job.spec, job.file, this.scratch.get(job.n * job.spec.width));
        return {};
      case 'count':
        return { release: countRunSync(job.words, job.positions, job.order, job.vocab, job.file) };
      case 'trim':
        return { release: this.scratch.drop() };
      case 'arpa-open':
        this.arpa = new ArpaWriter({ write: async (c) => { this.chunks.push(c); } }, job.tokens);
        await this.arpa.header(job.counts);
        return {};
      case 'arpa-order':
        await this.arpa!.beginOrder(job.k, job.n);
        return {};
      case 'arpa-lines': {
        const { k, n, ids, p, bo } = job;
        const w = this.arpa!;
        for (let i = 0; i < n; i++) {
          if (w.full(k)) await w.flush();
          w.line(Math.min(0, Math.log10(p[i])), ids, i * k, k, bo[i]);
        }
        return { chunks: this.take(), batch: { ids, p, bo } };
      }
      case 'arpa-end-order':
        await this.arpa!.endOrder();
        return { chunks: this.take() };
      case 'arpa-end':
        await this.arpa!.end();
        this.arpa = undefined;
        return { chunks: this.take() };
    }
  }

  private take(): Uint8Array[] {
    const c = this.chunks;
    this.chunks = [];
    return c;
  }
}

/** the buffers a result hands over */
export function resultTransfer(r: JobResult): ArrayBuffer[] {
  const t: ArrayBuffer[] = [];
  for (const c of r.chunks ?? []) t.push(c.buffer as ArrayBuffer);
  if (r.batch) t.push(r.batch.ids.buffer as ArrayBuffer, r.batch.p.buffer as ArrayBuffer, r.batch.bo.buffer as ArrayBuffer);
  for (const b of r.release ?? []) if (!(b instanceof SharedArrayBuffer) && !t.includes(b)) t.push(b);
  return t;
}

interface Reply { id: number; result?: JobResult; error?: { message: string; code?: string; syscall?: string; path?: string; errno?: number } }

/** the worker side of a job's error (Error's own fields do not cross postMessage) */
export function errorReply(id: number, e: unknown): Reply {
  const x = e as NodeJS.ErrnoException;
  return { id, error: { message: x?.message ?? String(e), code: x?.code, syscall: x?.syscall, path: x?.path, errno: x?.errno } };
}

export class SortThread implements SortService {
  private next = 0;
  private waiting = new Map<number, { resolve: (r: JobResult) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;
  private free: SharedArrayBuffer[] = [];

  private constructor(private readonly w: Worker, readonly blockBytes: number) {
    w.on('message', (m: Reply) => {
      const p = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.w.unref();
      if (!p) return;
      if (m.error) p.reject(Object.assign(new Error(m.error.message), m.error));
      else p.resolve(m.result ?? {});
    });
    const fail = (e: Error): void => {
      this.failed ??= e;
      for (const p of this.waiting.values()) p.reject(e);
      this.waiting.clear();
    };
    w.on('error', (e) => fail(new Error(`sort worker: ${e.message}`)));
    w.on('exit', (code) => fail(new Error(`sort worker exited (code ${code})`)));
    w.unref();
  }

  /**
   * a started sort thread whose sort buffers are shared blocks of
   * `blockBytes` (reused, never garbage), or undefined when the worker script
   * is not built
   */
  static start(blockBytes: number): SortThread | undefined {
    const file = workerScript(import.meta.url, 'ngram', 'sort-worker.js');
    return file ? new SortThread(new Worker(file), Math.max(4096, blockBytes - (blockBytes % 8))) : undefined;
  }

  /** the sorting is done: forget the free blocks, and the worker its sort array */
  async endSorting(): Promise<void> {
    this.free = [];
    await this.run({ type: 'trim' });
  }

  borrow(): SharedArrayBuffer {
    return this.free.pop() ?? new SharedArrayBuffer(this.blockBytes);
  }

  giveBack(b: SharedArrayBuffer): void {
    if (b.byteLength === this.blockBytes && !this.free.includes(b)) this.free.push(b);
  }

  /** do a job in the worker (`transfer`: buffers handed over, unusable here afterwards) */
  run(job: Job, transfer: ArrayBuffer[] = []): Promise<JobResult> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise<JobResult>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.w.ref();
      this.w.postMessage({ id, job }, transfer);
    });
  }

  async sort(buf: Uint32Array, n: number, spec: SortSpec, file: string): Promise<void> {
    await this.run({ type: 'sort', buf, n, spec, file });
  }

  /** stop the worker (a job under way is abandoned) */
  async close(): Promise<void> {
    this.failed ??= new Error('sort worker closed');
    this.free = [];
    await this.w.terminate();
  }
}

const local = new JobRunner();

/** a job in the sort thread when there is one, else here */
export async function runThreadJob(thread: SortThread | undefined, job: Job, transfer: ArrayBuffer[] = []): Promise<JobResult> {
  if (thread) return thread.run(job, transfer);
  try {
    return await local.run(job);
  } finally {
    local.scratch.drop();
  }
}

/**
 * The ARPA file of a bounded build, formatted by the thread (or here without
 * one): `line` takes an entry's probability (its log10 is taken there), the
 * entries are sent in batches, and the bytes that come back are written to
 * the sink in order while the next batch is filled. Memory: two batches of
 * `batch` lines, the thread's 4 MiB chunk and the chunks on their way back.
 */
export class ThreadedArpaWriter {
  private ids: Uint32Array = new Uint32Array(0);
  private p: Float64Array = new Float64Array(0);
  private bo: Float64Array = new Float64Array(0);
  private spare: JobResult['batch'] | undefined;
  private n = 0;
  private k = 0;
  private inflight: Promise<JobResult> | undefined;

  constructor(private readonly thread: SortThread | undefined, private readonly sink: ByteSink, private readonly batch = 1 << 15) {}

  private async write(r: JobResult): Promise<void> {
    for (const c of r.chunks ?? []) await this.sink.write(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    if (r.batch && r.batch.ids.length === this.batch * this.k) this.spare = r.batch;
  }

  /** the batch sent before, written */
  private async drain(): Promise<void> {
    const f = this.inflight;
    this.inflight = undefined;
    if (f) await this.write(await f);
  }

  private async job(job: ArpaJob): Promise<void> {
    await this.drain();
    await this.write(await runThreadJob(this.thread, job));
  }

  header(tokens: readonly string[], counts: readonly number[]): Promise<void> {
    return this.job({ type: 'arpa-open', tokens, counts });
  }

  async beginOrder(k: number, n: number): Promise<void> {
    await this.job({ type: 'arpa-order', k, n });
    this.k = k;
    this.spare = undefined;
    this.fresh();
  }

  private fresh(): void {
    const s = this.spare;
    this.spare = undefined;
    this.ids = s?.ids ?? new Uint32Array(this.batch * this.k);
    this.p = s?.p ?? new Float64Array(this.batch);
    this.bo = s?.bo ?? new Float64Array(this.batch);
    this.n = 0;
  }

  /** true when the batch is full: `await flush()` before `line` */
  get full(): boolean { return this.n === this.batch; }

  /** one entry of the current order: probability p, ids words[at … at+k-1] newest first, log10 back-off (NaN: none) */
  line(p: number, words: Uint32Array, at: number, bo: number): void {
    const k = this.k;
    const o = this.n * k;
    for (let j = 0; j < k; j++) this.ids[o + j] = words[at + j];
    this.p[this.n] = p;
    this.bo[this.n] = bo;
    this.n++;
  }

  /** send the batch (the one before is written first) */
  async flush(): Promise<void> {
    if (this.n === 0) return;
    await this.drain();
    const job: ArpaJob = { type: 'arpa-lines', k: this.k, n: this.n, ids: this.ids, p: this.p, bo: this.bo };
    const f = runThreadJob(this.thread, job, this.thread ? [this.ids.buffer as ArrayBuffer, this.p.buffer as ArrayBuffer, this.bo.buffer as ArrayBuffer] : []);
    f.catch(() => {}); // awaited by drain()
    this.inflight = f;
    this.fresh();
  }

  async endOrder(): Promise<void> {
    await this.flush();
    await this.job({ type: 'arpa-end-order' });
  }

  async end(): Promise<void> {
    await this.job({ type: 'arpa-end' });
  }
}
