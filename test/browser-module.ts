import t from 'tap';
import { mkdtempSync, rmSync, readFileSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportTfjsLayers } from '../src/export/export.js';
import { makeCheckpoint, type FixtureOptions } from './helpers/export-fixture.js';
import { lmstream, root } from './helpers/cli.js';

// the built bundle (npm run build: pipelines/web/build.mjs)
const bundle = path.join(root, 'dist/browser/lmstream.js');
type Bundle = typeof import('../src/browser/index.js');

const dir = mkdtempSync(path.join(tmpdir(), 'lmstream-browser-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** fetch over a directory, as the page's fetch over `lmstream web` */
const fileFetch = (base: string) => async (url: string) => {
  const f = path.join(base, url);
  try {
    const b = await fsp.readFile(f);
    return { ok: true, status: 200, json: async () => JSON.parse(b.toString('utf8')), arrayBuffer: async () => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
  } catch {
    return { ok: false, status: 404, json: async () => null, arrayBuffer: async () => new ArrayBuffer(0) };
  }
};

t.test('the bundle is one ES module with no Node imports or globals', async (t) => {
  const text = readFileSync(bundle, 'utf8');
  t.notMatch(text, /from\s*["']node:|import\(["']node:|require\(/);
  t.notMatch(text, /\bprocess\.(env|stdout|argv)|\bBuffer\./);
  t.notMatch(text, /@tensorflow/);
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  t.equal(pkg.exports['.'].browser, './dist/browser/lmstream.js', 'the package exports it under the browser condition');
});

const CASES: [string, FixtureOptions, string[]][] = [
  ['char lstm, stream mode', { arch: 'lstm', hidden: 16, scale: 1.5, eosBias: -30 }, ['--seed', '7', '--max-tokens', '200', '--temperature', '0.9']],
  ['char lstm, prompt and top-p', { arch: 'lstm', hidden: 16, scale: 1.5, eosBias: -30 }, ['--seed', '3', '--max-tokens', '120', '--prompt', 'ab c', '--top-p', '0.9']],
  ['word gru class softmax, sentence mode', { arch: 'gru', softmax: 'class', level: 'word', eosBias: -30 }, ['--seed', '11', '--max-tokens', '60', '--prompt', 'the cat ', '--top-k', '5']],
  ['word mlp, greedy', { arch: 'mlp', level: 'word', direct: true }, ['--greedy', '--max-tokens', '30', '--prompt', 'the']],
  ['word rnn, no echo', { arch: 'rnn', level: 'word', eosBias: -30 }, ['--seed', '2', '--max-tokens', '50', '--no-echo', '--prompt', 'dog on']],
];

for (const [name, o, args] of CASES) {
  t.test(`same text as lmstream generate: ${name}`, async (t) => {
    const ck = path.join(dir, name.replace(/\W+/g, '-'));
    const out = ck + '-web';
    const { model } = await makeCheckpoint(ck, o);
    model.dispose();
    await exportTfjsLayers(ck, out);
    const node = lmstream(['generate', '--model', ck, ...args]);
    t.equal(node.code, 0, node.stderr);
    const b = (await import(pathToFileURL(bundle).href)) as Bundle;
    const m = await b.loadExport('', fileFetch(out));
    const opt = (k: string) => { const i = args.indexOf(k); return i < 0 ? undefined : args[i + 1]; };
    const num = (k: string) => (opt(k) === undefined ? undefined : Number(opt(k)));
    const g = m.generate({
      prompt: opt('--prompt'), seed: num('--seed'), maxTokens: num('--max-tokens'), temperature: num('--temperature'),
      topP: num('--top-p'), topK: num('--top-k'), greedy: args.includes('--greedy'), echo: !args.includes('--no-echo'),
    });
    let text = g.echo;
    for (let c; (c = g.next()) !== null; ) text += c.text;
    t.equal(text + '\n', node.stdout, 'browser module text = lmstream generate stdout');
    if (o.eosBias) t.equal(g.count, Number(opt('--max-tokens')), 'all the tokens asked for');
    else t.equal(g.stopReason, 'eos', 'ended at </s>');
  });
}

t.test('loadExport reports a missing file by URL', async (t) => {
  const b = (await import(pathToFileURL(bundle).href)) as Bundle;
  await t.rejects(b.loadExport('nowhere/', fileFetch(dir)), /nowhere\/lmstream\.json: HTTP 404/);
});

t.test('n-gram models in the browser module: ARPA and binary, the same text as lmstream generate', async (t) => {
  const b = (await import(pathToFileURL(bundle).href)) as Bundle;
  const corpus = path.join(root, 'fixtures/ngram/tiny.txt');
  const arpa = path.join(dir, 'tiny.arpa');
  const bin = path.join(dir, 'tiny.lmb');
  const built = lmstream(['ngram', 'build', '--order', '3', '--arpa', arpa, '--binary', bin, corpus]);
  t.equal(built.code, 0, built.stderr);
  for (const [file, args] of [
    [arpa, ['--seed', '4', '--count', '1', '--max-tokens', '40', '--temperature', '1.2']],
    [bin, ['--seed', '5', '--max-tokens', '40', '--prompt', 'the']],
    [arpa, ['--seed', '6', '--max-tokens', '30', '--mode', 'stream', '--top-k', '4']],
  ] as const) {
    const node = lmstream(['generate', '--model', file, ...args]);
    t.equal(node.code, 0, node.stderr);
    const opt = (k: string) => { const i = args.indexOf(k as never); return i < 0 ? undefined : args[i + 1]; };
    const num = (k: string) => (opt(k) === undefined ? undefined : Number(opt(k)));
    const m = await b.loadNgram(path.basename(file), { fetch: fileFetch(dir), mode: opt('--mode') as 'stream' | undefined });
    const g = m.generate({ prompt: opt('--prompt'), seed: num('--seed'), maxTokens: num('--max-tokens'), temperature: num('--temperature'), topK: num('--top-k') });
    let text = g.echo;
    for (let c; (c = g.next()) !== null; ) text += c.text;
    t.equal(text + '\n', node.stdout, `${path.basename(file)} ${args.join(' ')}`);
    t.equal(g.count, (node.stdout.match(/\S+/g) ?? []).length - (opt('--prompt') ? 1 : 0), 'one token per word printed');
  }
});
