/**
 * progress: elapsed time and an ETA for every long job, on stderr.
 *
 * - `ProgressMeter`: any job that counts units of work (bytes read, tokens
 *   scored, n-grams written) towards a known total, or towards an unknown one
 *   (then elapsed time and rate, no ETA). When the count has no known total
 *   but the input's size is known (tokens read from files), the fraction and
 *   the ETA come from the input bytes read (`bytes`, `addBytes`); a time
 *   budget (`deadlineSec`) caps the ETA. Jobs that print their own lines use
 *   `timing()` ("elapsed 12s, ETA 3m05s").
 * - `Progress`: training (a sink for the run's step and epoch records), with
 *   the epoch, loss and learning rate; the ETA counts the remaining epochs;
 *   each epoch's line ends with a sparkline of the validation perplexities so
 *   far (`▇▅▃▂`), so the last one shows the whole run.
 *
 * Both draw, on a TTY, one bar line redrawn in place (at most 5 times a
 * second) that `clear()` removes before other messages; otherwise a plain line
 * at the first update and then every `intervalSec` seconds. The ETA is the
 * remaining work at the average rate since the meter started (shown once at
 * least 1 s has passed and some work is done). Neither is a stream stage:
 * call sites feed them (`update`/`add`, `record`).
 */
import type { StepMetrics } from './trainer.js';
import type { EpochMetrics } from './run.js';
import { sparkline } from '../plot/sparkline.js';

/** `12s`, `3m05s`, `1h02m` (`?` for a non-finite or negative value). */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(sec / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Seconds left for `total` units when `done` are done, at the average rate of
 * the work since the start (`startDone` units were done already then, e.g. on
 * resume). Undefined until it can be estimated (less than 1 s or no work).
 */
export function etaSeconds(done: number, total: number, elapsedSec: number, startDone = 0): number | undefined {
  const progressed = done - startDone;
  if (!(elapsedSec >= 1) || !(progressed > 0) || !(total > 0)) return undefined;
  return Math.max(0, ((total - done) * elapsedSec) / progressed);
}

/** A count with a k/M/G suffix: `950`, `12.3k`, `4.56M`. */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  for (const [d, u] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (a >= d) return `${Number((n / d).toPrecision(3))}${u}`;
  }
  return String(n);
}

function bar(frac: number, w = 20): string {
  const fill = Math.round(Math.min(1, Math.max(0, frac)) * w);
  return `[${'#'.repeat(fill)}${'.'.repeat(w - fill)}]`;
}

export interface MeterOptions {
  /** what is running, e.g. `eval: scoring` */
  label: string;
  /** units in all (undefined or 0: unknown, no bar and no ETA) */
  total?: number;
  /** the unit, e.g. `tokens`, `bytes` */
  unit?: string;
  /** default: stderr */
  write?: (s: string) => void;
  /** default: stderr is a TTY */
  tty?: boolean;
  /** seconds between plain lines (default 10) */
  intervalSec?: number;
  /** seconds before the first plain line (default 0: at the first update); a job that ends sooner prints none */
  firstLineSec?: number;
  /** units already done when the meter starts (resume) */
  start?: number;
  /**
   * the input's size in bytes, when the units have no known total (e.g.
   * tokens of files): the fraction and the ETA follow the bytes read, told by
   * `addBytes` (e.g. openInput's `onBytes`). Ignored when `total` is given.
   */
  bytes?: number;
  /** seconds after the start at which the job stops anyway (a time budget): caps the ETA */
  deadlineSec?: number;
  now?: () => number;
}

/**
 * Progress of one job towards a total: `update(done)` or `add(n)` as work is
 * done, `finish()` at the end (prints `LABEL: done, N UNIT in T`).
 */
export class ProgressMeter {
  done: number;
  private last = -Infinity;
  private drawn = false;
  private readonly t0: number;
  private readonly now: () => number;
  private readonly write: (s: string) => void;
  private readonly tty: boolean;
  private readonly start: number;
  /** input bytes read (with the `bytes` option) */
  private bytesRead = 0;

  constructor(private readonly o: MeterOptions) {
    this.now = o.now ?? (() => performance.now());
    this.write = o.write ?? ((s) => process.stderr.write(s));
    this.tty = o.tty ?? process.stderr.isTTY === true;
    this.t0 = this.now();
    this.start = o.start ?? 0;
    this.done = this.start;
  }

  /** seconds since the meter started */
  elapsed(): number {
    return (this.now() - this.t0) / 1000;
  }

  /** the part of the job done, 0..1 (undefined when neither `total` nor `bytes` is known) */
  fraction(): number | undefined {
    if (this.o.total) return Math.min(1, this.done / this.o.total);
    if (this.o.bytes) return Math.min(1, this.bytesRead / this.o.bytes);
    return undefined;
  }

  /** seconds left, when it can be estimated (at most what is left of `deadlineSec`) */
  eta(): number | undefined {
    const el = this.elapsed();
    let eta = this.o.total ? etaSeconds(this.done, this.o.total, el, this.start)
      : this.o.bytes ? etaSeconds(this.bytesRead, this.o.bytes, el) : undefined;
    if (this.o.deadlineSec !== undefined && eta !== undefined) eta = Math.min(eta, Math.max(0, this.o.deadlineSec - el));
    return eta;
  }

  /** `elapsed 12s` or `elapsed 12s, ETA 3m05s`: for jobs that print their own lines */
  timing(): string {
    const eta = this.eta();
    return `elapsed ${formatDuration(this.elapsed())}${eta === undefined ? '' : `, ETA ${formatDuration(eta)}`}`;
  }

  /** the status text (without bar or line end) */
  text(): string {
    const unit = this.o.unit ? ` ${this.o.unit}` : '';
    const el = this.elapsed();
    const parts: string[] = [];
    const rate = () => { if (el >= 1) parts.push(`${formatCount((this.done - this.start) / el)}${unit}/s`); };
    if (this.o.total) {
      parts.push(`${((100 * Math.min(this.done, this.o.total)) / this.o.total).toFixed(1)}% (${formatCount(this.done)}/${formatCount(this.o.total)}${unit})`);
    } else if (this.o.bytes) {
      parts.push(`${(100 * this.fraction()!).toFixed(1)}% of ${formatCount(this.o.bytes)} bytes`, `${formatCount(this.done)}${unit}`);
      rate();
    } else {
      parts.push(`${formatCount(this.done)}${unit}`);
      rate();
    }
    parts.push(this.timing());
    return `${this.o.label}: ${parts.join(', ')}`;
  }

  update(done: number): void {
    this.done = done;
    this.draw();
  }

  add(n: number): void {
    this.update(this.done + n);
  }

  /** `n` more input bytes read (with the `bytes` option) */
  addBytes(n: number): void {
    this.bytesRead += n;
  }

  private draw(): void {
    const t = this.now();
    if (this.tty) {
      if (t - this.last < 200) return;
      this.last = t;
      const f = this.fraction();
      const pre = f === undefined ? '' : `${bar(f)} `;
      this.write(`\r${pre}${this.text()}\x1b[K`);
      this.drawn = true;
    } else if (t - this.last >= (this.o.intervalSec ?? 10) * 1000 && t - this.t0 >= (this.o.firstLineSec ?? 0) * 1000) {
      this.last = t;
      this.write(this.text() + '\n');
    }
  }

  /** end the bar line (before other messages) */
  clear(): void {
    if (this.drawn) { this.write('\r\x1b[K'); this.drawn = false; }
  }

  /** clear the bar and print the final line: `LABEL: done, N UNIT in T` */
  finish(note = ''): void {
    this.clear();
    const unit = this.o.unit ? ` ${this.o.unit}` : '';
    this.write(`${this.o.label}: done, ${formatCount(this.done)}${unit} in ${formatDuration(this.elapsed())}${note ? `, ${note}` : ''}\n`);
  }
}

export interface ProgressOptions {
  write: (s: string) => void;
  tty: boolean;
  intervalSec: number;
  epochs: number;
  /** prediction targets per epoch (for the percentage) */
  targetsPerEpoch: number;
  /** targets already done in the current epoch when the run starts (resume) */
  startTargets?: number;
  /** validation perplexities of the epochs before (resume), for the sparkline */
  validHistory?: readonly number[];
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
  private readonly t0: number;
  /** targets of the whole run done when this process started (set at the first step) */
  private startDone: number | undefined;
  /** validation perplexity of each epoch seen (resumed runs: `validHistory` first) */
  private readonly validPpls: number[];

  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? (() => performance.now());
    this.t0 = this.now();
    this.epochTargets = o.startTargets ?? 0;
    this.validPpls = [...(o.validHistory ?? [])];
  }

  /** seconds since the progress started */
  elapsed(): number {
    return (this.now() - this.t0) / 1000;
  }

  private line(r: StepMetrics): string {
    const T = this.o.targetsPerEpoch;
    const pct = T > 0 ? Math.min(100, (100 * this.epochTargets) / T) : 0;
    const el = this.elapsed();
    const eta = etaSeconds((r.epoch - 1) * T + Math.min(T, this.epochTargets), this.o.epochs * T, el, this.startDone);
    return `epoch ${r.epoch}/${this.o.epochs} ${pct.toFixed(1)}% step ${r.step} loss ${fmt(r.loss)} ppl ${fmt(r.ppl)} lr ${fmt(r.lr)} ${fmt(r.tokensPerSec, 4)} tok/s` +
      ` elapsed ${formatDuration(el)}${eta === undefined ? '' : ` ETA ${formatDuration(eta)}`}`;
  }

  record(r: StepMetrics | EpochMetrics): void {
    if (r.kind === 'epoch') {
      this.clear();
      if (r.validPpl !== null) this.validPpls.push(r.validPpl);
      // the validation perplexities of the epochs so far, as a sparkline (from 2 epochs on)
      const trend = this.validPpls.length >= 2 ? ` ${sparkline(this.validPpls)}` : '';
      const valid = r.validPpl === null ? '' : `, valid ppl ${fmt(r.validPpl, 4)}${trend}${r.decayed ? ` (no improvement: lr → ${fmt(r.lr)})` : ''}`;
      this.o.write(`epoch ${r.epoch}/${this.o.epochs} done: step ${r.step}, train loss ${fmt(r.trainLoss)} (ppl ${fmt(Math.exp(r.trainLoss), 4)})${valid}, elapsed ${formatDuration(this.elapsed())}\n`);
      this.epochTargets = 0;
      return;
    }
    if (r.epoch !== this.epoch) {
      if (this.epoch !== -1) this.epochTargets = 0;
      this.epoch = r.epoch;
    }
    this.startDone ??= (r.epoch - 1) * this.o.targetsPerEpoch + this.epochTargets;
    this.epochTargets += r.tokens;
    const t = this.now();
    if (this.o.tty) {
      if (t - this.last < 200) return;
      this.last = t;
      const pct = this.o.targetsPerEpoch > 0 ? Math.min(1, this.epochTargets / this.o.targetsPerEpoch) : 0;
      this.o.write(`\r${bar(pct)} ${this.line(r)}\x1b[K`);
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
