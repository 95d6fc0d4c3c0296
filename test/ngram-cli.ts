import t from 'tap';
import { promises as fsp, readFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { cliPath, lmstream, root } from './helpers/cli.js';

const tiny = path.join(root, 'fixtures/ngram/tiny.txt');

function synth(n: number, seed: number): string {
  let s = seed;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rnd() * 9);
    out.push(Array.from({ length: len }, () => `w${Math.floor(40 * rnd() * rnd())}`).join(' '));
  }
  return out.join('\n') + '\n';
}

const sortC = (s: string) => {
  const r = spawnSync('sort', [], { input: s, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return r.stdout;
};

t.test('count | sort | merge --sorted on two shards equals counting the whole', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ngram-cli-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const a = synth(300, 1);
  const b = synth(300, 2);
  await fsp.writeFile(path.join(dir, 'a.txt'), a);
  await fsp.writeFile(path.join(dir, 'b.txt'), b);
  const ca = lmstream(['ngram', 'count', '--order', '3', path.join(dir, 'a.txt')]);
  const cb = lmstream(['ngram', 'count', '--order', '3', path.join(dir, 'b.txt')]);
  t.equal(ca.code, 0, ca.stderr);
  t.equal(cb.code, 0, cb.stderr);
  const whole = lmstream(['ngram', 'count', '--order', '3'], a + b);
  t.equal(whole.code, 0);
  // the reducer side: one sorted stream on stdin
  const merged = lmstream(['ngram', 'merge', '--sorted'], sortC(ca.stdout + cb.stdout));
  t.equal(merged.code, 0, merged.stderr);
  t.equal(merged.stdout, sortC(whole.stdout));
  // unsorted files, merged in memory
  await fsp.writeFile(path.join(dir, 'ca'), ca.stdout);
  await fsp.writeFile(path.join(dir, 'cb'), cb.stdout);
  const m2 = lmstream(['ngram', 'merge', path.join(dir, 'ca'), path.join(dir, 'cb')]);
  t.equal(m2.code, 0, m2.stderr);
  t.equal(sortC(m2.stdout), sortC(whole.stdout));
  // --sorted refuses unsorted input, naming file and line
  const bad = lmstream(['ngram', 'merge', '--sorted', path.join(dir, 'ca')]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /ca:\d+: not sorted/);
  // build from merged counts = build from the corpus (same entries)
  await fsp.writeFile(path.join(dir, 'counts'), merged.stdout);
  const fromCounts = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--counts', path.join(dir, 'counts')]);
  const fromText = lmstream(['ngram', 'build', '--order', '3', '--quiet'], a + b);
  t.equal(fromCounts.code, 0, fromCounts.stderr);
  t.equal(fromText.code, 0, fromText.stderr);
  t.same(fromCounts.stdout.split('\n').sort(), fromText.stdout.split('\n').sort());
});

t.test('build --arpa then ppl --per-token', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ngram-cli-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'm.arpa');
  const b = lmstream(['ngram', 'build', '--order', '3', '--arpa', out, tiny]);
  t.equal(b.code, 0, b.stderr);
  t.equal(b.stdout, '');
  t.match(b.stderr, /warning: could not calculate Kneser-Ney discounts for 2-grams/);
  t.match(readFileSync(out, 'utf8'), /^\\data\\\nngram 1=6\nngram 2=8\nngram 3=7\n/);
  const p = lmstream(['ngram', 'ppl', '--model', out, '--per-token'], 'a b\nc x\n');
  t.equal(p.code, 0, p.stderr);
  const ls = p.stdout.trim().split('\n');
  t.same(ls.slice(0, 6).map((l) => [l.split('\t')[0], l.split('\t')[2]]), [['a', '2'], ['b', '3'], ['</s>', '3'], ['c', '1'], ['x', '1'], ['</s>', '1']]);
  t.match(ls.slice(6).join('\n'), /^Perplexity including OOVs:\t[\d.]+\nPerplexity excluding OOVs:\t[\d.]+\nOOVs:\t1\nTokens:\t6$/);
  // classic smoothings are dispatched too
  const wb = lmstream(['ngram', 'build', '--order', '2', '--smoothing', 'witten-bell', tiny]);
  t.equal(wb.code, 0, wb.stderr);
  t.match(wb.stdout, /^\\data\\\nngram 1=\d+\nngram 2=\d+\n/);
});

t.test('bad input: one clear line, non-zero exit, no output file', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ngram-cli-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'x.arpa');
  const cases: [string[], string, number, RegExp][] = [
    [['ngram', 'build', '--order', '0', '--arpa', out], 'a\n', 2, /--order: 0 is below the minimum 1/],
    [['ngram', 'build', '--order', '11', '--arpa', out], 'a\n', 2, /--order: 11 is above the maximum 10/],
    [['ngram', 'build', '--order', '3', '--smoothing', 'nope', '--arpa', out], 'a\n', 2, /--smoothing: 'nope' is not one of/],
    [['ngram', 'build', '--order', '3', '--arpa', out], '', 1, /empty corpus/],
    [['ngram', 'count', '--order', '2'], '', 1, /empty corpus/],
    [['ngram', 'count'], 'a\n', 2, /--order is required/],
    [['ngram', 'frobnicate'], '', 2, /unknown subcommand 'frobnicate'/],
  ];
  for (const [args, input, code, msg] of cases) {
    const r = lmstream(args, input);
    t.equal(r.code, code, args.join(' '));
    t.match(r.stderr, msg);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  await t.rejects(fsp.access(out), 'no half-written model');
  await fsp.writeFile(path.join(dir, 'bad.counts'), 'a b\t2\na b c\tx\n');
  const bc = lmstream(['ngram', 'build', '--order', '3', '--counts', path.join(dir, 'bad.counts'), '--arpa', out]);
  t.equal(bc.code, 1);
  t.match(bc.stderr, /bad\.counts:2: count 'x' is not a non-negative whole number/);
  const bm = lmstream(['ngram', 'merge', path.join(dir, 'bad.counts')]);
  t.equal(bm.code, 1);
  t.match(bm.stderr, /bad\.counts:2:/);
  const np = lmstream(['ngram', 'ppl', '--model', tiny], 'a\n');
  t.equal(np.code, 1);
  t.match(np.stderr, /tiny\.txt:1: not an ARPA file/);
  await t.rejects(fsp.access(out));
});

t.test('ppl: zeroprobs of an MLE model in the summary and per token (-inf), out of the perplexity', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ngram-zp-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const arpa = path.join(dir, 'mle.arpa');
  const b = lmstream(['ngram', 'build', '--order', '2', '--smoothing', 'mle', '--quiet', '--arpa', arpa], 'a b\na b\nb a\n');
  t.equal(b.code, 0, b.stderr);
  const r = lmstream(['ngram', 'ppl', '--model', arpa, '--per-token'], 'a b b\na zzz\n');
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.same(lines.slice(0, 7).map((l) => l.split('\t')[0]), ['a', 'b', 'b', '</s>', 'a', 'zzz', '</s>']);
  t.same(lines.slice(0, 7).map((l) => l.split('\t')[1]).filter((x) => x === '-inf').length, 2);
  t.equal(lines[2].split('\t')[1], '-inf');
  t.equal(lines[5].split('\t')[1], '-inf');
  t.equal(lines[0].split('\t')[1], '-0.17609126'); // log10 2/3
  const ppl = Math.pow(10, -(4 * Math.log10(2 / 3) + Math.log10(1 / 3)) / 5);
  t.same(lines.slice(7), [
    `Perplexity including OOVs:\t${ppl.toFixed(4)}`,
    `Perplexity excluding OOVs:\t${ppl.toFixed(4)}`,
    'OOVs:\t1',
    'Zeroprobs:\t2',
    'Tokens:\t7',
  ]);
});

t.test('build --smoothing katz --katz-k K', async (t) => {
  const { buildArpaFromCorpus } = await import('../src/ngram/build.js');
  const text = synth(400, 7);
  const run = (extra: string[]) => {
    const r = lmstream(['ngram', 'build', '--order', '3', '--quiet', ...extra], text);
    t.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const lib = async (katzK?: number) => {
    const parts: Buffer[] = [];
    await buildArpaFromCorpus(text.split('\n').filter(Boolean), { order: 3, smoothing: 'katz', katzK, out: { async write(b) { parts.push(Buffer.from(b)); } } });
    return Buffer.concat(parts).toString('utf8');
  };
  const k2 = run(['--smoothing', 'katz', '--katz-k', '2']);
  const k5 = run(['--smoothing', 'katz']);
  t.equal(k2, await lib(2), 'the CLI passes k to the library');
  t.equal(k5, await lib(undefined));
  t.equal(run(['--smoothing', 'katz', '--katz-k', '5']), k5, 'default k is 5');
  t.not(k2, k5, 'k changes the model');
  // k = 0: no discounting, so every listed probability is the MLE one
  const entries = (arpa: string) => new Map(arpa.split('\n').filter((l) => /^-?\d/.test(l)).map((l) => { const f = l.split('\t'); return [f[1], Number(f[0])]; }));
  const k0 = entries(run(['--smoothing', 'katz', '--katz-k', '0']));
  const mle = entries(run(['--smoothing', 'mle']));
  let compared = 0;
  let worst = 0;
  for (const [ng, p] of mle) {
    if (p <= -99 || ng === '<s>') continue;
    worst = Math.max(worst, Math.abs(k0.get(ng)! - p));
    compared++;
  }
  t.ok(compared > 100, `${compared} entries compared`);
  t.ok(worst < 1e-7, `k = 0 gives the MLE probabilities (worst ${worst})`);
  const bad = lmstream(['ngram', 'build', '--order', '3', '--smoothing', 'katz', '--katz-k', '1.5'], text);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--katz-k: '1.5' is not a whole number/);
  const wrong = lmstream(['ngram', 'build', '--order', '3', '--katz-k', '2'], text);
  t.not(wrong.code, 0);
  t.match(wrong.stderr, /--katz-k applies to --smoothing katz only/);
});

t.test('build --memory: counted in spilled sorted runs, the same ARPA file byte for byte', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ngram-mem-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  // ~15k tokens: far above what a 1M cap holds per part at order 3; some literal <unk>
  const text = synth(3000, 11).replace(/\bw7\b/g, '<unk>');
  const corpus = path.join(dir, 'c.txt');
  await fsp.writeFile(corpus, text);
  for (const extra of [[], ['--mode', 'stream'], ['--smoothing', 'katz'], ['--prune']]) {
    const a = lmstream(['ngram', 'build', '--order', '3', '--quiet', ...extra, corpus]);
    const b = lmstream(['ngram', 'build', '--order', '3', '--memory', '1M', '--temp-dir', dir, ...extra, corpus]);
    t.equal(a.code, 0, a.stderr);
    t.equal(b.code, 0, b.stderr);
    // this corpus fits 1M (many runs and merges under tiny caps: test/ngram-stream-kn.ts, test/ngram-table-runs.ts)
    t.match(a.stdout, /\n-[\d.]+\t<unk-word>\t/);
    t.ok(a.stdout === b.stdout, `${extra.join(' ') || 'mkn'}: same bytes`);
  }
  t.same((await fsp.readdir(dir)).sort(), ['c.txt'], 'runs removed');
});

t.test('build --memory: SIGTERM or SIGINT while runs are spilled leaves no temp files and no output', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ngram-sig-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const tmp = path.join(dir, 'tmp');
  await fsp.mkdir(tmp);
  const corpus = path.join(dir, 'c.txt');
  await fsp.writeFile(corpus, synth(60000, 5));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    const arpa = path.join(dir, `lm-${sig}.arpa`);
    const child = spawn(process.execPath, [cliPath, 'ngram', 'build', '--order', '5', '--memory', '1M', '--temp-dir', tmp, '--arpa', arpa, corpus], { stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // wait until the spill directory holds runs
    let seen = false;
    for (let i = 0; i < 600 && !seen; i++) {
      await new Promise((r) => setTimeout(r, 50));
      for (const d of await fsp.readdir(tmp)) {
        if ((await fsp.readdir(path.join(tmp, d)).catch(() => [])).length > 0) seen = true;
      }
    }
    t.ok(seen, `${sig}: runs were spilled before the signal`);
    child.kill(sig);
    const r = await exited;
    t.ok(r.signal === sig || r.code === (sig === 'SIGTERM' ? 143 : 130), `${sig}: ended by the signal (${r.signal ?? r.code})`);
    t.same(await fsp.readdir(tmp), [], `${sig}: the spill directory is removed`);
    t.same((await fsp.readdir(dir)).sort(), ['c.txt', 'tmp'], `${sig}: no ARPA file or temp file beside it`);
  }
});

t.test('ngram build: a missing corpus file is one line, exit 1, no output file (in memory and --memory)', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-missing-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  for (const extra of [[], ['--memory', '10M']]) {
    const out = path.join(dir, 'lm.arpa');
    const missing = path.join(dir, 'missing.txt');
    const r = lmstream(['ngram', 'build', '--order', '3', ...extra, '--arpa', out, missing]);
    t.equal(r.code, 1, extra.join(' '));
    t.equal(r.stderr, `lmstream: ${missing}: no such file\n`);
    t.same(await fsp.readdir(dir), []);
  }
});
