import t from 'tap';
import { lines } from '../src/io/lines.js';

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

t.test('LineSplitter: any chunking gives the lines of the reference split', async (t) => {
  const { LineSplitter } = await import('../src/io/lines.js');
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const pieces = ['a', 'bc', ' ', '\t', '\n', '\r\n', '\r', 'é', '€', '😀', 'xyz'];
  for (let round = 0; round < 40; round++) {
    let text = '';
    const len = 1 + rnd(60);
    for (let i = 0; i < len; i++) text += pieces[rnd(pieces.length)];
    const want = text.split('\n');
    if (want[want.length - 1] === '') want.pop();
    const ref = want.map((l, i) => (l.endsWith('\r') && (i < want.length - 1 || true) ? l.slice(0, -1) : l));
    const bytes = Buffer.from(text, 'utf8');
    const got: string[] = [];
    const sp = new LineSplitter();
    let at = 0;
    while (at < bytes.length) {
      const n = 1 + rnd(9);
      sp.push(bytes.subarray(at, at + n), (l) => got.push(l));
      at += n;
    }
    sp.end((l) => got.push(l));
    t.same(got, ref, JSON.stringify(text));
  }
});

t.test('LineSplitter: the guard counts bytes, across chunks, and bounds what is held', async (t) => {
  const { LineSplitter } = await import('../src/io/lines.js');
  const run = (chunks: string[], max: number, skip = false) => {
    const warns: string[] = [];
    const got: string[] = [];
    const sp = new LineSplitter({ maxLineLength: max, onLongLine: skip ? 'skip' : 'error', source: 'f', warn: (m) => warns.push(m) });
    for (const c of chunks) sp.push(Buffer.from(c), (l) => got.push(l));
    sp.end((l) => got.push(l));
    return { got, warns, skipped: sp.skipped, lines: sp.lines };
  };
  t.same(run(['éé\n'], 4).got, ['éé'], '4 bytes fit a limit of 4');
  t.throws(() => run(['ééé\n'], 5), { code: 'ELONGLINE', line: 1 });
  t.throws(() => run(['ab', 'cd', 'ef', '\n'], 5), { message: /^f: line 1 is longer than 5 bytes/ }, 'a line over several chunks');
  t.same(run(['ab\r\n'], 2).got, ['ab'], 'the CR of a CRLF is not counted');
  const s = run(['ok\nxx', 'xxxx', 'xx\nok2', '\n', 'yyyyyyyy'], 4, true);
  t.same(s.got, ['ok', 'ok2']);
  t.equal(s.skipped, 2);
  t.same(s.warns, ['f: line 2 is longer than 4 bytes (maxLineLength); skipped', 'f: line 4 is longer than 4 bytes (maxLineLength); skipped']);
  t.equal(s.lines, 4);
});
