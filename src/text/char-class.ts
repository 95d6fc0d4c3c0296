/**
 * Character classes shared by the tokenizers (pure, no streams): a lookup
 * table for ASCII and a cached Unicode-property test above it.
 */

export const OTHER = 0; // punctuation, symbols, controls
export const LETTER = 1; // \p{L} and combining marks \p{M}
export const DIGIT = 2; // decimal digits \p{Nd}
export const NUMERIC = 3; // other numbers \p{N} (², ½, Ⅻ): word characters, not digits
export const SPACE = 4; // JavaScript \s

const ascii = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  ascii[c] = /\s/.test(ch) ? SPACE : /[A-Za-z]/.test(ch) ? LETTER : /[0-9]/.test(ch) ? DIGIT : OTHER;
}

const cache = new Map<number, number>();
const reL = /^[\p{L}\p{M}]$/u;
const reNd = /^\p{Nd}$/u;
const reN = /^\p{N}$/u;
const reS = /^\s$/u;

function classifySlow(cp: number): number {
  let k = cache.get(cp);
  if (k === undefined) {
    const ch = String.fromCodePoint(cp);
    k = reS.test(ch) ? SPACE : reL.test(ch) ? LETTER : reNd.test(ch) ? DIGIT : reN.test(ch) ? NUMERIC : OTHER;
    if (cache.size < 65536) cache.set(cp, k);
  }
  return k;
}

/** Class of a code point. */
export function classOf(cp: number): number {
  return cp < 128 ? ascii[cp] : classifySlow(cp);
}

/** True for a JavaScript whitespace character (the \s class). */
export function isSpaceCode(c: number): boolean {
  if (c < 128) return ascii[c] === SPACE;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** The code point at UTF-16 index i (a whole surrogate pair when there is one). */
export function codePointAt(s: string, i: number): number {
  return s.codePointAt(i) as number;
}
