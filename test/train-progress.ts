import t from 'tap';
import { Progress } from '../src/train/progress.js';
import type { StepMetrics } from '../src/train/trainer.js';

const step = (s: number, epoch = 1): StepMetrics => ({
  kind: 'step', step: s, epoch, batch: s - 1, loss: 2, ppl: Math.exp(2), lr: 0.01, tokens: 10, tokensPerSec: 1234.5, elapsed: s,
});

t.test('plain lines: the first step, then one per interval; an epoch line', async (t) => {
  let now = 0;
  const out: string[] = [];
  const p = new Progress({ write: (s) => out.push(s), tty: false, intervalSec: 5, epochs: 2, targetsPerEpoch: 40, now: () => now });
  for (let s = 1; s <= 4; s++) { p.record(step(s)); now += 2000; }
  t.same(out, [
    'epoch 1/2 25.0% step 1 loss 2 ppl 7.389 lr 0.01 1235 tok/s\n',
    'epoch 1/2 100.0% step 4 loss 2 ppl 7.389 lr 0.01 1235 tok/s\n', // 6 s after the first
  ]);
  p.record({ kind: 'epoch', epoch: 1, step: 4, trainLoss: Math.log(10), validPpl: 12.5, validTokens: 9, lr: 0.005, bestValidPpl: 12, decayed: true });
  t.equal(out[2], 'epoch 1/2 done: step 4, train loss 2.303 (ppl 10), valid ppl 12.5 (no improvement: lr → 0.005)\n');
  now += 10000;
  p.record(step(5, 2));
  t.match(out[3], /^epoch 2\/2 25\.0% step 5 /);
});

t.test('tty: a bar redrawn in place, at most 5 times a second, cleared before other lines', async (t) => {
  let now = 0;
  const out: string[] = [];
  const p = new Progress({ write: (s) => out.push(s), tty: true, intervalSec: 5, epochs: 1, targetsPerEpoch: 20, now: () => now });
  p.record(step(1));
  now += 100;
  p.record(step(2));
  t.equal(out.length, 1, 'no redraw within 200 ms');
  t.equal(out[0], '\r[##########..........] epoch 1/1 50.0% step 1 loss 2 ppl 7.389 lr 0.01 1235 tok/s\x1b[K');
  now += 300;
  p.record(step(3));
  t.match(out[1], /^\r\[####################\] epoch 1\/1 100\.0% step 3 /);
  p.clear();
  t.equal(out[2], '\r\x1b[K');
  p.clear();
  t.equal(out.length, 3, 'nothing to clear twice');
});
