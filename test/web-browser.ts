// The page in a real headless browser: Debian's chromium (apt; .ci/run installs
// it when missing) driven by puppeteer-core, which never downloads a browser.
import t from 'tap';
import { mkdtempSync, rmSync, statSync, copyFileSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { exportTfjsLayers } from '../src/export/export.js';
import { startWebServer, type WebServer } from '../src/export/web-server.js';
import { makeCheckpoint } from './helpers/export-fixture.js';
import { lmstream, root } from './helpers/cli.js';

const CHROMIUM = process.env.LMSTREAM_CHROMIUM ?? '/usr/bin/chromium';
const dir = mkdtempSync(path.join(tmpdir(), 'lmstream-page-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

let browser: Browser;
let web: WebServer;
const ck = path.join(dir, 'ck');
const out = path.join(dir, 'web');

t.before(async () => {
  const { model } = await makeCheckpoint(ck, { arch: 'lstm', hidden: 24, scale: 1.5, eosBias: -30 });
  model.dispose();
  const metrics = path.join(dir, 'metrics.jsonl');
  const lines = [];
  for (let s = 1; s <= 300; s++) lines.push(JSON.stringify({ kind: 'step', step: s, loss: 2.2 * Math.exp(-s / 80) + 0.9, tokens: 64 }));
  for (let e = 1; e <= 3; e++) lines.push(JSON.stringify({ kind: 'epoch', epoch: e, step: e * 100, validPpl: Math.exp(2.2 * Math.exp(-e * 100 / 80) + 1) }));
  await fsp.writeFile(metrics, lines.join('\n') + '\n');
  await exportTfjsLayers(ck, out, { metricsFile: metrics });
  web = await startWebServer({ modelDir: out, pageDir: path.join(root, 'pipelines/web'), moduleFile: path.join(root, 'dist/browser/lmstream.js'), port: 0 });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
});
t.teardown(async () => {
  await browser?.close();
  await web?.close();
});

function nodeText(args: string[]): string {
  const r = lmstream(['generate', '--model', ck, ...args]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.replace(/\n$/, '');
}

t.test('the page generates as it opens, the same text as lmstream generate, no console errors', async (t) => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 720 });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') errors.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${(e as Error).message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });

  await page.goto(`${web.url}?seed=5&temperature=0.9&top_p=0.95&max_tokens=200&prompt=ab%20c`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 20_000 });
  t.equal(await page.$eval('body', (b) => b.dataset.state), 'done', await page.$eval('#status', (s) => s.textContent ?? ''));
  const run = await page.evaluate(() => (window as unknown as { lmstreamRun: { text: string; tokens: number; products: string } }).lmstreamRun);
  // the server's Content-Security-Policy must let the page compile the wasm kernel (else plain JS, ~5× slower)
  t.equal(run.products, 'wasm', 'the page multiplies with the wasm SIMD kernel');
  t.match(await page.$eval('#details', (d) => d.textContent), /runs onWebAssembly SIMD/);
  const shown = await page.$eval('#output', (o) => o.textContent);
  const want = nodeText(['--seed', '5', '--temperature', '0.9', '--top-p', '0.95', '--max-tokens', '200', '--prompt', 'ab c']);
  t.equal(run.tokens, 200);
  t.equal(shown, want, 'the page shows the text of lmstream generate');
  t.equal(run.text, want);
  const svg = await page.$eval('#curve', (c) => c.innerHTML);
  t.match(svg, /<svg[^]*<path class="train-loss" d="M/, 'training curve drawn');
  t.equal(svg.match(/<circle class="valid-point"/g)?.length, 3, 'one validation point per epoch');
  t.match(await page.$eval('#model', (c) => c.textContent), /lstm \(1×H=24, E=6\), char level, V=12/);

  // the controls: another seed and temperature through the form
  await page.$eval('#seed', (e) => { (e as HTMLInputElement).value = '9'; });
  await page.$eval('#temperature', (e) => { (e as HTMLInputElement).value = '1.3'; });
  await page.$eval('#prompt', (e) => { (e as HTMLTextAreaElement).value = ''; });
  await page.$eval('#top_p', (e) => { (e as HTMLInputElement).value = '1'; });
  await page.click('#go');
  await page.waitForFunction(() => document.body.dataset.state === 'done' && (window as unknown as { lmstreamRun: { settings: { seed: number } } }).lmstreamRun.settings.seed === 9, { timeout: 20_000 });
  t.equal(await page.$eval('#output', (o) => o.textContent), nodeText(['--seed', '9', '--temperature', '1.3', '--max-tokens', '200']), 'form settings: same text as Node');
  t.match(page.url(), /seed=9/, 'the URL keeps the settings');

  const shot = path.join(dir, 'page.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.ok(statSync(shot).size > 10_000, 'screenshot written');
  if (process.env.LMSTREAM_SCREENSHOT) copyFileSync(shot, process.env.LMSTREAM_SCREENSHOT);
  t.same(errors, [], 'no console errors, failed requests or HTTP errors');
  await page.close();
});

t.test('an n-gram model (binary and ARPA) in the page: the text of lmstream generate', async (t) => {
  const corpus = path.join(dir, 'corpus.txt');
  const lines = ['the cat sat on the mat', 'the dog sat on the log', 'a cat and a dog sat', 'the mat is on the log'];
  await fsp.writeFile(corpus, lines.join('\n') + '\n');
  const lmb = path.join(dir, 'lm.lmb');
  const arpa = path.join(dir, 'lm.arpa');
  const b = lmstream(['ngram', 'build', '--order', '3', '--smoothing', 'witten-bell', '--quiet', '--binary', lmb, '--arpa', arpa, corpus]);
  t.equal(b.code, 0, b.stderr);
  for (const file of [lmb, arpa]) {
    const w = await startWebServer({ ngramFile: file, pageDir: path.join(root, 'pipelines/web'), moduleFile: path.join(root, 'dist/browser/lmstream.js'), port: 0 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') errors.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`page error: ${(e as Error).message}`));
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
    try {
      for (const seed of [3, 11]) {
        await page.goto(`${w.url}?seed=${seed}&max_tokens=40&prompt=the`, { waitUntil: 'load' });
        await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 20_000 });
        t.equal(await page.$eval('body', (x) => x.dataset.state), 'done', await page.$eval('#status', (s) => s.textContent ?? ''));
        const r = lmstream(['generate', '--model', file, '--seed', String(seed), '--max-tokens', '40', '--prompt', 'the']);
        t.equal(r.code, 0, r.stderr);
        t.equal(await page.$eval('#output', (o) => o.textContent), r.stdout.replace(/\n$/, ''), `${path.basename(file)}, seed ${seed}: the text of lmstream generate`);
      }
      t.match(await page.$eval('#model', (c) => c.textContent), /^3-gram, word level, V=\d+$/);
      t.equal(await page.$eval('#curve', (c) => (c.closest('.panel') as HTMLElement).hidden), true, 'no training curve panel');
      t.same(errors, [], 'no console errors or failed requests');
    } finally {
      await page.close();
      await w.close();
    }
  }
});
