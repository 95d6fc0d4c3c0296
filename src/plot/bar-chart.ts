/**
 * A grouped horizontal bar chart as a standalone SVG (pure function), e.g.
 * the table of `lmstream reproduce` (valid, test and the paper's test
 * perplexity per model).
 *
 * Input: category labels (one group of bars each, top to bottom) and series
 * (one bar per category each; `null` or a non-finite value draws no bar).
 * Output: an SVG document string. Bars start at 0; each bar is labelled with
 * its value. Element classes: `bar` (rect, with `data-series` and
 * `data-category`), `bar-value`, `category`, `x-tick`, `legend`.
 */
import { escapeXml, fmtTick, linearScale, niceDomain, px } from './svg.js';

export interface BarSeries {
  name: string;
  values: ReadonlyArray<number | null>;
}

export interface BarChartOptions {
  title?: string;
  /** label of the value axis */
  unit?: string;
  width?: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#7f7f7f', '#2ca02c', '#d62728', '#9467bd'];

export function barChart(categories: readonly string[], series: readonly BarSeries[], opts: BarChartOptions = {}): string {
  for (const s of series) {
    if (s.values.length !== categories.length) throw new RangeError(`series '${s.name}' has ${s.values.length} values for ${categories.length} categories`);
  }
  const W = opts.width ?? 800;
  const bar = 14;
  const groupGap = 14;
  const groupH = Math.max(1, series.length) * bar + groupGap;
  const labelW = Math.min(320, 20 + 6.5 * Math.max(0, ...categories.map((c) => c.length)));
  const left = labelW + 10;
  const right = 70;
  const top = (opts.title ? 40 : 12) + 24; // title, legend
  const plotH = categories.length * groupH;
  const H = top + plotH + 50;
  const vals = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const xd = niceDomain(0, vals.length ? Math.max(...vals) : 1, 6);
  const x = linearScale(0, xd.domain[1], left, W - right);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  if (opts.title) out.push(`<text class="title" x="${px(W / 2)}" y="24" text-anchor="middle" font-size="15">${escapeXml(opts.title)}</text>`);
  // legend
  let lx = left;
  const ly = top - 18;
  series.forEach((s, i) => {
    out.push(`<g class="legend"><rect x="${px(lx)}" y="${ly - 9}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${px(lx + 17)}" y="${ly + 1}">${escapeXml(s.name)}</text></g>`);
    lx += 40 + 7 * s.name.length;
  });
  for (const t of xd.ticks) {
    if (t < 0) continue;
    out.push(`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${top}" y2="${top + plotH}" stroke="#eee"/>`);
    out.push(`<text class="x-tick" x="${px(x(t))}" y="${top + plotH + 16}" text-anchor="middle">${fmtTick(t)}</text>`);
  }
  categories.forEach((c, ci) => {
    const gy = top + ci * groupH + groupGap / 2;
    out.push(`<text class="category" x="${left - 8}" y="${px(gy + (series.length * bar) / 2 + 4)}" text-anchor="end">${escapeXml(c)}</text>`);
    series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === null || !Number.isFinite(v)) return;
      const y = gy + si * bar;
      out.push(`<rect class="bar" data-series="${escapeXml(s.name)}" data-category="${escapeXml(c)}" x="${left}" y="${px(y)}" width="${px(Math.max(0, x(v) - left))}" height="${bar - 2}" fill="${COLORS[si % COLORS.length]}"/>`);
      out.push(`<text class="bar-value" x="${px(x(v) + 4)}" y="${px(y + bar - 4)}" font-size="10">${fmtTick(v)}</text>`);
    });
  });
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  if (opts.unit) out.push(`<text class="axis-label" x="${px((left + W - right) / 2)}" y="${H - 12}" text-anchor="middle">${escapeXml(opts.unit)}</text>`);
  out.push(`</svg>`);
  return out.join('\n') + '\n';
}
