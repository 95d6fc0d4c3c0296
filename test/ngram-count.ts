import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { countCorpus } from '../src/ngram/build.js';
import { countLines } from '../src/ngram/counts.js';
import { countCorpusToFile } from '../src/ngram/table-runs.js';
import { countStage, type CountRecord } from '../src/ngram/count-stage.js';

const fx = (f: string) => fileURLToPath(new URL(`../fixtures/ngram/${f}`, import.meta.url));
const tinyLines = readFileSync(fx('tiny.txt'), 'utf8').trim().split('\n');

function sortedLines(s: string): string[] {
  return s.split('\n').filter(Boolean).sort();
}

t.test('exact counts of all orders (sentence mode)', async (t) => {
  const c = await countCorpus(tinyLines, { order: 3 });
  const text = [...countLines(c)].join('');
  t.equal(text, readFileSync(fx('tiny.counts3'), 'utf8'));
  // tables: lexicographic by id, counts as Float64
  const bi = c.tables[1];
  t.equal(bi.n, 8);
  const pairs = Array.from({ length: bi.n }, (_, i) => c.vocab.decode(bi.ids.subarray(2 * i, 2 * i + 2)).join(' ') + '=' + bi.counts[i]);
  t.same(pairs, ['<s> a=2', '<s> b=1', 'a </s>=1', 'a b=2', 'b </s>=1', 'b c=2', 'c </s>=1', 'c a=1']);
});

t.test('stream mode: one <s> and one </s> around the whole input', async (t) => {
  const c = await countCorpus(tinyLines, { order: 2, mode: 'stream' });
  const got = sortedLines([...countLines(c)].join(''));
  // a b c a b b c a  →  <s> a b c a b b c a </s>
  t.same(got, sortedLines('<s>\t1\n</s>\t1\na\t3\nb\t3\nc\t2\n<s> a\t1\na b\t2\nb c\t2\nc a\t2\nb b\t1\na </s>\t1\n'));
});

t.test('<unk> is counted as a word unless skipped; <s> and </s> in the text are dropped', async (t) => {
  const warn: string[] = [];
  const c = await countCorpus(['x <unk> y', 'y </s> <s>'], { order: 1, warn: (m) => warn.push(m) });
  t.same(sortedLines([...countLines(c)].join('')), sortedLines('<unk>\t1\n<s>\t2\n</s>\t2\nx\t1\ny\t2\n'));
  t.equal(warn.length, 1);
  const skip = await countCorpus(['x <unk> y'], { order: 2, unk: 'skip', warn: () => {} });
  t.match([...countLines(skip)].join(''), /\nx y\t1\n/);
});

function synth(n: number): string[] {
  let s = 7;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rnd() * 9);
    out.push(Array.from({ length: len }, () => `w${Math.floor(30 * rnd() * rnd())}`).join(' '));
  }
  return out;
}

async function countText(lines: string[], order: number, mode: 'sentence' | 'stream', memory?: number) {
  let out = '';
  const r = await countCorpusToFile(Readable.from([lines.join('\n') + '\n']), {
    order, mode, memory, write: async (chunks) => { for await (const c of chunks) out += c; },
  });
  return { out, runs: r.runs };
}

t.test('bounded memory: sorted runs spilled and merged give the same counts', async (t) => {
  const lines = synth(1500);
  for (const mode of ['sentence', 'stream'] as const) {
    const whole = await countText(lines, 3, mode);
    const parts = await countText(lines, 3, mode, 2000);
    t.equal(whole.runs, 1);
    t.ok(parts.runs > 3, `${mode}: ${parts.runs} runs`);
    t.same(sortedLines(parts.out), sortedLines(whole.out), mode);
    // runs merged by ids: the in-memory text, byte for byte (each order by ids)
    t.ok(parts.out === whole.out, `${mode}: same text as counted in memory`);
  }
});

t.test('count stage in a pipeline: token arrays in, count records out at the end', async (t) => {
  const records: CountRecord[] = [];
  await pipeline(
    Readable.from(tinyLines.map((l) => l.split(' '))),
    countStage({ order: 2 }),
    async (src: AsyncIterable<CountRecord>) => { for await (const r of src) records.push(r); },
  );
  const text = records.map((r) => `${r.ngram.join(' ')}\t${r.count}`).join('\n') + '\n';
  const want = readFileSync(fx('tiny.counts3'), 'utf8').split('\n').filter((l) => l && l.split('\t')[0].split(' ').length <= 2).join('\n') + '\n';
  t.equal(text, want);
});
