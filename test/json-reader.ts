import t from 'tap';
import { readFileSync } from 'node:fs';
import { jsonReader, getPath, type JsonReaderOptions } from '../src/io/json-reader.js';
import { chunked, collect, flat } from './helpers/streams.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/frontend/${name}`, import.meta.url));

async function read(bytes: Buffer | string, size: number, opts: JsonReaderOptions = {}) {
  const warnings: string[] = [];
  const r = jsonReader({ ...opts, warn: (m) => warnings.push(m) });
  const docs = await collect<string>(chunked(bytes, size), r);
  return { docs, warnings, records: r.records, missing: r.missing, nonText: r.nonText };
}

t.test('top-level array of objects with a dotted field; missing field counted and reported', async (t) => {
  for (const size of [1, 3, 7, 4096]) {
    const r = await read(fixture('array.json'), size, { field: 'meta.text', source: 'array.json' });
    t.same(r.docs, ['Hello, world!', 'Grüße aus Köln 😀', "Don't panic."], `chunks of ${size}`);
    t.same([r.records, r.missing, r.nonText], [4, 1, 0]);
    t.same(r.warnings, ['array.json: 1 of 4 records have no field "meta.text"; skipped']);
  }
});

t.test('JSON Lines: objects with the field, a bare string, a record without the field', async (t) => {
  for (const size of [1, 3, 7]) {
    const r = await read(fixture('records.jsonl'), size, { field: 'text' });
    t.same(r.docs, ['first record', 'second\nrecord with a line break'], `chunks of ${size}`);
    t.same([r.records, r.missing, r.nonText], [4, 2, 0], 'the bare string has no field "text" either');
  }
  const r = await read(fixture('records.jsonl'), 5);
  t.same(r.docs, ['a bare string is a record too'], 'without --field only string records are documents');
  t.same([r.records, r.missing, r.nonText], [4, 0, 3]);
  t.same(r.warnings, ['input: 3 of 4 records have no text string (for objects, name the text field with --field); skipped']);
});

t.test('concatenated values; a top-level array is unwrapped', async (t) => {
  for (const size of [1, 3, 7]) {
    const r = await read(fixture('concat.json'), size);
    t.same(r.docs, ['one', 'two', 'three', 'four'], `chunks of ${size}`);
    t.same([r.records, r.nonText], [5, 1]);
  }
  const r = await read('[["nested"], 7, "x", null]', 2);
  t.same(r.docs, ['x']);
  t.same([r.records, r.nonText], [4, 3]);
});

t.test('batch mode gives the same documents', async (t) => {
  const docs = await collect<string[]>(chunked(fixture('array.json'), 7), jsonReader({ field: 'meta.text', batch: true, warn: () => {} }));
  t.same(flat(docs), ['Hello, world!', 'Grüße aus Köln 😀', "Don't panic."]);
});

t.test('empty input, BOM, escapes, invalid UTF-8', async (t) => {
  t.same((await read('', 1)).docs, []);
  t.same((await read('  \n ', 1)).docs, []);
  t.same((await read('\ufeff["a"]', 1)).docs, ['a']);
  t.same((await read('"tab\\there \\u00e9 \\ud83d\\ude00"', 3)).docs, ['tab\there é 😀']);
  const bad = Buffer.concat([Buffer.from('["a'), Buffer.from([0xff]), Buffer.from('b"]')]);
  for (const size of [1, 3]) t.same((await read(bad, size)).docs, ['a\ufffdb'], 'invalid UTF-8 → U+FFFD');
});

t.test('malformed JSON: error names source, line, column and offset', async (t) => {
  for (const size of [1, 3, 7, 1000]) {
    await t.rejects(read('{"a": "x"}\n{"a": nope}\n', size, { field: 'a', source: 'bad.jsonl' }), {
      message: 'bad.jsonl: invalid JSON at line 2, column 7 (byte offset 17): expected a value',
    }, `chunks of ${size}`);
  }
  await t.rejects(read('[\n "a",\n "b"\n', 2), { message: /^input: invalid JSON at line 4, column 1 \(byte offset 13\)/ }, 'truncated array');
  for (const size of [1, 3, 7]) {
    await t.rejects(read('["é😀", x]', size), { message: 'input: invalid JSON at line 1, column 8 (byte offset 11): expected a value' }, `multi-byte, chunks of ${size}`);
    await t.rejects(read('\ufeff[1, x]', size), { message: 'input: invalid JSON at line 1, column 5 (byte offset 7): expected a value' }, `after a BOM, chunks of ${size}`);
  }
  const long = '["' + 'a'.repeat(10000) + '", x]';
  await t.rejects(read(long, 4096), { message: 'input: invalid JSON at line 1, column 10006 (byte offset 10005): expected a value' }, 'far into a long line');
  await t.rejects(read('{"a" 1}', 2), { message: "input: invalid JSON at line 1, column 6 (byte offset 5): expected ':'" });
  await t.rejects(read('"abc', 2), { message: /^input: invalid JSON at line 1, column 5 \(byte offset 4\): expected a string value/ });
});

t.test('getPath', async (t) => {
  t.equal(getPath({ a: { b: 'x' } }, ['a', 'b']), 'x');
  t.equal(getPath({ a: ['p', 'q'] }, ['a', '1']), 'q');
  t.equal(getPath({ a: 'str' }, ['a', 'b']), undefined);
  t.equal(getPath(null, ['a']), undefined);
  t.throws(() => jsonReader({ field: 'a..b' }), { message: /empty step/ });
});
