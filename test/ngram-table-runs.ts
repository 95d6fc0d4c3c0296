// Count tables of every order counted in parts, spilled as binary sorted runs
// and merged (src/ngram/table-runs.ts): equal to the in-memory count.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { countCorpus } from '../src/ngram/build.js';
import { countTableRuns, mergeTables } from '../src/ngram/table-runs.js';

t.test('mergeTables: two id-sorted tables, equal n-grams summed', async (t) => {
  const m = mergeTables(
    { order: 2, n: 3, ids: Uint32Array.from([1, 2, 1, 5, 3, 0]), counts: Float64Array.from([4, 1, 2]) },
    { order: 2, n: 4, ids: Uint32Array.from([1, 5, 2, 2, 3, 0, 7, 7]), counts: Float64Array.from([10, 1, 1, 6]) },
  );
  t.same(Array.from({ length: m.n }, (_, i) => `${m.ids[2 * i]} ${m.ids[2 * i + 1]}=${m.counts[i]}`), ['1 2=4', '1 5=11', '2 2=1', '3 0=3', '7 7=6']);
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
