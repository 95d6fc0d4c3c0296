/**
 * Bytes → lines (an async generator usable in `pipeline`).
 *
 * Input: Buffers or strings (UTF-8; a character split across chunks is
 * handled). Output: one string per line, without the `\n` (nor a `\r`
 * before it); a last line without a terminator is yielded too. A line longer
 * than a chunk is assembled once (no quadratic re-scanning).
 */
import { StringDecoder } from 'node:string_decoder';

export async function* lines(src: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const dec = new StringDecoder('utf8');
  let pending: string[] = [];
  const emit = (s: string): string => (s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s);
  for await (const chunk of src) {
    const text = typeof chunk === 'string' ? chunk : dec.write(chunk);
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl < 0) { if (text.length) pending.push(text); continue; }
    if (pending.length) {
      pending.push(text.slice(0, nl));
      yield emit(pending.join(''));
      pending = [];
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl >= 0) {
      yield emit(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) pending.push(text.slice(start));
  }
  const tail = dec.end();
  if (tail) pending.push(tail);
  if (pending.length) yield emit(pending.join(''));
}
