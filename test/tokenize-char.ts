import t from 'tap';
import { tokenizeChar, charTokenizer, NEWLINE_TOKEN, SPACE_TOKEN } from '../src/text/tokenize-char.js';
import { getTokenizer, tokenizer } from '../src/text/tokenizers.js';
import { textReader } from '../src/io/text-reader.js';
import { chunked, collect } from './helpers/streams.js';

t.test('code points, never half a surrogate pair', async (t) => {
  t.same(tokenizeChar('a😀é'), ['a', '😀', 'é']);
  t.same(tokenizeChar('𝄞x'), ['𝄞', 'x']);
  t.same(tokenizeChar('e\u0301'), ['e', '\u0301'], 'no grapheme clustering');
  t.same(tokenizeChar('a b\tc'), ['a', 'b', 'c'], 'whitespace dropped by default');
  t.same(tokenizeChar(''), []);
});

t.test('spaces and newlines as tokens', async (t) => {
  t.equal(NEWLINE_TOKEN, '\\n');
  t.equal(SPACE_TOKEN, '\\s');
  t.same(tokenizeChar('a b', { spaces: true }), ['a', '\\s', 'b']);
  t.same(tokenizeChar('a\nb\r\nc', { newline: true }), ['a', '\\n', 'b', '\\n', 'c', '\\n'], 'line breaks and the document end');
  t.same(tokenizeChar('a\nb', { spaces: true }), ['a', '\\s', 'b'], 'without newline, a line break is whitespace');
  t.same(tokenizeChar('', { newline: true }), ['\\n']);
  t.same(tokenizeChar('\\n', {}), ['\\', 'n'], 'a real backslash-n is two tokens, no clash');
});

t.test('stream, chunks of 1, 3, 7 bytes', async (t) => {
  const text = 'h😀\r\nü ß';
  const want = [['h', '😀', '\\n'], ['ü', '\\s', 'ß', '\\n']];
  for (const size of [1, 3, 7]) {
    t.same(await collect(chunked(text, size), textReader(), charTokenizer({ newline: true, spaces: true })), want, `chunks of ${size}`);
  }
});

t.test('tokenizers by name', async (t) => {
  t.same(getTokenizer('whitespace')("a,b c"), ['a,b', 'c']);
  t.same(getTokenizer('word')("a,b c"), ['a', ',', 'b', 'c']);
  t.same(getTokenizer('char', { spaces: true })("a c"), ['a', '\\s', 'c']);
  t.same(await collect([['x y']], tokenizer('char', { batch: true })), [[['x', 'y']]]);
  t.throws(() => getTokenizer('bpe' as never), { message: /unknown tokenizer 'bpe'/ });
});
