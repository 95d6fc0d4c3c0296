/**
 * Version-1 checkpoints (fixtures/train/v1, written by the code before the
 * training loop and the random module were unified) still load and resume
 * exactly: the resumed steps have the old code's losses, and the weights are
 * byte-identical to what the old code reached (fixtures/train/v1/expected.json).
 * The wasm matmul is forced: the native one agrees only to float32 rounding.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const trainStream = path.join(root, 'dist/src/cli/train-stream.js');
const v1 = path.join(root, 'fixtures/train/v1');
const env = { ...process.env, LMSTREAM_BACKEND: 'wasm', LMSTREAM_MATMUL: 'wasm' };

interface Expected {
  mlp: { resumedStepLosses: number[]; resumedValidPpl: number[]; resumedLr: number[]; weightsSha256Epoch2: string; weightsSha256Epoch5: string };
  lstm: { resumedStepLosses: number[]; weightsSha256End: string };
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [trainStream, ...args], { encoding: 'utf8', env, cwd: root });
  return { code: r.status, err: r.stderr };
}

const sha = async (f: string) => createHash('sha256').update(await fsp.readFile(f)).digest('hex');
const records = async (f: string) => (await fsp.readFile(f, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));

t.test('v1 checkpoints resume to the old code\'s trajectory and weights', async (t) => {
  const exp = JSON.parse(await fsp.readFile(path.join(v1, 'expected.json'), 'utf8')) as Expected;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-v1-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  await fsp.cp(v1, dir, { recursive: true });

  t.test('mlp, mid-epoch, SGD with lr decay, no cache (the input is read again and checked)', async (t) => {
    const m = path.join(dir, 'mlp.jsonl');
    const r = run(['--resume', path.join(dir, 'mlp'), '--metrics', m, path.join(root, 'fixtures/train/tiny.txt')]);
    t.equal(r.code, 0, r.err);
    const recs = await records(m);
    const steps = recs.filter((x) => x.kind === 'step');
    const epochs = recs.filter((x) => x.kind === 'epoch');
    t.equal(steps.length, exp.mlp.resumedStepLosses.length);
    steps.forEach((s, i) => t.ok(Math.abs(s.loss - exp.mlp.resumedStepLosses[i]) < 1e-9, `step ${s.step} loss ${s.loss}`));
    t.same(epochs.map((e) => e.lr), exp.mlp.resumedLr, 'the lr is divided by --lr-decay 2 when valid ppl does not improve');
    epochs.forEach((e, i) => t.ok(Math.abs(e.validPpl - exp.mlp.resumedValidPpl[i]) < 1e-6, `epoch ${e.epoch} valid ppl ${e.validPpl}`));
    // the run ends with the best epoch's weights (epoch 2; the old code kept the last, epoch 5's)
    t.match(r.err, /restoring the weights of epoch 2/);
    t.equal(await sha(path.join(dir, 'mlp/weights.bin')), exp.mlp.weightsSha256Epoch2);
    t.equal(JSON.parse(await fsp.readFile(path.join(dir, 'mlp/state.json'), 'utf8')).modelEpoch, 2);
  });

  t.test('lstm, stream mode, dropout, mid-epoch with carried state, from its v1 id cache (no input)', async (t) => {
    const m = path.join(dir, 'lstm.jsonl');
    const r = run(['--resume', path.join(dir, 'lstm'), '--metrics', m]);
    t.equal(r.code, 0, r.err);
    t.match(r.err, /with the cached data in/);
    const steps = (await records(m)).filter((x) => x.kind === 'step');
    t.same(steps.map((s) => s.loss), exp.lstm.resumedStepLosses);
    t.equal(await sha(path.join(dir, 'lstm/weights.bin')), exp.lstm.weightsSha256End);
  });
});
