import t from 'tap';
import { spawnSync } from 'node:child_process';
import { promises as fsp, createReadStream } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildArpaFromCorpus } from '../src/ngram/build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist/src/cli/lmstream.js');
const fixture = path.join(root, 'fixtures/train/tiny.txt');

t.test('train --model ngram writes the ARPA file of the n-gram builder', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ngram-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const cases: [string, string[], { katzK?: number }][] = [
    ['mkn', [], {}], ['witten-bell', [], {}], ['kn', [], {}], ['katz', ['--katz-k', '2'], { katzK: 2 }],
  ];
  for (const [smoothing, extra, opts] of cases) {
    const out = path.join(dir, `${smoothing}.arpa`);
    const r = spawnSync(process.execPath, [cli, 'train', '--model', 'ngram', '--order', '3', '--smoothing', smoothing, ...extra, '--out', out],
      { input: await fsp.readFile(fixture), encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout, '');
    t.match(r.stderr, new RegExp(`3-gram ${smoothing} model of 50 tokens written to`));
    const ref = path.join(dir, `${smoothing}.ref.arpa`);
    await buildArpaFromCorpus(createReadStream(fixture), { order: 3, smoothing: smoothing as 'mkn', ...opts, out: ref, warn: () => {} });
    const got = await fsp.readFile(out, 'utf8');
    t.match(got, /^\\data\\\nngram 1=19\n/);
    t.equal(got, await fsp.readFile(ref, 'utf8'), `${smoothing}: identical to buildArpaFromCorpus`);
    if (opts.katzK !== undefined) {
      const k5 = path.join(dir, 'katz5.arpa');
      await buildArpaFromCorpus(createReadStream(fixture), { order: 3, smoothing: 'katz', out: k5, warn: () => {} });
      t.not(got, await fsp.readFile(k5, 'utf8'), '--katz-k 2 is passed on (differs from the default k = 5)');
    }
  }
  const bad = spawnSync(process.execPath, [cli, 'train', '--model', 'ngram', '--order', '3', '--epochs', '2', '--out', path.join(dir, 'x.arpa')], { input: 'a\n', encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--epochs does not apply to --model ngram/);
  const bad2 = spawnSync(process.execPath, [cli, 'train', '--model', 'ngram', '--order', '11', '--out', path.join(dir, 'x.arpa')], { input: 'a\n', encoding: 'utf8' });
  t.equal(bad2.status, 2);
  t.match(bad2.stderr, /--order: 11 is above the maximum 10/);
  const bad4 = spawnSync(process.execPath, [cli, 'train', '--model', 'ngram', '--katz-k', '2', '--out', path.join(dir, 'x.arpa')], { input: 'a\n', encoding: 'utf8' });
  t.equal(bad4.status, 2);
  t.match(bad4.stderr, /--katz-k applies to --smoothing katz only/);
  const bad3 = spawnSync(process.execPath, [cli, 'train', '--model', 'lstm', '--smoothing', 'kn', '--out', path.join(dir, 'y')], { input: 'a\n', encoding: 'utf8' });
  t.equal(bad3.status, 2);
  t.match(bad3.stderr, /--smoothing applies to --model ngram only/);
  await t.rejects(fsp.access(path.join(dir, 'x.arpa')));
});

t.test('lmstream eval --model FILE.arpa is lmstream ngram ppl', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ngram-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const arpa = path.join(dir, 'm.arpa');
  await buildArpaFromCorpus(createReadStream(fixture), { order: 3, out: arpa, warn: () => {} });
  const valid = path.join(root, 'fixtures/train/valid.txt');
  for (const mode of ['sentence', 'stream']) {
    const ev = spawnSync(process.execPath, [cli, 'eval', '--model', arpa, '--mode', mode, valid], { encoding: 'utf8' });
    const ppl = spawnSync(process.execPath, [cli, 'ngram', 'ppl', '--model', arpa, '--mode', mode, valid], { encoding: 'utf8' });
    t.equal(ev.status, 0, ev.stderr);
    t.match(ev.stdout, /Perplexity including OOVs:\t[0-9.]+\n/);
    t.equal(ev.stdout, ppl.stdout, mode);
  }
  const bad = spawnSync(process.execPath, [cli, 'eval', '--model', arpa, '--batch', '4', valid], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--batch applies to checkpoint directories, not to ARPA files/);
  // --json: the summary of a checkpoint's eval, for an n-gram model too (test/api-load.ts)
  const js = spawnSync(process.execPath, [cli, 'eval', '--model', arpa, '--json', valid], { encoding: 'utf8' });
  t.equal(js.status, 0, js.stderr);
  t.same(Object.keys(JSON.parse(js.stdout)), ['perplexity', 'tokens', 'oov', 'nats']);
});
