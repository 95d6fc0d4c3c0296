/**
 * Whitespace tokenizer: `Doc` (string) → `Tokens` (string[]); with
 * `{ batch: true }`, `RecordBatch<Doc>` → `RecordBatch<Tokens>`.
 *
 * Rule: tokens are the maximal runs of non-whitespace characters, whitespace
 * being JavaScript's \s (space, tab, CR, LF, VT, FF, NBSP, the Unicode space
 * separators, U+2028/9, U+FEFF). Nothing else is changed. Fast path: one
 * charCodeAt scan per document, one slice per token.
 */
import { isSpaceCode } from './char-class.js';
import { recordStage, type BatchOption } from '../io/record-stage.js';
import type { Transform } from 'node:stream';

/** Pure: the whitespace-separated tokens of `text`. */
export function tokenizeWhitespace(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let start = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c < 32 ? c >= 9 && c <= 13 : c >= 0xa0 && isSpaceCode(c));
    if (space) {
      if (start >= 0) { out.push(text.slice(start, i)); start = -1; }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(start === 0 ? text : text.slice(start));
  return out;
}

export type TokenizerStageOptions = BatchOption;

/** Stream stage applying `tokenizeWhitespace` to each document. */
export function whitespaceTokenizer(opts: TokenizerStageOptions = {}): Transform {
  return recordStage<string, string[]>(tokenizeWhitespace, opts);
}
