import t from 'tap';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { corpusSpec, documents, tokenStages } from '../src/train/front-end.js';
import { idCacheSink, type IdCacheResult } from '../src/train/id-cache.js';
import { cacheData, runTraining, type RunRecord, type RunState } from '../src/train/run.js';
import { readCheckpoint, type CheckpointConfig } from '../src/train/checkpoint.js';
import type { StepMetrics } from '../src/train/trainer.js';
import type { Arch } from '../src/neural/api.js';
import type { MarkerMode } from '../src/types.js';
import { FakeModel, fakeConfig } from './helpers/fake-model.js';

const fixture = fileURLToPath(new URL('../fixtures/train/tiny.txt', import.meta.url));

async function cache(mode: MarkerMode, dir: string, validFraction = 0): Promise<IdCacheResult> {
  return pipeline(documents([fixture]), ...tokenStages(corpusSpec('word', mode)), idCacheSink({ dir, validFraction, seed: 3 }));
}

const failLoad = async (): Promise<never> => { throw new Error('no reload expected'); };

function setup(arch: Arch, mode: MarkerMode, c: IdCacheResult, epochs = 2, checkpointEvery = 0, pack = false) {
  const config: CheckpointConfig = {
    format: 'lmstream-train-config', version: 1, model: fakeConfig({ arch, vocabSize: c.vocab.size, lr: 0.5 }),
    level: 'word', tokenizer: 'whitespace', mode,
    training: { epochs, batch: 3, bptt: 4, lrDecay: 2, validFraction: 0, maxTokens: null, checkpointEvery, shuffle: arch === 'mlp' ? 2 : 0, pack },
  };
  const state: RunState = {
    runId: 'r', epoch: 1, batch: 0, step: 0, done: false, lr: 0.5, bestValidPpl: null, validHistory: [],
    data: { trainTokens: c.train.tokens, trainDocs: c.train.docs, trainChecksum: c.train.checksum, validTokens: null, validChecksum: null },
  };
  return { config, state };
}

for (const [arch, mode, pack] of [['lstm', 'sentence', false], ['lstm', 'stream', false], ['mlp', 'sentence', false], ['gru', 'stream', false], ['rnn', 'sentence', true]] as [Arch, MarkerMode, boolean][]) {
  t.test(`${arch} ${mode}${pack ? ' packed' : ''}: stop mid-epoch, resume from the checkpoint = uninterrupted run`, async (t) => {
    const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-run-'));
    t.teardown(() => fsp.rm(root, { recursive: true, force: true }));
    const c = await cache(mode, path.join(root, 'cache'));
    const { config, state } = setup(arch, mode, c, 2, 0, pack);

    const full: number[] = [];
    const m0 = new FakeModel(config.model);
    const r0 = await runTraining({
      out: path.join(root, 'full'), model: m0, vocab: c.vocab, config, data: cacheData(config, c.vocab.bosId, c.train), load: failLoad, state, shouldStop: () => false,
      onRecord: (r) => { if (r.kind === 'step') full.push(r.loss); },
    });
    t.equal(r0.stopped, false);
    t.ok(full.length >= 6, `${full.length} steps`);
    if (pack) t.equal(full.length, 2 * Math.ceil(Math.ceil(c.train.tokens / 3) / 4), 'packed: the batches of the stream of all ids');
    const perEpoch = full.length / 2;
    t.equal(r0.state.epoch, 3);
    t.equal(r0.state.done, true);

    // stop after a step in the middle of the first epoch (or early in the second)
    const stopAt = Math.floor(perEpoch / 2) + 1;
    const part: number[] = [];
    const out = path.join(root, 'ck');
    const m1 = new FakeModel(config.model);
    const r1 = await runTraining({
      out, model: m1, vocab: c.vocab, config, data: cacheData(config, c.vocab.bosId, c.train), load: failLoad, state, shouldStop: () => part.length >= stopAt,
      onRecord: (r) => { if (r.kind === 'step') part.push(r.loss); },
    });
    t.equal(r1.stopped, true);
    const ck = await readCheckpoint(out);
    t.equal(ck.state.step, stopAt);
    t.equal(ck.state.batch, stopAt);
    t.equal(ck.state.epoch, 1);
    t.equal(ck.state.carried, arch !== 'mlp');

    const rest: number[] = [];
    const m2 = await FakeModel.load(ck.dir);
    const r2 = await runTraining({
      out, model: m2, vocab: ck.vocab, config: ck.config, data: cacheData(ck.config, c.vocab.bosId, c.train), load: failLoad, state: ck.state, carried: ck.carried, shouldStop: () => false,
      onRecord: (r) => { if (r.kind === 'step') rest.push(r.loss); },
    });
    t.equal(r2.stopped, false);
    const resumed = [...part, ...rest];
    t.equal(resumed.length, full.length);
    t.ok(resumed.every((l, i) => Math.abs(l - full[i]) < 1e-12), 'same losses to 1e-12');
    t.same([...m2.counts], [...m0.counts], 'same final parameters');
    if (arch !== 'mlp') {
      // the check has teeth: resuming without the carried state changes the losses
      const m3 = await FakeModel.load(ck.dir);
      const lost: number[] = [];
      await runTraining({
        out: path.join(root, 'nocarry'), model: m3, vocab: ck.vocab, config: ck.config, data: cacheData(ck.config, c.vocab.bosId, c.train), load: failLoad, state: ck.state, shouldStop: () => false,
        onRecord: (r) => { if (r.kind === 'step') lost.push(r.loss); }, log: () => undefined,
      });
      t.notOk([...part, ...lost].every((l, i) => Math.abs(l - full[i]) < 1e-12), 'losses differ without the carried state');
    }
  });
}

t.test('validation each epoch, lr ÷ decay when it stops improving, mid-epoch checkpoints every N steps, the best epoch kept', async (t) => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-run-'));
  t.teardown(() => fsp.rm(root, { recursive: true, force: true }));
  const c = await cache('sentence', path.join(root, 'cache'), 0.3);
  t.ok(c.valid && c.valid.docs > 0 && c.train.docs > 0, `${c.valid?.docs} valid documents`);
  const { config, state } = setup('lstm', 'sentence', c, 3, 2);
  const model = new FakeModel(config.model);
  const nats = [1, 0.5, 0.7];
  let epoch = 0;
  let tokensSeen = 0;
  model.evaluate = async (b) => {
    let n = 0;
    if (b.kind === 'seq') for (let i = 0; i < b.B * b.T; i++) if (!b.mask || b.mask[i]) n++;
    tokensSeen += n;
    return { sumNats: nats[epoch] * n, tokens: n };
  };
  const recs: RunRecord[] = [];
  const saves: number[] = [];
  const out = path.join(root, 'ck');
  const r = await runTraining({
    out, model, vocab: c.vocab, config, data: cacheData(config, c.vocab.bosId, c.train, c.valid), load: (d) => FakeModel.load(d), state, shouldStop: () => false,
    onRecord: async (rec) => {
      recs.push(rec);
      if (rec.kind === 'epoch') epoch++;
      if (rec.kind === 'step' && rec.step % 2 === 1 && rec.step > 2) saves.push((await readCheckpoint(out)).state.step);
    },
  });
  const epochs = recs.filter((x) => x.kind === 'epoch');
  t.same(epochs.map((e) => e.kind === 'epoch' && [e.epoch, +e.validPpl!.toFixed(9), e.lr, e.decayed]), [
    [1, +Math.exp(1).toFixed(9), 0.5, false],
    [2, +Math.exp(0.5).toFixed(9), 0.5, false],
    [3, +Math.exp(0.7).toFixed(9), 0.25, true],
  ]);
  t.equal(r.state.bestValidPpl, Math.exp(0.5));
  t.same(r.state.validHistory.map((v) => v.lr), [0.5, 0.5, 0.25]);
  t.equal(tokensSeen, 3 * (c.valid!.tokens - c.valid!.docs), 'every valid target scored each epoch');
  t.ok(saves.length > 0 && saves.every((s) => s % 2 === 0), `mid-epoch checkpoints at even steps: ${saves}`);
  const steps = recs.filter((x): x is StepMetrics => x.kind === 'step');
  t.same(steps.map((s) => s.lr).filter((v, i, a) => a.indexOf(v) === i), [0.5], 'decayed lr takes effect after the last epoch');
  const ck = await readCheckpoint(out);
  t.equal(ck.state.done, true);
  t.equal(ck.state.lr, 0.25);
  t.equal(ck.carried, undefined, 'epoch-end checkpoints carry no state');
  t.equal(ck.state.modelEpoch, 2, 'OUT ends with the best epoch (2) of validation');
  t.not(r.model, model, 'the best epoch was reloaded from OUT.best');
  await t.rejects(fsp.access(`${out}.best`), 'OUT.best removed at the end');
});
