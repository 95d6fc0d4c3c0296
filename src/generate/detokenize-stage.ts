/**
 * Detokenizing stage for generated text, incremental.
 *
 * Input: objectMode tokens, as `GeneratedToken` records `{ id, token }` or
 * plain strings.
 * Output: text chunks (strings), one per input token, with the spacing that
 * token needs in front of it, so that text reaches stdout token by token.
 * The chunks concatenate to exactly what the front end's `detokenize`
 * (src/text/detokenize.ts) gives for the whole token list.
 *
 * Levels:
 * - `word`: `detokenize(…, 'word')` (spaces and punctuation rules);
 * - `char`: `detokenize(…, 'char')` (joined; `\s` → space, `\n` → line break);
 * - `whitespace`: tokens joined by one space, nothing else (exactly what the
 *   whitespace tokenizer splits back).
 *
 * How: `detokenize` builds its text left to right, and the spacing before a
 * token depends only on the previous token and on which straight quotes
 * (`"`, `'`) are open. So the chunk of token t is
 *   detokenize(q + [last, t]) minus its prefix detokenize(q + [last]),
 * where q re-opens the quotes open before `last`: constant work per token,
 * whatever the length of the text.
 */
import { Transform } from 'node:stream';
import { detokenize } from '../text/detokenize.js';
import type { GeneratedToken } from './generate.js';
import { BOS, EOS } from '../types.js';

export type DetokenizeLevel = 'char' | 'whitespace' | 'word';

const QUOTES = ['"', "'"] as const;

/** Stateful: text chunk of each next token (see the file comment). */
export class IncrementalDetokenizer {
  private last: string | undefined;
  private started = false;
  /** straight quotes open before `last` */
  private open: Record<string, boolean> = { '"': false, "'": false };

  constructor(readonly level: DetokenizeLevel) {}

  /** The text to append for token `t`. */
  push(t: string): string {
    let out: string;
    if (this.level === 'whitespace') {
      out = this.started ? ' ' + t : t;
      this.started = true;
      return out;
    }
    if (this.level === 'char') out = detokenize([t], 'char');
    else {
      const prefix: string[] = QUOTES.filter((q) => this.open[q]);
      if (this.last !== undefined) prefix.push(this.last);
      const before = detokenize(prefix, 'word');
      prefix.push(t);
      out = detokenize(prefix, 'word').slice(before.length);
    }
    this.advance(t);
    return out;
  }

  /** Take tokens already printed (an echoed prompt) into account. */
  prime(tokens: readonly string[]): void {
    for (const t of tokens) this.advance(t);
    if (tokens.length) this.started = true;
  }

  private advance(t: string): void {
    if (t === BOS || t === EOS) return; // dropped by detokenize: no effect on spacing
    if (this.last !== undefined && (this.last === '"' || this.last === "'")) this.open[this.last] = !this.open[this.last];
    this.last = t;
  }
}

/** Pure: detokenize a whole token list at a level. */
export function detokenizeTokens(tokens: readonly string[], level: DetokenizeLevel): string {
  if (level === 'whitespace') return tokens.join(' ');
  return detokenize(tokens, level);
}

export interface DetokenizeStageOptions {
  level: DetokenizeLevel;
  /** tokens already printed before this stream (e.g. the echoed prompt) */
  previous?: readonly string[];
}

/** tokens → text chunks (see the file comment). */
export function detokenizeStage(opts: DetokenizeStageOptions): Transform {
  const d = new IncrementalDetokenizer(opts.level);
  if (opts.previous) d.prime(opts.previous);
  return new Transform({
    writableObjectMode: true,
    readableObjectMode: true,
    // small buffers: tokens are computed on demand, not ahead of the reader
    writableHighWaterMark: 1,
    readableHighWaterMark: 1,
    transform(chunk: GeneratedToken | string, _enc, cb) {
      const tok = typeof chunk === 'string' ? chunk : chunk?.token;
      if (typeof tok !== 'string') return cb(new TypeError('detokenize: expected a token string or { token } record'));
      cb(null, d.push(tok));
    },
  });
}
