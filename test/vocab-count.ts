import t from 'tap';
import { vocabCount, countTokens } from '../src/vocab/vocab-count.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import { loadVocabulary, saveVocabulary } from '../src/vocab/vocabulary-file.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';

const docs = [['<s>', 'b', 'a', 'c', '</s>'], ['<s>', 'a', 'b', 'a', '</s>'], ['<s>', 'd', '</s>']];

t.test('countTokens (pure)', async (t) => {
  const m = new Map<string, number>();
  countTokens(m, ['x', 'y', 'x']);
  countTokens(m, ['x']);
  t.same([...m], [['x', 3], ['y', 1]]);
});

t.test('counting stage builds the vocabulary', async (t) => {
  const w = vocabCount();
  t.equal(w.vocabulary, undefined, 'not before the end');
  await pipeline(Readable.from(docs), w);
  t.equal(w.documents, 3);
  t.equal(w.tokens, 13);
  // a:3, b:2, then c and d (1 each) in code-point order
  t.same(w.vocabulary!.tokens, ['<unk>', '<s>', '</s>', 'a', 'b', 'c', 'd']);
  t.same(w.vocabulary!.counts, [0, 3, 3, 3, 2, 1, 1]);
});

t.test('min-count, max-size, batches', async (t) => {
  const w = vocabCount({ minCount: 2, batch: true });
  await pipeline(Readable.from([docs.slice(0, 2), docs.slice(2)]), w);
  t.same(w.vocabulary!.tokens, ['<unk>', '<s>', '</s>', 'a', 'b']);
  const w2 = vocabCount({ maxSize: 4 });
  await pipeline(Readable.from(docs), w2);
  t.same(w2.vocabulary!.tokens, ['<unk>', '<s>', '</s>', 'a']);
  await t.rejects(pipeline(Readable.from(docs), vocabCount({ maxSize: 2 })), { message: /maxSize must be at least 3/ });
});

t.test('save/load round trip', async (t) => {
  const w = vocabCount();
  await pipeline(Readable.from(docs), w);
  const v = w.vocabulary!;
  const dir = t.testdir({});
  const file = path.join(dir, 'vocab.json');
  await saveVocabulary(v, file);
  const back = await loadVocabulary(file);
  t.same(back.tokens, v.tokens);
  t.same(back.counts, v.counts);
  t.equal(back.id('c'), 5);
  t.equal(back.id('zzz'), 0);
  t.same(back.toJSON(), { format: 'lmstream-vocab', version: 1, tokens: ['<unk>', '<s>', '</s>', 'a', 'b', 'c', 'd'], counts: [0, 3, 3, 3, 2, 1, 1] });
  await t.rejects(loadVocabulary(path.join(dir, 'missing.json')), { message: /missing\.json: no such file/ });
  t.throws(() => Vocabulary.fromJSON({ format: 'lmstream-vocab', version: 9, tokens: [] }, 'v.json'), { message: /v\.json: vocabulary format version 9/ });
});

t.test('counts do not keep the input alive (long tokens are own strings)', async (t) => {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const counts = new Map<string, number>();
  for (let i = 0; i < 1000; i++) {
    const line = `token-number-${i} `.repeat(4000); // ~70 KB (140 KB in memory) per line
    countTokens(counts, [line.slice(0, line.indexOf(' '))]);
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  t.equal(counts.size, 1000);
  t.equal(counts.get('token-number-999'), 1);
  // the 1000 lines weigh ~140 MB; the tokens alone well under 1 MB
  t.ok(grown < 20e6, `heap grew by ${(grown / 1e6).toFixed(1)} MB`);
});
