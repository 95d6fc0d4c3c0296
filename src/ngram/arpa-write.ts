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

/**
 * The ARPA file written line by line (what a streamed build uses): `header`,
 * then per order `beginOrder`, `line` per entry (check `full(order)` and
 * `await flush()` first), `endOrder`; then `end`. Memory: one 4 MiB chunk.
 */
export class ArpaWriter {
  private w: ChunkWriter;
  private enc: Buffer[];
  private lineMax = 0;
  private counts: readonly number[] = [];
  private expect = 1;
  private order = 0;
  private written = 0;
  private maxTok = 1;
  constructor(sink: ByteSink, tokens: readonly string[]) {
    this.w = new ChunkWriter(sink);
    this.enc = tokens.map((t) => Buffer.from(t, 'utf8'));
    for (const b of this.enc) if (b.length > this.maxTok) this.maxTok = b.length;
  }
  async header(counts: readonly number[]): Promise<void> {
    this.counts = counts;
    let header = '\\data\\\n';
    counts.forEach((c, i) => { header += `ngram ${i + 1}=${c}\n`; });
    header += '\n';
    const hb = Buffer.from(header, 'utf8');
    await this.w.room(hb.length);
    this.w.bytes(hb);
  }
  async beginOrder(k: number, n: number): Promise<void> {
    if (k !== this.expect) throw new Error(`ARPA writer: got order ${k}, expected ${this.expect}`);
    if (n !== this.counts[k - 1]) throw new Error(`ARPA writer: order ${k} has ${n} entries, header says ${this.counts[k - 1]}`);
    this.expect++;
    this.order = k;
    this.written = 0;
    const title = `\\${k}-grams:\n`;
    await this.w.room(title.length);
    this.w.ascii(title);
    this.lineMax = k * (this.maxTok + 1) + 64;
  }
  /** true when the chunk may not hold another line of order k */
  full(k: number): boolean {
    return this.w.off + k * (this.maxTok + 1) + 64 > this.w.buf.length;
  }
  async flush(): Promise<void> {
    await this.w.room(this.lineMax);
  }
  /**
   * One entry: log10 p, the k ids at words[at …] (newest first when
   * `reversed`, the default: the order of a streamed build's records), the
   * log10 back-off (NaN: no field).
   */
  line(log10p: number, words: Uint32Array, at: number, k: number, log10bo: number, reversed = true): void {
    const w = this.w;
    const enc = this.enc;
    w.off = writeFixed(w.buf, w.off, log10p);
    w.byte(9);
    for (let j = 0; j < k; j++) {
      if (j) w.byte(32);
      w.bytes(enc[words[reversed ? at + k - 1 - j : at + j]]);
    }
    if (!Number.isNaN(log10bo)) {
      w.byte(9);
      w.off = writeFixed(w.buf, w.off, log10bo);
    }
    w.byte(10);
    this.written++;
  }
  async endOrder(): Promise<void> {
    if (this.written !== this.counts[this.order - 1]) throw new Error(`ARPA writer: order ${this.order} got ${this.written} entries, header says ${this.counts[this.order - 1]}`);
    await this.w.room(1);
    this.w.byte(10);
  }
  async end(): Promise<void> {
    if (this.expect !== this.counts.length + 1) throw new Error(`ARPA writer: only ${this.expect - 1} of ${this.counts.length} orders were given`);
    await this.w.room(8);
    this.w.ascii('\\end\\\n');
    await this.w.flush();
  }
}

export async function writeArpa(
  sink: ByteSink,
  tokens: readonly string[],
  counts: readonly number[],
  blocks: Iterable<ArpaBlock> | AsyncIterable<ArpaBlock>,
): Promise<void> {
  const out = new ArpaWriter(sink, tokens);
  await out.header(counts);
  for await (const blk of blocks as AsyncIterable<ArpaBlock>) {
    const k = blk.order;
    await out.beginOrder(k, blk.n);
    const { words, ends, log10p, log10bo, n } = blk;
    for (let i = 0; i < n; i++) {
      if (out.full(k)) await out.flush();
      out.line(log10p[i], words, ends ? ends[i] - k + 1 : i * k, k, log10bo ? log10bo[i] : NaN, false);
    }
    await out.endOrder();
  }
  await out.end();
}
