import t from 'tap';
import { afterValidation, bestOf, budgetSpent, parseDuration, type SchedulePolicy, type ValidPoint } from '../src/train/schedule.js';

const policy = (o: Partial<SchedulePolicy> = {}): SchedulePolicy => ({ lrDecay: 2, patience: Infinity, timeBudget: Infinity, ...o });

/** Replays a sequence of validation perplexities through the schedule. */
function replay(ppls: number[], p: SchedulePolicy, lr = 1) {
  const history: ValidPoint[] = [];
  const out = [];
  for (let i = 0; i < ppls.length; i++) {
    const d = afterValidation(history, i + 1, ppls[i], lr, p);
    out.push(d);
    lr = d.lr;
    history.push({ epoch: i + 1, ppl: ppls[i], lr });
    if (d.stop) break;
  }
  return out;
}

t.test('the first validation is a best; the lr is divided by lrDecay when not strictly better', async (t) => {
  const d = replay([10, 8, 8, 9, 7], policy());
  t.same(d.map((x) => x.improved), [true, true, false, false, true]);
  t.same(d.map((x) => x.lr), [1, 1, 0.5, 0.25, 0.25]);
  t.same(d.map((x) => x.decayed), [false, false, true, true, false]);
  t.same(d.map((x) => x.bestEpoch), [1, 2, 2, 2, 5]);
  t.same(d.map((x) => x.bestPpl), [10, 8, 8, 8, 7]);
  t.same(d.map((x) => x.badEpochs), [0, 0, 1, 2, 0]);
  t.same(d.map((x) => x.stop), [false, false, false, false, false], 'no patience: never stops');
});

t.test('lrDecay 1 never decays; the ×0.5 of reproduce is lrDecay 2', async (t) => {
  t.same(replay([5, 6, 7], policy({ lrDecay: 1 })).map((x) => x.lr), [1, 1, 1]);
  t.same(replay([5, 6], policy({ lrDecay: 2 }), 0.3).map((x) => x.lr), [0.3, 0.3 * 0.5]);
});

t.test('patience counts epochs in a row without a new best', async (t) => {
  const d = replay([10, 11, 9, 9.5, 9.2, 8], policy({ patience: 2 }));
  t.same(d.map((x) => x.badEpochs), [0, 1, 0, 1, 2]);
  t.equal(d.length, 5, 'stopped at the second bad epoch in a row');
  t.equal(d[4].stop, true);
  t.same(replay([3, 4], policy({ patience: 1 })).map((x) => x.stop), [false, true]);
  // a resumed history decides as the uninterrupted one
  const h: ValidPoint[] = [{ epoch: 1, ppl: 10, lr: 1 }, { epoch: 2, ppl: 11, lr: 0.5 }];
  t.same(afterValidation(h, 3, 12, 0.5, policy({ patience: 2 })), { improved: false, lr: 0.25, decayed: true, bestPpl: 10, bestEpoch: 1, badEpochs: 2, stop: true });
});

t.test('best epoch: the first of equal perplexities; NaN is never a best', async (t) => {
  t.equal(bestOf([]), null);
  t.equal(bestOf([{ epoch: 1, ppl: 5, lr: 1 }, { epoch: 2, ppl: 4, lr: 1 }, { epoch: 3, ppl: 4, lr: 1 }])!.epoch, 2);
  t.equal(afterValidation([{ epoch: 1, ppl: 5, lr: 1 }], 2, NaN, 1, policy()).improved, false);
});

t.test('time budget and durations', async (t) => {
  t.equal(budgetSpent(10, policy({ timeBudget: 10 })), false);
  t.equal(budgetSpent(10.001, policy({ timeBudget: 10 })), true);
  t.equal(budgetSpent(1e12, policy()), false);
  t.equal(parseDuration('90'), 90);
  t.equal(parseDuration('1h30m'), 5400);
  t.equal(parseDuration('2.5m'), 150);
  t.throws(() => parseDuration('3 days'), /not a duration/);
});
