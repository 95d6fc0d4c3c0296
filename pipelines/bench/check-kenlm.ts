/**
 * `node dist/pipelines/bench/check-kenlm.js [--shared DIR] [--skip-bengio]`:
 * checks modified Kneser-Ney against KenLM's figures in ../shared/reference
 * (not a test: needs the shared folder).
 *  1. brown-sentences, orders 3 and 5: the four `query -v summary` numbers,
 *     relative 1e-4;
 *  2. kenlm-order3.arpa.xz entry by entry: same n-gram set, share of
 *     probabilities and back-offs within 1e-4 (≥ 99.9% required);
 *  3. brown-bengio, orders 2 … 5, through the CLI as KenLM was run: each
 *     split joined into one line, `lmstream ngram build --order N` (a literal
 *     `<unk>` of train.txt is an ordinary word) and `lmstream ngram ppl`
 *     (a test `<unk>` scores as that word): valid/test perplexity within
 *     0.1% of KenLM's table, relative differences printed.
 * Prints a line per check and exits non-zero if one fails.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand, str } from '../../src/cli/common.js';
import { buildArpaFromCorpus } from '../../src/ngram/build.js';
import { readArpa } from '../../src/ngram/arpa-read.js';
import { ArpaModel, type ArpaData } from '../../src/ngram/arpa-model.js';
import { PplScorer } from '../../src/ngram/ppl.js';
import type { MarkerMode } from '../../src/types.js';
import { tokenizeKenlm } from '../../src/text/tokenize-kenlm.js';

const HELP = `usage: check-kenlm [--shared DIR] [--skip-bengio] [--bengio-unk word|skip]

--bengio-unk: how the <unk> tokens of brown-bengio's train.txt are counted:
as a word (default) or dropped as KenLM's --skip_symbols does (build
--skip-symbols).
brown-bengio runs the CLI (node dist/src/cli/lmstream.js): build first.

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
    sc.document(tokenizeKenlm(line));
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

const LMSTREAM = fileURLToPath(new URL('../../src/cli/lmstream.js', import.meta.url));

/** run `node lmstream.js ARGS`; resolves with its stdout, rejects with its stderr */
function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [LMSTREAM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    c.stdout.on('data', (b: Buffer) => out.push(b));
    c.stderr.on('data', (b: Buffer) => err.push(b));
    c.on('error', reject);
    c.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`lmstream ${args.join(' ')}: exit ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
  });
}

function parseSummary(text: string): { incl: number; excl: number; oovs: number; tokens: number } {
  const get = (name: string) => {
    const m = new RegExp(`^${name}:\\t(\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`ppl output lacks "${name}"`);
    return Number(m[1]);
  };
  return { incl: get('Perplexity including OOVs'), excl: get('Perplexity excluding OOVs'), oovs: get('OOVs'), tokens: get('Tokens') };
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
      const unk = str(p, 'bengio-unk', 'word') === 'skip' ? 'skip' : 'word';
      const joined: Record<string, string> = {};
      for (const split of ['train', 'valid', 'test']) {
        const text = await fsp.readFile(path.join(bb, `${split}.txt`), 'utf8');
        joined[split] = path.join(tmp, `bengio-${split}.txt`);
        await fsp.writeFile(joined[split], text.split('\n').filter((l) => l !== '').join(' ') + '\n');
      }
      for (const order of [2, 3, 4, 5]) {
        const arpa = path.join(tmp, `bengio-${order}.arpa`);
        const t0 = Date.now();
        await cli(['ngram', 'build', '--order', String(order), '--quiet', '--arpa', arpa, ...(unk === 'skip' ? ['--skip-symbols'] : []), joined.train]);
        const v = parseSummary(await cli(['ngram', 'ppl', '--model', arpa, joined.valid]));
        const t = parseSummary(await cli(['ngram', 'ppl', '--model', arpa, joined.test]));
        process.stderr.write(`brown-bengio order ${order}: built and scored in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        const [kv, kt] = BENGIO[order];
        const rv = (v.incl - kv) / kv;
        const rt = (t.incl - kt) / kt;
        const ok = Math.abs(rv) < 1e-3 && Math.abs(rt) < 1e-3;
        const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(3)}%`;
        report(ok, `brown-bengio (one line per split) order ${order}: valid ${v.incl.toFixed(2)} (KenLM ${kv.toFixed(2)}, ${pct(rv)}), test ${t.incl.toFixed(2)} (KenLM ${kt.toFixed(2)}, ${pct(rt)}) [OOVs ${v.oovs}/${v.tokens}, ${t.oovs}/${t.tokens}]`);
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
  const { runMain } = await import('../../src/cli/common.js');
  await runMain('check-kenlm', () => main(process.argv.slice(2)));
}
