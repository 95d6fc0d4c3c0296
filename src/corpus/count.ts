/**
 * Sink stage: counts tokens and types.
 * Input (objectMode Writable): Tokens. Output: none; `result()` gives the
 * counts once the stream has finished.
 */
import { Writable } from 'node:stream';
import type { Tokens } from '../types.js';

export interface TokenCounts {
  /** token → occurrences */
  counts: Map<string, number>;
  /** total tokens */
  tokens: number;
  /** records (sentences) seen */
  records: number;
}

/** Pure: add one record's tokens to the counts. */
export function addCounts(acc: TokenCounts, toks: Tokens): void {
  acc.records++;
  acc.tokens += toks.length;
  for (const t of toks) acc.counts.set(t, (acc.counts.get(t) ?? 0) + 1);
}

export interface CountSink extends Writable {
  result(): TokenCounts;
}

export function tokenCounter(): CountSink {
  const acc: TokenCounts = { counts: new Map(), tokens: 0, records: 0 };
  const w = new Writable({
    objectMode: true,
    write(toks: Tokens, _enc, cb) {
      if (!Array.isArray(toks)) return cb(new TypeError('token counter: expected an array of tokens'));
      addCounts(acc, toks);
      cb();
    },
  }) as CountSink;
  w.result = () => acc;
  return w;
}
