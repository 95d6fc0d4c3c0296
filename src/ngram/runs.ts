/**
 * Binary sorted runs of n-gram records (pure I/O, no streams): a run is a
 * file of fixed-size records, N uint32 ids then a uint32 count, sorted by
 * ids (lexicographic, oldest word first). `mergeRuns` merges runs with a
 * k-way merge of buffered reads, summing equal records; what the records
 * mean (padded N-grams, k-grams of one order) is the caller's.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

const RECORDS_PER_READ = 1 << 14;

/** a run file read back record by record through a buffer */
class RunReader {
  keys: Uint32Array;
  counts: Uint32Array;
  /** records in the buffer, and the current one */
  len = 0;
  at = 0;
  done = false;
  private buf: Buffer;
  private pos = 0;
  constructor(private fh: FileHandle, readonly N: number, readonly file: string) {
    this.buf = Buffer.alloc(RECORDS_PER_READ * (N + 1) * 4);
    this.keys = new Uint32Array(RECORDS_PER_READ * N);
    this.counts = new Uint32Array(RECORDS_PER_READ);
  }
  /** refill when the buffer is used up; false at the end */
  async fill(): Promise<boolean> {
    if (this.at < this.len) return true;
    const { bytesRead } = await this.fh.read(this.buf, 0, this.buf.length, this.pos);
    const rec = (this.N + 1) * 4;
    if (bytesRead % rec !== 0) throw new Error(`${this.file}: truncated run (${bytesRead} bytes is not a whole number of records)`);
    this.pos += bytesRead;
    this.len = bytesRead / rec;
    this.at = 0;
    const u = new Uint32Array(this.buf.buffer, this.buf.byteOffset, this.len * (this.N + 1));
    for (let i = 0; i < this.len; i++) {
      this.keys.set(u.subarray(i * (this.N + 1), i * (this.N + 1) + this.N), i * this.N);
      this.counts[i] = u[i * (this.N + 1) + this.N];
    }
    if (this.len === 0) this.done = true;
    return !this.done;
  }
}

/** compare the record at a (in ka) with the one at b (in kb), N ids */
function cmp(ka: Uint32Array, a: number, kb: Uint32Array, b: number, N: number): number {
  for (let j = 0; j < N; j++) {
    const d = ka[a + j] - kb[b + j];
    if (d !== 0) return d;
  }
  return 0;
}

/** write n records (keys n×N, counts n) as a run */
export async function writeRun(file: string, keys: Uint32Array, counts: ArrayLike<number>, n: number, N: number): Promise<void> {
  const fh = await fsp.open(file, 'w');
  try {
    const rec = N + 1;
    for (let i0 = 0; i0 < n; i0 += RECORDS_PER_READ) {
      const i1 = Math.min(n, i0 + RECORDS_PER_READ);
      const u = new Uint32Array((i1 - i0) * rec);
      for (let i = i0; i < i1; i++) {
        u.set(keys.subarray(i * N, i * N + N), (i - i0) * rec);
        if (!(counts[i] >= 0 && counts[i] <= 0xffffffff)) throw new Error(`${file}: count ${counts[i]} does not fit a run record`);
        u[(i - i0) * rec + N] = counts[i];
      }
      await fh.write(new Uint8Array(u.buffer));
    }
  } finally {
    await fh.close();
  }
}

/** k-way merge of the runs, in id order, equal records summed: `emit(key, sum)` per distinct record */
export async function mergeRuns(files: string[], N: number, emit: (key: Uint32Array, count: number) => void): Promise<void> {
  const handles: FileHandle[] = [];
  try {
    for (const f of files) handles.push(await fsp.open(f, 'r'));
    const heads = handles.map((fh, i) => new RunReader(fh, N, files[i]));
    for (const h of heads) await h.fill();
    let live = heads.filter((h) => !h.done);
    const key = new Uint32Array(N);
    while (live.length > 0) {
      let m = live[0];
      for (const h of live) if (cmp(h.keys, h.at * N, m.keys, m.at * N, N) < 0) m = h;
      key.set(m.keys.subarray(m.at * N, m.at * N + N));
      let sum = 0;
      let ended = false;
      for (const h of live) {
        while (cmp(h.keys, h.at * N, key, 0, N) === 0) {
          sum += h.counts[h.at++];
          if (h.at < h.len) continue;
          if (!(await h.fill())) {
            ended = true;
            break;
          }
        }
      }
      emit(key, sum);
      if (ended) live = live.filter((h) => !h.done);
    }
  } finally {
    for (const fh of handles) await fh.close();
  }
}
