import t from 'tap';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import { encode, encodeTokens } from '../src/vocab/encode.js';
import { decode, decodeIds } from '../src/vocab/decode.js';
import { textReader } from '../src/io/text-reader.js';
import { wordTokenizer } from '../src/text/tokenize-word.js';
import { markers } from '../src/text/markers.js';
import { chunked, collect } from './helpers/streams.js';

const vocab = Vocabulary.fromCounts(new Map([['a', 5], ['b', 3], ['c', 1]])); // a=3 b=4 c=5
const ids = (xs: Int32Array[]) => xs.map((x) => Array.from(x));

t.test('one Int32Array per document; unknown tokens → <unk>', async (t) => {
  t.same(Array.from(encodeTokens(vocab, ['<s>', 'a', 'zz', 'c', '</s>'])), [1, 3, 0, 5, 2]);
  const e = encode(vocab);
  const out = await collect<Int32Array>([['a', 'b'], [], ['zz', '<unk>', 'c']], e);
  t.ok(out.every((x) => x instanceof Int32Array));
  t.same(ids(out), [[3, 4], [], [0, 0, 5]]);
  t.equal(e.ids, 5);
  t.equal(e.unknown, 1, 'a literal <unk> is not counted as unknown');
  const b = await collect<Int32Array[]>([[['a'], ['b', 'c']]], encode(vocab, { batch: true }));
  t.same(b.map(ids), [[[3], [4, 5]]]);
});

t.test('chunkSize: exact chunks except the last', async (t) => {
  const docs = [['a', 'b', 'c'], ['a'], [], ['b', 'b', 'b', 'b', 'c']];
  const e = encode(vocab, { chunkSize: 4 });
  t.same(ids(await collect<Int32Array>(docs, e)), [[3, 4, 5, 3], [4, 4, 4, 4], [5]]);
  t.equal(e.ids, 9);
  t.same(ids(await collect<Int32Array>([docs.slice(0, 2), docs.slice(2)], encode(vocab, { chunkSize: 3, batch: true }))), [[3, 4, 5], [3, 4, 4], [4, 4, 5]]);
  t.same(ids(await collect<Int32Array>([['a', 'b']], encode(vocab, { chunkSize: 2 }))), [[3, 4]], 'no empty last chunk');
  t.same(ids(await collect<Int32Array>([], encode(vocab, { chunkSize: 2 }))), []);
  t.throws(() => encode(vocab, { chunkSize: 0 }), { message: /chunkSize must be a whole number/ });
});

t.test('decode, and encode/decode round trip from text', async (t) => {
  t.same(decodeIds(vocab, [1, 3, 0, 2]), ['<s>', 'a', '<unk>', '</s>']);
  const text = 'a b,c\r\nc a\n';
  const v = Vocabulary.fromTokens(['a', 'b', 'c', ',']);
  for (const size of [1, 3, 7]) {
    const back = await collect<string[]>(chunked(text, size), textReader(), wordTokenizer(), markers('sentence'), encode(v), decode(v));
    t.same(back, [['<s>', 'a', 'b', ',', 'c', '</s>'], ['<s>', 'c', 'a', '</s>']], `chunks of ${size}`);
  }
  t.same(await collect([[Int32Array.from([3, 4])]], decode(vocab, { batch: true })), [[['a', 'b']]]);
  await t.rejects(collect([Int32Array.from([3, 99])], decode(vocab)), { message: 'token id 99 is outside the vocabulary (size 6)' });
});
