import t from 'tap';
import { tokenizeWhitespace, whitespaceTokenizer } from '../src/text/tokenize-whitespace.js';
import { collect } from './helpers/streams.js';

t.test('pure function', async (t) => {
  t.same(tokenizeWhitespace('the cat  sat'), ['the', 'cat', 'sat']);
  t.same(tokenizeWhitespace('  lead\ttab\u00a0nbsp\u3000ideo\r\nnl  '), ['lead', 'tab', 'nbsp', 'ideo', 'nl']);
  t.same(tokenizeWhitespace('don\'t, 3.14 😀x'), ["don't,", '3.14', '😀x'], 'nothing but whitespace splits');
  t.same(tokenizeWhitespace(''), []);
  t.same(tokenizeWhitespace(' \t '), []);
  t.same(tokenizeWhitespace('single'), ['single']);
});

t.test('stream stage, single and batched', async (t) => {
  t.same(await collect(['a b', '', 'c'], whitespaceTokenizer()), [['a', 'b'], [], ['c']]);
  t.same(await collect([['a b', ''], ['c']], whitespaceTokenizer({ batch: true })), [[['a', 'b'], []], [['c']]]);
});
