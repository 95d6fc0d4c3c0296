/**
 * `node dist/pipelines/bench/bench-query.js [--tokens N] [--shared DIR] [--keep]`
 *
 * Scoring speed of n-gram models beside KenLM's `query`, in the same run
 * (issue 12's targets): a 5-gram built by `lmstream ngram build` on the
 * synthetic corpus (make-synth-corpus.mjs N 1 train.txt test.txt, default
 * 5M tokens), converted by `lmstream ngram binary` (and, when KENLM_BIN
 * names KenLM's bin directory, by `build_binary probing` and `trie`), then
 * 1,000,047 tokens (make-synth-corpus.mjs 1000000 7 train.txt) scored by
 * `lmstream ngram ppl` and KenLM's `query -v summary`, binary and ARPA, and
 * per sentence (`--per-sentence --json` beside `query -v sentence`), each
 * with its throughput in tokens/s (</s> counted, load included).
 * Every job runs alone in a child process under /usr/bin/time (wall time,
 * user+sys CPU, peak RSS). Also: the binary model's load time in-process
 * and the file sizes. The ARPA file is cached in the temp directory.
 */
import { spawnSync } from 'node:child_process';
import { openSync, closeSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { num, parseCommand, str } from '../../src/cli/common.js';
import { ensureCorpus } from './bench-ngram.js';

const HELP = `usage: bench-query [--tokens N] [--shared DIR] [--keep]

Times lmstream ngram ppl on binary and ARPA 5-gram models beside KenLM's
query (set KENLM_BIN to KenLM's bin directory for the same-run peer).`;

const cli = fileURLToPath(new URL('../../src/cli/lmstream.js', import.meta.url));
const loadModule = fileURLToPath(new URL('../../src/ngram/load.js', import.meta.url));

interface Measured { wall: number; cpu: number; rssMB: number; code: number; stderr: string; stdout: string }

function measure(cmd: string[], stdinFile?: string): Measured {
  const fd = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: [fd, 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (typeof fd === 'number') closeSync(fd);
  const m = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, cpu: m ? Number(m[2]) + Number(m[3]) : NaN, rssMB: m ? Number(m[1]) / 1024 : NaN, code: r.status ?? -1, stderr: r.stderr ?? '', stdout: r.stdout ?? '' };
}

function check(what: string, r: Measured): Measured {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { tokens: { type: 'string' }, shared: { type: 'string' }, keep: { type: 'boolean' } }, HELP);
  if (!p) return 0;
  const tokens = num(p, 'tokens', 5_000_000, { min: 1000, integer: true });
  const shared = str(p, 'shared', path.resolve(process.cwd(), '../shared'));
  const kenlm = process.env.KENLM_BIN;
  const corpus = await ensureCorpus(shared, tokens, 1);
  const test = await ensureCorpus(shared, 1_000_000, 7, ['train.txt']);
  const arpa = path.join(os.tmpdir(), `lmstream-bench-query-o5-${tokens}.arpa`);
  try {
    await fsp.access(arpa);
  } catch {
    process.stderr.write(`building ${arpa} …\n`);
    check('ngram build', measure([process.execPath, cli, 'ngram', 'build', '--order', '5', '--quiet', '--arpa', arpa, corpus]));
  }
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-bench-query-'));
  const lmb = path.join(dir, 'o5.lmb');
  const rows: string[] = [];
  const load0 = os.loadavg()[0];
  try {
    const conv = check('ngram binary', measure([process.execPath, cli, 'ngram', 'binary', '--quiet', arpa, lmb]));
    const sizes = [`ARPA ${mb((await fsp.stat(arpa)).size)}`, `lmstream binary ${mb((await fsp.stat(lmb)).size)}`];
    rows.push(`| convert: lmstream ngram binary | ${conv.wall.toFixed(2)} s | ${conv.cpu.toFixed(2)} s | ${conv.rssMB.toFixed(0)} MB | | |`);
    const probing = path.join(dir, 'o5.probing');
    const trie = path.join(dir, 'o5.trie');
    if (kenlm) {
      for (const [kind, file] of [['probing', probing], ['trie', trie]]) {
        const r = check(`build_binary ${kind}`, measure([path.join(kenlm, 'build_binary'), kind, arpa, file]));
        rows.push(`| convert: KenLM build_binary ${kind} | ${r.wall.toFixed(2)} s | ${r.cpu.toFixed(2)} s | ${r.rssMB.toFixed(0)} MB | | |`);
        sizes.push(`KenLM ${kind} ${mb((await fsp.stat(file)).size)}`);
      }
    }
    // in-process load of the binary model (after node's own start)
    const lr = check('load', measure([process.execPath, '--input-type=module', '-e',
      `const { loadNgramModel } = await import(${JSON.stringify(loadModule)}); const t0 = performance.now(); await loadNgramModel(${JSON.stringify(lmb)}); console.log((performance.now() - t0).toFixed(0));`]));
    const jobs: [string, string[], string | undefined][] = [
      ['lmstream ngram ppl, binary', [process.execPath, cli, 'ngram', 'ppl', '--model', lmb, test], undefined],
      ...(kenlm ? [['KenLM query, probing binary', [path.join(kenlm, 'query'), '-v', 'summary', probing], test] as [string, string[], string]] : []),
      ...(kenlm ? [['KenLM query, trie binary', [path.join(kenlm, 'query'), '-v', 'summary', trie], test] as [string, string[], string]] : []),
      ['lmstream ngram ppl --per-sentence --json, binary', [process.execPath, cli, 'ngram', 'ppl', '--model', lmb, '--per-sentence', '--json', test], undefined],
      ...(kenlm ? [['KenLM query -v sentence, probing binary', [path.join(kenlm, 'query'), '-v', 'sentence', probing], test] as [string, string[], string]] : []),
      ['lmstream ngram ppl, ARPA', [process.execPath, cli, 'ngram', 'ppl', '--model', arpa, test], undefined],
      ...(kenlm ? [['KenLM query, ARPA', [path.join(kenlm, 'query'), '-v', 'summary', arpa], test] as [string, string[], string]] : []),
    ];
    const got: Record<string, Measured> = {};
    for (const [name, cmd, stdin] of jobs) {
      process.stderr.write(`running ${name} …\n`);
      got[name] = check(name, measure(cmd, stdin));
    }
    // the summary is on stdout, or on stderr (--json)
    const ppl = (r: Measured) => /Perplexity including OOVs:\s*([\d.]+)/.exec(r.stdout + r.stderr)?.[1] ?? '?';
    const scored = (r: Measured) => Number(/Tokens:\s*(\d+)/.exec(r.stdout + r.stderr)?.[1] ?? NaN);
    const peer: Record<string, string> = {
      'lmstream ngram ppl, binary': 'KenLM query, probing binary',
      'lmstream ngram ppl --per-sentence --json, binary': 'KenLM query -v sentence, probing binary',
      'lmstream ngram ppl, ARPA': 'KenLM query, ARPA',
    };
    // every job scores the same text (KenLM's -v sentence prints no token count)
    const textTokens = scored(got['lmstream ngram ppl, binary']);
    for (const [name] of jobs) {
      const r = got[name];
      const k = got[peer[name]];
      const ratio = k ? ` (${(r.wall / k.wall).toFixed(2)}× wall, ${(r.rssMB / k.rssMB).toFixed(2)}× RSS)` : '';
      // throughput: tokens scored (</s> included) per second of wall time, load included
      const rate = `${(textTokens / r.wall / 1e6).toFixed(2)}M tokens/s`;
      rows.push(`| score: ${name} | ${r.wall.toFixed(2)} s${ratio} | ${r.cpu.toFixed(2)} s | ${r.rssMB.toFixed(0)} MB | ${rate} | ppl ${ppl(r)} |`);
    }
    process.stdout.write(`n-gram scoring benchmark: 5-gram on ${tokens.toLocaleString('en')} synthetic tokens (seed 1), scoring 1,000,047 tokens (seed 7); load average ${load0.toFixed(2)} → ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores\n`);
    process.stdout.write(`binary load in-process: ${lr.stdout.trim()} ms; sizes: ${sizes.join(', ')}\n`);
    process.stdout.write('| job | wall | CPU (user+sys) | peak RSS | throughput | |\n|---|---|---|---|---|---|\n' + rows.join('\n') + '\n');
  } finally {
    if (!p.values.keep) await fsp.rm(dir, { recursive: true, force: true });
  }
  return 0;
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const { runMain } = await import('../../src/cli/common.js');
  await runMain('bench-query', () => main(process.argv.slice(2)));
}
