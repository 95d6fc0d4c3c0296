/**
 * SVG building blocks for the charts of src/plot (pure functions, no
 * dependencies): linear scales, "nice" tick values, number formatting, text
 * escaping and polyline paths.
 */

/** A linear map from a data domain [d0, d1] to pixels [r0, r1]. */
export interface Scale {
  (v: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
}

export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const f = ((v: number) => r0 + (v - d0) * k) as Scale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

/** Step of about `span / count` rounded to 1, 2 or 5 times a power of ten. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * A domain that covers [min, max], widened outwards to multiples of a nice
 * step, and its tick values (about `count` of them). A zero-width range is
 * widened around its value.
 */
export function niceDomain(min: number, max: number, count = 5): { domain: [number, number]; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) { min = 0; max = 1; }
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const d = min === 0 ? 1 : Math.abs(min) / 2;
    min -= d;
    max += d;
  }
  const step = niceStep(max - min, count);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  const n = Math.round((hi - lo) / step);
  for (let i = 0; i <= n; i++) ticks.push(clean(lo + i * step));
  return { domain: [clean(lo), clean(hi)], ticks };
}

/** drop the floating-point noise of multiples of a decimal step */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/** A tick label: at most 4 significant digits, exponent form for tiny or huge values. */
export function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
  if (a >= 1e4) return (v / 1000).toFixed(a >= 1e5 ? 0 : 1).replace(/\.0$/, '') + 'k';
  return String(Number(v.toPrecision(4)));
}

/** A coordinate with at most 2 decimals (compact SVG). */
export function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** `M x,y L x,y …` through the points (empty string when there are none). */
export function polyline(points: ReadonlyArray<readonly [number, number]>): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)},${px(y)}`).join(' ');
}
