/**
 * JSON reader stage: bytes → documents.
 *
 *   input:  Buffer (or string) chunks of UTF-8 JSON, split anywhere
 *   output: `Doc` (string) per chunk, or `RecordBatch<Doc>` (string[]) per chunk
 *           with `{ batch: true }`
 *
 * Built on stream-json 3 (its streaming parser, plus its verifier for exact
 * error positions). Accepted input, mixed freely:
 * - a top-level JSON array: each element is one record;
 * - JSON Lines, or any stream of concatenated JSON values: each top-level
 *   value is one record (a top-level array is unwrapped as above).
 * A record is a string (the document itself) or, with `field: 'a.b'`, an
 * object whose field at that dotted path holds the document's text.
 * - A record without the field (absent or null) is skipped and counted in
 *   `missing`; a record whose text is not a string (a number, an object, or an
 *   object when no `field` is given) is skipped and counted in `nonText`. At
 *   the end, a warning on stderr (or `warn`) gives both counts; never silent.
 * - Malformed JSON fails the stream with an error naming the source, the line,
 *   the column (in code points) and the byte offset from the start of the
 *   input (a character offset when the position is too far behind to place).
 * - Invalid UTF-8 becomes U+FFFD (as in the text reader); a leading UTF-8
 *   byte-order mark is dropped.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { jsonParser } from 'stream-json/parser.js';
import { jsonVerifier } from 'stream-json/utils/verifier.js';
import { none, isMany, getManyValues } from 'stream-chain/defs.js';
import { BATCH_HWM, type BatchOption } from './record-stage.js';

export interface JsonReaderOptions extends BatchOption {
  /** dotted path of the text in each object record, e.g. 'meta.text' */
  field?: string;
  /** name of the input for messages (default 'input') */
  source?: string;
  /** where the end-of-input warning about skipped records goes (default stderr) */
  warn?: (msg: string) => void;
}

export type JsonReader = Transform & {
  /** records seen so far (kept or skipped) */
  readonly records: number;
  /** records skipped because the field is absent or null */
  readonly missing: number;
  /** records skipped because their text is not a string */
  readonly nonText: number;
};

interface Tok { name: string; value?: unknown }

type Container = Record<string, unknown> | unknown[];

/** The value at a dotted path, undefined when any step is missing. */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let v = obj;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

export function jsonReader(opts: JsonReaderOptions = {}): JsonReader {
  const source = opts.source ?? 'input';
  const warn = opts.warn ?? ((m: string) => process.stderr.write(m + '\n'));
  const path = opts.field === undefined ? undefined : opts.field.split('.');
  if (path && path.some((k) => k === '')) throw new Error(`field "${opts.field}": empty step in dotted path`);
  const batch = opts.batch ?? false;

  const decoder = new StringDecoder('utf8');
  const verify = jsonVerifier({ jsonStreaming: true });
  const parse = jsonParser({ jsonStreaming: true, streamValues: false });
  let started = false;
  // The last few KiB of text fed, to turn the verifier's character offset
  // (it may point a little behind the current chunk) into a byte offset and a
  // column in code points.
  const WINDOW = 8192;
  let recent = '';
  let charsIn = 0; // characters fed so far, the current text included
  let bytesIn = 0; // their UTF-8 bytes (a dropped BOM included)

  /** Byte offset and column of a character offset, when it is in the window. */
  const locate = (charOffset: number): { byte: number; column?: number } | undefined => {
    const rel = charOffset - (charsIn - recent.length);
    if (rel < 0 || rel > recent.length) return undefined;
    const byte = bytesIn - Buffer.byteLength(recent.slice(rel));
    const nl = recent.lastIndexOf('\n', rel - 1);
    const lineStart = nl >= 0 ? nl + 1 : charsIn === recent.length ? 0 : -1; // -1: not in the window
    const column = lineStart >= 0 ? [...recent.slice(lineStart, rel)].length + 1 : undefined;
    return { byte, column };
  };

  // assembly state
  const stack: Container[] = [];
  const keys: (string | undefined)[] = [];
  let key: string | undefined;
  let inTopArray = false;
  let records = 0;
  let missing = 0;
  let nonText = 0;
  let out: string[] = [];

  const record = (v: unknown) => {
    records++;
    let text = v;
    if (path) {
      text = getPath(v, path);
      if (text === undefined || text === null) { missing++; return; }
    }
    if (typeof text !== 'string') { nonText++; return; }
    out.push(text);
  };
  const value = (v: unknown) => {
    const top = stack[stack.length - 1];
    if (top === undefined) record(v);
    else if (Array.isArray(top)) top.push(v);
    else top[key as string] = v;
  };
  const open = (c: Container) => {
    keys.push(key);
    stack.push(c);
  };
  const close = () => {
    const c = stack.pop() as Container;
    key = keys.pop();
    value(c);
  };
  const onToken = (t: Tok) => {
    switch (t.name) {
      case 'startObject': open({}); break;
      case 'startArray':
        if (stack.length === 0 && !inTopArray) inTopArray = true;
        else open([]);
        break;
      case 'endObject': close(); break;
      case 'endArray':
        if (stack.length === 0) inTopArray = false;
        else close();
        break;
      case 'keyValue': key = t.value as string; break;
      case 'stringValue': value(t.value); break;
      case 'numberValue': value(Number(t.value)); break;
      case 'nullValue': value(null); break;
      case 'trueValue': value(true); break;
      case 'falseValue': value(false); break;
      default: break;
    }
  };

  const feed = (text: string | typeof none): void => {
    if (typeof text === 'string') {
      charsIn += text.length;
      bytesIn += Buffer.byteLength(text);
      recent = text.length >= WINDOW ? text.slice(-WINDOW) : (recent + text).slice(-WINDOW);
    }
    try {
      verify(text as string);
    } catch (e) {
      const err = e as Error & { line?: number; pos?: number; offset?: number };
      const what = err.message.replace(/^ERROR at \d+ \(\d+, \d+\): /, '').replace(/^Verifier (cannot parse input: |has )?/, '');
      if (err.line !== undefined && err.offset !== undefined) {
        const at = locate(err.offset);
        const column = at?.column ?? err.pos;
        const where = at ? `byte offset ${at.byte}` : `character offset ${err.offset}`;
        throw new Error(`${source}: invalid JSON at line ${err.line}, column ${column} (${where}): ${what}`);
      }
      throw new Error(`${source}: invalid JSON: ${what}`);
    }
    let r: unknown;
    try {
      r = parse(text as string);
    } catch (e) {
      throw new Error(`${source}: invalid JSON before byte offset ${bytesIn}: ${(e as Error).message}`);
    }
    if (isMany(r)) for (const t of getManyValues(r) as Tok[]) onToken(t);
    else if (r !== none && r !== undefined) onToken(r as Tok);
  };

  const emit = (s: Transform) => {
    if (out.length === 0) return;
    if (batch) s.push(out);
    else for (const d of out) s.push(d);
    out = [];
  };

  const stream = new Transform({
    writableObjectMode: false,
    readableObjectMode: true,
    readableHighWaterMark: batch ? BATCH_HWM : 16,
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        let text = decoder.write(chunk);
        if (!started && text.length > 0) {
          started = true;
          if (text.charCodeAt(0) === 0xfeff) { text = text.slice(1); bytesIn = 3; }
        }
        if (text.length > 0) feed(text);
        emit(this);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        const text = decoder.end();
        if (text.length > 0) {
          if (!started && text.charCodeAt(0) === 0xfeff) feed(text.slice(1));
          else feed(text);
        }
        feed(none);
        emit(this);
        if (missing > 0) warn(`${source}: ${missing} of ${records} records have no field "${opts.field}"; skipped`);
        if (nonText > 0) {
          warn(`${source}: ${nonText} of ${records} records have no text string${path ? ` in field "${opts.field}"` : ' (for objects, name the text field with --field)'}; skipped`);
        }
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  }) as JsonReader;
  Object.defineProperty(stream, 'records', { get: () => records });
  Object.defineProperty(stream, 'missing', { get: () => missing });
  Object.defineProperty(stream, 'nonText', { get: () => nonText });
  return stream;
}
