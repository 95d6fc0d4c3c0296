import t from 'tap';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import { loadVocabulary, saveVocabulary } from '../src/vocab/vocabulary-file.js';

t.test('ids: reserved first, then descending count, ties in code-point order', async (t) => {
  const v = Vocabulary.fromCounts(new Map([['b', 2], ['a', 2], ['Z', 2], ['é', 5], ['x', 1], ['<s>', 7]]));
  t.same(v.tokens, ['<unk>', '<s>', '</s>', 'é', 'Z', 'a', 'b', 'x']);
  t.same(v.counts, [0, 7, 0, 5, 2, 2, 2, 1]);
  t.same([v.unkId, v.bosId, v.eosId], [0, 1, 2]);
  t.equal(v.size, 8);
  t.same(Array.from(v.encode(['a', 'nope', '</s>'])), [5, 0, 2]);
  t.same(v.decode([3, 4, 0]), ['é', 'Z', '<unk>']);
  t.throws(() => v.token(8), { message: 'token id 8 is outside the vocabulary (size 8)' });
  t.same(Vocabulary.fromCounts(new Map([['a', 3], ['b', 1]]), { minCount: 2 }).tokens, ['<unk>', '<s>', '</s>', 'a']);
});

t.test('fromTokens keeps order, drops duplicates', async (t) => {
  t.same(Vocabulary.fromTokens(['q', '<s>', 'p', 'q']).tokens, ['<unk>', '<s>', '</s>', 'q', 'p']);
});

t.test('JSON round trip and errors naming the file', async (t) => {
  const v = Vocabulary.fromCounts(new Map([['😀', 3], ['a b', 1]]));
  const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
  t.same(back.tokens, ['<unk>', '<s>', '</s>', '😀', 'a b']);
  t.same(back.counts, [0, 0, 0, 3, 1]);
  const dir = t.testdir({});
  const f = path.join(dir, 'v.json');
  await saveVocabulary(v, f);
  t.same((await loadVocabulary(f)).toJSON(), v.toJSON());
  writeFileSync(f, '{"format":"lmstream-vocab",');
  await t.rejects(loadVocabulary(f), { message: new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid JSON`) });
  t.throws(() => Vocabulary.fromJSON({ format: 'other' }, 'x.json'), { message: 'x.json: not an lmstream vocabulary (field "format" must be "lmstream-vocab")' });
  t.throws(() => Vocabulary.fromJSON({ format: 'lmstream-vocab', version: 1, tokens: ['a'] }), { message: /vocabulary entry 0 must be <unk>/ });
  t.throws(() => Vocabulary.fromJSON({ format: 'lmstream-vocab', version: 1, tokens: ['<unk>', '<s>', '</s>'], counts: [0, -1, 0] }), { message: /"counts" must hold one non-negative integer per token/ });
});
