import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadNgram } from '../src/ngram/load.js';
import { NgramLM } from '../src/ngram/ngram-lm.js';
import { formatLog10 } from '../src/ngram/arpa-write.js';
import { moduleLogger } from './helpers/module-log.js';
import { lmstream, root } from './helpers/cli.js';

const train = path.join(root, 'fixtures/brown/tiny/train.txt');
const test = path.join(root, 'fixtures/brown/tiny/test.txt');

t.test('scoring API: the numbers of ngram ppl, from an ARPA file and a binary model', async (t) => {
  const dir = t.testdir({});
  const arpa = path.join(dir, 'm.arpa');
  const lmb = path.join(dir, 'm.lmb');
  const r = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--arpa', arpa, '--binary', lmb, train]);
  t.equal(r.code, 0, r.stderr);
  const lines = readFileSync(test, 'utf8').split('\n').filter(Boolean).slice(0, 20);
  const cli = lmstream(['ngram', 'ppl', '--per-token', '--model', lmb], lines.join('\n') + '\n');
  t.equal(cli.code, 0, cli.stderr);
  const cliTokens = cli.stdout.split('\n').filter((l) => l.split('\t').length === 3);
  for (const file of [arpa, lmb]) {
    const lm = await loadNgram(file);
    const ours: string[] = [];
    let total = 0;
    let n = 0;
    for (const l of lines) {
      const full = lm.fullScores(l);
      for (const s of full) ours.push(`${s.token}\t${formatLog10(s.log10)}\t${s.ngramLength}`);
      const sc = lm.score(l);
      t.equal(sc, full.reduce((a, s) => a + s.log10, 0));
      t.equal(lm.perplexity(l), Math.pow(10, -sc / full.length));
      total += sc;
      n += full.length;
    }
    t.same(ours, cliTokens, `${path.basename(file)}: per-token scores equal ngram ppl --per-token`);
    t.match(cli.stdout, `Perplexity including OOVs:\t${Math.pow(10, -total / n).toFixed(4)}\n`);
    // OOV flag, options
    const full = lm.fullScores(['the', 'qqqzzz']);
    t.same(full.map((s) => [s.token, s.oov]), [['the', false], ['qqqzzz', true], ['</s>', false]]);
    const v = lm.model.vocab;
    t.equal(lm.score('the jury', { bos: false, eos: false }),
      lm.model.logProb([], v.id('the')).log10 + lm.model.logProb([v.id('the')], v.id('jury')).log10);
    t.equal(lm.fullScores('the jury', { eos: false }).length, 2);
    // next: the k largest of P(w | <s> the), <s> excluded, most probable first
    const next = lm.next('the', 5);
    t.equal(next.length, 5);
    const all = v.tokens.map((tok, w) => ({ tok, p: w === v.bosId ? -Infinity : lm.model.logProb([v.bosId, v.id('the')], w).log10 }))
      .filter((x) => Number.isFinite(x.p)).sort((a, b) => b.p - a.p || (a.tok < b.tok ? -1 : 1));
    t.same(next.map((w) => w.token), all.slice(0, 5).map((x) => x.tok));
    t.same(next.map((w) => w.log10), all.slice(0, 5).map((x) => x.p));
    t.equal(lm.next('the', 0).length, 0);
  }
  // bytes in, e.g. in a browser
  const fromBytes = NgramLM.fromBinary(new Uint8Array(readFileSync(lmb)));
  t.equal(fromBytes.score(lines[0]), (await loadNgram(arpa)).score(lines[0]));
});

t.test("importing lmstream and scoring with an n-gram model loads no TensorFlow.js module", async (t) => {
  const dir = t.testdir({});
  const lmb = path.join(dir, 'm.lmb');
  t.equal(lmstream(['ngram', 'build', '--order', '2', '--quiet', '--binary', lmb, train]).code, 0);
  const index = path.join(root, 'dist/src/index.js');
  const logged = moduleLogger(dir);
  const run = (code: string) => {
    const r = logged(code);
    t.equal(r.status, 0, r.err);
    return r;
  };
  const light = run(`const lm = await import(${JSON.stringify(index)});
const m = await lm.loadNgram(${JSON.stringify(lmb)});
console.log(m.score('the jury said').toFixed(4));
const data = await import(${JSON.stringify(path.join(root, 'dist/src/ngram/hashed-model.js'))});
`);
  t.match(light.out, /^-\d+\.\d{4}\n$/);
  t.ok(light.modules.some((u) => u.endsWith('/dist/src/ngram/hashed-model.js')), 'the module log sees lmstream\'s modules');
  t.ok(light.modules.length > 20);
  t.same(light.modules.filter((u) => /@tensorflow|\/backend\.js$|\/neural\/index\.js$/.test(u)), [], 'no TensorFlow.js, no backend, no neural models');
  // the check can fail: the neural side, once used, does load TensorFlow.js
  const heavy = run(`const lm = await import(${JSON.stringify(index)});
console.log(typeof lm.loadModel, typeof lm.defaultConfig({ vocabSize: 5 }).hidden);
await import(${JSON.stringify(path.join(root, 'dist/src/backend.js'))});
`);
  t.equal(heavy.out, 'function number\n');
  t.ok(heavy.modules.some((u) => /@tensorflow\/tfjs/.test(u)), 'importing the backend loads tfjs');
});
