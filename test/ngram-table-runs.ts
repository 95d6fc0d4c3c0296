// Count tables of every order from binary sorted runs (src/ngram/table-runs.ts,
// src/ngram/runs.ts): the merge of many spilled parts equals the in-memory count.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { countCorpus } from '../src/ngram/build.js';
import { mergeRuns, writeRun } from '../src/ngram/runs.js';
import { countTableRuns } from '../src/ngram/table-runs.js';

t.test('runs: records written, merged in id order, equal ones summed', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lmstream-runs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const a = path.join(dir, 'a.bin');
  const b = path.join(dir, 'b.bin');
  const c = path.join(dir, 'c.bin');
  await writeRun(a, Uint32Array.from([1, 2, 1, 5, 3, 0]), [4, 1, 2], 3, 2);
  await writeRun(b, Uint32Array.from([1, 5, 2, 2, 3, 0, 7, 7]), [10, 1, 1, 6], 4, 2);
  await writeRun(c, new Uint32Array(0), [], 0, 2);
  const got: string[] = [];
  await mergeRuns([a, b, c], 2, (key, n) => got.push(`${key[0]} ${key[1]}=${n}`));
  t.same(got, ['1 2=4', '1 5=11', '2 2=1', '3 0=3', '7 7=6']);
  await t.rejects(writeRun(path.join(dir, 'd.bin'), Uint32Array.from([1]), [2 ** 32], 1, 1), /does not fit/);
});

t.test('spilled tables merge to the in-memory count of every order (sentence and stream mode)', async (t) => {
  let s = 5;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  const lines = Array.from({ length: 1000 }, () => Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => `w${Math.floor(25 * rnd() * rnd())}`).join(' '));
  lines[3] += ' <unk>';
  // more than 1,024 types: the tables outgrow their first allocation
  lines.push(Array.from({ length: 1500 }, (_, i) => `u${i}`).join(' '));
  const dir = await mkdtemp(path.join(tmpdir(), 'lmstream-tables-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const mode of ['sentence', 'stream'] as const) {
    const whole = await countCorpus(lines, { order: 3, mode });
    const parts = await countTableRuns(Readable.from([lines.join('\n') + '\n']), { order: 3, mode, memory: 1, tempDir: dir });
    t.ok(parts.runs > 3, `${mode}: ${parts.runs} parts`);
    t.same(parts.counts.vocab.tokens, whole.vocab.tokens, `${mode}: the same ids`);
    for (let k = 0; k < 3; k++) {
      const w = whole.tables[k];
      const p = parts.counts.tables[k];
      t.same([p.order, p.n, Array.from(p.ids), Array.from(p.counts)], [w.order, w.n, Array.from(w.ids), Array.from(w.counts)], `${mode}: order ${k + 1}, ${w.n} entries`);
    }
  }
  t.same(readdirSync(dir), [], 'runs removed');
});
