/**
 * Benchmark (not a test): tokens per second of generation from a char LSTM
 * (H = 256, E = 64, V = 98: printable ASCII plus `\s`, `\n`) in headless
 * Chromium (the `lmstream web` page, plain-JS runtime of the export) against
 * `lmstream generate` in Node (its body, writeSamples, in process, on the
 * checkpoint: src/neural with the native matmul when it is built).
 *
 *   node dist/pipelines/bench/bench-web.js [--tokens 200] [--runs 5] [--out DIR]
 *
 * (--out keeps the export there, e.g. for `lmstream web --model DIR`.)
 *
 * Both generate the same `--tokens` tokens with the same seed (the texts are
 * compared); each side's figure is the median of `--runs` timed runs after
 * one warm-up run, model loading excluded (the page's figure is its whole
 * generation loop, DOM updates included). Weights are random (uniform ±0.1,
 * `</s>` made improbable so that every run is `--tokens` long): the speed does
 * not depend on training. Prints a table and one JSON line; needs Debian's
 * chromium at /usr/bin/chromium (or LMSTREAM_CHROMIUM).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';
import { createModel, defaultConfig } from '../../src/neural/index.js';
import type { BaseLM } from '../../src/neural/model-base.js';
import { writeCheckpoint, CONFIG_FORMAT } from '../../src/train/checkpoint.js';
import { Vocabulary } from '../../src/vocab/vocabulary.js';
import { loadForGeneration } from '../../src/generate/load-model.js';
import { writeSamples } from '../../src/generate/write-samples.js';
import { exportTfjsLayers } from '../../src/export/export.js';
import { startWebServer } from '../../src/export/web-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
const { values } = parseArgs({ options: { tokens: { type: 'string', default: '200' }, runs: { type: 'string', default: '5' }, out: { type: 'string' } } });
const N = Number(values.tokens);
const RUNS = Number(values.runs);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const dir = mkdtempSync(path.join(os.tmpdir(), 'lmstream-bench-web-'));
try {
  const chars = ['\\n', '\\s'];
  for (let c = 33; c < 127; c++) chars.push(String.fromCharCode(c));
  const vocab = Vocabulary.fromTokens(chars);
  const config = defaultConfig({ vocabSize: vocab.size, arch: 'lstm', embed: 64, hidden: 256, seed: 1 });
  const model = (await createModel(config)) as BaseLM;
  const w = new Map(model.params.map((p) => [p.name, Float32Array.from(p.data)]));
  w.get('out.b')![vocab.eosId] = -30;
  model.setWeights(w);
  const ck = path.join(dir, 'ck');
  await writeCheckpoint(ck, {
    model, vocab, withCarried: false,
    config: { format: CONFIG_FORMAT, version: 1, model: config, level: 'char', tokenizer: 'char', mode: 'stream',
      training: { epochs: 1, batch: 1, bptt: 1, lrDecay: 1, validFraction: 0, maxTokens: null, checkpointEvery: 0 } },
    state: { runId: 'bench', epoch: 2, batch: 0, step: 0, done: true, lr: config.lr, bestValidPpl: null, validHistory: [],
      data: { trainTokens: 0, trainDocs: 0, trainChecksum: '', validTokens: null, validChecksum: null } } as never,
  });
  model.dispose();
  const out = values.out ?? path.join(dir, 'web');
  await exportTfjsLayers(ck, out);

  // Node: the body of `lmstream generate --model ck --seed 1 --max-tokens N`
  const lm = await loadForGeneration(ck);
  let nodeText = '';
  const nodeTps: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    let text = '';
    const sink = new Writable({ write(c, _e, cb) { text += c; cb(); } });
    const t0 = performance.now();
    await writeSamples(lm.source, sink, { seed: 1, maxTokens: N, level: lm.level, echo: true, promptText: '', promptTokens: [], promptIds: [] });
    const ms = performance.now() - t0;
    if (r > 0) nodeTps.push(N / (ms / 1000));
    nodeText = text.replace(/\n$/, '');
  }
  lm.dispose();

  // headless Chromium: the page of `lmstream web`
  const web = await startWebServer({ modelDir: out, pageDir: path.join(root, 'pipelines/web'), moduleFile: path.join(root, 'dist/browser/lmstream.js'), port: 0 });
  const browser = await puppeteer.launch({ executablePath: process.env.LMSTREAM_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const webTps: number[] = [];
  let webText = '';
  let chromium = '';
  try {
    chromium = await browser.version();
    const page = await browser.newPage();
    for (let r = 0; r <= RUNS; r++) {
      await page.goto(`${web.url}?seed=1&max_tokens=${N}&temperature=1&top_p=1`);
      await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 60_000 });
      const run = await page.evaluate(() => (globalThis as unknown as { lmstreamRun?: { text: string; tokensPerSec: number; tokens: number } }).lmstreamRun);
      if (!run || run.tokens !== N) throw new Error(`page: ${await page.$eval('#status', (s) => s.textContent)}`);
      if (r > 0) webTps.push(run.tokensPerSec);
      webText = run.text;
    }
  } finally {
    await browser.close();
    await web.close();
  }
  const node = median(nodeTps);
  const page = median(webTps);
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`char LSTM H=256 E=64 V=${vocab.size}, ${N} tokens, median of ${RUNS} runs (load average ${load})`);
  console.log(`  lmstream generate (Node ${process.version}):  ${node.toFixed(0)} tokens/s`);
  console.log(`  headless ${chromium} page:  ${page.toFixed(0)} tokens/s  (${((100 * page) / node).toFixed(0)}% of Node)`);
  console.log(`  same text: ${webText === nodeText}`);
  console.log(JSON.stringify({ bench: 'web', tokens: N, runs: RUNS, nodeTokensPerSec: node, pageTokensPerSec: page, ratio: page / node, sameText: webText === nodeText, chromium, loadavg: os.loadavg() }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
