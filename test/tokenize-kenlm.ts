import t from 'tap';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tokenizeKenlm, kenlmTokenizer, forEachKenlmToken } from '../src/text/tokenize-kenlm.js';
import { getTokenizer, TOKENIZERS } from '../src/text/tokenizers.js';
import { CorpusEncoder } from '../src/ngram/corpus.js';
import { loadForGeneration } from '../src/generate/load-model.js';
import { collect } from './helpers/streams.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

t.test('the rule of lmplz: space, tab, LF, CR and NUL split; nothing else does', async (t) => {
  t.same(tokenizeKenlm(' a\tb\r\nc\0d  '), ['a', 'b', 'c', 'd']);
  t.same(tokenizeKenlm('a\u00a0b c\u000bd e\u000cf g\u3000h i\u2028j'), ['a\u00a0b', 'c\u000bd', 'e\u000cf', 'g\u3000h', 'i\u2028j'],
    'NBSP, VT, FF, ideographic space, line separator are part of a token');
  t.same(tokenizeKenlm(''), []);
  t.same(tokenizeKenlm('\0 \t'), []);
  t.same(tokenizeKenlm('single'), ['single']);
  const seen: string[] = [];
  forEachKenlmToken('x  y', (w) => seen.push(w));
  t.same(seen, ['x', 'y']);
});

t.test('registered as "kenlm", with a batched stage', async (t) => {
  t.ok(TOKENIZERS.includes('kenlm'));
  t.equal(getTokenizer('kenlm'), tokenizeKenlm);
  t.same(await collect([['a\u00a0b c', '']], kenlmTokenizer({ batch: true })), [[['a\u00a0b', 'c'], []]]);
});

t.test("the n-gram encoder's fused split is the same rule", async (t) => {
  const line = ' w1\u00a0x\tw2\0w3\rw4\u000bq  w1 ';
  const a = new CorpusEncoder(2);
  a.addLine(line);
  const b = new CorpusEncoder(2);
  b.addTokens(tokenizeKenlm(line));
  t.same([...a.finish().words], [...b.finish().words]);
  t.same(a.tokens.slice(3), ['w1\u00a0x', 'w2', 'w3', 'w4\u000bq', 'w1']);
});

t.test('generate --model x.arpa tokenizes prompts as the builder does (NBSP is no split)', async (t) => {
  const m = await loadForGeneration(path.join(root, 'fixtures/generate/bigram.arpa'));
  t.same(m.tokenize('the\u00a0dog cat'), ['the\u00a0dog', 'cat']);
  m.dispose();
});
