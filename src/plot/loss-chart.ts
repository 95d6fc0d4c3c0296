/**
 * The training chart: a standalone SVG (no scripts, no external resources) of
 * a run's metrics (pure function: series in, SVG text out).
 *
 * Input: `MetricsSeries` (./metrics.ts). Output: an SVG document string.
 *
 * Layout (all panels share the step axis):
 * - top panel: training loss (nats, per step or bucket of steps) and
 *   validation loss (ln of the validation perplexity, one marker per
 *   evaluation), left axis "loss (nats)"; the right axis labels the same
 *   heights in perplexity (e^loss);
 * - bottom panel: the learning rate (omitted when no step has one).
 *
 * Element classes for readers and tests: `train-loss`, `valid-loss` (paths),
 * `valid-point` (circles), `lr` (path), `x-tick`, `y-tick`, `ppl-tick`,
 * `lr-tick` (tick labels).
 */
import type { MetricsSeries } from './metrics.js';
import { escapeXml, fmtTick, linearScale, niceDomain, polyline, px } from './svg.js';

export interface LossChartOptions {
  title?: string;
  width?: number;
  height?: number;
}

const TRAIN = '#1f77b4';
const VALID = '#d62728';
const LR = '#2ca02c';

/** Perplexity tick values between lo and hi: 1, 2, 5 × powers of ten, finer when the range is narrow. */
export function pplTicks(lo: number, hi: number, max = 8): number[] {
  if (!(hi > lo) || !(lo > 0)) return [];
  for (const mant of [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7], [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]]) {
    const out: number[] = [];
    for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
      for (const m of mant) {
        const v = Number((m * 10 ** p).toPrecision(6));
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    if (out.length >= 3 || mant.length === 12) return out.length > max ? out.filter((_, i) => i % Math.ceil(out.length / max) === 0) : out;
  }
  return [];
}

export function lossChart(series: MetricsSeries, opts: LossChartOptions = {}): string {
  const W = opts.width ?? 800;
  const H = opts.height ?? 520;
  const left = 70;
  const right = 70;
  const top = opts.title ? 50 : 25;
  const hasLr = series.train.some((p) => Number.isFinite(p.lr));
  const lrH = hasLr ? 110 : 0;
  const gap = hasLr ? 45 : 0;
  const bottom = 50;
  const lossTop = top;
  const lossBottom = H - bottom - lrH - gap;
  const lrTop = lossBottom + gap;
  const lrBottom = H - bottom;
  const plotR = W - right;

  const train = series.train;
  const valid = series.valid.filter((v) => v.ppl > 0 && Number.isFinite(v.ppl)).map((v) => ({ step: v.step, loss: Math.log(v.ppl) }));
  const steps = [...train.map((p) => p.step), ...valid.map((v) => v.step)];
  const losses = [...train.map((p) => p.loss), ...valid.map((v) => v.loss)];
  const xd = niceDomain(0, steps.length ? Math.max(...steps) : 1, 8);
  const yd = niceDomain(losses.length ? Math.min(...losses) : 0, losses.length ? Math.max(...losses) : 1, 6);
  const x = linearScale(xd.domain[0], xd.domain[1], left, plotR);
  const y = linearScale(yd.domain[0], yd.domain[1], lossBottom, lossTop);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  if (opts.title) out.push(`<text class="title" x="${px(W / 2)}" y="22" text-anchor="middle" font-size="15">${escapeXml(opts.title)}</text>`);
  if (train.length === 0 && valid.length === 0) {
    out.push(`<text class="empty" x="${px(W / 2)}" y="${px(H / 2)}" text-anchor="middle" fill="#666">no training metrics</text>`, '</svg>');
    return out.join('\n') + '\n';
  }

  // loss panel: grid, ticks, axes
  out.push(`<g class="loss-panel">`);
  for (const t of yd.ticks) {
    out.push(`<line x1="${left}" x2="${plotR}" y1="${px(y(t))}" y2="${px(y(t))}" stroke="#eee"/>`);
    out.push(`<text class="y-tick" x="${left - 6}" y="${px(y(t) + 4)}" text-anchor="end">${fmtTick(t)}</text>`);
  }
  for (const p of pplTicks(Math.exp(yd.domain[0]), Math.exp(yd.domain[1]))) {
    const yy = y(Math.log(p));
    out.push(`<line x1="${plotR}" x2="${plotR + 4}" y1="${px(yy)}" y2="${px(yy)}" stroke="#333"/>`);
    out.push(`<text class="ppl-tick" x="${plotR + 7}" y="${px(yy + 4)}">${fmtTick(p)}</text>`);
  }
  xTicks(out, xd.ticks, x, lossBottom, lossTop, !hasLr);
  out.push(`<rect x="${left}" y="${lossTop}" width="${plotR - left}" height="${lossBottom - lossTop}" fill="none" stroke="#333"/>`);
  out.push(`<text class="axis-label" transform="translate(18,${px((lossTop + lossBottom) / 2)}) rotate(-90)" text-anchor="middle">loss (nats)</text>`);
  out.push(`<text class="axis-label" transform="translate(${W - 14},${px((lossTop + lossBottom) / 2)}) rotate(90)" text-anchor="middle">perplexity</text>`);
  if (train.length) {
    out.push(`<path class="train-loss" d="${polyline(train.map((p) => [x(p.step), y(p.loss)]))}" fill="none" stroke="${TRAIN}" stroke-width="1.2"/>`);
  }
  if (valid.length) {
    out.push(`<path class="valid-loss" d="${polyline(valid.map((v) => [x(v.step), y(v.loss)]))}" fill="none" stroke="${VALID}" stroke-width="2"/>`);
    for (const v of valid) out.push(`<circle class="valid-point" cx="${px(x(v.step))}" cy="${px(y(v.loss))}" r="3.5" fill="${VALID}"/>`);
  }
  // legend
  const lx = plotR - 150;
  out.push(`<g class="legend"><rect x="${lx}" y="${lossTop + 8}" width="140" height="${valid.length ? 44 : 26}" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>`);
  out.push(`<line x1="${lx + 8}" x2="${lx + 30}" y1="${lossTop + 21}" y2="${lossTop + 21}" stroke="${TRAIN}" stroke-width="2"/><text x="${lx + 36}" y="${lossTop + 25}">train</text>`);
  if (valid.length) out.push(`<line x1="${lx + 8}" x2="${lx + 30}" y1="${lossTop + 39}" y2="${lossTop + 39}" stroke="${VALID}" stroke-width="2"/><circle cx="${lx + 19}" cy="${lossTop + 39}" r="3.5" fill="${VALID}"/><text x="${lx + 36}" y="${lossTop + 43}">validation</text>`);
  out.push(`</g></g>`);

  if (hasLr) {
    const lrPts = train.filter((p) => Number.isFinite(p.lr));
    const lrs = lrPts.map((p) => p.lr);
    const ld = niceDomain(Math.min(0, ...lrs), Math.max(...lrs), 3);
    const ly = linearScale(ld.domain[0], ld.domain[1], lrBottom, lrTop);
    out.push(`<g class="lr-panel">`);
    for (const t of ld.ticks) {
      out.push(`<line x1="${left}" x2="${plotR}" y1="${px(ly(t))}" y2="${px(ly(t))}" stroke="#eee"/>`);
      out.push(`<text class="lr-tick" x="${left - 6}" y="${px(ly(t) + 4)}" text-anchor="end">${fmtTick(t)}</text>`);
    }
    xTicks(out, xd.ticks, x, lrBottom, lrTop, true);
    out.push(`<rect x="${left}" y="${lrTop}" width="${plotR - left}" height="${lrBottom - lrTop}" fill="none" stroke="#333"/>`);
    out.push(`<text class="axis-label" transform="translate(18,${px((lrTop + lrBottom) / 2)}) rotate(-90)" text-anchor="middle">learning rate</text>`);
    out.push(`<path class="lr" d="${polyline(lrPts.map((p) => [x(p.step), ly(p.lr)]))}" fill="none" stroke="${LR}" stroke-width="1.5"/>`);
    out.push(`</g>`);
  }
  out.push(`<text class="axis-label" x="${px((left + plotR) / 2)}" y="${H - 12}" text-anchor="middle">step</text>`);
  out.push(`</svg>`);
  return out.join('\n') + '\n';
}

function xTicks(out: string[], ticks: number[], x: (v: number) => number, bottom: number, top: number, labels: boolean): void {
  for (const t of ticks) {
    out.push(`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${top}" y2="${bottom}" stroke="#eee"/>`);
    if (labels) out.push(`<text class="x-tick" x="${px(x(t))}" y="${bottom + 16}" text-anchor="middle">${fmtTick(t)}</text>`);
  }
}
