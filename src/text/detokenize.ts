/**
 * Detokenizer: `Tokens` (string[]) → `Doc` (string, readable text); with
 * `{ batch: true }`, `RecordBatch<Tokens>` → `RecordBatch<Doc>`.
 *
 * Markers `<s>` and `</s>` are dropped in both modes; `<unk>` is kept.
 * - `word` mode (the inverse of the word and whitespace tokenizers, as far as
 *   spacing allows): tokens are joined by single spaces, except
 *   - no space before `, . ; : ! ? % ) ] } '' ” ’ »`, before any token made only
 *     of `. , ; : ! ?` (`...`, `?!`), and before the clitics
 *     `n't 's 're 've 'll 'd 'm` (any case);
 *   - no space after `( [ { `` “ ‘ « $ # ¿ ¡`;
 *   - straight quotes `"` and `'` alternate: an opening one sticks to the next
 *     token, a closing one to the previous token.
 * - `char` mode (the inverse of the char tokenizer): tokens are concatenated;
 *   `\s` becomes a space and `\n` a line break.
 */
import type { Transform } from 'node:stream';
import { BOS, EOS } from '../types.js';
import { NEWLINE_TOKEN, SPACE_TOKEN } from './tokenize-char.js';
import { recordStage, type BatchOption } from '../io/record-stage.js';

export type DetokenizeMode = 'word' | 'char';

const NO_SPACE_BEFORE = new Set([',', '.', ';', ':', '!', '?', '%', ')', ']', '}', "''", '”', '’', '»']);
const NO_SPACE_AFTER = new Set(['(', '[', '{', '``', '“', '‘', '«', '$', '#', '¿', '¡']);
const CLITICS = new Set(["n't", "'s", "'re", "'ve", "'ll", "'d", "'m", '’s', "n’t", '’re', '’ve', '’ll', '’d', '’m']);
const PUNCT_RUN = /^[.,;:!?]+$/;

/** Pure: readable text from tokens. */
export function detokenize(tokens: readonly string[], mode: DetokenizeMode = 'word'): string {
  if (mode === 'char') {
    let s = '';
    for (const t of tokens) {
      if (t === BOS || t === EOS) continue;
      s += t === SPACE_TOKEN ? ' ' : t === NEWLINE_TOKEN ? '\n' : t;
    }
    return s;
  }
  let s = '';
  let glueNext = true; // no space before the next token
  const open: Record<string, boolean> = { '"': false, "'": false };
  for (const t of tokens) {
    if (t === BOS || t === EOS) continue;
    let before = !glueNext;
    let after = true;
    if (t === '"' || t === "'") {
      if (open[t]) before = false; // closing
      else after = false; // opening
      open[t] = !open[t];
    } else if (NO_SPACE_BEFORE.has(t) || PUNCT_RUN.test(t) || CLITICS.has(t.toLowerCase())) {
      before = false;
    }
    if (NO_SPACE_AFTER.has(t)) after = false;
    s += before ? ' ' + t : t;
    glueNext = !after;
  }
  return s;
}

export interface DetokenizerOptions extends BatchOption {
  mode?: DetokenizeMode;
}

/** Stream stage applying `detokenize` to each document. */
export function detokenizer(opts: DetokenizerOptions = {}): Transform {
  const mode = opts.mode ?? 'word';
  if (mode !== 'word' && mode !== 'char') throw new Error(`unknown detokenize mode '${mode as string}' (word or char)`);
  return recordStage<string[], string>((t) => detokenize(t, mode), opts);
}
