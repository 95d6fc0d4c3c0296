/**
 * Feed a corpus into a `CorpusEncoder` (src/ngram/corpus.ts).
 *
 * Input: a byte stream (Readable of Buffers/strings: UTF-8 text, cut into
 * lines and tokens on the bytes by the encoder's byte reader, multi-byte
 * characters split across chunks handled), or an
 * (async) iterable of lines (string) or documents as token arrays. Output:
 * the encoder's `PaddedCorpus`.
 */
import type { LineOptions } from '../io/lines.js';
import { CorpusEncoder, type PaddedCorpus } from './corpus.js';
import type { MarkerMode } from '../types.js';

export type CorpusSource =
  | AsyncIterable<Buffer | string | readonly string[]>
  | Iterable<string | readonly string[]>;

export interface ReadCorpusOptions {
  order: number;
  mode?: MarkerMode;
  warn?: (msg: string) => void;
  /** when the source is a byte stream: treat chunks as bytes even if strings */
  bytes?: boolean;
  /** keep `<unk>` tokens as a word (a corpus already mapped to a vocabulary) */
  unkAsWord?: boolean;
  /** how a byte stream is cut into lines (the long-line guard) */
  lines?: LineOptions;
}

export async function readCorpus(source: CorpusSource, opts: ReadCorpusOptions): Promise<PaddedCorpus> {
  const enc = new CorpusEncoder(opts.order, opts.mode ?? 'sentence', 1 << 16, opts.warn);
  enc.unkAsWord = opts.unkAsWord ?? false;
  const isStream = typeof (source as { pipe?: unknown }).pipe === 'function' || opts.bytes;
  if (isStream) {
    // the fused fast path: bytes → lines → ids on the bytes, one await per chunk
    const reader = enc.bytesReader(opts.lines);
    for await (const chunk of source as AsyncIterable<Buffer | string>) reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    reader.end();
  } else {
    for await (const item of source as AsyncIterable<string | readonly string[]>) {
      if (typeof item === 'string') enc.addLine(item);
      else enc.addTokens(item);
    }
  }
  return enc.finish();
}
