/**
 * Documents from files (or stdin), one reader per file so that messages name
 * the file and a file without a final newline does not run into the next.
 * Files are opened by `openInput` (gzip, bzip2, xz read directly).
 *
 *   output: async iterable of `RecordBatch<Doc>` (string[]), in file order
 *
 * `text` reads lines (text reader); `json` and `jsonl` read JSON records
 * (JSON reader: a top-level array, JSON Lines or concatenated values).
 */
import { pipeline, type Readable, type Transform } from 'node:stream';
import { textReader } from './text-reader.js';
import { jsonReader } from './json-reader.js';
import { openInput } from './open-input.js';

import { FORMATS, type InputFormat } from './formats.js';

export { FORMATS, type InputFormat };

export interface DocumentOptions {
  format?: InputFormat;
  /** dotted path of the text field (JSON formats only) */
  field?: string;
  maxLineLength?: number;
  onLongLine?: 'error' | 'skip';
  warn?: (msg: string) => void;
  /** told the size of each chunk read from a file (progress against `inputFileSize`; openInput) */
  onBytes?: (n: number) => void;
}

/** The reader stage for a format, emitting `RecordBatch<Doc>`. */
export function documentReader(source: string, opts: DocumentOptions = {}): Transform {
  const format = opts.format ?? 'text';
  if (format === 'text') {
    if (opts.field !== undefined) throw new Error('a field applies to JSON input only (use --format json or jsonl)');
    return textReader({ source, batch: true, maxLineLength: opts.maxLineLength, onLongLine: opts.onLongLine, warn: opts.warn });
  }
  if (format === 'json' || format === 'jsonl') return jsonReader({ source, batch: true, field: opts.field, warn: opts.warn });
  throw new Error(`unknown input format '${format as string}' (one of ${FORMATS.join(', ')})`);
}

/**
 * Batches of documents from each file in turn (`-` or no file: stdin). A
 * missing or unreadable file fails with an error naming it.
 */
export async function* readDocuments(files: string[], opts: DocumentOptions = {}, stdin: Readable = process.stdin): AsyncGenerator<string[]> {
  const list = files.length === 0 ? ['-'] : files;
  for (const f of list) {
    // opened (and decompressed) by the one input-opening function
    const input = openInput(f, { stdin, name: f, highWaterMark: 256 * 1024, onBytes: opts.onBytes });
    const reader = documentReader(f === '-' ? '<stdin>' : f, opts);
    input.on('error', (e: Error) => reader.destroy(e));
    // destroys the input too when the reader fails or the consumer stops early
    pipeline(input, reader, () => {});
    yield* reader as AsyncIterable<string[]>;
  }
}
