/**
 * ARPA writer (the SRILM / KenLM text format).
 *
 * Input: the vocabulary (id → token), the number of entries per order, then
 * one `ArpaBlock` per order 1 … N (sync or async iterable). Output: bytes to
 * a `ByteSink` (a file handle or a Writable, backpressure honoured).
 *
 * Numbers are written in fixed point, rounded to 8 decimal places (absolute
 * error ≤ 5e-9 in log10, trailing zeros dropped), so writing what the reader
 * read gives the same file byte for byte. A log10 of -Infinity (zero
 * probability) is written -99. A back-off field is written for every entry
 * of a block that has back-offs, except where the value is NaN.
 */
import type { Writable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';

export interface ArpaBlock {
  order: number;
  n: number;
  /** ids; entry i is words[ends[i] - order + 1 … ends[i]] (or words[i*order …] when ends is null) */
  words: Uint32Array;
  ends: Uint32Array | null;
  log10p: Float64Array;
  /** log10 back-off per entry (NaN: no field), null for none at all */
  log10bo: Float64Array | null;
}

export interface ByteSink {
  write(chunk: Buffer): Promise<void>;
}

export function fileSink(fh: FileHandle): ByteSink {
  return {
    async write(chunk) {
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
        off += bytesWritten;
      }
    },
  };
}

export function streamSink(w: Writable): ByteSink {
  return {
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        if (w.destroyed) { reject(Object.assign(new Error('write after the output closed'), { code: 'EPIPE' })); return; }
        const onError = (e: Error) => reject(e);
        w.once('error', onError);
        const ok = w.write(chunk, (e) => {
          if (e) { w.off('error', onError); reject(e); }
        });
        if (ok) { w.off('error', onError); resolve(); } else {
          w.once('drain', () => { w.off('error', onError); resolve(); });
        }
      });
    },
  };
}

/** The text of a log10 value: fixed point, at most 8 decimals, -99 for -Infinity. */
export function formatLog10(x: number): string {
  if (x === -Infinity) return '-99';
  if (Number.isNaN(x)) return 'nan';
  const b = Buffer.allocUnsafe(40);
  const n = writeFixed(b, 0, x);
  return b.toString('latin1', 0, n);
}

const DIGITS = new Uint8Array(16);

/** write x rounded to 8 decimals (trailing zeros dropped) at b[off]; returns the new offset */
function writeFixed(b: Buffer, off: number, x: number): number {
  if (x === -Infinity) { b[off] = 45; b[off + 1] = 57; b[off + 2] = 57; return off + 3; }
  let v = Math.round(Math.abs(x) * 1e8);
  if (!Number.isFinite(v) || v > 9e15) {
    const s = String(x);
    for (let i = 0; i < s.length; i++) b[off++] = s.charCodeAt(i);
    return off;
  }
  if (v === 0) { b[off] = 48; return off + 1; }
  if (x < 0) b[off++] = 45;
  let ip = Math.floor(v / 1e8);
  let fp = v - ip * 1e8;
  // integer part
  let nd = 0;
  do { DIGITS[nd++] = 48 + (ip % 10); ip = Math.floor(ip / 10); } while (ip > 0);
  while (nd > 0) b[off++] = DIGITS[--nd];
  if (fp > 0) {
    b[off++] = 46;
    let width = 8;
    while (fp % 10 === 0) { fp /= 10; width--; }
    for (let i = width - 1; i >= 0; i--) { DIGITS[i] = 48 + (fp % 10); fp = Math.floor(fp / 10); }
    for (let i = 0; i < width; i++) b[off++] = DIGITS[i];
  }
  v = 0;
  return off;
}

const CHUNK = 1 << 22;

class ChunkWriter {
  buf = Buffer.allocUnsafe(CHUNK);
  off = 0;
  constructor(private readonly sink: ByteSink) {}
  async room(bytes: number): Promise<void> {
    if (this.off + bytes <= this.buf.length) return;
    await this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }
  async flush(): Promise<void> {
    if (this.off === 0) return;
    const out = this.buf.subarray(0, this.off);
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, this.buf.length));
    this.off = 0;
    await this.sink.write(out);
  }
  ascii(s: string): void {
    const b = this.buf;
    let o = this.off;
    for (let i = 0; i < s.length; i++) b[o++] = s.charCodeAt(i);
    this.off = o;
  }
  bytes(src: Buffer): void {
    if (src.length < 16) {
      const b = this.buf;
      let o = this.off;
      for (let i = 0; i < src.length; i++) b[o++] = src[i];
      this.off = o;
    } else {
      src.copy(this.buf, this.off);
      this.off += src.length;
    }
  }
  byte(c: number): void {
    this.buf[this.off++] = c;
  }
}

export async function writeArpa(
  sink: ByteSink,
  tokens: readonly string[],
  counts: readonly number[],
  blocks: Iterable<ArpaBlock> | AsyncIterable<ArpaBlock>,
): Promise<void> {
  const enc = tokens.map((t) => Buffer.from(t, 'utf8'));
  let maxTok = 1;
  for (const b of enc) if (b.length > maxTok) maxTok = b.length;
  const w = new ChunkWriter(sink);
  let header = '\\data\\\n';
  counts.forEach((c, i) => { header += `ngram ${i + 1}=${c}\n`; });
  header += '\n';
  const hb = Buffer.from(header, 'utf8');
  await w.room(hb.length);
  w.bytes(hb);
  let expect = 1;
  for await (const blk of blocks as AsyncIterable<ArpaBlock>) {
    const k = blk.order;
    if (k !== expect) throw new Error(`ARPA writer: got order ${k}, expected ${expect}`);
    if (blk.n !== counts[k - 1]) throw new Error(`ARPA writer: order ${k} has ${blk.n} entries, header says ${counts[k - 1]}`);
    expect++;
    const title = `\\${k}-grams:\n`;
    await w.room(title.length);
    w.ascii(title);
    const lineMax = k * (maxTok + 1) + 64;
    const { words, ends, log10p, log10bo, n } = blk;
    for (let i = 0; i < n; i++) {
      if (w.off + lineMax > w.buf.length) await w.room(lineMax);
      w.off = writeFixed(w.buf, w.off, log10p[i]);
      w.byte(9);
      const start = ends ? ends[i] - k + 1 : i * k;
      for (let j = 0; j < k; j++) {
        if (j) w.byte(32);
        w.bytes(enc[words[start + j]]);
      }
      if (log10bo) {
        const b = log10bo[i];
        if (!Number.isNaN(b)) {
          w.byte(9);
          w.off = writeFixed(w.buf, w.off, b);
        }
      }
      w.byte(10);
    }
    await w.room(1);
    w.byte(10);
  }
  if (expect !== counts.length + 1) throw new Error(`ARPA writer: only ${expect - 1} of ${counts.length} orders were given`);
  await w.room(8);
  w.ascii('\\end\\\n');
  await w.flush();
}
