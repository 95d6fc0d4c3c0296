/**
 * schedule: the training policies decided at each epoch end, as pure
 * functions of the validation history (so a resumed run decides exactly as
 * an uninterrupted one). Used by the one training loop (run.ts) for
 * `train-stream` and `reproduce` alike.
 *
 * - learning-rate decay: when the validation perplexity is not below the best
 *   so far, the learning rate is divided by `lrDecay` (1 = never; 2 halves it);
 * - patience: training stops after `patience` epochs in a row without a new
 *   best (Infinity = never);
 * - time budget: training stops when `timeBudget` seconds of training have
 *   passed (checked before each step; the cut epoch is validated);
 * - best weights: the epoch with the lowest validation perplexity (the first
 *   one on ties) is the model the run ends with.
 */

export interface SchedulePolicy {
  /** divide the learning rate by this when validation does not improve (≥ 1; 1 = never) */
  lrDecay: number;
  /** stop after this many epochs without improvement (Infinity = never) */
  patience: number;
  /** seconds of training (over resumes) after which training stops (Infinity = none) */
  timeBudget: number;
}

/** One validation result: the epoch, its perplexity, and the learning rate after the decision. */
export interface ValidPoint {
  epoch: number;
  ppl: number;
  lr: number;
}

export interface ValidDecision {
  /** a new best (strictly lower perplexity, or the first validation) */
  improved: boolean;
  /** the learning rate for the next epoch */
  lr: number;
  decayed: boolean;
  bestPpl: number;
  bestEpoch: number;
  /** epochs in a row without improvement, this one included */
  badEpochs: number;
  /** patience ran out */
  stop: boolean;
}

/** The best validation point of a history (the first of equal ones), or null. */
export function bestOf(history: readonly ValidPoint[]): ValidPoint | null {
  let best: ValidPoint | null = null;
  for (const h of history) if (best === null || h.ppl < best.ppl) best = h;
  return best;
}

/** What to do after validating `epoch` with perplexity `ppl`, trained at learning rate `lr`. */
export function afterValidation(history: readonly ValidPoint[], epoch: number, ppl: number, lr: number, p: SchedulePolicy): ValidDecision {
  const best = bestOf(history);
  const improved = best === null || ppl < best.ppl;
  const decayed = !improved && p.lrDecay > 1;
  let badEpochs = 0;
  if (!improved) {
    badEpochs = 1;
    for (let i = history.length - 1; i >= 0 && history[i] !== best; i--) badEpochs++;
  }
  return {
    improved,
    lr: decayed ? lr / p.lrDecay : lr,
    decayed,
    bestPpl: improved ? ppl : best!.ppl,
    bestEpoch: improved ? epoch : best!.epoch,
    badEpochs,
    stop: badEpochs >= p.patience,
  };
}

/** True once the time budget is spent. */
export function budgetSpent(elapsedSeconds: number, p: SchedulePolicy): boolean {
  return elapsedSeconds > p.timeBudget;
}

/** A time budget: `90` → 90 s; `90s`, `30m`, `2h`, `1h30m` accepted. */
export function parseDuration(s: string): number {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)(h|m|s)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
    end = re.lastIndex;
  }
  if (t === '' || end !== t.length) throw new Error(`'${s}' is not a duration (e.g. 600, 90s, 30m, 2h, 1h30m)`);
  return total;
}
