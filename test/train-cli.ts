import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { loadModel } from '../src/neural/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist/src/cli/lmstream.js');
const trainStream = path.join(root, 'dist/src/cli/train-stream.js');
const fixture = path.join(root, 'fixtures/train/tiny.txt');
const validFile = path.join(root, 'fixtures/train/valid.txt');
const env = { ...process.env, LMSTREAM_BACKEND: 'wasm' };

function run(args: string[], input?: string, bin = cli) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env, cwd: root });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tiny = ['--embed', '8', '--hidden', '8', '--batch', '2', '--bptt', '4', '--progress', '3600'];

t.test('--help of train, train-stream and eval', async (t) => {
  for (const [args, bin] of [[['train', '--help'], cli], [['--help'], trainStream], [['eval', '--help'], cli]] as [string[], string][]) {
    const r = run(args, undefined, bin);
    t.equal(r.code, 0);
    t.match(r.out, /^usage: /);
    t.equal(r.err, '');
  }
});

t.test('bad command lines: one clear line, non-zero exit, nothing written', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-cli-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'ck');
  const cases: [string[], string | undefined, number, RegExp][] = [
    [['train', '--out', out], 'a b\n', 2, /--model is required/],
    [['train', '--model', 'transformer', '--out', out], 'a b\n', 2, /--model: 'transformer' is not one of/],
    [['train', '--model', 'lstm'], 'a b\n', 2, /--out DIR is required/],
    [['train', '--model', 'mlp', '--tie', '--out', out], 'a b\n', 2, /--tie applies to rnn, lstm and gru only/],
    [['train', '--model', 'lstm', '--batch', '0', '--out', out], 'a b\n', 2, /--batch: 0 is below the minimum 1/],
    [['train', '--model', 'lstm', '--mode', 'stream', '--pack', '--out', out], 'a b\n', 2, /--pack applies to rnn, lstm and gru in sentence mode only/],
    [['train', '--model', 'gru', '--shuffle', '3', '--out', out], 'a b\n', 2, /--shuffle applies to --model mlp only/],
    [['train', '--model', 'lstm', '--bogus', '--out', out], 'a b\n', 2, /bogus/],
    [['train', '--model', 'lstm', '--out', out], '', 1, /training corpus is empty/],
    [['train', '--model', 'lstm', '--out', out, path.join(dir, 'missing.txt')], undefined, 1, /missing\.txt: no such file/],
    [['train', '--resume', path.join(dir, 'nope')], 'a\n', 1, /--resume: .*nope: no such checkpoint directory/],
    [['train', '--resume', dir, '--hidden', '3'], 'a\n', 2, /--hidden cannot change on --resume/],
    [['eval'], 'a\n', 2, /--model is required/],
    [['eval', '--model', path.join(dir, 'nope')], 'a\n', 1, /nope: no such file or directory/],
    [['eval', '--model', dir], 'a\n', 1, /not an lmstream checkpoint/],
  ];
  for (const [args, input, code, msg] of cases) {
    const r = run(args, input);
    t.equal(r.code, code, args.join(' '));
    t.match(r.err, msg, args.join(' '));
    t.equal(r.out, '');
  }
  t.same(await fsp.readdir(dir).then((f) => f.filter((x) => x.startsWith('ck') && !x.endsWith('.cache'))), [], 'no checkpoint written');
});

t.test('lstm, stream mode with dropout: stopped run + --resume gives the losses of an uninterrupted run (1e-5)', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-cli-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const args = ['train', '--model', 'lstm', '--mode', 'stream', '--dropout', '0.3', '--epochs', '2', '--seed', '5', ...tiny, fixture];
  const full = run([...args, '--out', path.join(dir, 'full'), '--metrics', path.join(dir, 'full.jsonl')]);
  t.equal(full.code, 0, full.err);
  t.match(full.err, `train-stream: metrics in ${path.join(dir, 'full.jsonl')} (draw them: lmstream plot `, 'the metrics file named at the end');
  const a = (await fsp.readFile(path.join(dir, 'full.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const steps = a.filter((r) => r.kind === 'step');
  t.equal(a.filter((r) => r.kind === 'epoch').length, 2);
  t.ok(steps.length >= 10, `${steps.length} steps`);
  t.same(Object.keys(steps[0]).sort(), ['batch', 'elapsed', 'epoch', 'kind', 'loss', 'lr', 'ppl', 'step', 'tokens', 'tokensPerSec']);
  t.same(steps.map((r) => r.step), steps.map((_, i) => i + 1));
  await t.rejects(fsp.access(path.join(dir, 'full.cache')), 'cache removed at the end');

  const stopAt = Math.floor(steps.length / 4) + 1; // mid first epoch
  const ck = path.join(dir, 'ck');
  const part = run([...args, '--out', ck, '--max-steps', String(stopAt), '--metrics', path.join(dir, 'ck.jsonl')]);
  t.equal(part.code, 0, part.err);
  t.match(part.err, /continue with: train-stream --resume/);
  const st = (await readCheckpoint(ck)).state;
  t.same([st.epoch, st.batch, st.step, st.done], [1, stopAt, stopAt, false]);
  const rest = run(['train', '--resume', ck, '--metrics', path.join(dir, 'ck.jsonl')]);
  t.equal(rest.code, 0, rest.err);
  t.match(rest.err, /with the cached data/);
  const b = (await fsp.readFile(path.join(dir, 'ck.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.kind === 'step');
  t.equal(b.length, steps.length);
  const worst = Math.max(...b.map((r, i) => Math.abs(r.loss - steps[i].loss)));
  t.ok(worst < 1e-5, `largest loss difference ${worst}`);
  t.not(b[stopAt].loss, b[stopAt - 1].loss);
});

t.test('mlp sentence mode: --valid ppl of the last epoch equals lmstream eval on the same file; resume from stdin again', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-cli-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const text = await fsp.readFile(fixture, 'utf8');
  const args = ['train', '--model', 'mlp', '--order', '3', '--epochs', '2', '--valid', validFile, ...tiny, '--batch', '4'];
  const full = run([...args, '--out', path.join(dir, 'full'), '--metrics', '-'], text);
  t.equal(full.code, 0, full.err);
  const recs = full.out.trim().split('\n').map((l) => JSON.parse(l));
  const last = recs.filter((r) => r.kind === 'epoch').pop();
  const ppls = recs.filter((r) => r.kind === 'epoch').map((r) => r.validPpl.toFixed(2)).join(' ');
  t.match(full.err, new RegExp(`train-stream: validation perplexity by epoch [▁▂▃▄▅▆▇█]{2} \\(${ppls}\\)\\n`), 'a sparkline of the validation perplexities at the end');
  const ev = run(['eval', '--model', path.join(dir, 'full'), '--json', validFile]);
  t.equal(ev.code, 0, ev.err);
  const e = JSON.parse(ev.out);
  t.ok(Math.abs(e.perplexity - last.validPpl) < 1e-6 * last.validPpl, `eval ${e.perplexity} vs valid ${last.validPpl}`);
  // valid.txt: 6 + 4 + 3 words + one </s> per line; "fast" is the only word not in tiny.txt
  t.equal(e.tokens, 16);
  t.equal(e.oov, 1);

  const ck = path.join(dir, 'ck');
  t.equal(run([...args, '--out', ck, '--max-steps', '5', '--metrics', path.join(dir, 'm.jsonl')], text).code, 0);
  await fsp.rm(`${ck}.cache`, { recursive: true });
  const wrong = run(['train', '--resume', ck], 'other text\n');
  t.equal(wrong.code, 1);
  t.match(wrong.err, /--resume: the input differs from the run's training data/);
  const rest = run(['train', '--resume', ck, '--metrics', path.join(dir, 'm.jsonl')], text);
  t.equal(rest.code, 0, rest.err);
  const b = (await fsp.readFile(path.join(dir, 'm.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const sa = recs.filter((r) => r.kind === 'step');
  const sb = b.filter((r) => r.kind === 'step');
  t.equal(sb.length, sa.length);
  t.ok(sb.every((r, i) => Math.abs(r.loss - sa[i].loss) < 1e-5), 'same losses');
  t.ok(Math.abs(b.filter((r) => r.kind === 'epoch').pop().validPpl - last.validPpl) < 1e-5 * last.validPpl);
  const again = run(['train', '--resume', ck]);
  t.equal(again.code, 0);
  t.match(again.err, /already finished its 2 epochs/);
});

t.test('char level: bits per character = nats / ln 2 / characters', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-cli-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const r = run(['train', '--model', 'gru', '--level', 'char', '--epochs', '1', ...tiny, '--out', path.join(dir, 'c'), fixture]);
  t.equal(r.code, 0, r.err);
  const cfg = JSON.parse(await fsp.readFile(path.join(dir, 'c', 'config.json'), 'utf8'));
  t.same([cfg.level, cfg.mode, cfg.tokenizer, cfg.tokenizerOptions], ['char', 'stream', 'char', { spaces: true, newline: true }]);
  const ev = run(['eval', '--model', path.join(dir, 'c'), '--json'], 'ab c\nd\n');
  t.equal(ev.code, 0, ev.err);
  const e = JSON.parse(ev.out);
  // a b \s c \n d \n: 7 characters, 7 tokens (stream mode: every one predicted)
  t.equal(e.tokens, 7);
  t.ok(Math.abs(e.bits_per_char - e.nats / Math.LN2 / 7) < 1e-9);
  t.ok(Math.abs(e.perplexity - Math.exp(e.nats / 7)) < 1e-6 * e.perplexity);
});

t.test('SIGINT during training (2 threads): checkpoint at a batch boundary, exit 130, loadable, resumable', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-cli-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const ck = path.join(dir, 'ck');
  const child = spawn(process.execPath, [cli, 'train', '--model', 'lstm', '--threads', '2', '--epochs', '100000', ...tiny, '--progress', '3600', '--out', ck, fixture], { env, cwd: root });
  let err = '';
  let sent = false;
  child.stderr.on('data', (d) => {
    err += d;
    if (!sent && /step 1 /.test(err)) { sent = true; child.kill('SIGINT'); }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.ok(sent, 'a progress line came');
  t.equal(code, 130, err);
  t.match(err, /SIGINT: writing a checkpoint after this step/);
  t.match(err, /the id cache .*ck\.cache is kept for it/);
  t.match(err, /checkpoint written to/);
  const c = await readCheckpoint(ck);
  t.ok(c.state.step >= 1);
  t.equal(c.state.done, false);
  const model = await loadModel(c.dir);
  t.equal(model.config.hidden, 8);
  model.dispose();
  await fsp.access(`${ck}.cache`);
  const rest = run(['train', '--resume', ck, '--epochs', String(c.state.epoch)]);
  t.equal(rest.code, 0, rest.err);
  t.equal((await readCheckpoint(ck)).state.done, true);
});
