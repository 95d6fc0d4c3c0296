/**
 * A one-line text chart of a series (pure function), e.g. validation
 * perplexity per epoch at the end of a training run: `▇▅▃▂▂▁`.
 *
 * Input: numbers (non-finite values print as a space). Output: a string of
 * block characters, one per value, the lowest value `▁` and the highest `█`
 * (all `▄` when every value is equal). More values than `width` are averaged
 * in `width` consecutive groups of near-equal size.
 */
const BLOCKS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], width = 60): string {
  if (!(width >= 1)) throw new RangeError(`width must be at least 1, got ${width}`);
  let v: number[] = values.slice();
  if (v.length > width) {
    const g: number[] = [];
    for (let i = 0; i < width; i++) {
      const a = Math.floor((i * v.length) / width);
      const b = Math.floor(((i + 1) * v.length) / width);
      let s = 0;
      let n = 0;
      for (let j = a; j < b; j++) if (Number.isFinite(v[j])) { s += v[j]; n++; }
      g.push(n ? s / n : NaN);
    }
    v = g;
  }
  const fin = v.filter(Number.isFinite);
  if (fin.length === 0) return ' '.repeat(v.length);
  const lo = Math.min(...fin);
  const hi = Math.max(...fin);
  return v.map((x) => {
    if (!Number.isFinite(x)) return ' ';
    if (hi === lo) return BLOCKS[3];
    return BLOCKS[Math.min(7, Math.floor(((x - lo) / (hi - lo)) * 8))];
  }).join('');
}
