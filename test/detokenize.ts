import t from 'tap';
import { detokenize, detokenizer } from '../src/text/detokenize.js';
import { tokenizeWord } from '../src/text/tokenize-word.js';
import { tokenizeChar } from '../src/text/tokenize-char.js';
import { collect } from './helpers/streams.js';

t.test('word mode', async (t) => {
  t.equal(detokenize(['<s>', 'Hello', ',', 'world', '!', '</s>']), 'Hello, world!');
  t.equal(detokenize(['He', 'said', '``', 'hi', "''", 'and', 'left', ';', 'ok', '?']), "He said ``hi'' and left; ok?");
  t.equal(detokenize(['a', '(', 'b', ')', '[', 'c', ']', '$', '5', ',', '50', '%', '...']), 'a (b) [c] $5, 50%...');
  t.equal(detokenize(['I', 'do', "n't", 'know', 'John', "'s", 'dog', 'we', "'LL"]), "I don't know John's dog we'LL");
  t.equal(detokenize(['she', 'said', '"', 'go', '"', 'and', '"', 'stay', '"', '.']), 'she said "go" and "stay".');
  t.equal(detokenize(['<unk>', 'x']), '<unk> x');
  t.equal(detokenize([]), '');
  t.equal(detokenize(['<s>', '</s>']), '');
});

t.test('word tokenizer round trip on ordinary text', async (t) => {
  for (const s of ["Don't stop, O'Neil! John's car (the red one) isn't \"fast\"... It costs $5, 50% off.", 'Pi is 3.14; see https://x.org/a?b=1.']) {
    t.equal(detokenize(tokenizeWord(s)), s);
  }
});

t.test('char mode', async (t) => {
  t.equal(detokenize(['<s>', 'h', 'i', '\\s', '😀', '\\n', '</s>'], 'char'), 'hi 😀\n');
  const text = 'line one\nzwei ß';
  t.equal(detokenize(tokenizeChar(text, { spaces: true, newline: true }), 'char'), text + '\n');
});

t.test('stage', async (t) => {
  t.same(await collect([['a', '.'], ['b']], detokenizer()), ['a.', 'b']);
  t.same(await collect([[['a', '\\s', 'b']]], detokenizer({ mode: 'char', batch: true })), [['a b']]);
  t.throws(() => detokenizer({ mode: 'bpe' as never }), { message: /unknown detokenize mode/ });
});
