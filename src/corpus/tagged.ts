/**
 * Pure logic for the Brown corpus's tagged text (no streams).
 * Input: one raw line such as `\tThe/at jury/nn said/vbd ./.`.
 * Output: its tokens with the part-of-speech tags removed (Tokens), or an
 * empty array for a blank line.
 *
 * A tag is everything after the LAST `/` of a whitespace-separated item, so
 * `1/2/cd` is the token `1/2` and `//in` is the token `/`.
 */
import type { Tokens } from '../types.js';

/** The word of one `word/tag` item; throws when there is no `/`. */
export function stripTag(item: string): string {
  const i = item.lastIndexOf('/');
  if (i < 0) throw new Error(`item ${JSON.stringify(item)} has no /tag`);
  return item.slice(0, i);
}

const WS = /[ \t\r\n\f\v]+/;

/**
 * The words of one tagged line (a corpus sentence); `[]` for a blank line.
 * `where` names the place in errors (e.g. `ca01:3`).
 */
export function parseTaggedLine(line: string, where = 'line'): Tokens {
  const t = line.trim();
  if (t === '') return [];
  const items = t.split(WS);
  const out = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const j = item.lastIndexOf('/');
    if (j < 0) throw new Error(`${where}: item ${JSON.stringify(item)} has no /tag`);
    out[i] = item.slice(0, j);
  }
  return out;
}
