import t from 'tap';
import { tokenizeWord, wordTokenizer } from '../src/text/tokenize-word.js';
import { textReader } from '../src/io/text-reader.js';
import { chunked, collect } from './helpers/streams.js';

const cases: [string, string[]][] = [
  ['The cat sat.', ['The', 'cat', 'sat', '.']],
  ["Don't stop, O'Neil!", ['Do', "n't", 'stop', ',', "O'Neil", '!']],
  ["John's car isn't they're I'm we'll I'd you've CAN'T won't", ['John', "'s", 'car', 'is', "n't", 'they', "'re", 'I', "'m", 'we', "'ll", 'I', "'d", 'you', "'ve", 'CA', "N'T", 'wo', "n't"]],
  ['John’s curly apostrophe', ['John', '’s', 'curly', 'apostrophe']],
  ["rock 'n' roll, rock'n'roll; the students' books", ['rock', "'", 'n', "'", 'roll', ',', "rock'n'roll", ';', 'the', 'students', "'", 'books']],
  ['Pi is 3.14, not 1,000 (or 1,000.50).', ['Pi', 'is', '3.14', ',', 'not', '1,000', '(', 'or', '1,000.50', ')', '.']],
  ['well-known COVID-19 -5 a - b', ['well-known', 'COVID-19', '-', '5', 'a', '-', 'b']],
  ['Wait... what?! --yes', ['Wait', '...', 'what', '?', '!', '--', 'yes']],
  ['see https://example.com/a?b=1&c=2, or (www.x.org).', ['see', 'https://example.com/a?b=1&c=2', ',', 'or', '(', 'www.x.org', ')', '.']],
  ['Mail <bob.smith@mail.example.com>!', ['Mail', '<', 'bob.smith@mail.example.com', '>', '!']],
  ['@user: hi', ['@', 'user', ':', 'hi']],
  ['naïve café 東京 x² Ⅻ', ['naïve', 'café', '東京', 'x²', 'Ⅻ']],
  ['cafe\u0301 combining', ['cafe\u0301', 'combining'], ],
  ['emoji 😀😀 🎉x', ['emoji', '😀😀', '🎉', 'x']],
  ['e.g. $5 50%', ['e', '.', 'g', '.', '$', '5', '50', '%']],
  ['', []],
  ['  \t ', []],
];

t.test('rules, one case each', async (t) => {
  for (const [text, want] of cases) t.same(tokenizeWord(text), want, JSON.stringify(text));
});

t.test('tokens concatenate back to the text without its spaces', async (t) => {
  for (const [text] of cases) t.equal(tokenizeWord(text).join(''), text.replace(/\s/g, ''));
});

t.test('stream: text reader → word tokenizer, chunks of 1, 3, 7 bytes', async (t) => {
  const text = "Grüße, O'Neil! 😀 3.14\r\nit's 1,000 km…\nno newline";
  const want = [['Grüße', ',', "O'Neil", '!', '😀', '3.14'], ['it', "'s", '1,000', 'km', '…'], ['no', 'newline']];
  for (const size of [1, 3, 7]) t.same(await collect(chunked(text, size), textReader(), wordTokenizer()), want, `chunks of ${size}`);
  const batched = await collect<string[][]>(chunked(text, 5), textReader({ batch: true }), wordTokenizer({ batch: true }));
  t.same(batched.flat(), want);
});
