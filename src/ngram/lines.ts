/**
 * Bytes → lines (an async generator usable in `pipeline`).
 *
 * Input: Buffers or strings (UTF-8; a character split across chunks is
 * handled). Output: one string per line, without the `\n` (nor a `\r`
 * before it); a last line without a terminator is yielded too.
 */
import { StringDecoder } from 'node:string_decoder';

export async function* lines(src: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const dec = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of src) {
    const text = rest + (typeof chunk === 'string' ? chunk : dec.write(chunk));
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      let end = nl;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      yield text.slice(start, end);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += dec.end();
  if (rest.length > 0) yield rest;
}
