/**
 * External sort of fixed-width records in bounded memory (pure I/O and
 * logic, no streams): what `ngram build --memory` streams its n-grams through,
 * as KenLM's util/stream sorts do.
 *
 * A record is `width` uint32 words; its key is `order.length` of them,
 * compared as unsigned integers in the sequence `order` gives (e.g. [0, 1, 2]
 * lexicographic, [1, 2, 0] KenLM's context order of a reversed trigram).
 * Records are added in any order; each time the in-memory buffer is full it is
 * sorted (LSD counting sort on the key words, `vocab` buckets) and written as
 * a run file; `merged()` then reads the runs back through buffered readers in a
 * k-way heap merge (first merging groups of runs into longer runs while there
 * are more than the memory allows at once), yielding sorted chunks.
 * `combine`: records with equal keys are merged into one, word `combine` (a
 * count) summed (to 2^32 - 1; more is an error).
 *
 * Memory: the sort buffer (`memory` bytes: the records plus three uint32 per
 * record for the sort) while adding; while merging, one read buffer per run
 * (together at most `memory` bytes) and the output chunk.
 */
import { closeSync, openSync, promises as fsp, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fsError } from '../util/errors.js';

export interface SortSpec {
  /** uint32 words per record */
  width: number;
  /** key words in comparison order */
  order: readonly number[];
  /** every key word is < vocab (counting-sort buckets) */
  vocab: number;
  /** sum word `combine` of records with equal keys */
  combine?: number;
  /**
   * the records arrive already ordered by the last `presorted` key words
   * (each chunk, stably): the counting sort skips their passes
   */
  presorted?: number;
}

/** a batch of sorted records: `n` records of `width` words in `buf` */
export interface RecordChunk {
  buf: Uint32Array;
  n: number;
}

/** records per buffered read or write for a given budget */
export function recordsPerBuffer(bytes: number, width: number): number {
  return Math.max(16, Math.min(1 << 16, Math.floor(bytes / (4 * width))));
}

function compare(a: Uint32Array, ia: number, b: Uint32Array, ib: number, order: readonly number[]): number {
  for (let j = 0; j < order.length; j++) {
    const x = a[ia + order[j]];
    const y = b[ib + order[j]];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * LSD radix sort of the n records of buf: one counting pass per key word
 * (those not `presorted`), each moving whole records from one array to the
 * other (sequential reads; the histograms of all passes from one read).
 * `tmp` holds at least n records too. Returns the array that holds the
 * sorted records (buf or tmp).
 */
export function sortRecords(buf: Uint32Array, tmp: Uint32Array, n: number, s: SortSpec): Uint32Array {
  const W = s.width;
  const passes = s.order.length - (s.presorted ?? 0);
  if (passes <= 0 || n <= 1) return buf;
  const V = s.vocab;
  const hists: Uint32Array[] = [];
  for (let j = 0; j < passes; j++) hists.push(new Uint32Array(V + 1));
  for (let j = 0; j < passes; j++) {
    const h = hists[j];
    const w = s.order[j];
    for (let at = w, end = n * W; at < end; at += W) h[buf[at] + 1]++;
  }
  let src = buf;
  let dst = tmp;
  for (let j = passes - 1; j >= 0; j--) {
    const h = hists[j];
    // a pass whose key is the same in every record moves nothing
    let single = false;
    for (let v = 0; v < V && !single; v++) if (h[v + 1] === n) single = true;
    if (single) continue;
    for (let v = 1; v <= V; v++) h[v] += h[v - 1];
    const w = s.order[j];
    for (let at = 0, end = n * W; at < end; at += W) {
      const o = h[src[at + w]]++ * W;
      for (let c = 0; c < W; c++) dst[o + c] = src[at + c];
    }
    const t = src; src = dst; dst = t;
  }
  return src;
}

/** n sorted records of buf with equal keys combined in place (word `combine` summed); returns how many remain */
export function combineSorted(buf: Uint32Array, n: number, s: SortSpec): number {
  const c = s.combine;
  if (c === undefined || n === 0) return n;
  const W = s.width;
  let last = 0;
  for (let i = 1; i < n; i++) {
    const at = i * W;
    if (compare(buf, last, buf, at, s.order) === 0) {
      const sum = buf[last + c] + buf[at + c];
      if (sum > 0xffffffff) throw new Error('an n-gram is counted more than 2^32 - 1 times');
      buf[last + c] = sum;
      continue;
    }
    last += W;
    if (last !== at) buf.copyWithin(last, at, at + W);
  }
  return last / W + 1;
}

/**
 * The n records of buf in key order, equal keys combined, written as a run
 * file (synchronously: in the sort thread, src/ngram/sort-thread.ts). `tmp`:
 * room for n records (the sort's other array).
 */
export function writeSortedRunSync(buf: Uint32Array, n: number, spec: SortSpec, file: string, tmp: Uint32Array): void {
  const sorted = sortRecords(buf, tmp, n, spec);
  const m = combineSorted(sorted, n, spec);
  const fd = openSync(file, 'w');
  try {
    const bytes = new Uint8Array(sorted.buffer, sorted.byteOffset, m * spec.width * 4);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, Math.min(bytes.length - off, 1 << 24));
  } finally {
    closeSync(fd);
  }
}

/** a record file written synchronously through a buffer (a sort job's output) */
export class SyncRunWriter {
  readonly buf: Uint32Array;
  n = 0;
  private fd: number;
  constructor(readonly file: string, readonly width: number, records = recordsPerBuffer(1 << 20, width)) {
    this.buf = new Uint32Array(records * width);
    this.fd = openSync(file, 'w');
  }
  get full(): boolean { return (this.n + 1) * this.width > this.buf.length; }
  take(): number { return this.n++ * this.width; }
  flush(): void {
    const bytes = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.n * this.width * 4);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.n = 0;
  }
  close(): void {
    try { this.flush(); } finally { this.abort(); }
  }
  /** close the file (once: a closed descriptor's number may be another file's by now) */
  abort(): void {
    const fd = this.fd;
    if (fd < 0) return;
    this.fd = -1;
    try { closeSync(fd); } catch { /* already failing */ }
  }
}

/** writes records to a file through a buffer */
export class RecordWriter {
  private out: Uint32Array;
  private n = 0;
  count = 0;
  private constructor(private fh: FileHandle, readonly file: string, readonly width: number, records: number) {
    this.out = new Uint32Array(records * width);
  }
  static async create(file: string, width: number, records: number): Promise<RecordWriter> {
    return new RecordWriter(await fsp.open(file, 'w'), file, width, records);
  }
  /** true when the buffer has no room for another record: `await flush()` before `take()` */
  get full(): boolean { return (this.n + 1) * this.width > this.out.length; }
  /** the offset in `buf` of a new record (check `full` first) */
  take(): number {
    this.count++;
    return this.n++ * this.width;
  }
  get buf(): Uint32Array { return this.out; }
  async push(src: Uint32Array, at: number): Promise<void> {
    if (this.full) await this.flush();
    const o = this.take();
    for (let j = 0; j < this.width; j++) this.out[o + j] = src[at + j];
  }
  async flush(): Promise<void> {
    if (this.n === 0) return;
    const bytes = new Uint8Array(this.out.buffer, this.out.byteOffset, this.n * this.width * 4);
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await this.fh.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
    this.n = 0;
  }
  async close(): Promise<void> {
    await this.flush();
    await this.fh.close();
  }
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

/** reads a record file back in chunks */
export class RecordReader {
  buf: Uint32Array;
  /** records in the buffer, current record */
  n = 0;
  at = 0;
  private pos = 0;
  private bytes: Uint8Array;
  private constructor(private fh: FileHandle, readonly file: string, readonly width: number, records: number) {
    this.buf = new Uint32Array(records * width);
    this.bytes = new Uint8Array(this.buf.buffer);
  }
  static async open(file: string, width: number, records: number): Promise<RecordReader> {
    return new RecordReader(await fsp.open(file, 'r'), file, width, records);
  }
  /** make the current record available; false at the end of the file */
  async fill(): Promise<boolean> {
    if (this.at < this.n) return true;
    let got = 0;
    while (got < this.bytes.length) {
      const { bytesRead } = await this.fh.read(this.bytes, got, this.bytes.length - got, this.pos);
      if (bytesRead === 0) break;
      got += bytesRead;
      this.pos += bytesRead;
    }
    if (got % (this.width * 4) !== 0) throw new Error(`${this.file}: truncated record file (${got} bytes is not a whole number of records)`);
    this.n = got / (this.width * 4);
    this.at = 0;
    return this.n > 0;
  }
  /** offset of the current record */
  get off(): number { return this.at * this.width; }
  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Read a whole record file in chunks (the chunk's buffer is reused). */
export async function* readRecords(file: string, width: number, records: number): AsyncGenerator<RecordChunk> {
  const r = await RecordReader.open(file, width, records);
  try {
    while (await r.fill()) {
      yield { buf: r.buf, n: r.n };
      r.at = r.n;
    }
  } finally {
    await r.close();
  }
}

let runSerial = 0;

/** a thread that sorts a buffer and writes it as a run (src/ngram/sort-thread.ts) */
export interface SortService {
  sort(buf: Uint32Array, n: number, spec: SortSpec, file: string): Promise<void>;
  /** a shared block for a sort buffer (all blocks have the same size) */
  borrow(): SharedArrayBuffer;
  /** a block no longer used */
  giveBack(b: SharedArrayBuffer): void;
  readonly blockBytes: number;
}

/**
 * Sorts records in bounded memory through run files in `dir`. With a sort
 * thread, the budget holds two buffers of half the size: one is sorted and
 * written by the thread while the other is filled.
 */
export class ExternalSorter {
  private buf: Uint32Array;
  private n = 0;
  private cap: number;
  /** the sort's other array (without a thread) */
  private tmp: Uint32Array | null = null;
  /** the buffer the thread is sorting, and its job */
  private busy: { buf: Uint32Array; done: Promise<void> } | null = null;
  readonly runs: string[] = [];
  /** records added */
  added = 0;
  constructor(readonly spec: SortSpec, readonly memory: number, readonly dir: string, readonly name: string, private readonly thread?: SortService) {
    // per record: the buffer and the sort's other array (with a thread: one buffer filled, one sorted, the thread's other array)
    this.cap = Math.max(64, Math.floor(memory / ((thread ? 12 : 8) * spec.width)));
    // with a thread the buffers are the thread's shared blocks (reused by every sorter: no garbage to collect)
    if (thread) this.cap = Math.min(this.cap, Math.floor(thread.blockBytes / (4 * spec.width)));
    this.buf = this.thread ? this.view(this.thread.borrow()) : new Uint32Array(Math.min(this.cap, 1 << 12) * spec.width);
  }

  /** a view of words of a shared block: as many records as it has room for, up to the cap */
  private view(b: SharedArrayBuffer): Uint32Array {
    return new Uint32Array(b, 0, this.cap * this.spec.width);
  }

  /** the shared block of a view back to the thread */
  private giveBack(buf: Uint32Array): void {
    if (this.thread && buf.buffer instanceof SharedArrayBuffer) this.thread.giveBack(buf.buffer);
  }

  /** true when the sort buffer is full: `await spill()` before `take()` */
  get full(): boolean { return this.n >= this.cap; }
  /** the offset in `buffer` of a new record (check `full` first; the buffer may grow) */
  take(): number {
    const W = this.spec.width;
    if (this.n * W === this.buf.length) this.grow();
    this.added++;
    return this.n++ * W;
  }

  /** a buffer twice as big, up to the cap (without a thread: small sorts allocate little) */
  private grow(): void {
    const next = new Uint32Array(Math.min(this.cap, this.n * 2) * this.spec.width);
    next.set(this.buf);
    this.buf = next;
  }
  get buffer(): Uint32Array { return this.buf; }

  async push(src: Uint32Array, at: number): Promise<void> {
    if (this.full) await this.spill();
    const o = this.take();
    const W = this.spec.width;
    for (let j = 0; j < W; j++) this.buf[o + j] = src[at + j];
  }

  /** add the n records of src (copied in blocks) */
  async pushMany(src: Uint32Array, n: number): Promise<void> {
    const W = this.spec.width;
    let i = 0;
    while (i < n) {
      if (this.full) await this.spill();
      if (this.n * W === this.buf.length) this.grow();
      const take = Math.min(this.buf.length / W - this.n, n - i);
      this.buf.set(src.subarray(i * W, (i + take) * W), this.n * W);
      this.n += take;
      this.added += take;
      i += take;
    }
  }

  /** a run the caller writes itself, in key order (e.g. records sorted elsewhere) */
  async sortedRun(): Promise<RecordWriter> {
    return RecordWriter.create(this.newRun(), this.spec.width, recordsPerBuffer(Math.min(1 << 20, this.memory / 16), this.spec.width));
  }

  /** the name of a new run file (registered: merged, then removed) */
  newRun(): string {
    const file = path.join(this.dir, `${this.name}-${runSerial++}.run`);
    this.runs.push(file);
    return file;
  }

  /** write what is buffered as a run and free the buffer (before other work that needs the memory) */
  async release(): Promise<void> {
    await this.spill();
    await this.settle();
    this.giveBack(this.buf);
    this.buf = new Uint32Array(0);
    this.tmp = null;
  }

  /** wait for the thread's run (its error, if any, is thrown here) */
  async settle(): Promise<void> {
    const b = this.busy;
    if (!b) return;
    this.busy = null;
    try {
      await b.done;
    } finally {
      this.giveBack(b.buf);
    }
  }

  /** sort what is buffered and write it as a run (in the thread, which then has the buffer, or here) */
  async spill(): Promise<void> {
    if (this.n === 0) return;
    const file = this.newRun();
    if (this.thread) {
      await this.settle();
      const buf = this.buf;
      this.busy = { buf, done: this.thread.sort(buf, this.n, this.spec, file) };
      this.busy.done.catch(() => {}); // its error is thrown by settle()
      this.buf = this.view(this.thread.borrow());
    } else {
      this.tmp ??= new Uint32Array(this.cap * this.spec.width);
      writeSortedRunSync(this.buf, this.n, this.spec, file, this.tmp);
    }
    this.n = 0;
  }

  /**
   * All records in key order, in chunks (each chunk's buffer is reused after
   * the next is asked for). The run files are removed as they are used up.
   * `read.n`: the records of the last merge read so far (before combining:
   * a measure of progress).
   */
  async *merged(chunkRecords = 1 << 12, read: { n: number } = { n: 0 }): AsyncGenerator<RecordChunk> {
    const W = this.spec.width;
    if (this.runs.length === 0) {
      // everything fits: sort in memory (no file), the chunks are views of the sorted records
      const n = this.n;
      const sorted = sortRecords(this.buf, new Uint32Array(n * W), n, this.spec);
      const m = combineSorted(sorted, n, this.spec);
      for (let i = 0; i < m; i += chunkRecords) {
        const e = Math.min(m, i + chunkRecords);
        read.n = e === m ? n : e;
        yield { buf: sorted.subarray(i * W, e * W), n: e - i };
      }
      this.giveBack(this.buf);
      this.buf = new Uint32Array(0);
      this.n = 0;
      return;
    }
    await this.spill();
    await this.settle();
    this.giveBack(this.buf);
    this.buf = new Uint32Array(0);
    this.tmp = null;
    const perRun = recordsPerBuffer(Math.min(1 << 22, this.memory / 8), W);
    const fanIn = Math.max(2, Math.floor(this.memory / (perRun * W * 4)));
    let runs = this.runs.splice(0);
    while (runs.length > fanIn) {
      const next: string[] = [];
      for (let i = 0; i < runs.length; i += fanIn) {
        const group = runs.slice(i, i + fanIn);
        if (group.length === 1) { next.push(group[0]); continue; }
        const file = path.join(this.dir, `${this.name}-${runSerial++}.run`);
        const w = await RecordWriter.create(file, W, recordsPerBuffer(1 << 20, W));
        next.push(file);
        try {
          for await (const ch of mergeFiles(group, this.spec, perRun, chunkRecords)) {
            for (let r = 0; r < ch.n; r++) {
              if (w.full) await w.flush();
              const o = w.take();
              for (let j = 0; j < W; j++) w.buf[o + j] = ch.buf[r * W + j];
            }
          }
          await w.close();
        } catch (e) {
          await w.abort();
          throw e;
        }
      }
      runs = next;
    }
    yield* mergeFiles(runs, this.spec, perRun, chunkRecords, read);
  }
}

/** k-way heap merge of sorted run files (removed once read through) */
async function* mergeFiles(files: string[], s: SortSpec, perRun: number, chunkRecords: number, read: { n: number } = { n: 0 }): AsyncGenerator<RecordChunk> {
  const W = s.width;
  const order = s.order;
  const c = s.combine;
  const readers: RecordReader[] = [];
  try {
    for (const f of files) readers.push(await RecordReader.open(f, W, perRun));
    const heap: RecordReader[] = [];
    // the first key word decides most comparisons
    const k0 = order[0];
    const less = (x: RecordReader, y: RecordReader): boolean => {
      const a = x.buf[x.at * W + k0];
      const b = y.buf[y.at * W + k0];
      return a !== b ? a < b : compare(x.buf, x.at * W, y.buf, y.at * W, order) < 0;
    };
    const down = (i: number): void => {
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) return;
        let m = l;
        if (l + 1 < n && less(heap[l + 1], heap[l])) m = l + 1;
        if (!less(heap[m], heap[i])) return;
        const t = heap[m]; heap[m] = heap[i]; heap[i] = t;
        i = m;
      }
    };
    for (const r of readers) if (await r.fill()) heap.push(r);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    const out = new Uint32Array(chunkRecords * W);
    let m = 0;
    let last = -1;
    while (heap.length > 0) {
      const r = heap[0];
      const at = r.off;
      if (heap.length === 1 && (c === undefined || last < 0 || compare(out, last, r.buf, at, order) !== 0)) {
        // the rest of one run: its keys are distinct and after the last one out: copied in bulk
        do {
          while (r.at < r.n) {
            if (m === chunkRecords) {
              yield { buf: out, n: m };
              m = 0;
            }
            const take = Math.min(r.n - r.at, chunkRecords - m);
            out.set(r.buf.subarray(r.at * W, (r.at + take) * W), m * W);
            m += take;
            r.at += take;
            read.n += take;
          }
        } while (await r.fill());
        break;
      }
      if (c !== undefined && last >= 0 && compare(out, last, r.buf, at, order) === 0) {
        const sum = out[last + c] + r.buf[at + c];
        if (sum > 0xffffffff) throw new Error('an n-gram is counted more than 2^32 - 1 times');
        out[last + c] = sum;
      } else {
        if (m === chunkRecords) {
          if (c !== undefined) {
            yield { buf: out, n: m - 1 };
            out.copyWithin(0, (m - 1) * W, m * W);
            m = 1;
          } else {
            yield { buf: out, n: m };
            m = 0;
          }
        }
        for (let j = 0; j < W; j++) out[m * W + j] = r.buf[at + j];
        last = m * W;
        m++;
      }
      r.at++;
      read.n++;
      if (r.at >= r.n && !(await r.fill())) {
        // r is on top: replace it by the last leaf
        const end = heap.pop()!;
        if (heap.length > 0) heap[0] = end;
      }
      if (heap.length > 0) down(0);
    }
    if (m > 0) yield { buf: out, n: m };
  } finally {
    for (const r of readers) await r.close().catch(() => {});
    for (const f of files) await fsp.rm(f, { force: true });
  }
}

/** a full or failing temp disk: one line naming the directory (the runs need room there) */
export function spillError(e: unknown, dir: string | undefined): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (!dir || !code || !['ENOSPC', 'EDQUOT', 'EIO', 'EFBIG', 'EROFS', 'EACCES'].includes(code)) return e;
  return fsError('cannot write sorted runs in the temporary directory', `${path.dirname(dir)} (--temp-dir)`, e);
}
