import t from 'tap';
import { Progress, ProgressMeter, etaSeconds, formatCount, formatDuration } from '../src/train/progress.js';
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
    'epoch 1/2 25.0% step 1 loss 2 ppl 7.389 lr 0.01 1235 tok/s elapsed 0s\n',
    // 6 s after the first; half the run's 80 targets done in 6 s: 6 s to go
    'epoch 1/2 100.0% step 4 loss 2 ppl 7.389 lr 0.01 1235 tok/s elapsed 6s ETA 6s\n',
  ]);
  p.record({ kind: 'epoch', epoch: 1, step: 4, trainLoss: Math.log(10), validPpl: 12.5, validTokens: 9, lr: 0.005, bestValidPpl: 12, decayed: true });
  t.equal(out[2], 'epoch 1/2 done: step 4, train loss 2.303 (ppl 10), valid ppl 12.5 (no improvement: lr → 0.005), elapsed 8s\n');
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
  t.equal(out[0], '\r[##########..........] epoch 1/1 50.0% step 1 loss 2 ppl 7.389 lr 0.01 1235 tok/s elapsed 0s\x1b[K');
  now += 300;
  p.record(step(3));
  t.match(out[1], /^\r\[####################\] epoch 1\/1 100\.0% step 3 /);
  p.clear();
  t.equal(out[2], '\r\x1b[K');
  p.clear();
  t.equal(out.length, 3, 'nothing to clear twice');
});

t.test('resumed run: the ETA counts the remaining epochs at the rate of this process', async (t) => {
  let now = 0;
  const out: string[] = [];
  // resumed in epoch 2 of 3 with 50 of 100 targets done: 150 done, 150 to go
  const p = new Progress({ write: (s) => out.push(s), tty: false, intervalSec: 5, epochs: 3, targetsPerEpoch: 100, startTargets: 50, now: () => now });
  now = 10_000;
  p.record({ ...step(20, 2), tokens: 25 }); // 25 targets in 10 s → 125 left at 2.5/s = 50 s
  t.match(out[0], /^epoch 2\/3 75\.0% step 20 .* elapsed 10s ETA 50s\n$/);
});

t.test('formatDuration, formatCount, etaSeconds', async (t) => {
  t.same([0, 9.6, 59.4, 60, 185, 3599, 3600, 3725, 90000, NaN, -1].map(formatDuration),
    ['0s', '10s', '59s', '1m00s', '3m05s', '59m59s', '1h00m', '1h02m', '25h00m', '?', '?']);
  t.same([0, 950, 12345, 4_560_000, 7.2e9].map(formatCount), ['0', '950', '12.3k', '4.56M', '7.2G']);
  t.equal(etaSeconds(25, 100, 10), 30);
  t.equal(etaSeconds(60, 100, 10, 50), 40, 'rate from the work of this process only');
  t.equal(etaSeconds(0, 100, 10), undefined, 'no work done yet');
  t.equal(etaSeconds(10, 100, 0.5), undefined, 'less than a second');
  t.equal(etaSeconds(10, 0, 5), undefined, 'unknown total');
});

t.test('ProgressMeter: plain lines with percentage, elapsed and ETA; final line', async (t) => {
  let now = 0;
  const out: string[] = [];
  const m = new ProgressMeter({ label: 'eval: scoring', total: 1000, unit: 'tokens', write: (s) => out.push(s), tty: false, intervalSec: 10, now: () => now });
  m.update(0);
  now = 4000;
  m.add(200);
  t.equal(out.length, 1, 'one line per interval');
  now = 10_000;
  m.add(300);
  now = 12_000;
  m.update(1000);
  m.finish('perplexity 12.5');
  t.same(out, [
    'eval: scoring: 0.0% (0/1k tokens), elapsed 0s\n',
    'eval: scoring: 50.0% (500/1k tokens), elapsed 10s, ETA 10s\n',
    'eval: scoring: done, 1k tokens in 12s, perplexity 12.5\n',
  ]);
});

t.test('ProgressMeter: unknown total shows the rate; tty bar redrawn and cleared', async (t) => {
  let now = 0;
  const out: string[] = [];
  const m = new ProgressMeter({ label: 'first pass', unit: 'bytes', write: (s) => out.push(s), tty: true, now: () => now });
  now = 2000;
  m.update(3_000_000);
  t.equal(out[0], '\rfirst pass: 3M bytes, 1.5M bytes/s, elapsed 2s\x1b[K');
  now = 2100;
  m.add(1);
  t.equal(out.length, 1, 'no redraw within 200 ms');
  const b = new ProgressMeter({ label: 'ngram count', total: 10, write: (s) => out.push(s), tty: true, now: () => now });
  now = 4100;
  b.update(5);
  t.equal(out[1], '\r[##########..........] ngram count: 50.0% (5/10), elapsed 2s, ETA 2s\x1b[K');
  b.finish();
  t.same(out.slice(2), ['\r\x1b[K', 'ngram count: done, 5 in 2s\n']);
});

t.test('ProgressMeter: firstLineSec holds the first plain line back (a short job prints none)', async (t) => {
  let now = 0;
  const out: string[] = [];
  const m = new ProgressMeter({ label: 'ngram build: write 3', total: 100, unit: 'lines', write: (s) => out.push(s), tty: false, intervalSec: 10, firstLineSec: 10, now: () => now });
  m.update(10);
  now = 9000;
  m.update(90);
  t.same(out, [], 'nothing within the first 10 s');
  now = 10_000;
  m.update(95);
  now = 15_000;
  m.update(96);
  t.same(out, ['ngram build: write 3: 95.0% (95/100 lines), elapsed 10s, ETA 1s\n'], 'then one line per interval');
});

t.test('ProgressMeter: tokens of files — the fraction and the ETA from the input bytes read', async (t) => {
  let now = 0;
  const out: string[] = [];
  const m = new ProgressMeter({ label: 'ngram ppl', unit: 'tokens', bytes: 4_000_000, write: (s) => out.push(s), tty: false, intervalSec: 10, now: () => now });
  m.addBytes(262_144);
  m.update(50_000);
  now = 10_000;
  m.addBytes(1_000_000 - 262_144);
  m.update(200_000);
  // a quarter of the bytes in 10 s: 30 s to go; the rate is of the counted unit
  t.same(out, [
    'ngram ppl: 6.6% of 4M bytes, 50k tokens, elapsed 0s\n',
    'ngram ppl: 25.0% of 4M bytes, 200k tokens, 20k tokens/s, elapsed 10s, ETA 30s\n',
  ]);
  t.equal(m.fraction(), 0.25);
  t.equal(m.eta(), 30);
  t.equal(m.timing(), 'elapsed 10s, ETA 30s');
  const tty: string[] = [];
  const b = new ProgressMeter({ label: 'eval', unit: 'tokens', bytes: 100, write: (s) => tty.push(s), tty: true, now: () => now });
  now = 12_000;
  b.addBytes(50);
  b.update(8);
  t.equal(tty[0], '\r[##########..........] eval: 50.0% of 100 bytes, 8 tokens, 4 tokens/s, elapsed 2s, ETA 2s\x1b[K', 'the bar follows the bytes');
  const stdin = new ProgressMeter({ label: 'ngram ppl', unit: 'tokens', write: () => {}, tty: false, now: () => now });
  now = 16_000;
  stdin.addBytes(10);
  stdin.update(8000);
  t.equal(stdin.text(), 'ngram ppl: 8k tokens, 2k tokens/s, elapsed 4s', 'stdin: no size, so no fraction and no ETA');
  t.equal(stdin.eta(), undefined);
});

t.test('ProgressMeter: a time budget caps the ETA; start counts work done before', async (t) => {
  let now = 0;
  const m = new ProgressMeter({ label: 'mlp9', total: 1000, start: 100, deadlineSec: 60, write: () => {}, now: () => now });
  now = 10_000;
  m.update(200);
  // 100 units in 10 s, 800 left: 80 s at that rate, but the budget ends in 50 s
  t.equal(m.eta(), 50);
  t.equal(m.timing(), 'elapsed 10s, ETA 50s');
  now = 70_000;
  t.equal(m.eta(), 0, 'past the deadline');
  let clock = 0;
  const free = new ProgressMeter({ label: 'x', total: 1000, start: 100, write: () => {}, now: () => clock });
  clock = 10_000;
  free.update(200);
  t.equal(free.eta(), 80, 'no budget: the rate alone');
  t.equal(new ProgressMeter({ label: 'x', write: () => {}, now: () => 0 }).timing(), 'elapsed 0s', 'no ETA yet');
});

t.test('epoch lines carry a sparkline of the validation perplexities so far', async (t) => {
  const out: string[] = [];
  const p = new Progress({ write: (s) => out.push(s), tty: false, intervalSec: 5, epochs: 4, targetsPerEpoch: 40, validHistory: [40], now: () => 0 });
  const epoch = (e: number, validPpl: number) => p.record({ kind: 'epoch', epoch: e, step: e, trainLoss: 1, validPpl, validTokens: 9, lr: 0.1, bestValidPpl: 1, decayed: false });
  epoch(2, 20);
  epoch(3, 10);
  epoch(4, 30);
  t.equal(out[0], 'epoch 2/4 done: step 2, train loss 1 (ppl 2.7183), valid ppl 20 █▁, elapsed 0s\n');
  t.equal(out[2], 'epoch 4/4 done: step 4, train loss 1 (ppl 2.7183), valid ppl 30 █▃▁▆, elapsed 0s\n');
});
