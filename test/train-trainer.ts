import t from 'tap';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { trainer, createTrainer, type StepMetrics } from '../src/train/trainer.js';
import { evaluator } from '../src/eval/evaluator.js';
import { createMetricsLines } from '../src/train/metrics-lines.js';
import { skipRecords } from '../src/train/skip.js';
import type { Batch, SeqBatch } from '../src/neural/api.js';
import { FakeModel, fakeConfig } from './helpers/fake-model.js';

const seq = (x: number[], y: number[], reset: number[], B: number, mask?: number[]): SeqBatch => ({
  kind: 'seq', B, T: x.length / B, x: Int32Array.from(x), y: Int32Array.from(y), reset: Uint8Array.from(reset), mask: mask && Uint8Array.from(mask),
});

t.test('trainer: one record per step, losses from the model, metrics as JSON lines', async (t) => {
  const model = new FakeModel(fakeConfig({ vocabSize: 4, lr: 1 }));
  const batches: Batch[] = [seq([1, 3], [3, 2], [1], 1), seq([1, 3], [3, 2], [1], 1)];
  let clock = 0;
  const tr = trainer({ model, epoch: 2, step: 10, now: () => (clock += 500) });
  const lines: string[] = [];
  await pipeline(Readable.from(batches), tr, createMetricsLines(), new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
  const recs = lines.map((l) => JSON.parse(l) as StepMetrics);
  t.equal(recs.length, 2);
  // step 1: uniform over V=4 → ln 4 per token; then counts 1→3 and 3→2 get +1
  t.equal(recs[0].loss, Math.log(4));
  t.equal(recs[0].ppl, 4);
  // step 2: P(3|1) = (1+1)/(1+4), P(2|3) likewise; no carried term (the batch resets lane 0)
  t.ok(Math.abs(recs[1].loss - -Math.log(2 / 5)) < 1e-12);
  t.same(recs.map((r) => [r.step, r.epoch, r.batch, r.tokens, r.lr]), [[11, 2, 0, 2, 1], [12, 2, 1, 2, 1]]);
  t.equal(recs[1].tokensPerSec, 4 / 1.0, 'mean rate: 4 tokens in the 1 s between the start and the second record');
  t.same(tr.progress, { step: 12, batch: 2, tokens: 4, stopped: false });
});

t.test('trainer: masked positions do not count; carried state enters the loss across batches', async (t) => {
  const model = new FakeModel(fakeConfig({ vocabSize: 4, lr: 0 }));
  const tr = createTrainer({ model, epoch: 1 });
  const out: StepMetrics[] = [];
  await pipeline(
    Readable.from([seq([1, 3, 1, 0], [3, 2, 3, 0], [1, 1], 2, [1, 1, 1, 0]), seq([2, 2, 2, 2], [3, 3, 3, 3], [0, 1], 2)]),
    tr,
    new Writable({ objectMode: true, write(r, _e, cb) { out.push(r); cb(); } }),
  );
  t.same(out.map((r) => r.tokens), [3, 4]);
  // batch 2: lane 0 carried 2 tokens, lane 1 reset → extra 1e-3 · 2/2
  t.ok(Math.abs(out[1].loss - (Math.log(4) + 1e-3)) < 1e-12, `loss ${out[1].loss}`);
  t.equal(tr.progress.tokens, 7);
});

t.test('trainer: shouldStop stops before the next batch; the position is exact', async (t) => {
  const model = new FakeModel(fakeConfig({ vocabSize: 4 }));
  const b = seq([1, 3], [3, 2], [1], 1);
  let n = 0;
  const tr = trainer({ model, epoch: 1, batch: 5, shouldStop: () => n >= 3 });
  await pipeline(Readable.from(Array(10).fill(b)), tr, async (src: AsyncIterable<StepMetrics>) => { for await (const _ of src) n++; });
  t.equal(model.steps, 3);
  t.same(tr.progress, { step: 3, batch: 8, tokens: 6, stopped: true });
});

t.test('trainer: a diverging loss is an error naming the step', async (t) => {
  const model = new FakeModel(fakeConfig({ vocabSize: 4 }));
  model.trainStep = async () => ({ loss: NaN, tokens: 1 });
  await t.rejects(pipeline(Readable.from([seq([1], [2], [1], 1)]), trainer({ model, epoch: 1 }), async (s: AsyncIterable<unknown>) => { for await (const _ of s); }),
    /diverged at step 1 \(loss NaN, perplexity NaN\)/);
});

t.test('evaluator: exact sum of nats and perplexity, no update', async (t) => {
  const model = new FakeModel(fakeConfig({ vocabSize: 4 }));
  const out: unknown[] = [];
  await pipeline(Readable.from([seq([1, 3], [3, 2], [1], 1), seq([1, 0], [3, 0], [1], 1, [1, 0])]), evaluator(model),
    async (s: AsyncIterable<unknown>) => { for await (const r of s) out.push(r); });
  t.same(out, [{ kind: 'eval', sumNats: 3 * Math.log(4), tokens: 3, ppl: 4 }]);
  t.equal(model.steps, 0);
});

t.test('skip drops exactly the first records', async (t) => {
  const got: number[] = [];
  await pipeline(Readable.from([1, 2, 3, 4, 5]), skipRecords<number>(2), async (s: AsyncIterable<number>) => { for await (const x of s) got.push(x); });
  t.same(got, [3, 4, 5]);
});
