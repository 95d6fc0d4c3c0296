import t from 'tap';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { writeCheckpoint, readCheckpoint, newRunId, type CheckpointConfig, type CheckpointParts } from '../src/train/checkpoint.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import { FakeModel, fakeConfig } from './helpers/fake-model.js';

const config = (): CheckpointConfig => ({
  format: 'lmstream-train-config', version: 1, model: fakeConfig({ vocabSize: 5 }), level: 'word', tokenizer: 'whitespace', mode: 'sentence',
  training: { epochs: 2, batch: 2, bptt: 3, lrDecay: 2, validFraction: 0, maxTokens: null, checkpointEvery: 0 },
});
const parts = (model: FakeModel, step: number, withCarried = false): CheckpointParts => ({
  model, vocab: Vocabulary.fromTokens(['a', 'b']), config: config(), withCarried,
  state: {
    runId: 'run1', epoch: 1, batch: step, step, done: false, lr: model.learningRate, bestValidPpl: null, validHistory: [],
    data: { trainTokens: 10, trainDocs: 2, trainChecksum: 'abc', validTokens: null, validChecksum: null },
  },
});

t.test('write then read: every part comes back; replacing is atomic and leaves no temp dirs', async (t) => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ckpt-'));
  t.teardown(() => fsp.rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'ck');
  const m = new FakeModel(fakeConfig({ vocabSize: 5 }));
  m.counts[7] = 3;
  m.carried = Float32Array.from([1.5, 2.5]);
  await writeCheckpoint(dir, parts(m, 3, true));
  let ck = await readCheckpoint(dir);
  t.same(ck.vocab.tokens, ['<unk>', '<s>', '</s>', 'a', 'b']);
  t.equal(ck.config.mode, 'sentence');
  t.equal(ck.config.model.vocabSize, 5);
  t.equal(ck.state.step, 3);
  t.equal(ck.state.carried, true);
  t.same(ck.carried!.map((a) => [...a]), [[1.5, 2.5]]);
  t.equal((await FakeModel.load(dir)).counts[7], 3);
  // replace it: new content, no carried state this time
  m.counts[7] = 4;
  await writeCheckpoint(dir, parts(m, 5));
  ck = await readCheckpoint(dir);
  t.equal(ck.state.step, 5);
  t.equal(ck.carried, undefined);
  t.equal((await FakeModel.load(dir)).counts[7], 4);
  t.same(await fsp.readdir(root), ['ck'], 'no .tmp-/.old- directories left');
  t.same((await fsp.readdir(dir)).sort(), ['config.json', 'fake-model.json', 'state.json', 'vocab.json']);
  t.equal(newRunId().length, 21);
});

t.test('a failing save leaves the old checkpoint untouched', async (t) => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ckpt-'));
  t.teardown(() => fsp.rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'ck');
  const m = new FakeModel(fakeConfig({ vocabSize: 5 }));
  await writeCheckpoint(dir, parts(m, 1));
  const bad = new FakeModel(fakeConfig({ vocabSize: 5 }));
  bad.save = async () => { throw new Error('disk full'); };
  await t.rejects(writeCheckpoint(dir, parts(bad, 2)), /disk full/);
  t.equal((await readCheckpoint(dir)).state.step, 1);
  t.same(await fsp.readdir(root), ['ck']);
});

t.test('crash between the renames: the .old- directory is found', async (t) => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ckpt-'));
  t.teardown(() => fsp.rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'ck');
  await writeCheckpoint(dir, parts(new FakeModel(fakeConfig({ vocabSize: 5 })), 9));
  await fsp.rename(dir, `${dir}.old-abc`);
  t.equal((await readCheckpoint(dir)).state.step, 9);
});

t.test('errors name the file', async (t) => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ckpt-'));
  t.teardown(() => fsp.rm(root, { recursive: true, force: true }));
  await t.rejects(readCheckpoint(path.join(root, 'none')), /none: no such checkpoint directory/);
  const other = path.join(root, 'other');
  await fsp.mkdir(other);
  await fsp.writeFile(path.join(other, 'precious.txt'), 'x');
  await t.rejects(readCheckpoint(other), /not an lmstream checkpoint/);
  await t.rejects(writeCheckpoint(other, parts(new FakeModel(fakeConfig()), 1)), /not an lmstream checkpoint.*not replacing/);
  t.equal(await fsp.readFile(path.join(other, 'precious.txt'), 'utf8'), 'x');
  const ck = path.join(root, 'ck');
  await writeCheckpoint(ck, parts(new FakeModel(fakeConfig()), 1));
  await fsp.writeFile(path.join(ck, 'state.json'), '{oops');
  await t.rejects(readCheckpoint(ck), /state\.json: invalid JSON/);
});
