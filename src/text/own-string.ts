/**
 * Tokens and lines are slices of larger strings (V8 keeps a slice of 13 or
 * more characters as a view on its parent), so storing a token for long — as
 * a Map key, say — can keep a whole 64 KiB input chunk alive. `ownString`
 * returns an equal string that holds only its own characters. Use it on the
 * rare long-lived copies (new vocabulary entries), not on every token.
 */
export function ownString(s: string): string {
  // concatenation then slice flattens into a fresh string of s.length + 1
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}
