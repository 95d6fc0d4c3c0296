/**
 * The training curve an export carries (`metrics.json`), from the JSON lines
 * `train-stream --metrics FILE` writes (src/train: `kind: 'step'` and
 * `kind: 'epoch'` records), and its SVG picture. Pure logic (the browser page
 * draws it too).
 *
 * Memory: `CurveBuilder` holds at most `maxPoints` step points: when full it
 * merges neighbours pairwise (token-weighted mean loss), so a run of any
 * length gives a curve of bounded size.
 */

export interface Curve {
  /** [step, mean training loss in nats over the steps merged into the point] */
  train: [number, number][];
  /** one per epoch with a validation set: [step, validation perplexity] */
  valid: [number, number][];
}

export class CurveBuilder {
  private pts: { step: number; nats: number; tokens: number }[] = [];
  private group = 1;
  private acc = { step: 0, nats: 0, tokens: 0, n: 0 };
  readonly valid: [number, number][] = [];

  constructor(readonly maxPoints = 512) {
    if (!(maxPoints >= 2)) throw new Error('maxPoints must be at least 2');
  }

  /** one metrics record (other kinds and malformed records are ignored) */
  add(rec: unknown): void {
    const r = rec as Record<string, unknown>;
    if (!r || typeof r !== 'object') return;
    if (r.kind === 'step' && typeof r.step === 'number' && typeof r.loss === 'number' && Number.isFinite(r.loss)) {
      const tokens = typeof r.tokens === 'number' && r.tokens > 0 ? r.tokens : 1;
      const a = this.acc;
      a.step = r.step;
      a.nats += r.loss * tokens;
      a.tokens += tokens;
      if (++a.n >= this.group) this.flush();
    } else if (r.kind === 'epoch' && typeof r.step === 'number' && typeof r.validPpl === 'number' && Number.isFinite(r.validPpl)) {
      this.valid.push([r.step, r.validPpl]);
    }
  }

  private flush(): void {
    const a = this.acc;
    if (a.n === 0) return;
    this.pts.push({ step: a.step, nats: a.nats, tokens: a.tokens });
    this.acc = { step: 0, nats: 0, tokens: 0, n: 0 };
    if (this.pts.length >= this.maxPoints) {
      const merged: typeof this.pts = [];
      for (let i = 0; i < this.pts.length; i += 2) {
        const p = this.pts[i];
        const q = this.pts[i + 1];
        merged.push(q ? { step: q.step, nats: p.nats + q.nats, tokens: p.tokens + q.tokens } : p);
      }
      this.pts = merged;
      this.group *= 2;
    }
  }

  curve(): Curve {
    this.flush();
    return { train: this.pts.map((p) => [p.step, p.nats / p.tokens]), valid: this.valid.slice() };
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

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * A small line chart (SVG text) of perplexity against steps: training
 * perplexity exp(loss) as a line, validation perplexity as dots, log-scaled
 * y axis. Empty curves give a chart that says so.
 */
export function curveSvg(c: Curve, width = 480, height = 200): string {
  const pts = [...c.train.map(([s, l]) => [s, Math.exp(l)] as [number, number]), ...c.valid];
  const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="training curve">`;
  if (pts.length === 0) return `${head}<text x="10" y="20" font-size="12" fill="#666">no training metrics</text></svg>`;
  const L = 48, R = 10, T = 10, B = 28;
  const x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
  const ly = pts.map((p) => Math.log(Math.max(p[1], 1e-9)));
  const y0 = Math.min(...ly), y1 = Math.max(...ly);
  const sx = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (width - L - R);
  const sy = (p: number) => height - B - ((Math.log(Math.max(p, 1e-9)) - y0) / (y1 - y0 || 1)) * (height - T - B);
  const f = (v: number) => v.toFixed(1);
  const line = c.train.map(([s, l], i) => `${i ? 'L' : 'M'}${f(sx(s))},${f(sy(Math.exp(l)))}`).join('');
  const dots = c.valid.map(([s, p]) => `<circle cx="${f(sx(s))}" cy="${f(sy(p))}" r="3" fill="#d95f02"/>`).join('');
  const lab = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const axes = `<path d="M${L},${T}V${height - B}H${width - R}" fill="none" stroke="#999"/>` +
    `<text x="${L - 4}" y="${T + 10}" font-size="10" text-anchor="end">${esc(lab(Math.exp(y1)))}</text>` +
    `<text x="${L - 4}" y="${height - B}" font-size="10" text-anchor="end">${esc(lab(Math.exp(y0)))}</text>` +
    `<text x="${L}" y="${height - 8}" font-size="10">step ${x0}</text>` +
    `<text x="${width - R}" y="${height - 8}" font-size="10" text-anchor="end">${x1}</text>` +
    `<text x="${(L + width) / 2}" y="${height - 8}" font-size="10" text-anchor="middle">perplexity: train (line), valid (dots)</text>`;
  return `${head}${axes}${line ? `<path d="${line}" fill="none" stroke="#1b9e77" stroke-width="1.5"/>` : ''}${dots}</svg>`;
}
