/**
 * The training fault matrix (issue 10): train-stream and reproduce against
 * signals, concurrent runs, stale locks, failed starts, a full disk and a
 * diverging run. Each case asserts the exit code, the one-line message, and
 * what stays on disk: nothing but a resumable checkpoint and its id cache
 * after an interrupt, nothing at all after a failed start.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { Interrupts } from '../src/train/interrupts.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist/src/cli/lmstream.js');
const fixture = path.join(root, 'fixtures/train/tiny.txt');
const env = { ...process.env, LMSTREAM_BACKEND: 'wasm' };
const tiny = ['--embed', '8', '--hidden', '8', '--batch', '2', '--bptt', '4', '--progress', '3600'];
const forever = ['train', '--model', 'lstm', '--epochs', '100000', ...tiny];

function run(args: string[], input = '') {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', env, cwd: root });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Start a long run; resolves once it has trained a step (or `ready` matched). */
function start(args: string[], ready = /step 1 |"step":1,/): { child: ChildProcess; started: Promise<void>; done: Promise<{ code: number | null; err: string }> } {
  const child = spawn(process.execPath, [cli, ...args], { env, cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  let resolveStarted!: () => void;
  const started = new Promise<void>((r) => { resolveStarted = r; });
  child.stderr!.on('data', (d) => { err += d; if (ready.test(err)) resolveStarted(); });
  child.stdout!.on('data', (d) => { out += d; if (ready.test(out)) resolveStarted(); });
  const done = new Promise<{ code: number | null; err: string }>((r) => child.on('close', (code) => { resolveStarted(); r({ code, err }); }));
  return { child, started, done };
}

async function tmpdir(t: Tap.Test): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-faults-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  return dir;
}

const list = (dir: string) => fsp.readdir(dir).then((f) => f.sort());

for (const [sig, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  t.test(`${sig} mid-epoch: checkpoint at a batch boundary, exit ${code}, cache kept and said so, --resume finishes`, async (t) => {
    const dir = await tmpdir(t);
    const ck = path.join(dir, 'ck');
    const r = start([...forever, '--metrics', '-', '--out', ck, fixture]);
    await r.started;
    r.child.kill(sig);
    const { code: c, err } = await r.done;
    t.equal(c, code, err);
    t.match(err, new RegExp(`${sig}: writing a checkpoint after this step`));
    t.match(err, /the id cache .*ck\.cache is kept for it; continue with: train-stream --resume/);
    const state = (await readCheckpoint(ck)).state;
    t.ok(state.step >= 1 && !state.done);
    t.same(await list(dir), ['ck', 'ck.cache'], 'the checkpoint and its cache, no lock, no temp');
    const rest = run(['train', '--resume', ck, '--epochs', String(state.epoch)]);
    t.equal(rest.code, 0, rest.err);
    t.same(await list(dir), ['ck'], 'cache removed once the run is done');
  });
}

t.test('a second signal while the checkpoint is written waits for the write; otherwise exits at once', async (t) => {
  const exits: number[] = [];
  const logs: string[] = [];
  const i = new Interrupts({ log: (m) => logs.push(m), exit: (c) => exits.push(c) });
  i.phase = 'training';
  i.receive('SIGTERM');
  t.equal(i.requested, true);
  i.checkpointWriting(true);
  i.receive('SIGINT');
  t.same(exits, [], 'no exit in the middle of the write');
  i.checkpointWriting(false);
  t.same(exits, [143], 'exit with the first signal\'s code once the checkpoint is complete');
  const j = new Interrupts({ log: () => {}, exit: (c) => exits.push(c) });
  j.phase = 'training';
  j.receive('SIGHUP');
  j.receive('SIGHUP');
  t.same(exits, [143, 129], 'second signal between writes: at once');
  const setup: string[] = [];
  const k = new Interrupts({ log: () => {}, exit: (c) => exits.push(c), onSetupSignal: (s) => setup.push(s) });
  k.receive('SIGINT');
  t.same(setup, ['SIGINT'], 'before training: cleanup');
  t.same(exits, [143, 129, 130]);
});

t.test('two SIGTERMs back to back with a checkpoint every step: the checkpoint on disk is whole and resumable', async (t) => {
  const dir = await tmpdir(t);
  const ck = path.join(dir, 'ck');
  const r = start([...forever, '--checkpoint-every', '1', '--metrics', '-', '--out', ck, fixture], /"step":3,/);
  await r.started;
  r.child.kill('SIGTERM');
  r.child.kill('SIGTERM');
  const { code, err } = await r.done;
  t.equal(code, 143, err);
  const c = await readCheckpoint(ck);
  t.ok(c.state.step >= 1);
  t.same((await list(dir)).filter((f) => !['ck', 'ck.cache'].includes(f)), [], 'no temp directory, no lock');
  const rest = run(['train', '--resume', ck, '--epochs', String(c.state.epoch)]);
  t.equal(rest.code, 0, rest.err);
});

t.test('SIGINT during the first pass (input still being read): exit 130, no cache, no checkpoint, no lock', async (t) => {
  const dir = await tmpdir(t);
  const ck = path.join(dir, 'ck');
  const r = start(['train', '--model', 'lstm', ...tiny, '--out', ck], /tfjs backend/);
  r.child.stdin!.write('the cat sat on the mat\n'.repeat(1000));
  await r.started; // options checked, the lock taken, tfjs loaded: the reader waits for more input
  await new Promise((res) => setTimeout(res, 500));
  r.child.kill('SIGINT');
  const { code, err } = await r.done;
  t.equal(code, 130, err);
  t.match(err, /SIGINT while reading the input/);
  t.same(await list(dir), []);
});

t.test('two runs on one --out: the second fails at once naming the first one\'s pid; a stale lock is taken over', async (t) => {
  const dir = await tmpdir(t);
  const ck = path.join(dir, 'ck');
  const a = start([...forever, '--metrics', '-', '--out', ck, fixture]);
  await a.started;
  const b = run(['train', '--model', 'mlp', ...tiny.slice(0, 4), '--out', ck, fixture]);
  t.equal(b.code, 1);
  t.match(b.err, new RegExp(`ck is in use by another run \\(pid ${a.child.pid}, lock .*ck\\.lock\\)`));
  t.equal(b.err.trim().split('\n').length, 1, 'one line');
  a.child.kill('SIGTERM');
  t.equal((await a.done).code, 143);
  // a lock left by a process that no longer runs
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  await fsp.writeFile(`${ck}.lock`, `${dead}\n`);
  const c = run(['train', '--resume', ck, '--epochs', '1']);
  t.equal(c.code, 0, c.err);
  t.match(c.err, new RegExp(`taking over the lock .*ck\\.lock of process ${dead}, which is no longer running`));
  await t.rejects(fsp.access(`${ck}.lock`), 'released at the end');
});

t.test('reproduce --out is locked too', async (t) => {
  const dir = await tmpdir(t);
  const out = path.join(dir, 'r');
  await fsp.writeFile(`${out}.lock`, `${process.pid}\n`); // this test process: alive
  const r = run(['reproduce', 'bengio2003', '--models', 'kn3', '--out', out, '--data', path.join(dir, 'nodata')]);
  t.equal(r.code, 1);
  t.match(r.err, new RegExp(`r is in use by another run \\(pid ${process.pid},`));
});

t.test('failed starts leave nothing behind (no OUT, no OUT.cache, no lock); options checked before any input is read', async (t) => {
  const dir = await tmpdir(t);
  const ck = path.join(dir, 'ck');
  const regular = path.join(dir, 'file');
  await fsp.writeFile(regular, 'x');
  const bad = path.join(dir, 'bad.jsonl');
  await fsp.writeFile(bad, '{"text": "a b"}\n{"text": \n');
  const cases: [string, string[], string, RegExp][] = [
    ['empty input', ['--out', ck], '', /the training corpus is empty/],
    ['missing file', ['--out', ck, path.join(dir, 'missing.txt')], '', /missing\.txt: no such file/],
    ['bad JSON', ['--format', 'jsonl', '--field', 'text', '--out', ck, bad], '', /bad\.jsonl: invalid JSON at line/],
    ['bad --backend', ['--backend', 'bogus', '--out', ck, fixture], '', /bogus/],
    ['unwritable --metrics', ['--metrics', path.join(dir, 'no', 'such', 'dir', 'm.jsonl'), '--out', ck, fixture], '', /--metrics .*m\.jsonl/],
    ['--metrics is a directory', ['--metrics', dir, '--out', ck, fixture], '', /--metrics .*: is a directory/],
    ['--out is a regular file', ['--out', regular, fixture], '', /--out .*file: is a file, not a checkpoint directory/],
    ['--out is some other directory', ['--out', path.join(root, 'fixtures'), fixture], '', /exists and is not an lmstream checkpoint/],
  ];
  for (const [name, args, input, msg] of cases) {
    const r = run(['train', '--model', 'lstm', ...tiny, ...args], input);
    // a value outside an option's choices is a usage error (exit 2), as everywhere
    t.equal(r.code, name === 'bad --backend' ? 2 : 1, `${name}: ${r.err}`);
    t.match(r.err, msg, name);
    t.same((await list(dir)).filter((f) => !['file', 'bad.jsonl'].includes(f)), [], `${name}: nothing left`);
  }
  // before any input is read: stdin stays open and unread, yet the command fails at once
  for (const args of [['--backend', 'bogus'], ['--out', regular], ['--metrics', dir]]) {
    const r = start(['train', '--model', 'lstm', ...tiny, '--out', ck, ...args], /never/);
    const { code, err } = await r.done;
    t.equal(code, args[0] === '--backend' ? 2 : 1, `${args.join(' ')}: ${err}`);
  }
});

t.test('a line longer than the limit: one line naming file and line, nothing left', async (t) => {
  const dir = await tmpdir(t);
  const ck = path.join(dir, 'ck');
  const long = path.join(dir, 'long.txt');
  await fsp.writeFile(long, 'a b\n' + 'x'.repeat(16 * 1024 * 1024 + 10) + '\n');
  const r = run(['train', '--model', 'lstm', ...tiny, '--out', ck, long]);
  t.equal(r.code, 1, r.err);
  t.match(r.err, /long\.txt: line 2 is longer than/);
  t.same(await list(dir), ['long.txt']);
});

t.test('a full disk while the cache is written: one line naming the cause, no partial cache left', async (t) => {
  if (process.getuid?.() !== 0) { t.comment('needs root to mount a small tmpfs'); return; }
  const dir = await tmpdir(t);
  const mnt = path.join(dir, 'small');
  await fsp.mkdir(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  if (m.status !== 0) { t.comment(`cannot mount a tmpfs: ${m.stderr}`); return; }
  t.teardown(() => { spawnSync('umount', [mnt]); });
  const big = path.join(dir, 'big.txt');
  await fsp.writeFile(big, Array.from({ length: 20000 }, (_, i) => `w${i % 5000} w${(i * 7) % 5000} x y z`).join('\n') + '\n');
  const r = run(['train', '--model', 'lstm', ...tiny, '--out', path.join(dir, 'ck'), '--cache', path.join(mnt, 'cache'), big]);
  t.equal(r.code, 1, r.err);
  t.match(r.err, /no space left on device/);
  t.same(await list(mnt), [], 'no partial cache on the full disk');
});

t.test('divergence: a non-finite loss stops training with a clear error; the last good checkpoint stays', async (t) => {
  const dir = await tmpdir(t);
  const ck = path.join(dir, 'ck');
  const r = run(['train', '--model', 'mlp', '--order', '3', '--embed', '8', '--hidden', '8', '--optimizer', 'sgd', '--lr', '1e9', '--progress', '3600', '--out', ck, fixture]);
  t.equal(r.code, 1, r.err);
  t.match(r.err, /training diverged at step \d+ \(loss [^,]+, perplexity (Infinity|NaN)\): lower --lr or use --clip; no checkpoint was written/);
  t.same(await list(dir), [], 'nothing left');
  const r2 = run(['train', '--model', 'mlp', '--order', '3', '--embed', '8', '--hidden', '8', '--batch', '4', '--optimizer', 'sgd', '--lr', '1e3', '--checkpoint-every', '1', '--epochs', '5', '--progress', '3600', '--out', ck, fixture]);
  t.equal(r2.code, 1, r2.err);
  const m = /training diverged at step (\d+) .*; the last good checkpoint stays in .*ck \(epoch \d+, batch \d+, step (\d+)\)/.exec(r2.err);
  t.ok(m, r2.err);
  const c = await readCheckpoint(ck);
  t.equal(c.state.step, Number(m![2]));
  t.equal(c.state.step, Number(m![1]) - 1, 'the checkpoint of the step before');
  t.same(await list(dir), ['ck'], 'the checkpoint, no cache, no lock, no temp');
});
