import t from 'tap';
import { readFileSync } from 'node:fs';
import { textReader } from '../src/io/text-reader.js';
import { chunked, collect, flat } from './helpers/streams.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/frontend/${name}`, import.meta.url));

const lines = (bytes: Buffer | string, size: number, opts = {}) => collect<string>(chunked(bytes, size), textReader(opts));

t.test('lines of a fixture with multi-byte characters, same for every chunk size', async (t) => {
  const want = ['The cat\'s hat — naïve café, 3.14 km.', 'Ünïcödé 東京 😀 emoji', '', 'last line'];
  const bytes = fixture('sample.txt');
  for (const size of [1, 3, 7, 65536]) {
    t.same(await lines(bytes, size), want, `chunks of ${size} bytes`);
    t.same(flat(await collect<string[]>(chunked(bytes, size), textReader({ batch: true }))), want, `batched, chunks of ${size}`);
  }
});

t.test('CRLF and a missing final newline', async (t) => {
  const want = ['CRLF line one', 'line two', 'no final newline'];
  for (const size of [1, 3, 7]) t.same(await lines(fixture('crlf.txt'), size), want, `chunks of ${size}`);
  t.same(await lines('a\r\nb\r', 1), ['a', 'b'], 'a CR right before the end is dropped');
  t.same(await lines('a\rb\n', 2), ['a\rb'], 'a lone CR inside a line is kept');
});

t.test('empty input, empty lines, BOM', async (t) => {
  t.same(await lines('', 1), []);
  t.same(await lines('\n', 1), ['']);
  t.same(await lines('\n\nx\n', 3), ['', '', 'x']);
  t.same(await lines('\ufeffbom\nline', 1), ['bom', 'line'], 'a UTF-8 BOM at the start is dropped');
  t.same(await lines('a\n\ufeffb', 1), ['a', '\ufeffb'], 'only at the start');
});

t.test('invalid UTF-8 becomes U+FFFD (documented), whatever the chunking', async (t) => {
  // 0xff never occurs in UTF-8; e2 82 is a truncated 3-byte sequence (€ is e2 82 ac)
  const bytes = Buffer.concat([Buffer.from('ok '), Buffer.from([0xff]), Buffer.from('x\nend '), Buffer.from([0xe2, 0x82]), Buffer.from('\n€')]);
  for (const size of [1, 3, 7]) {
    t.same(await lines(bytes, size), ['ok \ufffdx', 'end \ufffd', '€'], `chunks of ${size}`);
  }
  t.same(await lines(Buffer.from([0x61, 0xe2, 0x82]), 1), ['a\ufffd'], 'truncated sequence at the very end');
});

t.test('long-line guard: error names the line and the source', async (t) => {
  const text = 'short\n1234567890\nok\n';
  for (const size of [1, 4, 100]) {
    await t.rejects(lines(text, size, { maxLineLength: 9, source: 'corpus.txt' }), {
      message: 'corpus.txt: line 2 is longer than 9 bytes (maxLineLength); raise the limit with --max-line-length or skip such lines with --skip-long-lines',
    }, `chunks of ${size}`);
  }
  // a final line without newline is checked too
  await t.rejects(lines('a\nbb\nccc', 1, { maxLineLength: 2 }), { message: /^input: line 3 is longer than 2 bytes/ });
  // the limit counts bytes: 'é' is 2 bytes
  t.same(await lines('éé\n', 1, { maxLineLength: 4 }), ['éé']);
  await t.rejects(lines('ééé\n', 1, { maxLineLength: 5 }), { message: /line 1 is longer than 5 bytes/ });
});

t.test('long-line guard: skip with a warning, counting lines right', async (t) => {
  const text = 'short\n1234567890\nok\nabcdefghijklmnop\n\nlast';
  for (const size of [1, 3, 7, 100]) {
    const warnings: string[] = [];
    const r = textReader({ maxLineLength: 5, onLongLine: 'skip', source: 'f.txt', warn: (m) => warnings.push(m) });
    t.same(await collect(chunked(text, size), r), ['short', 'ok', '', 'last'], `chunks of ${size}`);
    t.same(warnings, [
      'f.txt: line 2 is longer than 5 bytes (maxLineLength); skipped',
      'f.txt: line 4 is longer than 5 bytes (maxLineLength); skipped',
    ]);
    t.equal(r.skipped, 2);
    t.equal(r.lines, 6);
  }
  const warnings: string[] = [];
  t.same(await lines('ab\ntoolongatend', 2, { maxLineLength: 3, onLongLine: 'skip', warn: (m: string) => warnings.push(m) }), ['ab']);
  t.same(warnings, ['input: line 2 is longer than 3 bytes (maxLineLength); skipped']);
});

t.test('skip mode drops a 5 MB line spread over many chunks', async (t) => {
  const r = textReader({ maxLineLength: 1000, onLongLine: 'skip', warn: () => {} });
  const big = Buffer.alloc(5_000_000, 0x61);
  t.same(await collect(chunked(Buffer.concat([big, Buffer.from('\nafter\n')]), 65536), r), ['after']);
  t.equal(r.skipped, 1);
});

t.test('a long line arriving in many tiny chunks', async (t) => {
  const line = 'x'.repeat(200_000);
  t.same(await lines(`${line}\nend`, 1), [line, 'end']);
});
