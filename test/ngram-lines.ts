import t from 'tap';
import { lines } from '../src/ngram/lines.js';

async function collect(chunks: (Buffer | string)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const l of lines(chunks)) out.push(l);
  return out;
}

t.test('lines: chunk boundaries, CRLF, multi-byte characters split across chunks', async (t) => {
  t.same(await collect(['a\nb\n']), ['a', 'b']);
  t.same(await collect(['a', 'b\nc', 'd\r\n', '', 'e']), ['ab', 'cd', 'e']);
  t.same(await collect(['\n\n']), ['', '']);
  const bytes = Buffer.from('über café\nnaïve\n', 'utf8');
  // split inside the two-byte 'ü' and inside 'é'
  t.same(await collect([bytes.subarray(0, 1), bytes.subarray(1, 8), bytes.subarray(8)]), ['über café', 'naïve']);
  const long = Array.from({ length: 200 }, () => 'x'.repeat(1000));
  t.same(await collect([...long, '\nend']), ['x'.repeat(200000), 'end']);
});
