import t from 'tap';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseTaggedLine, stripTag } from '../src/corpus/tagged.js';
import { brownFiles, brownSentences } from '../src/corpus/brown.js';
import { tokenCounter } from '../src/corpus/count.js';
import { mapUnk, unkMap } from '../src/corpus/unk-map.js';
import { SplitCutter, splitCut } from '../src/corpus/split-cut.js';
import { splitWriter } from '../src/corpus/split-writer.js';
import { readIdStream } from '../src/corpus/read-ids.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import { prepareBrownBengio } from '../src/corpus/brown-protocol.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'brown');

t.test('tags are stripped at the last slash', async (t) => {
  t.equal(stripTag('The/at'), 'The');
  t.equal(stripTag('1/2/cd'), '1/2');
  t.equal(stripTag('//in'), '/');
  t.equal(stripTag('and/or/cc'), 'and/or');
  t.throws(() => stripTag('word'), /has no \/tag/);
  t.same(parseTaggedLine('\tThe/at jury/nn ./.  '), ['The', 'jury', '.']);
  t.same(parseTaggedLine(' \t '), []);
  t.throws(() => parseTaggedLine('\tok/nn bad', 'ca01:7'), /^ca01:7: item "bad" has no \/tag/);
});

t.test('brown source: corpus files in name order, one record per non-blank line', async (t) => {
  const files = await brownFiles(FIX);
  t.same(files.map((f) => path.basename(f)), ['ca01', 'cb01']);
  const got: string[][] = [];
  for await (const s of brownSentences({ dir: FIX })) got.push(s);
  t.same(got, [
    ['The', 'jury', 'said', '1/2', 'of', 'it', '.'],
    ['``', 'Only', '/', 'and/or', '.'],
    ['The', 'end', '.'],
  ]);
  const real = await brownFiles();
  t.equal(real.length, 500);
  t.equal(path.basename(real[0]), 'ca01');
  t.equal(path.basename(real[499]), 'cr09');
});

t.test('brown source reports the file and line of a malformed item', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'brown-bad-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  await fsp.writeFile(path.join(dir, 'ca01'), '\n\tgood/jj\n\n\tfine/nn oops\n');
  await t.rejects(pipeline(brownSentences({ dir }), tokenCounter()), /ca01:4: item "oops" has no \/tag/);
  await t.rejects(pipeline(brownSentences({ dir: path.join(dir, 'none') }), tokenCounter()), /cannot list the Brown corpus/);
});

t.test('brown source decodes UTF-8 split across read chunks', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'brown-utf8-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  // 70,000 items of 'é/nn ' put a 2-byte character across the 64 KiB chunk edges
  await fsp.writeFile(path.join(dir, 'ca01'), '\t' + 'é/nn '.repeat(70_000) + '\n');
  const c = tokenCounter();
  await pipeline(brownSentences({ dir }), c);
  t.same([...c.result().counts], [['é', 70_000]]);
});

t.test('token counter', async (t) => {
  const c = tokenCounter();
  await pipeline(Readable.from([['a', 'b', 'a'], ['c', 'a']]), c);
  const r = c.result();
  t.equal(r.tokens, 5);
  t.equal(r.records, 2);
  t.same([...r.counts], [['a', 3], ['b', 1], ['c', 1]]);
});

t.test('unk map', async (t) => {
  t.same(mapUnk(['a', 'x', 'b'], (w) => w !== 'x'), ['a', '<unk>', 'b']);
  const v = Vocabulary.fromTokens(['a', 'b']);
  const out: string[][] = [];
  await pipeline(Readable.from([['a', 'z'], ['q', 'b']]), unkMap(v), async (src: AsyncIterable<string[]>) => {
    for await (const x of src) out.push(x);
  });
  t.same(out, [['a', '<unk>'], ['<unk>', 'b']]);
});

t.test('split cutter cuts straddling sentences and fills splits exactly', async (t) => {
  const c = new SplitCutter([3, 2, Infinity]);
  t.same(c.cut(['a', 'b']), [{ split: 0, tokens: ['a', 'b'] }]);
  t.same(c.cut(['c', 'd', 'e', 'f', 'g']), [
    { split: 0, tokens: ['c'] },
    { split: 1, tokens: ['d', 'e'] },
    { split: 2, tokens: ['f', 'g'] },
  ]);
  t.same(c.cut([]), []);
  t.same(c.cut(['h']), [{ split: 2, tokens: ['h'] }]);
  t.same(c.placed, [3, 2, 3]);
  // a sentence ending exactly at a boundary is not cut and the next starts the new split
  const d = new SplitCutter([2, 2]);
  t.same(d.cut(['a', 'b']), [{ split: 0, tokens: ['a', 'b'] }]);
  t.same(d.cut(['c']), [{ split: 1, tokens: ['c'] }]);
  t.same(d.cut(['d']), [{ split: 1, tokens: ['d'] }]);
  t.throws(() => d.cut(['e']), /more tokens than the splits hold/);
  // an empty split is skipped
  t.same(new SplitCutter([0, 5]).cut(['x']), [{ split: 1, tokens: ['x'] }]);
  t.throws(() => new SplitCutter([]), /no splits/);
});

t.test('split cut stage and split writer write one line per piece, atomically', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'brown-split-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const paths = ['a.txt', 'b.txt'].map((n) => path.join(dir, n));
  const w = splitWriter(paths);
  await pipeline(Readable.from([['1', '2'], ['3', '4', '5'], ['6']]), splitCut([3, Infinity]), w);
  t.equal(await fsp.readFile(paths[0], 'utf8'), '1 2\n3\n');
  t.equal(await fsp.readFile(paths[1], 'utf8'), '4 5\n6\n');
  t.same(w.lines(), [2, 2]);
  t.same((await fsp.readdir(dir)).sort(), ['a.txt', 'b.txt'], 'no temporary file left');
  // on error nothing is written, no temporary left
  const bad = [path.join(dir, 'c.txt'), path.join(dir, 'd.txt')];
  await t.rejects(pipeline(Readable.from([['1'], ['2', '3']]), splitCut([1, 1]), splitWriter(bad)), /more tokens than the splits hold/);
  t.same((await fsp.readdir(dir)).sort(), ['a.txt', 'b.txt']);
});

t.test('readIdStream reads lines as one stream, across chunk boundaries', async (t) => {
  const v = Vocabulary.fromTokens(['the', 'cat', 'sat']);
  const src = new PassThrough();
  const p = readIdStream(src, v);
  src.write('the ca');
  src.write('t\nsat dog\n');
  src.end('the');
  t.same([...(await p)], [3, 4, 5, 0, 3]);
  const q = new PassThrough();
  const p2 = readIdStream(q, v, 2);
  q.end('the cat sat the\n');
  t.same([...(await p2)], [3, 4]);
});

t.test('preparation on a tiny corpus: threshold, cut, unk', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'brown-tiny-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const p = await prepareBrownBengio({ outDir: dir, corpusDir: FIX, minCount: 2, trainTokens: 6, validTokens: 4 });
  t.equal(p.tokens, 15);
  t.equal(p.types, 12);
  // kept: The (2), . (3) + <unk>
  t.equal(p.vocabSize, 3);
  t.same(p.sizes, { train: 6, valid: 4, test: 5 });
  t.equal(await fsp.readFile(p.files.train, 'utf8'), 'The <unk> <unk> <unk> <unk> <unk>\n');
  t.equal(await fsp.readFile(p.files.valid, 'utf8'), '.\n<unk> <unk> <unk>\n');
  t.equal(await fsp.readFile(p.files.test, 'utf8'), '<unk> .\nThe <unk> .\n');
});
