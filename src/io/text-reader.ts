/**
 * Text reader stage: bytes → lines.
 *
 *   input:  Buffer (or string) chunks of UTF-8 text, split anywhere
 *   output: `Line` (string, without its terminator) per chunk, or
 *           `Batch<Line>` (string[]) per chunk with `{ batch: true }`
 *
 * Built on split2 (UTF-8 decoding with a StringDecoder, splitting on /\r?\n/).
 * Rules:
 * - Lines end at LF or CRLF; a lone CR is kept as part of the line, except a CR
 *   right before the end of input, which is dropped like a CRLF.
 * - A missing final newline still ends the last line; an empty input gives no
 *   line; an empty line gives the record ''.
 * - A UTF-8 byte-order mark at the start of the input is dropped.
 * - A multi-byte character split across chunks is decoded whole: the reader
 *   hands split2 only complete lines, so a line is never decoded in pieces.
 * - Invalid UTF-8 is not an error: each invalid sequence becomes U+FFFD (the
 *   replacement character), as Node's StringDecoder and TextDecoder do.
 * - Long-line guard: a line longer than `maxLineLength` bytes (terminator
 *   excluded; default 16 MiB) fails the stream with an error naming the line
 *   number and source, or with `onLongLine: 'skip'` is dropped with a warning
 *   on stderr (or `warn`). Memory per line stays bounded by `maxLineLength`
 *   either way. `skipped` counts the lines dropped.
 */
import split2 from 'split2';
import type { Transform, TransformCallback } from 'node:stream';
import { BATCH_HWM, type BatchOption } from './record-stage.js';

export interface TextReaderOptions extends BatchOption {
  /** longest line accepted, in bytes (default 16 MiB) */
  maxLineLength?: number;
  /** what to do with a longer line: fail (default) or skip it with a warning */
  onLongLine?: 'error' | 'skip';
  /** name of the input for messages (e.g. the file name; default 'input') */
  source?: string;
  /** where warnings go (default: a line on stderr) */
  warn?: (msg: string) => void;
}

export type TextReader = Transform & {
  /** number of lines dropped by the long-line guard so far */
  readonly skipped: number;
  /** number of lines seen so far (read or skipped) */
  readonly lines: number;
};

export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;

const EOL = /\r?\n/;

/** A split2 matcher that returns all complete lines as one batch. */
const batchSplitter = {
  [Symbol.split](text: string): unknown[] {
    const parts = text.split(EOL);
    const rest = parts.pop() as string;
    return parts.length > 0 ? [parts, rest] : [rest];
  },
};

export function textReader(opts: TextReaderOptions = {}): TextReader {
  const max = opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  if (!(max >= 1)) throw new RangeError(`maxLineLength must be at least 1, got ${max}`);
  const onLong = opts.onLongLine ?? 'error';
  const source = opts.source ?? 'input';
  const warn = opts.warn ?? ((m: string) => process.stderr.write(m + '\n'));
  const batch = opts.batch ?? false;

  let first = true; // the next line is the first one (BOM check)
  let ending = false; // flushing: the next line is the last one (CR check)
  const fix = (line: string): string => {
    if (first) {
      first = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (ending && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    return line;
  };
  const mapper = batch
    ? (x: string[] | string) => {
        if (typeof x === 'string') return [fix(x)];
        if (first) x[0] = fix(x[0]);
        return x;
      }
    : (x: string) => fix(x);

  const s = (batch
    ? split2(batchSplitter as unknown as RegExp, mapper, { readableHighWaterMark: BATCH_HWM })
    : split2(EOL, mapper)) as TextReader;
  const splitTransform = s._transform.bind(s);
  const splitFlush = s._flush!.bind(s);

  // Guard state: bytes of the current (incomplete) line, line count.
  let tail: Buffer[] = [];
  let tailLen = 0;
  let lineNo = 0; // lines completed so far (read or skipped)
  let skipping = false; // inside a too-long line being dropped
  let skipped = 0;
  Object.defineProperty(s, 'skipped', { get: () => skipped });
  Object.defineProperty(s, 'lines', { get: () => lineNo + (tailLen > 0 || skipping ? 1 : 0) });

  const tooLong = (n: number) =>
    new Error(`${source}: line ${n} is longer than ${max} bytes (maxLineLength); use a larger limit or skip such lines`);
  const skipNote = (n: number) => {
    skipped++;
    warn(`${source}: line ${n} is longer than ${max} bytes (maxLineLength); skipped`);
  };

  s._transform = function (chunk: Buffer | string, enc: BufferEncoding, cb: TransformCallback) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, enc) : chunk;
    const keep: Buffer[] = []; // complete lines to hand to split2
    let start = 0; // start of the current line in buf
    let nl = buf.indexOf(10);
    while (nl !== -1) {
      const len = (start === 0 ? tailLen : 0) + nl - start;
      lineNo++;
      if (skipping) {
        skipping = false; // the dropped line ends here
      } else if (len > max) {
        if (onLong === 'error') return cb(tooLong(lineNo));
        skipNote(lineNo);
        if (start === 0) { tail = []; tailLen = 0; }
      } else {
        if (start === 0 && tailLen > 0) {
          for (const part of tail) keep.push(part);
          tail = []; tailLen = 0;
        }
        keep.push(buf.subarray(start, nl + 1));
      }
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    // the rest of buf starts (or continues) an incomplete line
    if (start < buf.length && !skipping) {
      const restLen = (start === 0 ? tailLen : 0) + buf.length - start;
      if (restLen > max) {
        if (onLong === 'error') return cb(tooLong(lineNo + 1));
        skipNote(lineNo + 1);
        tail = []; tailLen = 0;
        skipping = true;
      } else {
        tail.push(buf.subarray(start));
        tailLen += buf.length - start;
        // many small chunks of one long line: merge them pairwise (like a
        // binary counter) into pieces of up to 64 KiB, so the list stays short
        // and each byte is copied only a few times
        while (tail.length >= 2 && tail[tail.length - 2].length < 65536 && tail[tail.length - 1].length >= tail[tail.length - 2].length) {
          const b = tail.pop() as Buffer;
          const a = tail.pop() as Buffer;
          tail.push(Buffer.concat([a, b]));
        }
      }
    }
    if (keep.length === 0) return cb();
    splitTransform(keep.length === 1 ? keep[0] : Buffer.concat(keep), 'buffer' as BufferEncoding, cb);
  };

  s._flush = function (cb: TransformCallback) {
    if (skipping) lineNo++;
    ending = true;
    if (tailLen === 0) return splitFlush(cb);
    const last = tail.length === 1 ? tail[0] : Buffer.concat(tail);
    tail = []; tailLen = 0;
    lineNo++;
    splitTransform(last, 'buffer' as BufferEncoding, (err?: Error | null) => (err ? cb(err) : splitFlush(cb)));
  };
  return s;
}
