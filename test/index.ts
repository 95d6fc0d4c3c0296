import t from 'tap';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as lm from '../src/index.js';

t.test('every public export is defined', async (t) => {
  const missing = Object.entries(lm).filter(([, v]) => v === undefined).map(([k]) => k);
  t.same(missing, []);
});

t.test('the top-level API composes: read → tokenize → markers → count, then encode', async (t) => {
  const text = 'the cat sat\nthe dog sat\n';
  const counter = lm.vocabCount();
  await pipeline(Readable.from([Buffer.from(text)]), lm.textReader(), lm.whitespaceTokenizer(), lm.markers('sentence'), counter);
  const vocab = counter.vocabulary;
  // <unk> <s> </s>, then by count (desc) and code point: sat(2) the(2) cat dog
  t.same(vocab.tokens, ['<unk>', '<s>', '</s>', 'sat', 'the', 'cat', 'dog']);
  const ids: number[][] = [];
  await pipeline(
    Readable.from([Buffer.from(text)]), lm.textReader(), lm.whitespaceTokenizer(), lm.markers('sentence'), lm.encode(vocab),
    new Writable({ objectMode: true, write(chunk: Int32Array, _e, cb) { ids.push([...chunk]); cb(); } }),
  );
  t.same(ids, [[1, 4, 5, 3, 2], [1, 4, 6, 3, 2]]);
});
