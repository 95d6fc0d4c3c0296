/**
 * KenLM tokenizer: `Doc` (string) → `Tokens` (string[]); with
 * `{ batch: true }`, `RecordBatch<Doc>` → `RecordBatch<Tokens>`.
 *
 * Rule (KenLM's lmplz, lm/builder/corpus_count.cc: delimiters "\0\t\n\r "):
 * tokens are the maximal runs of characters other than space (U+0020), tab
 * (U+0009), LF (U+000A), CR (U+000D) and NUL (U+0000). Everything else is part
 * of a token: NBSP, VT, FF and the other Unicode spaces included (KenLM works
 * on bytes and splits on these five only). This is the rule of every n-gram
 * command (build, count, ppl, train-stream --model ngram, ARPA prompts of
 * generate). (KenLM's `query` splits on its kSpaces instead — also VT and FF,
 * not NUL; lmstream scores with the builder's rule so that a model and its
 * test text agree.)
 */
import { recordStage, type BatchOption } from '../io/record-stage.js';
import type { Transform } from 'node:stream';

/** True for the code units KenLM's lmplz splits on: space, tab, LF, CR, NUL. */
export function isKenlmSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0;
}

/** Calls `fn` with each KenLM token of `text`, in order (no array). */
export function forEachKenlmToken(text: string, fn: (token: string) => void): void {
  const n = text.length;
  let start = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0) {
      if (start >= 0) { fn(text.slice(start, i)); start = -1; }
    } else if (start < 0) start = i;
  }
  if (start >= 0) fn(start === 0 ? text : text.slice(start));
}

/** Pure: the KenLM tokens of `text`. */
export function tokenizeKenlm(text: string): string[] {
  const out: string[] = [];
  forEachKenlmToken(text, (t) => { out.push(t); });
  return out;
}

/** Stream stage applying `tokenizeKenlm` to each document. */
export function kenlmTokenizer(opts: BatchOption = {}): Transform {
  return recordStage<string, string[]>(tokenizeKenlm, opts);
}
