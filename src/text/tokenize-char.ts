/**
 * Character tokenizer: `Doc` (string) → `Tokens` (string[]); with
 * `{ batch: true }`, `RecordBatch<Doc>` → `RecordBatch<Tokens>`.
 *
 * Rules:
 * - Every Unicode code point is one token; a surrogate pair is never split.
 *   (No grapheme clustering: `é` written as e + U+0301 gives two tokens.)
 * - Line breaks (LF, CRLF, CR) inside a document: with `newline: true` each
 *   becomes the token `\n` (NEWLINE_TOKEN, the two characters backslash and
 *   n), and the end of every document also gives one `\n` token, so a corpus
 *   read line by line keeps its line structure. With `newline: false`
 *   (default) line breaks are treated as whitespace.
 * - Other whitespace (\s): with `spaces: true` each whitespace character is
 *   the token `\s` (SPACE_TOKEN); by default whitespace is dropped.
 * Multi-character tokens cannot clash with real characters here, since every
 * real character is a one-code-point token.
 */
import { isSpaceCode } from './char-class.js';
import { recordStage, type BatchOption } from '../io/record-stage.js';
import type { Transform } from 'node:stream';

export const NEWLINE_TOKEN = '\\n';
export const SPACE_TOKEN = '\\s';

export interface CharTokenizerOptions {
  /** keep line breaks (and document ends) as the token `\n` (default false) */
  newline?: boolean;
  /** keep each whitespace character as the token `\s` (default false) */
  spaces?: boolean;
}

/** Pure: the character tokens of `text`. */
export function tokenizeChar(text: string, opts: CharTokenizerOptions = {}): string[] {
  const newline = opts.newline ?? false;
  const spaces = opts.spaces ?? false;
  const out: string[] = [];
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { out.push(text.slice(i, i + 2)); i += 2; continue; }
    }
    if (c === 10 || c === 13) {
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      i++;
      if (newline) out.push(NEWLINE_TOKEN);
      else if (spaces) out.push(SPACE_TOKEN);
      continue;
    }
    if (isSpaceCode(c)) {
      if (spaces) out.push(SPACE_TOKEN);
      i++;
      continue;
    }
    out.push(text[i]);
    i++;
  }
  if (newline) out.push(NEWLINE_TOKEN);
  return out;
}

/** Stream stage applying `tokenizeChar` to each document. */
export function charTokenizer(opts: CharTokenizerOptions & BatchOption = {}): Transform {
  const o = { newline: opts.newline, spaces: opts.spaces };
  return recordStage<string, string[]>((s) => tokenizeChar(s, o), opts);
}
