/**
 * `node dist/pipelines/check-kenlm.js [--shared DIR] [--skip-bengio]`:
 * checks modified Kneser-Ney against KenLM's figures in ../shared/reference
 * (not a test: needs the shared folder).
 *  1. brown-sentences, orders 3 and 5: the four `query -v summary` numbers,
 *     relative 1e-4;
 *  2. kenlm-order3.arpa.xz entry by entry: same n-gram set, share of
 *     probabilities and back-offs within 1e-4 (≥ 99.9% required);
 *  3. brown-bengio in stream mode, orders 2 … 5: valid/test perplexity
 *     within 0.1% of KenLM's table.
 * Prints a line per check and exits non-zero if one fails.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseCommand, str } from '../src/cli/common.js';
import { buildArpaFromCorpus } from '../src/ngram/build.js';
import { readArpa } from '../src/ngram/arpa-read.js';
import { ArpaModel, type ArpaData } from '../src/ngram/arpa-model.js';
import { PplScorer } from '../src/ngram/ppl.js';
import type { MarkerMode } from '../src/types.js';

const HELP = `usage: check-kenlm [--shared DIR] [--skip-bengio] [--bengio-unk word|skip]

--bengio-unk: how the <unk> tokens of brown-bengio's train.txt are counted:
as a word (default) or dropped as KenLM's --skip_symbols does.

Compares lmstream's modified Kneser-Ney with KenLM's reference figures.`;

const SENT = {
  3: { incl: 362.2061, excl: 254.415, oovs: 7044, tokens: 169228 },
  5: { incl: 359.3852, excl: 252.461, oovs: 7044, tokens: 169228 },
} as const;
const BENGIO: Record<number, [number, number]> = { 2: [366.73, 348.06], 3: [349.4, 331.79], 4: [347.15, 329.61], 5: [346.54, 328.96] };

async function ppl(model: ArpaModel, file: string, mode: MarkerMode) {
  const text = await fsp.readFile(file, 'utf8');
  const sc = new PplScorer(model, mode);
  for (const line of text.split('\n')) {
    if (line === '' ) continue;
    sc.document(line.split(/[ \t\r]+/).filter(Boolean));
  }
  sc.finish();
  return sc.summary();
}

async function buildAndLoad(train: string, order: number, mode: MarkerMode, tmp: string, unk: 'word' | 'skip' = 'word'): Promise<{ model: ArpaModel; data: ArpaData; arpa: string }> {
  const arpa = path.join(tmp, `check-${order}-${mode}.arpa`);
  const t0 = Date.now();
  await buildArpaFromCorpus(createReadStream(train), { order, mode, out: arpa, unk, warn: (m) => process.stderr.write(m + '\n') });
  const data = await readArpa(createReadStream(arpa), arpa);
  process.stderr.write(`built and read ${path.basename(arpa)} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return { model: new ArpaModel(data), data, arpa };
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { shared: { type: 'string' }, 'skip-bengio': { type: 'boolean' }, 'bengio-unk': { type: 'string' } }, HELP);
  if (!p) return 0;
  const shared = str(p, 'shared', path.resolve(process.cwd(), '../shared'));
  const ref = path.join(shared, 'reference');
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-check-'));
  let failed = 0;
  const report = (ok: boolean, msg: string) => {
    if (!ok) failed++;
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${msg}\n`);
  };
  try {
    const bs = path.join(ref, 'brown-sentences');
    for (const order of [3, 5] as const) {
      const { model, data } = await buildAndLoad(path.join(bs, 'train.txt'), order, 'sentence', tmp);
      const s = await ppl(model, path.join(bs, 'test.txt'), 'sentence');
      const k = SENT[order];
      const ok = rel(s.pplIncludingOovs, k.incl) < 1e-4 && rel(s.pplExcludingOovs, k.excl) < 1e-4 && s.oovs === k.oovs && s.tokens === k.tokens;
      report(ok, `brown-sentences order ${order}: ppl incl ${s.pplIncludingOovs.toFixed(4)} (KenLM ${k.incl}), excl ${s.pplExcludingOovs.toFixed(4)} (${k.excl}), OOVs ${s.oovs} (${k.oovs}), tokens ${s.tokens} (${k.tokens})`);
      if (order === 3) {
        const xz = spawn('xz', ['-dc', path.join(bs, 'kenlm-order3.arpa.xz')], { stdio: ['ignore', 'pipe', 'inherit'] });
        const kd = await readArpa(xz.stdout!, 'kenlm-order3.arpa');
        report(compareArpa(data, kd, report), 'entry-by-entry comparison with kenlm-order3.arpa');
      }
    }
    if (!p.values['skip-bengio']) {
      const bb = path.join(ref, 'brown-bengio');
      for (const order of [2, 3, 4, 5]) {
        const unk = str(p, 'bengio-unk', 'word') === 'skip' ? 'skip' : 'word';
        const { model } = await buildAndLoad(path.join(bb, 'train.txt'), order, 'stream', tmp, unk);
        const v = await ppl(model, path.join(bb, 'valid.txt'), 'stream');
        const t = await ppl(model, path.join(bb, 'test.txt'), 'stream');
        const [kv, kt] = BENGIO[order];
        const ok = rel(v.pplIncludingOovs, kv) < 1e-3 && rel(t.pplIncludingOovs, kt) < 1e-3;
        report(ok, `brown-bengio stream order ${order}: valid ${v.pplIncludingOovs.toFixed(2)} (KenLM ${kv}), test ${t.pplIncludingOovs.toFixed(2)} (KenLM ${kt}) [excl. OOVs: ${v.pplExcludingOovs.toFixed(2)} ${t.pplExcludingOovs.toFixed(2)}, OOVs ${v.oovs}/${v.tokens}]`);
      }
    }
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

function keyMaps(d: ArpaData): Map<string, [number, number]>[] {
  return d.blocks.map((b) => {
    const m = new Map<string, [number, number]>();
    for (let i = 0; i < b.n; i++) {
      const s = b.ends ? b.ends[i] - b.order + 1 : i * b.order;
      let key = d.tokens[b.words[s]];
      for (let j = 1; j < b.order; j++) key += ' ' + d.tokens[b.words[s + j]];
      m.set(key, [b.log10p[i], b.log10bo ? b.log10bo[i] : NaN]);
    }
    return m;
  });
}

function compareArpa(mine: ArpaData, kenlm: ArpaData, report: (ok: boolean, msg: string) => void): boolean {
  const a = keyMaps(mine);
  const b = keyMaps(kenlm);
  let all = true;
  for (let k = 0; k < b.length; k++) {
    let missing = 0, extra = 0, close = 0, total = 0, worst = 0;
    let worstKey = '';
    for (const [key, [p, bo]] of b[k]) {
      const m = a[k]?.get(key);
      if (!m) { missing++; continue; }
      total++;
      const dp = Math.abs(m[0] - p);
      const db = Number.isNaN(bo) ? 0 : Math.abs((Number.isNaN(m[1]) ? 0 : m[1]) - bo);
      const d = Math.max(dp, db);
      if (d <= 1e-4) close++;
      if (d > worst) { worst = d; worstKey = key; }
    }
    for (const key of a[k]?.keys() ?? []) if (!b[k].has(key)) extra++;
    const share = total ? close / total : 0;
    const ok = missing === 0 && extra === 0 && share >= 0.999;
    if (!ok) all = false;
    report(ok, `  ${k + 1}-grams: ${b[k].size} in KenLM, missing ${missing}, extra ${extra}, within 1e-4: ${(100 * share).toFixed(4)}%, worst ${worst.toExponential(2)} (${worstKey})`);
  }
  return all;
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const { runMain } = await import('../src/cli/common.js');
  await runMain('check-kenlm', () => main(process.argv.slice(2)));
}
