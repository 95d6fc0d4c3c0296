/**
 * `node dist/pipelines/bench/bench-ngram.js [--tokens N] [--shared DIR] [--jobs build3,build5,build5-mem,build5-2g,scale,ppl] [--scale-tokens N] [--kenlm DIR]`
 *
 * Wall time and peak RSS of `lmstream ngram build` on the synthetic benchmark
 * corpus of ../shared/bench/make-synth-corpus.mjs (seed 1, cached under the
 * system temp directory): `build3`, `build5` in memory; `build5-mem` the
 * 5-gram with `--memory 500M`, `build5-2g` with `--memory 2G` (the bounded,
 * streamed build); `scale`: issue 11's scale job, the 5-gram with
 * `--memory 2G` on a corpus of `--scale-tokens` (default 100M) tokens (seed 1;
 * target: peak RSS ≤ 2.15 GB); and `ngram ppl` over 1M tokens (seed 2) with the 3-gram
 * model. When KenLM's lmplz is found (`--kenlm DIR` or $KENLM_BIN, default
 * /tmp/kenlm/build/bin), each build job also runs `lmplz` on the same corpus in
 * the same invocation (`-S 2G` for the in-memory jobs, `-S 500M` / `-S 2G`
 * for the bounded ones) and the table gives both figures and the ratios.
 * Each command runs in a child process under /usr/bin/time (peak RSS =
 * maximum resident set size); the load average is printed beside the table.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { num, parseCommand, str } from '../../src/cli/common.js';

const HELP = `usage: bench-ngram [--tokens N] [--shared DIR] [--jobs build3,build5,build5-mem,build5-2g,scale,ppl] [--scale-tokens N] [--kenlm DIR] [--keep]

Times lmstream's n-gram builder, and KenLM's lmplz in the same run when found
(--kenlm DIR or $KENLM_BIN, default /tmp/kenlm/build/bin). Jobs build3, build5
(in memory), build5-mem (--memory 500M), build5-2g (--memory 2G) use the
corpus of --tokens N (default 25M); scale (--memory 2G beside lmplz -S 2G,
target peak RSS <= 2.15 GB) that of --scale-tokens N (default 100M).`;

const cli = fileURLToPath(new URL('../../src/cli/lmstream.js', import.meta.url));

/** per job: lmstream's arguments (ARPA path, corpus, temp dir) and lmplz's order and -S */
const JOBS: Record<string, { order: number; memory?: string; kenlmS?: string; scale?: boolean }> = {
  build3: { order: 3, kenlmS: '2G' },
  build5: { order: 5, kenlmS: '2G' },
  'build5-mem': { order: 5, memory: '500M', kenlmS: '500M' },
  'build5-2g': { order: 5, memory: '2G', kenlmS: '2G' },
  scale: { order: 5, memory: '2G', kenlmS: '2G', scale: true },
  ppl: { order: 3 },
};

/** the synthetic corpus of make-synth-corpus.mjs (cached under the temp directory); `files`: the brown-sentences splits it is fitted on */
export async function ensureCorpus(shared: string, tokens: number, seed: number, files = ['train.txt', 'test.txt']): Promise<string> {
  const tag = files.join('+') === 'train.txt+test.txt' ? '' : `-${files.map((f) => f.replace(/\.txt$/, '')).join('+')}`;
  const file = path.join(os.tmpdir(), `lmstream-bench-synth-${tokens}-${seed}${tag}.txt`);
  try {
    await fsp.access(file);
    return file;
  } catch { /* generate */ }
  const ref = path.join(shared, 'reference/brown-sentences');
  process.stderr.write(`generating ${file} …\n`);
  const part = `${file}.${process.pid}.part`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(shared, 'bench/make-synth-corpus.mjs'), String(tokens), String(seed), ...files.map((f) => path.join(ref, f))], { stdio: ['ignore', 'pipe', 'inherit'] });
    const out = createWriteStream(part);
    child.stdout.pipe(out);
    child.on('error', reject);
    out.on('finish', () => (child.exitCode === 0 || child.exitCode === null ? resolve() : reject(new Error(`make-synth-corpus exited ${child.exitCode}`))));
  });
  await fsp.rename(part, file);
  return file;
}

interface Measured { wall: number; cpu: number; rssMB: number; code: number; stderr: string }

function measure(cmd: string[]): Measured {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, cpu: m ? Number(m[2]) + Number(m[3]) : NaN, rssMB: m ? Number(m[1]) / 1024 : NaN, code: r.status ?? -1, stderr: r.stderr ?? '' };
}

/** lmplz reading the corpus on stdin (through sh, so the file is not read by Node) */
function measureKenlm(lmplz: string, order: number, S: string, corpus: string, arpa: string, tmp: string): Measured {
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  return measure(['sh', '-c', `${q(lmplz)} -o ${order} -S ${S} -T ${q(tmp)} --arpa ${q(arpa)} < ${q(corpus)}`]);
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { tokens: { type: 'string' }, 'scale-tokens': { type: 'string' }, shared: { type: 'string' }, jobs: { type: 'string' }, kenlm: { type: 'string' }, keep: { type: 'boolean' } }, HELP);
  if (!p) return 0;
  const tokens = num(p, 'tokens', 25_000_000, { min: 1000, integer: true });
  const scaleTokens = num(p, 'scale-tokens', 100_000_000, { min: 1000, integer: true });
  const shared = str(p, 'shared', path.resolve(process.cwd(), '../shared'));
  const jobs = str(p, 'jobs', 'build3,build5,ppl').split(',');
  for (const j of jobs) if (!JOBS[j]) throw new Error(`unknown job '${j}' (${Object.keys(JOBS).join(', ')})`);
  const kenlmDir = str(p, 'kenlm', process.env.KENLM_BIN ?? '/tmp/kenlm/build/bin');
  const lmplz = path.join(kenlmDir, 'lmplz');
  const haveKenlm = existsSync(lmplz);
  if (!haveKenlm) process.stderr.write(`no lmplz in ${kenlmDir}: lmstream figures only\n`);
  const corpus = jobs.some((j) => !JOBS[j].scale) ? await ensureCorpus(shared, tokens, 1) : '';
  const scaleCorpus = jobs.includes('scale') ? await ensureCorpus(shared, scaleTokens, 1) : '';
  const test = jobs.includes('ppl') ? await ensureCorpus(shared, 1_000_000, 2) : '';
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-bench-ngram-'));
  const rows: string[] = [];
  const arpa3 = path.join(dir, 'o3.arpa');
  const node = (args: string[]) => measure([process.execPath, cli, ...args]);
  const mb = (x: number) => `${x.toFixed(0)} MB`;
  try {
    for (const job of jobs) {
      const spec = JOBS[job];
      let args: string[];
      const arpa = job === 'build3' ? arpa3 : path.join(dir, `${job}.arpa`);
      if (job === 'ppl') {
        try { await fsp.access(arpa3); } catch {
          const b = node(['ngram', 'build', '--order', '3', '--quiet', '--arpa', arpa3, corpus]);
          if (b.code !== 0) throw new Error(`build for ppl failed: ${b.stderr}`);
        }
        args = ['ngram', 'ppl', '--model', arpa3, test];
      } else {
        args = ['ngram', 'build', '--order', String(spec.order), '--quiet', '--arpa', arpa, spec.scale ? scaleCorpus : corpus];
        if (spec.memory) args.push('--memory', spec.memory, '--temp-dir', dir);
      }
      process.stderr.write(`running ${job}: lmstream ${args.join(' ')}\n`);
      const load = os.loadavg()[0];
      const r = node(args);
      if (r.code !== 0) throw new Error(`${job} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      let size = 0;
      if (job !== 'ppl') {
        size = (await fsp.stat(arpa)).size;
        if (job !== 'build3' && !p.values.keep) await fsp.rm(arpa, { force: true });
      }
      let peer = '| | | | |';
      if (haveKenlm && spec.kenlmS) {
        const karpa = path.join(dir, `${job}.kenlm.arpa`);
        process.stderr.write(`running ${job}: lmplz -o ${spec.order} -S ${spec.kenlmS}\n`);
        const k = measureKenlm(lmplz, spec.order, spec.kenlmS, spec.scale ? scaleCorpus : corpus, karpa, dir);
        if (k.code !== 0) throw new Error(`lmplz failed (exit ${k.code}): ${k.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        await fsp.rm(karpa, { force: true });
        peer = `| ${k.wall.toFixed(1)} s | ${mb(k.rssMB)} | ${(r.wall / k.wall).toFixed(2)}× | ${(r.rssMB / k.rssMB).toFixed(2)}× |`;
      }
      const what = (job === 'ppl' ? 'ppl 3-gram' : `${spec.order}-gram${spec.memory ? ` --memory ${spec.memory} / -S ${spec.kenlmS}` : ` in memory / -S ${spec.kenlmS}`}`) +
        (spec.scale ? `, ${scaleTokens.toLocaleString('en')} tokens (target peak RSS ≤ 2.15 GB: ${r.rssMB <= 2150 ? 'met' : 'NOT met'})` : '');
      rows.push(`| ${what} | ${r.wall.toFixed(1)} s | ${r.cpu.toFixed(1)} s | ${mb(r.rssMB)} ${peer} ${load.toFixed(1)} | ${size ? `${(size / 1e6).toFixed(0)} MB` : ''} |`);
    }
  } finally {
    if (!p.values.keep) await fsp.rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`n-gram benchmark: ${corpus ? `${tokens.toLocaleString('en')} tokens` : `${scaleTokens.toLocaleString('en')} tokens (scale)`} (make-synth-corpus seed 1), ppl over 1,000,000 tokens (seed 2); ${os.cpus().length} cores; load = 1-min load average before the job\n`);
  process.stdout.write('| job | lmstream wall | lmstream CPU | lmstream peak RSS | KenLM wall | KenLM peak RSS | wall ratio | RSS ratio | load | ARPA |\n|---|---|---|---|---|---|---|---|---|---|\n');
  process.stdout.write(rows.join('\n') + '\n');
  return 0;
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const { runMain } = await import('../../src/cli/common.js');
  await runMain('bench-ngram', () => main(process.argv.slice(2)));
}
