/**
 * Plumbing for the id cache (not a stage): buffered sequential writing and
 * reading of little-endian int32 files, and random access to them.
 */
import { promises as fsp, type promises } from 'node:fs';
import os from 'node:os';
import type { IdSource } from './lanes.js';

if (os.endianness() !== 'LE') throw new Error('lmstream id cache: big-endian hosts are not supported');

const BLOCK = 1 << 16; // ints per buffered read/write

export class IntWriter {
  private buf = new Int32Array(BLOCK);
  private n = 0;
  count = 0;
  private constructor(private readonly fh: promises.FileHandle) {}

  static async create(path: string): Promise<IntWriter> {
    return new IntWriter(await fsp.open(path, 'w'));
  }

  async push(v: number): Promise<void> {
    this.buf[this.n++] = v;
    this.count++;
    if (this.n === BLOCK) await this.flush();
  }

  async pushAll(a: ArrayLike<number>): Promise<void> {
    for (let i = 0; i < a.length; i++) {
      this.buf[this.n++] = a[i];
      if (this.n === BLOCK) await this.flush();
    }
    this.count += a.length;
  }

  private async flush(): Promise<void> {
    if (this.n === 0) return;
    await this.fh.write(new Uint8Array(this.buf.buffer, 0, this.n * 4));
    this.n = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh.close();
  }
}

/** Sequential reader: `take(n)` returns the next n ints (fewer at the end). */
export class IntReader {
  private buf = new Int32Array(0);
  private at = 0;
  private fileAt = 0; // bytes
  private constructor(private readonly fh: promises.FileHandle, private readonly size: number) {}

  static async open(path: string): Promise<IntReader> {
    const fh = await fsp.open(path, 'r');
    const st = await fh.stat();
    return new IntReader(fh, Math.floor(st.size / 4));
  }

  private async fill(): Promise<boolean> {
    const left = this.size - this.fileAt / 4;
    if (left <= 0) return false;
    const n = Math.min(BLOCK, left);
    const b = new Int32Array(n);
    const { bytesRead } = await this.fh.read(new Uint8Array(b.buffer), 0, n * 4, this.fileAt);
    if (bytesRead !== n * 4) throw new Error('id cache: file shorter than expected (truncated?)');
    this.fileAt += bytesRead;
    this.buf = b;
    this.at = 0;
    return true;
  }

  async take(n: number): Promise<Int32Array> {
    const out = new Int32Array(n);
    let got = 0;
    while (got < n) {
      if (this.at === this.buf.length && !(await this.fill())) return out.subarray(0, got);
      const k = Math.min(n - got, this.buf.length - this.at);
      out.set(this.buf.subarray(this.at, this.at + k), got);
      this.at += k;
      got += k;
    }
    return out;
  }

  /** the next block, as stored (empty at the end) */
  async block(): Promise<Int32Array> {
    if (this.at === this.buf.length && !(await this.fill())) return new Int32Array(0);
    const b = this.buf.subarray(this.at);
    this.at = this.buf.length;
    return b;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Random access to an int32 file as an IdSource (one open handle; call close). */
export async function fileSource(path: string): Promise<IdSource & { close(): Promise<void> }> {
  const fh = await fsp.open(path, 'r');
  const length = Math.floor((await fh.stat()).size / 4);
  return {
    length,
    async read(start, end) {
      const out = new Int32Array(Math.max(0, end - start));
      if (out.length === 0) return out;
      const { bytesRead } = await fh.read(new Uint8Array(out.buffer), 0, out.length * 4, start * 4);
      if (bytesRead !== out.length * 4) throw new Error(`${path}: read past the end (truncated cache?)`);
      return out;
    },
    close: () => fh.close(),
  };
}
