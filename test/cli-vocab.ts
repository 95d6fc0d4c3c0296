import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { lmstream } from './helpers/cli.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import { loadVocabulary } from '../src/vocab/vocabulary-file.js';

const corpus = 'the cat sat\nthe dog sat\nthe end\n';

t.test('--help', async (t) => {
  const r = lmstream(['vocab', '--help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /^usage: lmstream vocab \[options\] \[FILE\.\.\.\]/);
  t.match(r.stdout, /--min-count N/);
});

t.test('vocabulary JSON on stdout, summary on stderr', async (t) => {
  const r = lmstream(['vocab', '--markers', 'sentence'], corpus);
  t.equal(r.code, 0);
  t.same(JSON.parse(r.stdout), {
    format: 'lmstream-vocab', version: 1,
    tokens: ['<unk>', '<s>', '</s>', 'the', 'sat', 'cat', 'dog', 'end'],
    counts: [0, 3, 3, 3, 2, 1, 1, 1],
  });
  t.equal(r.stderr, 'vocab: 3 documents, 14 tokens, 7 types → 8 entries\n');
});

t.test('--out writes atomically; --min-count and --max-size; loads back', async (t) => {
  const dir = t.testdir({});
  const out = path.join(dir, 'sub', 'v.json');
  const r = lmstream(['vocab', '--min-count', '2', '--out', out], corpus);
  t.equal(r.code, 0);
  t.equal(r.stdout, '', 'stdout carries no data when --out is given');
  t.same(JSON.parse(readFileSync(out, 'utf8')).tokens, ['<unk>', '<s>', '</s>', 'the', 'sat']);
  t.same(readdirSync(path.dirname(out)), ['v.json'], 'no temporary file left');
  const v = await loadVocabulary(out);
  t.equal(v.id('sat'), 4);
  const m = lmstream(['vocab', '--max-size', '4', '--tokenizer', 'char'], 'abca');
  t.same(JSON.parse(m.stdout).tokens, ['<unk>', '<s>', '</s>', 'a']);
});

t.test('errors', async (t) => {
  const small = lmstream(['vocab', '--max-size', '2'], corpus);
  t.equal(small.code, 2);
  t.equal(small.stderr, 'lmstream: --max-size: 2 is below the minimum 3\n');
  const nan = lmstream(['vocab', '--min-count', 'lots'], corpus);
  t.equal(nan.code, 2);
  t.equal(nan.stderr, "lmstream: --min-count: 'lots' is not a number\n");
  const dir = t.testdir({});
  const out = path.join(dir, 'v.json');
  const bad = lmstream(['vocab', '--format', 'jsonl', '--out', out], '"a"\n{"b": }\n');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^lmstream: <stdin>: invalid JSON at line 2, column 7/);
  t.same(readdirSync(dir), [], 'no output file on failure');
});
