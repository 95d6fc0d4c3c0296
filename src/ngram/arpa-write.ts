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
  /** the sink is done with a chunk once its write has resolved (the writer may fill it again) */
  releases?: boolean;
}

export function fileSink(fh: FileHandle): ByteSink {
  return {
    releases: true,
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

/** "00" … "99": the two ASCII digits of each value below 100 */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) { PAIRS[2 * i] = 48 + Math.floor(i / 10); PAIRS[2 * i + 1] = 48 + (i % 10); }

/** write the 8 digits of 0 ≤ f < 1e8 (leading zeros kept) at b[off] */
function eightDigits(b: Uint8Array, off: number, f: number): void {
  const hi = (f / 10000) | 0;
  const lo = f - hi * 10000;
  let x = (hi / 100) | 0;
  let y = hi - x * 100;
  b[off] = PAIRS[2 * x]; b[off + 1] = PAIRS[2 * x + 1];
  b[off + 2] = PAIRS[2 * y]; b[off + 3] = PAIRS[2 * y + 1];
  x = (lo / 100) | 0;
  y = lo - x * 100;
  b[off + 4] = PAIRS[2 * x]; b[off + 5] = PAIRS[2 * x + 1];
  b[off + 6] = PAIRS[2 * y]; b[off + 7] = PAIRS[2 * y + 1];
}

/**
 * Write x rounded to 8 decimals (trailing zeros dropped) at b[off]; returns
 * the new offset. The digits are those of v = round(|x| · 1e8) as an integer
 * (integer part v / 1e8, fraction v mod 1e8), so nothing depends on a float
 * printing routine. Needs up to 40 bytes of room.
 */
export function writeFixed(b: Uint8Array, off: number, x: number): number {
  if (x === -Infinity) { b[off] = 45; b[off + 1] = 57; b[off + 2] = 57; return off + 3; }
  const v = Math.round(Math.abs(x) * 1e8);
  if (!(v < 2147483648)) return writeFixedLarge(b, off, x, v);
  if (v === 0) { b[off] = 48; return off + 1; }
  if (x < 0) b[off++] = 45;
  // |x| < 21.5: an integer part of one or two digits, exact in int32 arithmetic
  const ip = (v / 100000000) | 0;
  const fp = v - ip * 100000000;
  if (ip < 10) b[off++] = 48 + ip;
  else { b[off] = PAIRS[2 * ip]; b[off + 1] = PAIRS[2 * ip + 1]; off += 2; }
  if (fp === 0) return off;
  b[off] = 46;
  eightDigits(b, off + 1, fp);
  let end = off + 9;
  while (b[end - 1] === 48) end--;
  return end;
}

const DIGITS = new Uint8Array(24);

/** writeFixed for |x| ≥ 21.47…, NaN and ±Infinity (rare: the general digit loop) */
function writeFixedLarge(b: Uint8Array, off: number, x: number, v: number): number {
  if (!Number.isFinite(v) || v > 9e15) {
    const s = String(x);
    for (let i = 0; i < s.length; i++) b[off++] = s.charCodeAt(i);
    return off;
  }
  if (x < 0) b[off++] = 45;
  let ip = Math.floor(v / 1e8);
  let fp = v - ip * 1e8;
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
  return off;
}

const CHUNK = 1 << 22;

/**
 * An output buffer of CHUNK bytes. `flush` hands the filled part to the sink
 * and goes on in another buffer at once: the sink's write runs while the next
 * chunk is formatted (one write outstanding at most; its error surfaces at the
 * next flush or at `end`).
 */
class ChunkWriter {
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  off = 0;
  private pending: Promise<void> | null = null;
  /** the buffer of the last write (reused once that write has resolved) */
  private spare: Buffer | null = null;
  private failed: { e: unknown } | null = null;
  constructor(private readonly sink: ByteSink) {}
  async room(bytes: number): Promise<void> {
    if (this.off + bytes <= this.buf.length) return;
    await this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }
  async flush(): Promise<void> {
    await this.settle();
    if (this.off === 0) return;
    const out = this.buf.subarray(0, this.off);
    // a sink that releases its chunks: the two buffers take turns (no garbage per chunk)
    const size = Math.max(CHUNK, this.buf.length);
    const next = this.spare && this.spare.length >= size ? this.spare : Buffer.allocUnsafe(size);
    this.spare = this.sink.releases ? this.buf : null;
    this.buf = next;
    this.off = 0;
    this.pending = this.sink.write(out).catch((e: unknown) => { this.failed = { e }; });
  }
  /** wait for the outstanding write; rethrow its error */
  async settle(): Promise<void> {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      await p;
    }
    if (this.failed) throw this.failed.e;
  }
  ascii(s: string): void {
    const b = this.buf;
    let o = this.off;
    for (let i = 0; i < s.length; i++) b[o++] = s.charCodeAt(i);
    this.off = o;
  }
  bytes(src: Buffer): void {
    src.copy(this.buf, this.off);
    this.off += src.length;
  }
}

/** every token's UTF-8 bytes in one array: token i is bytes[start[i] … start[i+1]) */
interface TokenBytes {
  bytes: Uint8Array;
  start: Uint32Array;
  /** the longest token, in bytes */
  max: number;
}

function tokenBytes(tokens: readonly string[]): TokenBytes {
  let total = 0;
  for (const t of tokens) total += Buffer.byteLength(t, 'utf8');
  const bytes = Buffer.allocUnsafe(Math.max(1, total));
  const start = new Uint32Array(tokens.length + 1);
  let off = 0;
  let max = 1;
  for (let i = 0; i < tokens.length; i++) {
    start[i] = off;
    const n = bytes.write(tokens[i], off, 'utf8');
    if (n > max) max = n;
    off += n;
  }
  start[tokens.length] = off;
  return { bytes, start, max };
}

/**
 * Format ARPA lines of order k into b from offset `off` while another line
 * surely fits below `limit`: entry i of the block is log10p[i], the k ids at
 * words[ends[i] - k + 1 …] (or words[i·k …] when ends is null), then the
 * back-off (none when `log10bo` is null or the value is NaN). Returns the
 * offset reached and the next entry in `next`.
 */
function formatLines(
  b: Uint8Array, off: number, limit: number, tb: TokenBytes,
  words: Uint32Array, ends: Uint32Array | null, log10p: Float64Array, log10bo: Float64Array | null,
  k: number, i: number, n: number, next: { i: number },
): number {
  const tok = tb.bytes;
  const ts = tb.start;
  const g = gathered(k);
  while (i < n && off <= limit) {
    // the ids of the next lines gathered first: their (random) reads overlap
    const m = Math.min(GATHER, n - i);
    if (ends) {
      for (let x = 0, y = 0; x < m; x++) {
        const at = ends[i + x] - k + 1;
        for (let j = 0; j < k; j++) g[y++] = words[at + j];
      }
    } else g.set(words.subarray(i * k, (i + m) * k));
    let x = 0;
    let y = 0;
    while (x < m && off <= limit) {
      off = writeFixed(b, off, log10p[i]);
      b[off++] = 9;
      for (let j = 0; j < k; j++) {
        if (j) b[off++] = 32;
        const w = g[y + j];
        let s = ts[w];
        const e = ts[w + 1];
        while (s < e) b[off++] = tok[s++];
      }
      if (log10bo) {
        const v = log10bo[i];
        if (v === v) {
          b[off++] = 9;
          off = writeFixed(b, off, v);
        }
      }
      b[off++] = 10;
      i++;
      x++;
      y += k;
    }
  }
  next.i = i;
  return off;
}

/** lines whose ids are gathered at a time */
const GATHER = 1024;
let gatherBuf = new Uint32Array(GATHER * 10);
function gathered(k: number): Uint32Array {
  if (gatherBuf.length < GATHER * k) gatherBuf = new Uint32Array(GATHER * k);
  return gatherBuf;
}

/**
 * The ARPA file written line by line (what a streamed build uses): `header`,
 * then per order `beginOrder`, `line` per entry (check `full(order)` and
 * `await flush()` first), `endOrder`; then `end`. Memory: one 4 MiB chunk
 * being filled and one being written.
 */
export class ArpaWriter {
  private w: ChunkWriter;
  private tb: TokenBytes;
  private lineMax = 0;
  private counts: readonly number[] = [];
  private expect = 1;
  private order = 0;
  private written = 0;
  constructor(sink: ByteSink, tokens: readonly string[]) {
    this.w = new ChunkWriter(sink);
    this.tb = tokenBytes(tokens);
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
    this.lineMax = k * (this.tb.max + 1) + 64;
  }
  /** true when the chunk may not hold another line of order k */
  full(k: number): boolean {
    return this.w.off + k * (this.tb.max + 1) + 64 > this.w.buf.length;
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
    const b = w.buf;
    const tok = this.tb.bytes;
    const ts = this.tb.start;
    let off = writeFixed(b, w.off, log10p);
    b[off++] = 9;
    for (let j = 0; j < k; j++) {
      if (j) b[off++] = 32;
      const id = words[reversed ? at + k - 1 - j : at + j];
      let s = ts[id];
      const e = ts[id + 1];
      while (s < e) b[off++] = tok[s++];
    }
    if (!Number.isNaN(log10bo)) {
      b[off++] = 9;
      off = writeFixed(b, off, log10bo);
    }
    b[off++] = 10;
    w.off = off;
    this.written++;
  }
  /** All entries of a block of the current order (as `line` per entry, not reversed). */
  async block(blk: ArpaBlock): Promise<void> {
    const k = blk.order;
    if (k !== this.order) throw new Error(`ARPA writer: a block of order ${k} inside order ${this.order}`);
    const { words, ends, log10p, log10bo, n } = blk;
    const next = { i: 0 };
    let i = 0;
    while (i < n) {
      if (this.full(k)) await this.flush();
      const w = this.w;
      w.off = formatLines(w.buf, w.off, w.buf.length - this.lineMax, this.tb, words, ends, log10p, log10bo, k, i, n, next);
      this.written += next.i - i;
      i = next.i;
    }
  }
  async endOrder(): Promise<void> {
    if (this.written !== this.counts[this.order - 1]) throw new Error(`ARPA writer: order ${this.order} got ${this.written} entries, header says ${this.counts[this.order - 1]}`);
    await this.w.room(1);
    this.w.buf[this.w.off++] = 10;
  }
  async end(): Promise<void> {
    if (this.expect !== this.counts.length + 1) throw new Error(`ARPA writer: only ${this.expect - 1} of ${this.counts.length} orders were given`);
    await this.w.room(8);
    this.w.ascii('\\end\\\n');
    await this.w.flush();
    await this.w.settle();
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
  // the iteration by hand: no reference to a written block is left (a loop
  // variable would keep it, and its arrays, alive while the next is computed)
  const it = Symbol.asyncIterator in blocks ? (blocks as AsyncIterable<ArpaBlock>)[Symbol.asyncIterator]() : (blocks as Iterable<ArpaBlock>)[Symbol.iterator]();
  try {
    for (;;) {
      let r: IteratorResult<ArpaBlock> | null = await it.next();
      if (r.done) break;
      let blk: ArpaBlock | null = r.value;
      r = null;
      await out.beginOrder(blk.order, blk.n);
      await out.block(blk);
      blk = null;
      await out.endOrder();
    }
  } catch (e) {
    await it.return?.();
    throw e;
  }
  await out.end();
}
