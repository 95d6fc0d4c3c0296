/**
 * Benchmark (not a test) of the classic smoothings (src/ngram/smoothing):
 * build time, scoring speed (logProb per second), nextDistribution time per
 * call (|V| ≈ 17.5k) and the test perplexity of each method, on the
 * Brown/Bengio split of ../shared/reference/brown-bengio (train 800k tokens,
 * test 161k), as one stream `<s> … </s>` like KenLM's one-line runs.
 * Perplexity is over the tokens with a non-zero probability (SRILM's
 * convention for `zeroprobs`); their number is printed beside it. For
 * stupid back-off the "perplexity" is of scores, not probabilities.
 *
 *   node dist/pipelines/bench/bench-smoothing.js [--order N] [--delta D]
 *
 * Counting here is a plain in-memory sort (benchmark-only); the timed parts
 * are buildSmoothed, logProb and nextDistribution. Output: a table on stdout
 * and one JSON line per method.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Vocabulary } from '../../src/vocab/vocabulary.js';
import type { CountTable, NgramCounts } from '../../src/ngram/api.js';
import { buildSmoothed, CLASSIC_SMOOTHINGS } from '../../src/ngram/smoothing/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
const dir = path.resolve(root, '../shared/reference/brown-bengio');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function countStream(ids: Uint32Array, order: number): CountTable[] {
  const tables: CountTable[] = [];
  for (let k = 1; k <= order; k++) {
    const n = ids.length - k + 1;
    const pos = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => {
      for (let q = 0; q < k; q++) {
        const d = ids[a + q] - ids[b + q];
        if (d) return d;
      }
      return 0;
    });
    const out: number[] = [];
    const cs: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = pos[i];
      let same = i > 0;
      for (let q = 0; same && q < k; q++) same = ids[pos[i - 1] + q] === ids[p + q];
      if (same) cs[cs.length - 1]++;
      else {
        for (let q = 0; q < k; q++) out.push(ids[p + q]);
        cs.push(1);
      }
    }
    tables.push({ order: k, n: cs.length, ids: Uint32Array.from(out), counts: Float64Array.from(cs) });
  }
  return tables;
}

export async function main(): Promise<number> {
  const order = arg('order', 3);
  const delta = arg('delta', 0.01);
  const tok = (f: string) => readFileSync(path.join(dir, f), 'utf8').split(/\s+/).filter(Boolean);
  const train = tok('train.txt');
  const test = tok('test.txt');
  const tc = new Map<string, number>();
  for (const t of train) tc.set(t, (tc.get(t) ?? 0) + 1);
  for (const t of test) if (!tc.has(t)) tc.set(t, 0);
  const vocab = Vocabulary.fromCounts(tc, { minCount: 0 });
  const ids = Uint32Array.from(['<s>', ...train, '</s>'].map((t) => vocab.id(t)));
  let t0 = performance.now();
  const counts: NgramCounts = { order, vocab, mode: 'stream', tables: countStream(ids, order) };
  process.stderr.write(`bench-smoothing: counted ${counts.tables.map((t) => t.n).join('/')} n-grams in ${((performance.now() - t0) / 1000).toFixed(1)} s, |V| = ${vocab.size}\n`);
  const testIds = [...test.map((t) => vocab.id(t)), vocab.eosId];
  const rows: string[] = [];
  for (const s of CLASSIC_SMOOTHINGS) {
    t0 = performance.now();
    const m = buildSmoothed(counts, s, { delta });
    const buildMs = performance.now() - t0;
    t0 = performance.now();
    let lp = 0;
    let zeros = 0;
    const ctx: number[] = [vocab.bosId];
    for (const w of testIds) {
      const r = m.logProb(ctx.slice(-(order - 1)), w).log10;
      if (r === -Infinity) zeros++;
      else lp += r;
      ctx.push(w);
    }
    const scoreMs = performance.now() - t0;
    const R = 2000;
    let sink = 0;
    t0 = performance.now();
    for (let i = 0; i < R; i++) sink += m.nextDistribution(testIds.slice(i, i + order - 1))[3];
    const distMs = (performance.now() - t0) / R;
    const ppl = 10 ** (-lp / (testIds.length - zeros)); // over the tokens with a probability (SRILM excludes zeroprobs too)
    const r = { smoothing: s, order, buildMs: Math.round(buildMs), logProbPerSec: Math.round(testIds.length / (scoreMs / 1000)), nextDistributionMs: +distMs.toFixed(3), testPpl: +ppl.toFixed(2), zeroProbTokens: zeros, sink: sink > 0 };
    rows.push(`${s.padEnd(15)} ${String(r.buildMs).padStart(7)} ${String(r.logProbPerSec).padStart(10)} ${r.nextDistributionMs.toFixed(3).padStart(8)} ${String(r.testPpl).padStart(10)} ${String(zeros).padStart(6)}`);
    console.log(JSON.stringify(r));
  }
  console.log(`method          build ms  logProb/s  dist ms   test ppl  zeros\n${rows.join('\n')}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().then((c) => process.exit(c), (e) => { process.stderr.write(`bench-smoothing: ${(e as Error).message}\n`); process.exit(1); });
}
