/**
 * Bytes → lines: the one core that cuts UTF-8 bytes into lines, used by the
 * text reader stage (text-reader.ts), the n-gram corpus encoder, count files
 * and the ARPA reader.
 *
 *   input:  Buffer (or string) chunks of UTF-8 text, split anywhere
 *   output: lines (string, without their terminator), per chunk
 *
 * Rules:
 * - Lines end at LF or CRLF; a lone CR is kept as part of the line, except a CR
 *   right before the end of input, which is dropped like a CRLF.
 * - A missing final newline still ends the last line; an empty input gives no
 *   line; an empty line gives ''.
 * - A UTF-8 byte-order mark at the start of the input is dropped.
 * - Invalid UTF-8 is not an error: each invalid sequence becomes U+FFFD (as
 *   Node's StringDecoder and TextDecoder do). A character split across chunks
 *   is decoded whole: bytes are decoded only up to a line end (an LF byte
 *   never occurs inside a UTF-8 sequence).
 * - Long-line guard: a line longer than `maxLineLength` bytes (terminator
 *   excluded; default 16 MiB) throws an error naming the source and the line
 *   number, or with `onLongLine: 'skip'` is dropped with a warning (`warn`,
 *   default stderr). Memory per line stays bounded by `maxLineLength`.
 *
 * One scan per chunk: a backward byte search finds the chunk's last LF, the
 * bytes up to it are decoded at once, and that text is cut at each '\n'; the
 * bytes after it wait for the next chunk (the only copy, for lines that
 * straddle chunks). Holds: the incomplete last line (≤ maxLineLength bytes).
 */

export interface LineOptions {
  /** longest line accepted, in bytes (default 16 MiB) */
  maxLineLength?: number;
  /** what to do with a longer line: fail (default) or skip it with a warning */
  onLongLine?: 'error' | 'skip';
  /** name of the input for messages (e.g. the file name; default 'input') */
  source?: string;
  /** where warnings go (default: a line on stderr) */
  warn?: (msg: string) => void;
}

export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;

/** Thrown (or passed to the stream) for a line above `maxLineLength` with onLongLine 'error'. */
export class LongLineError extends Error {
  readonly code = 'ELONGLINE';
  constructor(readonly source: string, readonly line: number, readonly max: number) {
    super(`${source}: line ${line} is longer than ${max} bytes (maxLineLength); raise the limit with --max-line-length or skip such lines with --skip-long-lines`);
  }
}

/**
 * The pure line splitter: `push` each chunk, then `end` once; each complete
 * line is handed to `emit` in order. Throws `LongLineError` (see the guard).
 */
export class LineSplitter {
  readonly max: number;
  private readonly onLong: 'error' | 'skip';
  private readonly source: string;
  private readonly warn: (msg: string) => void;
  private tail: Buffer[] = [];
  private tailLen = 0;
  private lineNo = 0; // lines completed so far (emitted or skipped)
  private skipping = false; // inside a too-long line being dropped
  private first = true; // the next line is the first one (BOM check)
  /** lines dropped by the long-line guard so far */
  skipped = 0;

  constructor(opts: LineOptions = {}) {
    this.max = opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!(this.max >= 1)) throw new RangeError(`maxLineLength must be at least 1, got ${this.max}`);
    this.onLong = opts.onLongLine ?? 'error';
    this.source = opts.source ?? 'input';
    this.warn = opts.warn ?? ((m: string) => process.stderr.write(m + '\n'));
  }

  /** lines seen so far (read or skipped), an incomplete last one included */
  get lines(): number {
    return this.lineNo + (this.tailLen > 0 || this.skipping ? 1 : 0);
  }

  private long(n: number): void {
    if (this.onLong === 'error') throw new LongLineError(this.source, n, this.max);
    this.skipped++;
    this.warn(`${this.source}: line ${n} is longer than ${this.max} bytes (maxLineLength); skipped`);
  }

  /** One complete line (without its LF): guard, BOM, CR, then emit. */
  private line(s: string, emit: (line: string) => void): void {
    this.lineNo++;
    if (s.length > 0 && s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
    if (this.first) {
      this.first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    // a UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when it may matter
    if (s.length * 3 > this.max && Buffer.byteLength(s) > this.max) { this.long(this.lineNo); return; }
    emit(s);
  }

  private addTail(b: Buffer): void {
    if (b.length === 0) return;
    if (this.tailLen + b.length > this.max) {
      this.long(this.lineNo + 1);
      this.tail = []; this.tailLen = 0;
      this.skipping = true;
      return;
    }
    const t = this.tail;
    t.push(b);
    this.tailLen += b.length;
    // many small chunks of one long line: merge them pairwise (like a binary
    // counter) into pieces of up to 64 KiB, so the list stays short and each
    // byte is copied only a few times
    while (t.length >= 2 && t[t.length - 2].length < 65536 && t[t.length - 1].length >= t[t.length - 2].length) {
      const y = t.pop() as Buffer;
      const x = t.pop() as Buffer;
      t.push(Buffer.concat([x, y]));
    }
  }

  /** Cut one chunk; complete lines go to `emit`. */
  push(chunk: Buffer | string, emit: (line: string) => void): void {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (this.skipping) {
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      this.skipping = false;
      this.lineNo++;
      buf = buf.subarray(nl + 1);
    }
    const last = buf.lastIndexOf(10);
    if (last < 0) { this.addTail(buf); return; }
    let start = 0;
    if (this.tailLen > 0) {
      // the line that straddles chunks: its bytes joined, decoded once
      const nl = buf.indexOf(10);
      if (this.tailLen + nl > this.max + 1) {
        this.tail = []; this.tailLen = 0;
        this.lineNo++;
        this.long(this.lineNo);
      } else {
        this.tail.push(buf.subarray(0, nl));
        const whole = Buffer.concat(this.tail);
        this.tail = []; this.tailLen = 0;
        this.line(whole.toString('utf8'), emit);
      }
      start = nl + 1;
    }
    if (start <= last) {
      const text = buf.toString('utf8', start, last);
      let from = 0;
      let nl = text.indexOf('\n');
      while (nl >= 0) {
        this.line(text.slice(from, nl), emit);
        from = nl + 1;
        nl = text.indexOf('\n', from);
      }
      this.line(from === 0 ? text : text.slice(from), emit);
    }
    this.addTail(buf.subarray(last + 1));
  }

  /** End of input: the last line if it has no terminator. */
  end(emit: (line: string) => void): void {
    if (this.skipping) { this.skipping = false; this.lineNo++; return; }
    if (this.tailLen === 0) return;
    const whole = this.tail.length === 1 ? this.tail[0] : Buffer.concat(this.tail);
    this.tail = []; this.tailLen = 0;
    this.line(whole.toString('utf8'), emit);
  }
}

/**
 * Lines of a byte stream, one array per input chunk (no empty arrays): the
 * fast way to iterate (one await per chunk, not per line).
 */
export async function* lineBatches(src: AsyncIterable<Buffer | string>, opts: LineOptions = {}): AsyncGenerator<string[]> {
  const sp = new LineSplitter(opts);
  let out: string[] = [];
  const emit = (l: string) => { out.push(l); };
  for await (const chunk of src) {
    sp.push(chunk, emit);
    if (out.length > 0) { yield out; out = []; }
  }
  sp.end(emit);
  if (out.length > 0) yield out;
}

/** Lines of a byte stream, one at a time. */
export async function* lines(src: AsyncIterable<Buffer | string>, opts: LineOptions = {}): AsyncGenerator<string> {
  for await (const batch of lineBatches(src, opts)) yield* batch;
}
