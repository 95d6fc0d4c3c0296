// src/plot: metrics series (bounded, exact means), the loss chart's SVG
// structure and coordinates, the sparkline, the bar chart, and `lmstream plot`.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { MetricsCollector, parseMetrics } from '../src/plot/metrics.js';
import { lossChart, pplTicks } from '../src/plot/loss-chart.js';
import { sparkline } from '../src/plot/sparkline.js';
import { barChart } from '../src/plot/bar-chart.js';
import { niceDomain, fmtTick } from '../src/plot/svg.js';
import { lmstream } from './helpers/cli.js';

/** the points of an SVG path `M x,y L x,y …` */
function pathPoints(svg: string, cls: string): [number, number][] {
  const m = new RegExp(`<path class="${cls}" d="([^"]*)"`).exec(svg);
  if (!m) return [];
  return m[1].split(' ').map((p) => p.slice(1).split(',').map(Number) as [number, number]);
}
function texts(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]);
}

/** 10 steps (loss 4.9 … 4.0, lr 0.1 then 0.05) and two epochs (valid ppl e^4, e^3) */
function metricsText(): string {
  const lines: string[] = [];
  for (let s = 1; s <= 10; s++) {
    lines.push(JSON.stringify({ kind: 'step', step: s, epoch: s <= 5 ? 1 : 2, batch: 0, loss: 5 - 0.1 * s, ppl: Math.exp(5 - 0.1 * s), lr: s <= 5 ? 0.1 : 0.05, tokens: 10, tokensPerSec: 100, elapsed: s }));
    if (s === 5 || s === 10) {
      lines.push(JSON.stringify({ kind: 'epoch', epoch: s / 5, step: s, trainLoss: 4.5, validPpl: Math.exp(s === 5 ? 4 : 3), validTokens: 50, lr: 0.05, bestValidPpl: 1, decayed: false }));
    }
  }
  return lines.join('\n') + '\n';
}

t.test('parseMetrics: step and validation series; bad JSON names the line', async (t) => {
  const s = parseMetrics(metricsText());
  t.equal(s.train.length, 10);
  t.same(s.train[0], { step: 1, loss: 4.9, lr: 0.1, n: 1, w: 10 });
  t.same(s.valid.map((v) => v.step), [5, 10]);
  t.ok(Math.abs(s.valid[1].ppl - Math.exp(3)) < 1e-9);
  t.throws(() => parseMetrics('{"kind":"step","step":1,"loss":1,"lr":1}\n{oops\n', 'm.jsonl'), /^m\.jsonl:2: not JSON/);
  // non-finite losses and unknown records are skipped
  const d = parseMetrics('{"kind":"step","step":1,"loss":null,"lr":1}\n{"kind":"other","step":2}\n{"kind":"valid","step":3,"ppl":7}\n');
  t.same(d, { train: [], valid: [{ step: 3, ppl: 7 }] });
});

t.test('MetricsCollector keeps at most 2 × maxPoints buckets with exact means', async (t) => {
  const c = new MetricsCollector(4);
  let sumLoss = 0;
  for (let s = 1; s <= 21; s++) {
    const loss = (s * 7) % 5;
    sumLoss += loss;
    c.add({ kind: 'step', step: s, loss, lr: s });
  }
  const r = c.result();
  t.ok(r.train.length <= 8 && r.train.length >= 4, `${r.train.length} buckets`);
  t.equal(r.train.reduce((a, p) => a + p.n, 0), 21, 'every step counted once');
  t.ok(Math.abs(r.train.reduce((a, p) => a + p.step * p.n, 0) - 231) < 1e-9, 'step means weighted by count');
  t.ok(Math.abs(r.train.reduce((a, p) => a + p.loss * p.n, 0) - sumLoss) < 1e-9, 'loss means weighted by count');
  t.same(r.train.slice(0, -1).map((p) => p.n), r.train.slice(0, -1).map(() => 4), 'equal buckets except the newest');
  t.same(r.train[0], { step: 2.5, loss: (2 + 4 + 1 + 3) / 4, lr: 2.5, n: 4, w: 4 });
  // a step's loss counts by its tokens
  const c2 = new MetricsCollector(1);
  for (const [loss, tokens] of [[1, 30], [3, 10], [5, 1]]) c2.add({ kind: 'step', step: 1, loss, lr: 0, tokens });
  t.same(c2.result().train.map((p) => [p.n, p.w, Number(p.loss.toFixed(12))]), [[3, 41, Number((65 / 41).toFixed(12))]]);
});

t.test('lossChart: paths with one point per record at scaled coordinates, axes labelled', async (t) => {
  const svg = lossChart(parseMetrics(metricsText()));
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="800" height="520" viewBox="0 0 800 520"/);
  t.match(svg, /<\/svg>\n$/);
  for (const label of ['loss (nats)', 'perplexity', 'learning rate', 'step']) t.match(svg, `>${label}</text>`);
  // x: 0 … 10 over [70, 730]; loss panel y: 3 … 5 over [315, 25]; lr panel: 0 … 0.1 over [470, 360]
  t.same(texts(svg, 'x-tick'), ['0', '2', '4', '6', '8', '10']);
  t.same(texts(svg, 'y-tick'), ['3', '3.5', '4', '4.5', '5']);
  t.same(texts(svg, 'ppl-tick'), ['30', '50', '70', '100'], 'perplexity ticks within e^3 … e^5');
  const train = pathPoints(svg, 'train-loss');
  t.equal(train.length, 10);
  t.same(train[0], [136, 39.5]);
  t.same(train[9], [730, 170]);
  const valid = pathPoints(svg, 'valid-loss');
  t.same(valid, [[400, 170], [730, 315]]);
  t.equal((svg.match(/<circle class="valid-point"/g) ?? []).length, 2);
  const lr = pathPoints(svg, 'lr');
  t.equal(lr.length, 10);
  t.same(lr[0], [136, 360]);
  t.same(lr[9], [730, 415]);
  t.match(lossChart(parseMetrics(metricsText()), { title: 'a < b & c' }), '>a &lt; b &amp; c</text>', 'the title is escaped');
});

t.test('scales: nice domains, tick labels and perplexity ticks', async (t) => {
  t.same(niceDomain(3, 4.9, 6), { domain: [3, 5], ticks: [3, 3.5, 4, 4.5, 5] });
  t.same(niceDomain(0, 572, 8).ticks, [0, 100, 200, 300, 400, 500, 600]);
  t.same(niceDomain(0.001, 0.001, 3).domain, [0.0005, 0.0015], 'a constant series gets a range around it');
  t.same([0.0005, 12500, 2e6, 0.25].map(fmtTick), ['5e-4', '12.5k', '2e6', '0.25']);
  t.same(pplTicks(7, 90), [10, 20, 50]);
  t.same(pplTicks(11, 19), [12, 15]);
});

t.test('sparkline', async (t) => {
  t.equal(sparkline([5, 4, 3, 2, 1]), '█▇▅▃▁');
  t.equal(sparkline([2, 2]), '▄▄');
  t.equal(sparkline([1, NaN, 3]), '▁ █');
  t.equal(sparkline([]), '');
  t.equal(sparkline([1, 1, 9, 9, 5, 5], 3), '▁█▅', 'groups averaged to the width');
});

t.test('barChart: one bar per value, widths proportional to values, null draws none', async (t) => {
  const svg = barChart(['KN3', 'MLP <9>'], [
    { name: 'valid', values: [300, 250] }, { name: 'test', values: [320, 260] }, { name: 'paper', values: [null, 252] },
  ], { title: 'Brown', unit: 'perplexity' });
  const bars = [...svg.matchAll(/<rect class="bar" data-series="([^"]*)" data-category="([^"]*)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)];
  t.equal(bars.length, 5);
  t.same(bars.map((b) => `${b[1]}/${b[2]}`), ['valid/KN3', 'test/KN3', 'valid/MLP &lt;9&gt;', 'test/MLP &lt;9&gt;', 'paper/MLP &lt;9&gt;']);
  // domain 0 … 400 (nice step 100) over [left, 730]
  const left = Number(bars[0][3]);
  const w = (v: number) => ((730 - left) * v) / 400;
  for (const [b, v] of [[0, 300], [1, 320], [4, 252]] as const) t.ok(Math.abs(Number(bars[b][4]) - w(v)) < 0.01, `bar ${b} width`);
  t.same(texts(svg, 'category'), ['KN3', 'MLP &lt;9&gt;']);
  t.same(texts(svg, 'bar-value'), ['300', '320', '250', '260', '252']);
  t.throws(() => barChart(['a'], [{ name: 's', values: [1, 2] }]), /2 values for 1 categories/);
});

t.test('lmstream plot: file or stdout, one-line errors', async (t) => {
  const dir = t.testdir({ 'm.jsonl': metricsText(), 'bad.jsonl': '{"kind":"step","step":1,"loss":1,"lr":1}\nnot json\n', 'empty.jsonl': '{"kind":"other"}\n' });
  const out = path.join(dir, 'sub', 'loss.svg');
  let r = lmstream(['plot', path.join(dir, 'm.jsonl'), '-o', out]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '');
  t.equal(r.stderr, `plot: ${out} (10 training points, 2 validation points)\n`);
  const svg = readFileSync(out, 'utf8');
  t.equal(pathPoints(svg, 'train-loss').length, 10);
  t.match(svg, '>m.jsonl</text>', 'titled with the file name');
  t.same(readdirSync(path.dirname(out)), ['loss.svg'], 'no temporary file left');
  r = lmstream(['plot', path.join(dir, 'm.jsonl'), '--title', 'run 1']);
  t.equal(r.code, 0);
  t.match(r.stdout, /^<svg [^]*>run 1<\/text>[^]*<\/svg>\n$/);
  r = lmstream(['plot', path.join(dir, 'bad.jsonl'), '-o', path.join(dir, 'bad.svg')]);
  t.equal(r.code, 1);
  t.match(r.stderr, new RegExp(`^lmstream: ${path.join(dir, 'bad.jsonl').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not JSON [^\\n]*\\n$`));
  t.notOk(readdirSync(dir).includes('bad.svg'), 'no output file on error');
  r = lmstream(['plot', path.join(dir, 'empty.jsonl')]);
  t.equal(r.code, 1);
  t.match(r.stderr, /empty\.jsonl: no training records/);
  r = lmstream(['plot', path.join(dir, 'missing.jsonl')]);
  t.equal(r.code, 1);
  t.match(r.stderr, /missing\.jsonl: no such file or directory\n$/);
  r = lmstream(['plot']);
  t.equal(r.code, 2);
});
