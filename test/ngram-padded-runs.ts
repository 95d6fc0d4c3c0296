// Binary sorted runs of the padded N-grams Kneser-Ney estimates from
// (src/ngram/padded-runs.ts): exact records of a tiny corpus, and the merge
// of many spilled runs equal to the corpus counted whole.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { CorpusEncoder, type PaddedCorpus } from '../src/ngram/corpus.js';
import { countPaddedRuns, paddedRecords } from '../src/ngram/padded-runs.js';

function encode(lines: string[], order: number, mode: 'sentence' | 'stream' = 'sentence'): PaddedCorpus {
  const enc = new CorpusEncoder(order, mode, 1 << 10);
  for (const l of lines) enc.addLine(l);
  return enc.finish();
}

/** "w1 w2 w3=count" per record, ids decoded */
function decoded(p: PaddedCorpus): string[] {
  const N = p.order;
  return Array.from(p.positions!, (e, j) => Array.from(p.words.subarray(e - N + 1, e + 1), (id) => p.tokens[id]).join(' ') + '=' + p.weights![j]);
}

t.test('records of a tiny corpus: N-grams and padded <s>-initial ones, sorted by ids', async (t) => {
  // ids: <unk> 0, <s> 1, </s> 2, a 3, b 4, c 5
  const part = encode(['a b c', 'a b', 'b c a'], 3);
  const r = paddedRecords(part, part.tokens.length);
  const rows = Array.from({ length: r.n }, (_, i) => Array.from(r.keys.subarray(i * 3, i * 3 + 3), (id) => part.tokens[id]).join(' ') + '=' + r.counts[i]);
  t.same(rows, [
    '<s> <s> a=2', '<s> <s> b=1', // <s>-initial bigrams, padded
    '<s> a b=2', '<s> b c=1',
    'a b </s>=1', 'a b c=1', // </s> is id 2
    'b c </s>=1', 'b c a=1',
    'c a </s>=1',
  ]);
  t.same([r.sentences, r.tokenCount], [3, 11], '3 sentences; 8 words + 3 </s>');
});

t.test('spilled runs merge to the counts of the whole corpus (sentence and stream mode)', async (t) => {
  let s = 3;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  const lines = Array.from({ length: 1200 }, () => Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => `w${Math.floor(25 * rnd() * rnd())}`).join(' '));
  lines[7] += ' <unk> w1';
  const dir = await mkdtemp(path.join(tmpdir(), 'lmstream-padded-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const mode of ['sentence', 'stream'] as const) {
    const whole = await countPaddedRuns(Readable.from([lines.join('\n') + '\n']), { order: 4, mode });
    const parts = await countPaddedRuns(Readable.from([lines.join('\n') + '\n']), { order: 4, mode, memory: 1, tempDir: dir });
    t.equal(whole.runs, 1);
    t.ok(parts.runs > 3, `${mode}: ${parts.runs} runs`);
    t.same(decoded(parts.padded), decoded(whole.padded), `${mode}: the same records in the same order`);
    t.same([parts.padded.sentences, parts.padded.tokenCount], [whole.padded.sentences, whole.padded.tokenCount], `${mode}: totals`);
    t.same(parts.padded.tokens, whole.padded.tokens, `${mode}: the same ids`);
    t.ok(decoded(whole.padded).some((r) => r.includes('<unk-word>')), 'a literal <unk> is an ordinary word');
  }
  t.same(readdirSync(dir), [], 'runs removed');
});

t.test('an empty corpus is an error', async (t) => {
  await t.rejects(countPaddedRuns(Readable.from(['']), { order: 3 }), /empty corpus/);
});
