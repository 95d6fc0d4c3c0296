/**
 * Text reader stage: bytes → lines.
 *
 *   input:  Buffer (or string) chunks of UTF-8 text, split anywhere
 *   output: `Line` (string, without its terminator) per chunk, or
 *           `RecordBatch<Line>` (string[]) per input chunk with `{ batch: true }`
 *
 * A thin Transform around the bytes → lines core (`LineSplitter`, lines.ts),
 * whose rules it follows: LF or CRLF line ends, a UTF-8 BOM dropped, invalid
 * UTF-8 as U+FFFD, the long-line guard (`maxLineLength`, default 16 MiB;
 * `onLongLine: 'skip'` drops such lines with a warning). Holds: the incomplete
 * last line. `skipped` counts the lines dropped, `lines` the lines seen.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { BATCH_HWM, type BatchOption } from './record-stage.js';
import { LineSplitter, type LineOptions } from './lines.js';

export { DEFAULT_MAX_LINE_LENGTH } from './lines.js';

export interface TextReaderOptions extends BatchOption, LineOptions {}

export type TextReader = Transform & {
  /** number of lines dropped by the long-line guard so far */
  readonly skipped: number;
  /** number of lines seen so far (read or skipped) */
  readonly lines: number;
};

export function textReader(opts: TextReaderOptions = {}): TextReader {
  const sp = new LineSplitter(opts);
  const batch = opts.batch ?? false;
  let out: string[] = [];
  const collect = (l: string) => { out.push(l); };
  let stream: Transform;
  const one = (l: string) => { stream.push(l); };
  const emit = batch ? collect : one;
  const pushOut = () => {
    if (out.length > 0) { stream.push(out); out = []; }
  };
  stream = new Transform({
    writableObjectMode: false,
    readableObjectMode: true,
    readableHighWaterMark: batch ? BATCH_HWM : 16,
    transform(chunk: Buffer | string, enc: BufferEncoding, cb: TransformCallback) {
      try {
        sp.push(typeof chunk === 'string' ? Buffer.from(chunk, enc) : chunk, emit);
        if (batch) pushOut();
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        sp.end(emit);
        if (batch) pushOut();
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
  Object.defineProperty(stream, 'skipped', { get: () => sp.skipped });
  Object.defineProperty(stream, 'lines', { get: () => sp.lines });
  return stream as TextReader;
}
