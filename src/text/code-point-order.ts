/**
 * Code-point order of strings, which is the byte order of their UTF-8
 * encodings (the order of `LC_ALL=C sort`). JavaScript's `<` and the default
 * `Array.prototype.sort` compare UTF-16 code units instead, which puts a
 * character above U+FFFF (a surrogate pair, 0xD800–0xDFFF) before U+E000–U+FFFF
 * (`😀` < `！` there; after it in byte order). Pure, no allocation.
 */

/** Negative, zero or positive as `a` sorts before, with or after `b` in UTF-8 byte order. */
export function compareCodePoints(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // surrogates (D800–DFFF) go above E000–FFFF
        x = x < 0xe000 ? x + 0x2000 : x - 0x800;
        y = y < 0xe000 ? y + 0x2000 : y - 0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}
