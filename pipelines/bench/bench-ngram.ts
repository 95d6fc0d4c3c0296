/**
 * `node dist/pipelines/bench/bench-ngram.js [--tokens N] [--shared DIR] [--jobs build3,build5,build5-mem,ppl]`
 *
 * Wall time and peak RSS of `lmstream ngram build` (3-gram and 5-gram ARPA;
 * `build5-mem`: the 5-gram counted with `--memory 1G`, spilled sorted runs)
 * on the synthetic benchmark corpus of ../shared/bench/make-synth-corpus.mjs
 * (seed 1, cached under the system temp directory), and of `lmstream ngram
 * ppl` over 1M tokens (seed 2) with the 3-gram model, beside KenLM's figures
 * from ../shared/reference/README.md. Each job runs in a child process under
 * /usr/bin/time (peak RSS = maximum resident set size).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { num, parseCommand, str } from '../../src/cli/common.js';

const HELP = `usage: bench-ngram [--tokens N] [--shared DIR] [--jobs build3,build5,build5-mem,ppl] [--keep]

Times lmstream's n-gram builder against KenLM's reference figures.`;

const cli = fileURLToPath(new URL('../../src/cli/lmstream.js', import.meta.url));

const KENLM: Record<string, { wall: string; rss: string; wallS?: number; rssMB?: number }> = {
  build3: { wall: '16.8–21.0 s', rss: '687 MB', wallS: 18.9, rssMB: 687 },
  build5: { wall: '52.5 s', rss: '1.25 GB', wallS: 52.5, rssMB: 1250 },
  'build5-mem': { wall: '52.5 s', rss: '1.25 GB', wallS: 52.5, rssMB: 1250 },
  ppl: { wall: 'n/a', rss: 'n/a' },
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

function measure(args: string[]): Measured {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, cpu: m ? Number(m[2]) + Number(m[3]) : NaN, rssMB: m ? Number(m[1]) / 1024 : NaN, code: r.status ?? -1, stderr: r.stderr ?? '' };
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { tokens: { type: 'string' }, shared: { type: 'string' }, jobs: { type: 'string' }, keep: { type: 'boolean' } }, HELP);
  if (!p) return 0;
  const tokens = num(p, 'tokens', 25_000_000, { min: 1000, integer: true });
  const shared = str(p, 'shared', path.resolve(process.cwd(), '../shared'));
  const jobs = str(p, 'jobs', 'build3,build5,ppl').split(',');
  const corpus = await ensureCorpus(shared, tokens, 1);
  const test = await ensureCorpus(shared, 1_000_000, 2);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-bench-ngram-'));
  const rows: string[] = [];
  const arpa3 = path.join(dir, 'o3.arpa');
  try {
    for (const job of jobs) {
      let args: string[];
      if (job === 'build3') args = ['ngram', 'build', '--order', '3', '--quiet', '--arpa', arpa3, corpus];
      else if (job === 'build5') args = ['ngram', 'build', '--order', '5', '--quiet', '--arpa', path.join(dir, 'o5.arpa'), corpus];
      else if (job === 'build5-mem') args = ['ngram', 'build', '--order', '5', '--quiet', '--memory', '1G', '--temp-dir', dir, '--arpa', path.join(dir, 'o5.arpa'), corpus];
      else if (job === 'ppl') {
        try { await fsp.access(arpa3); } catch {
          const b = measure(['ngram', 'build', '--order', '3', '--quiet', '--arpa', arpa3, corpus]);
          if (b.code !== 0) throw new Error(`build for ppl failed: ${b.stderr}`);
        }
        args = ['ngram', 'ppl', '--model', arpa3, test];
      } else throw new Error(`unknown job '${job}'`);
      process.stderr.write(`running ${job} …\n`);
      const r = measure(args);
      if (r.code !== 0) throw new Error(`${job} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      if (job !== 'ppl') {
        const st = await fsp.stat(job === 'build3' ? arpa3 : path.join(dir, 'o5.arpa'));
        if (job !== 'build3' && !p.values.keep) await fsp.rm(path.join(dir, 'o5.arpa'), { force: true });
        process.stderr.write(`  ARPA ${(st.size / 1e6).toFixed(0)} MB\n`);
      }
      const k = KENLM[job];
      const ratioW = k.wallS ? ` (${(r.wall / k.wallS).toFixed(2)}×)` : '';
      const ratioM = k.rssMB ? ` (${(r.rssMB / k.rssMB).toFixed(2)}×)` : '';
      rows.push(`| ${job.padEnd(10)} | ${r.wall.toFixed(1)} s${ratioW} | ${r.cpu.toFixed(1)} s | ${r.rssMB.toFixed(0)} MB${ratioM} | ${k.wall} | ${k.rss} |`);
    }
  } finally {
    if (!p.values.keep) await fsp.rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`n-gram benchmark: ${tokens.toLocaleString('en')} tokens (make-synth-corpus seed 1), ppl over 1,000,000 tokens (seed 2); load ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores\n`);
  process.stdout.write('| job        | lmstream wall (×KenLM) | lmstream CPU (user+sys) | lmstream peak RSS (×KenLM) | KenLM wall | KenLM peak RSS |\n|---|---|---|---|---|---|\n');
  process.stdout.write(rows.join('\n') + '\n');
  return 0;
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const { runMain } = await import('../../src/cli/common.js');
  await runMain('bench-ngram', () => main(process.argv.slice(2)));
}
