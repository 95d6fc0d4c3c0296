/**
 * progress: training progress on stderr (a sink for the run's records, not a
 * stream stage). On a TTY, one bar line redrawn in place (at most 5 times a
 * second); otherwise a plain line at the first step and then every
 * `intervalSec` seconds, plus one line per finished epoch in both cases.
 *
 * Input: `StepMetrics` and `EpochMetrics` records (via `record`).
 */
import type { StepMetrics } from './trainer.js';
import type { EpochMetrics } from './run.js';

export interface ProgressOptions {
  write: (s: string) => void;
  tty: boolean;
  intervalSec: number;
  epochs: number;
  /** prediction targets per epoch (for the percentage) */
  targetsPerEpoch: number;
  /** targets already done in the current epoch when the run starts (resume) */
  startTargets?: number;
  now?: () => number;
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  return x.toPrecision(digits + 1).replace(/\.?0+$/, '');
}

export class Progress {
  private last = -Infinity;
  private epochTargets: number;
  private epoch = -1;
  private drawn = false;
  private readonly now: () => number;

  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? (() => performance.now());
    this.epochTargets = o.startTargets ?? 0;
  }

  private line(r: StepMetrics): string {
    const pct = this.o.targetsPerEpoch > 0 ? Math.min(100, (100 * this.epochTargets) / this.o.targetsPerEpoch) : 0;
    return `epoch ${r.epoch}/${this.o.epochs} ${pct.toFixed(1)}% step ${r.step} loss ${fmt(r.loss)} ppl ${fmt(r.ppl)} lr ${fmt(r.lr)} ${fmt(r.tokensPerSec, 4)} tok/s`;
  }

  record(r: StepMetrics | EpochMetrics): void {
    if (r.kind === 'epoch') {
      this.clear();
      const valid = r.validPpl === null ? '' : `, valid ppl ${fmt(r.validPpl, 4)}${r.decayed ? ` (no improvement: lr → ${fmt(r.lr)})` : ''}`;
      this.o.write(`epoch ${r.epoch}/${this.o.epochs} done: step ${r.step}, train loss ${fmt(r.trainLoss)} (ppl ${fmt(Math.exp(r.trainLoss), 4)})${valid}\n`);
      this.epochTargets = 0;
      return;
    }
    if (r.epoch !== this.epoch) {
      if (this.epoch !== -1) this.epochTargets = 0;
      this.epoch = r.epoch;
    }
    this.epochTargets += r.tokens;
    const t = this.now();
    if (this.o.tty) {
      if (t - this.last < 200) return;
      this.last = t;
      const pct = this.o.targetsPerEpoch > 0 ? Math.min(1, this.epochTargets / this.o.targetsPerEpoch) : 0;
      const w = 20;
      const fill = Math.round(pct * w);
      this.o.write(`\r[${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${this.line(r)}\x1b[K`);
      this.drawn = true;
    } else if (t - this.last >= this.o.intervalSec * 1000) {
      this.last = t;
      this.o.write(this.line(r) + '\n');
    }
  }

  /** end the bar line (before other messages) */
  clear(): void {
    if (this.drawn) { this.o.write('\r\x1b[K'); this.drawn = false; }
  }
}
