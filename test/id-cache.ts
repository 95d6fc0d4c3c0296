import t from 'tap';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { idCacheSink, IdCache, removeIdCache } from '../src/train/id-cache.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import { hashUniform } from '../src/util/random.js';

const tmp = () => fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-idcache-'));
const all = async (g: AsyncIterable<Int32Array>) => { const out: number[][] = []; for await (const d of g) out.push([...d]); return out; };

const docs = [['<s>', 'b', 'a', '</s>'], ['<s>', 'a', 'c', 'a', '</s>'], ['<s>', '</s>']];

t.test('round trip: vocabulary from counts, documents and blocks read back from disk', async (t) => {
  const dir = await tmp();
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  // batched and unbatched chunks mixed
  const res = await pipeline(Readable.from([[docs[0], docs[1]], docs[2]]), idCacheSink({ dir }));
  // a: 3, b: 1, c: 1 → ids 3, 4, 5 after the reserved tokens
  t.same(res.vocab.tokens, ['<unk>', '<s>', '</s>', 'a', 'b', 'c']);
  t.same(res.vocab.counts, [0, 3, 3, 3, 1, 1]);
  t.equal(res.train.tokens, 11);
  t.equal(res.train.docs, 3);
  t.equal(res.valid, undefined);
  t.same(await all(res.train.documentIds()), [[1, 4, 3, 2], [1, 3, 5, 3, 2], [1, 2]]);
  t.same((await all(res.train.blockIds())).flat(), [1, 4, 3, 2, 1, 3, 5, 3, 2, 1, 2]);
  const bytes = await fsp.readFile(path.join(dir, 'train.ids'));
  t.equal(bytes.length, 44);
  t.equal(bytes.readInt32LE(4), 4, 'little-endian int32');
  t.same([...(await fsp.readFile(path.join(dir, 'train.docs'))).subarray(0, 4)], [4, 0, 0, 0]);
  const again = await IdCache.open(dir, 'train');
  t.equal(again.checksum, res.train.checksum);
  t.equal(again.tokens, 11);
  const src = await again.source();
  t.same([...(await src.read(3, 6))], [2, 1, 3]);
  await src.close();
  t.same(await fsp.readdir(dir).then((f) => f.sort()), ['train.docs', 'train.ids', 'train.json'], 'no temporary files left');
});

t.test('fixed vocabulary encodes directly (OOV → <unk>); checksum tells data apart', async (t) => {
  const dir = await tmp();
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const vocab = Vocabulary.fromTokens(['a', 'b']);
  const r1 = await pipeline(Readable.from([docs]), idCacheSink({ dir, vocab, trainName: 'x' }));
  t.same(await all(r1.train.documentIds()), [[1, 4, 3, 2], [1, 3, 0, 3, 2], [1, 2]]);
  const r2 = await pipeline(Readable.from([[docs[1], docs[0], docs[2]]]), idCacheSink({ dir, vocab, trainName: 'y' }));
  t.equal(r2.train.tokens, r1.train.tokens);
  t.not(r2.train.checksum, r1.train.checksum);
});

t.test('valid fraction: held-out documents by seeded hash, vocabulary from training documents only', async (t) => {
  const dir = await tmp();
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const many = Array.from({ length: 40 }, (_, i) => ['<s>', `w${i}`, '</s>']);
  const res = await pipeline(Readable.from([many]), idCacheSink({ dir, validFraction: 0.25, seed: 7 }));
  const held = many.map((_, i) => i).filter((i) => hashUniform(7, i) < 0.25);
  t.ok(held.length > 3 && held.length < 20, `${held.length} held out`);
  t.equal(res.valid!.docs, held.length);
  t.equal(res.train.docs, 40 - held.length);
  for (const i of held) t.notOk(res.vocab.has(`w${i}`), `w${i} not in the vocabulary`);
  const validDocs = await all(res.valid!.documentIds());
  t.same(validDocs, held.map(() => [1, 0, 2]), 'held-out words are <unk>');
});

t.test('maxTokens cuts the training data and stops reading', async (t) => {
  const dir = await tmp();
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  let pulled = 0;
  const src = Readable.from((function* () { for (let i = 0; i < 1000; i++) { pulled++; yield ['x', 'y', 'z']; } })());
  const res = await pipeline(src, idCacheSink({ dir, maxTokens: 7 }));
  t.equal(res.train.tokens, 7);
  t.same(await all(res.train.documentIds()), [[3, 4, 5], [3, 4, 5], [3]]);
  t.ok(pulled < 100, `read ${pulled} documents, not the whole input`);
});

t.test('bad input is an error', async (t) => {
  const dir = await tmp();
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  await t.rejects(pipeline(Readable.from(['not tokens']), idCacheSink({ dir })), /token arrays/);
  t.throws(() => idCacheSink({ dir, validFraction: 1 }), /valid fraction/);
});

t.test('removeIdCache removes a cache, refuses a directory with other files', async (t) => {
  const dir = await tmp();
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  await pipeline(Readable.from([docs]), idCacheSink({ dir: path.join(dir, 'c'), validFraction: 0.5 }));
  await removeIdCache(path.join(dir, 'c'));
  await t.rejects(fsp.access(path.join(dir, 'c')));
  await removeIdCache(path.join(dir, 'absent'));
  await fsp.writeFile(path.join(dir, 'notes.txt'), 'keep me');
  await t.rejects(removeIdCache(dir), /not an id cache; not removing it/);
  t.equal(await fsp.readFile(path.join(dir, 'notes.txt'), 'utf8'), 'keep me');
});
