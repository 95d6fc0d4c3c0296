/**
 * Training metrics → the series a loss chart draws (pure logic).
 *
 * Input: the records of a metrics JSON-lines file (`train-stream --metrics`,
 * src/train): step records `{ kind: 'step', step, loss, lr }` and epoch
 * records `{ kind: 'epoch', step, epoch, validPpl }` (also accepted:
 * `{ kind: 'valid' | 'eval', step, ppl }` validation records). Other records
 * are ignored.
 * Output: `MetricsSeries`: training loss and learning rate per step (means of
 * consecutive steps when there are many) and validation perplexity per
 * evaluation.
 *
 * Bounded memory: the step series holds at most 2 × `maxPoints` buckets.
 * When it is full, neighbouring buckets are merged pairwise (loss means
 * weighted by tokens, step and learning-rate means by steps), so every bucket covers the same number of steps
 * (a power of two) except the newest. Validation records are kept (one per
 * evaluation).
 */

export interface StepPoint {
  /** mean step of the bucket */
  step: number;
  /** mean training loss (nats) over the bucket's tokens (steps weighted by their `tokens`, or equally) */
  loss: number;
  /** mean learning rate */
  lr: number;
  /** steps in the bucket */
  n: number;
  /** weight of the loss: tokens of the bucket's steps (1 per step without a token count) */
  w: number;
}

export interface ValidPoint {
  step: number;
  ppl: number;
}

export interface MetricsSeries {
  train: StepPoint[];
  valid: ValidPoint[];
}

export class MetricsCollector {
  private readonly steps: StepPoint[] = [];
  private readonly valid: ValidPoint[] = [];
  /** steps per full bucket */
  private width = 1;
  /** records read, for messages */
  records = 0;

  constructor(readonly maxPoints = 1000) {
    if (!(maxPoints >= 1)) throw new RangeError(`maxPoints must be at least 1, got ${maxPoints}`);
  }

  /** one parsed record */
  add(r: unknown): void {
    this.records++;
    if (r === null || typeof r !== 'object') return;
    const o = r as Record<string, unknown>;
    const step = o.step;
    if (typeof step !== 'number' || !Number.isFinite(step)) return;
    if (o.kind === 'step') {
      const loss = typeof o.loss === 'number' ? o.loss : NaN;
      const lr = typeof o.lr === 'number' ? o.lr : NaN;
      const w = typeof o.tokens === 'number' && o.tokens > 0 ? o.tokens : 1;
      if (!Number.isFinite(loss)) return; // a diverged step has no point on the curve
      this.addStep(step, loss, lr, w);
    } else if (o.kind === 'epoch' && typeof o.validPpl === 'number' && Number.isFinite(o.validPpl)) {
      this.valid.push({ step, ppl: o.validPpl });
    } else if ((o.kind === 'valid' || o.kind === 'eval') && typeof o.ppl === 'number' && Number.isFinite(o.ppl)) {
      this.valid.push({ step, ppl: o.ppl });
    }
  }

  /** one line of the JSON-lines file (blank lines are skipped) */
  addLine(line: string, where = 'line'): void {
    if (line.trim() === '') return;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (e) {
      throw new SyntaxError(`${where}: not JSON (${(e as Error).message})`);
    }
    this.add(r);
  }

  private addStep(step: number, loss: number, lr: number, w: number): void {
    const s = this.steps;
    const last = s[s.length - 1];
    if (last && last.n < this.width) {
      const n = last.n + 1;
      last.step += (step - last.step) / n;
      last.lr += (lr - last.lr) / n;
      last.w += w;
      last.loss += ((loss - last.loss) * w) / last.w;
      last.n = n;
      return;
    }
    s.push({ step, loss, lr, n: 1, w });
    if (s.length >= 2 * this.maxPoints) this.halve();
  }

  private halve(): void {
    const s = this.steps;
    let j = 0;
    for (let i = 0; i < s.length; i += 2) {
      const a = s[i];
      const b = s[i + 1];
      if (!b) { s[j++] = a; break; }
      const n = a.n + b.n;
      const w = a.w + b.w;
      s[j++] = {
        step: (a.step * a.n + b.step * b.n) / n,
        loss: (a.loss * a.w + b.loss * b.w) / w,
        lr: (a.lr * a.n + b.lr * b.n) / n,
        n,
        w,
      };
    }
    s.length = j;
    this.width *= 2;
  }

  result(): MetricsSeries {
    return { train: this.steps.map((p) => ({ ...p })), valid: this.valid.slice() };
  }
}

/** The series of a whole metrics file held as text. */
export function parseMetrics(text: string, source = 'metrics', maxPoints?: number): MetricsSeries {
  const c = new MetricsCollector(maxPoints);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) c.addLine(lines[i], `${source}:${i + 1}`);
  return c.result();
}
