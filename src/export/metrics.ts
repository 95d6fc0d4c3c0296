/**
 * The training curve an export carries (`metrics.json`), from the JSON lines
 * `train-stream --metrics FILE` writes (src/train: `kind: 'step'` and
 * `kind: 'epoch'` records), and its SVG picture. Pure logic (the browser page
 * draws it too).
 *
 * The collecting and the drawing are src/plot's (MetricsCollector: at most
 * `maxPoints` step points, neighbours merged pairwise with token-weighted
 * mean losses; lossChart), so `lmstream plot`, the export and the page draw
 * the same curves.
 */
import { MetricsCollector } from '../plot/metrics.js';
import { lossChart } from '../plot/loss-chart.js';

export interface Curve {
  /** [step, mean training loss in nats over the steps merged into the point] */
  train: [number, number][];
  /** one per epoch with a validation set: [step, validation perplexity] */
  valid: [number, number][];
}

export class CurveBuilder {
  private readonly c: MetricsCollector;

  constructor(readonly maxPoints = 512) {
    if (!(maxPoints >= 2)) throw new Error('maxPoints must be at least 2');
    this.c = new MetricsCollector(Math.floor(maxPoints / 2));
  }

  /** one metrics record (other kinds and malformed records are ignored) */
  add(rec: unknown): void {
    this.c.add(rec);
  }

  curve(): Curve {
    const s = this.c.result();
    return { train: s.train.map((p) => [p.step, p.loss]), valid: s.valid.map((v) => [v.step, v.ppl]) };
  }
}

/** Curve from the text of a metrics JSON-lines file (bad lines are skipped). */
export function curveFromLines(text: string, maxPoints?: number): Curve {
  const b = new CurveBuilder(maxPoints);
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      b.add(JSON.parse(line));
    } catch {
      // not a record: skipped
    }
  }
  return b.curve();
}

/**
 * The chart (SVG text) of a curve: training and validation loss against
 * steps, perplexity on the right axis (src/plot/loss-chart.ts). Empty curves
 * give a chart that says so.
 */
export function curveSvg(c: Curve, width = 480, height = 200): string {
  return lossChart({
    train: c.train.map(([step, loss]) => ({ step, loss, lr: NaN, n: 1, w: 1 })),
    valid: c.valid.map(([step, ppl]) => ({ step, ppl })),
  }, { width, height });
}
