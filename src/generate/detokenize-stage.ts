/**
 * Detokenizing stage for generated text.
 *
 * Input: objectMode tokens, as `GeneratedToken` records `{ id, token }` or
 * plain strings.
 * Output: text chunks (strings), one per input token, with the spacing that
 * token needs in front of it, so that text reaches stdout token by token.
 *
 * Levels:
 * - `char`: tokens are characters, joined as they are, except the char
 *   tokenizer's `\s` (a whitespace character → ' ') and `\n` (a line break);
 * - `whitespace`: tokens joined by one space (exactly what a whitespace
 *   tokenizer splits back; ARPA models);
 * - `word`: English spacing rules (no space before closing punctuation and
 *   clitics, none after opening brackets and quotes), see `wordGap`.
 */
import { Transform } from 'node:stream';
import type { GeneratedToken } from './generate.js';

export type DetokenizeLevel = 'char' | 'whitespace' | 'word';

const NO_SPACE_BEFORE = new Set([
  '.', ',', ';', ':', '!', '?', '%', ')', ']', '}', '...', "''", '”', '’', "n't", "'s", "'re", "'ve", "'ll", "'d", "'m",
  "N'T", "'S", "'RE", "'VE", "'LL", "'D", "'M",
]);
const NO_SPACE_AFTER = new Set(['(', '[', '{', '$', '``', '“', '‘', '#']);

/**
 * The separator between `prev` and `tok` in word-level text ('' or ' ').
 * `prev` undefined means `tok` starts the text.
 */
export function wordGap(prev: string | undefined, tok: string): string {
  if (prev === undefined) return '';
  if (NO_SPACE_AFTER.has(prev)) return '';
  if (NO_SPACE_BEFORE.has(tok)) return '';
  return ' ';
}

// The char tokenizer's (src/text/tokenize-char.ts) names for whitespace.
const CHAR_TEXT: Record<string, string> = { '\\s': ' ', '\\n': '\n' };

/** The text a token stands for at that level. */
export function tokenText(level: DetokenizeLevel, tok: string): string {
  return level === 'char' ? (CHAR_TEXT[tok] ?? tok) : tok;
}

/** Pure: detokenize a whole token list (same rules as the stage). */
export function detokenizeTokens(tokens: readonly string[], level: DetokenizeLevel): string {
  let out = '';
  let prev: string | undefined;
  for (const t of tokens) {
    out += gap(level, prev, t) + tokenText(level, t);
    prev = t;
  }
  return out;
}

function gap(level: DetokenizeLevel, prev: string | undefined, tok: string): string {
  if (level === 'char') return '';
  if (prev === undefined) return '';
  if (level === 'whitespace') return ' ';
  return wordGap(prev, tok);
}

export interface DetokenizeStageOptions {
  level: DetokenizeLevel;
  /** tokens already printed before this stream (e.g. the echoed prompt) */
  previous?: string;
}

/** tokens → text chunks (see the file comment). */
export function detokenizeStage(opts: DetokenizeStageOptions): Transform {
  let prev = opts.previous;
  return new Transform({
    writableObjectMode: true,
    readableObjectMode: true,
    // small buffers: tokens are computed on demand, not ahead of the reader
    writableHighWaterMark: 1,
    readableHighWaterMark: 1,
    transform(chunk: GeneratedToken | string, _enc, cb) {
      const tok = typeof chunk === 'string' ? chunk : chunk?.token;
      if (typeof tok !== 'string') return cb(new TypeError('detokenize: expected a token string or { token } record'));
      const text = gap(opts.level, prev, tok) + tokenText(opts.level, tok);
      prev = tok;
      cb(null, text);
    },
  });
}
