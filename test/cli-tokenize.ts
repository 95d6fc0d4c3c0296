import t from 'tap';
import { lmstream } from './helpers/cli.js';

t.test('--help', async (t) => {
  const r = lmstream(['tokenize', '--help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /^usage: lmstream tokenize \[options\] \[FILE\.\.\.\]/);
  t.match(r.stdout, /--tokenizer T/);
  t.equal(r.stderr, '');
});

t.test('word tokenizer on a fixture file', async (t) => {
  const r = lmstream(['tokenize', '--tokenizer', 'word', 'fixtures/frontend/sample.txt']);
  t.equal(r.code, 0);
  t.equal(r.stdout, "The cat 's hat — naïve café , 3.14 km .\nÜnïcödé 東京 😀 emoji\n\nlast line\n");
});

t.test('stdin, CRLF, sentence markers; several files do not run into each other', async (t) => {
  const r = lmstream(['tokenize', '--markers', 'sentence'], 'a  b\r\n\r\nc');
  t.equal(r.code, 0);
  t.equal(r.stdout, '<s> a b </s>\n<s> </s>\n<s> c </s>\n');
  const two = lmstream(['tokenize', 'fixtures/frontend/crlf.txt', '-', 'fixtures/frontend/crlf.txt'], 'from stdin');
  t.equal(two.stdout, 'CRLF line one\nline two\nno final newline\nfrom stdin\nCRLF line one\nline two\nno final newline\n');
});

t.test('char tokenizer with spaces and newlines', async (t) => {
  const r = lmstream(['tokenize', '--tokenizer', 'char', '--char-spaces', '--char-newline'], 'hé 😀\n');
  t.equal(r.stdout, 'h é \\s 😀 \\n\n');
});

t.test('JSON with --field: missing records reported on stderr', async (t) => {
  const r = lmstream(['tokenize', '--format', 'json', '--field', 'meta.text', '--tokenizer', 'word', 'fixtures/frontend/array.json']);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'Hello , world !\nGrüße aus Köln 😀\nDo n\'t panic .\n');
  t.equal(r.stderr, 'fixtures/frontend/array.json: 1 of 4 records have no field "meta.text"; skipped\n');
  const l = lmstream(['tokenize', '--format', 'jsonl', '--field', 'text', 'fixtures/frontend/records.jsonl']);
  t.equal(l.stdout, 'first record\nsecond record with a line break\n');
});

t.test('errors: exit code and one clear line', async (t) => {
  const missing = lmstream(['tokenize', 'no/such/file.txt']);
  t.equal(missing.code, 1);
  t.equal(missing.stderr, 'lmstream: no/such/file.txt: no such file\n');
  t.equal(missing.stdout, '');
  const bad = lmstream(['tokenize', '--tokenizer', 'bpe']);
  t.equal(bad.code, 2);
  t.equal(bad.stderr, "lmstream: --tokenizer: 'bpe' is not one of whitespace, kenlm, word, char\n");
  const field = lmstream(['tokenize', '--field', 'x']);
  t.equal(field.code, 2);
  t.match(field.stderr, /--field applies to JSON input only/);
  const json = lmstream(['tokenize', '--format', 'json'], '["ok",\n  oops]');
  t.equal(json.code, 1);
  t.equal(json.stderr, 'lmstream: <stdin>: invalid JSON at line 2, column 3 (byte offset 9): expected a value\n');
  const long = lmstream(['tokenize', '--max-line-length', '3'], 'abc\nabcd\n');
  t.equal(long.code, 1);
  t.match(long.stderr, /^lmstream: <stdin>: line 2 is longer than 3 bytes/);
  const skip = lmstream(['tokenize', '--max-line-length', '3', '--skip-long-lines'], 'abc\nabcd\nx\n');
  t.equal(skip.code, 0);
  t.equal(skip.stdout, 'abc\nx\n');
  t.equal(skip.stderr, '<stdin>: line 2 is longer than 3 bytes (maxLineLength); skipped\n');
});
