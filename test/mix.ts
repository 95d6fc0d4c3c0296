import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mixturePerplexity, mixturePerplexityOf, tuneMixtureWeight, tuneMixtureWeights } from '../src/eval/mixture.js';
import { modelTokenProbs } from '../src/mix/token-probs.js';
import { makeCheckpoint } from './helpers/export-fixture.js';
import { lmstream } from './helpers/cli.js';

/** deterministic probabilities in (0, 1) */
function probs(n: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return 0.01 + 0.98 * (s / 2 ** 32); });
}

t.test('EM over K models reaches the optimum (every used model has mean P_k / P_mix = 1)', async (t) => {
  const ps = [probs(500, 1), probs(500, 2), probs(500, 3)];
  const r = tuneMixtureWeights(ps, { tol: 1e-12, maxIter: 100000 });
  t.equal(r.weights.length, 3);
  t.ok(Math.abs(r.weights.reduce((a, b) => a + b, 0) - 1) < 1e-12, 'weights sum to 1');
  for (let k = 0; k < 3; k++) {
    let m = 0;
    for (let i = 0; i < 500; i++) m += ps[k][i] / (r.weights[0] * ps[0][i] + r.weights[1] * ps[1][i] + r.weights[2] * ps[2][i]);
    t.ok(Math.abs(m / 500 - 1) < 1e-6, `model ${k}: stationarity ${m / 500}`);
  }
  t.equal(r.ppl, mixturePerplexityOf(ps, r.weights));
  // no other weights on a grid do better
  let best = Infinity;
  for (let a = 0; a <= 1; a += 0.02) for (let b = 0; a + b <= 1; b += 0.02) best = Math.min(best, mixturePerplexityOf(ps, [a, b, 1 - a - b]));
  t.ok(r.ppl <= best + 1e-12);
  // two models: the same as the two-model tuner
  const two = tuneMixtureWeights([ps[0], ps[1]]);
  const old = tuneMixtureWeight(ps[0], ps[1]);
  t.ok(Math.abs(two.weights[0] - old.lambda) < 1e-12);
  t.ok(Math.abs(mixturePerplexity(ps[0], ps[1], old.lambda) - two.ppl) < 1e-9);
  t.throws(() => tuneMixtureWeights([ps[0], probs(3, 1)]), /scored 500 and 3 tokens/);
  t.throws(() => tuneMixtureWeights([new Float64Array(2), new Float64Array(2)]), /every token has probability 0/);
});

t.test('lmstream mix: an n-gram model and a neural checkpoint, tuned, saved, reused', async (t) => {
  const dir = t.testdir({});
  const { model, vocab } = await makeCheckpoint(path.join(dir, 'ck'), { level: 'word', arch: 'lstm' });
  t.teardown(() => model.dispose());
  const train = ['the cat sat on the mat .', 'the dog sat on the mat .', 'the cat sat , the dog sat .'];
  const valid = ['the cat sat on the mat .', 'the dog sat .', 'the cat , the dog .'];
  const test = ['the dog sat on the cat .', 'on the mat .'];
  writeFileSync(path.join(dir, 'train.txt'), train.join('\n') + '\n');
  writeFileSync(path.join(dir, 'valid.txt'), valid.join('\n') + '\n');
  writeFileSync(path.join(dir, 'test.txt'), test.join('\n') + '\n');
  const lmb = path.join(dir, 'm.lmb');
  let r = lmstream(['ngram', 'build', '--order', '2', '--smoothing', 'witten-bell', '--quiet', '--binary', lmb, path.join(dir, 'train.txt')]);
  t.equal(r.code, 0, r.stderr);

  // the neural probabilities: the model stepped token by token from <s>, </s> predicted
  const nn = await modelTokenProbs(path.join(dir, 'ck'), valid);
  t.equal(nn.kind, 'neural');
  const want: number[] = [];
  for (const l of valid) {
    let { state, probs: p } = model.step(model.initialState(), vocab.bosId);
    for (const w of [...l.split(' ').map((x) => vocab.id(x)), vocab.eosId]) {
      want.push(p[w]);
      ({ state, probs: p } = model.step(state, w));
    }
  }
  t.equal(nn.probs.length, want.length);
  t.ok(want.every((w, i) => Math.abs(nn.probs[i] / w - 1) < 1e-12), 'the model\'s probabilities (through ln P: to 1e-12)');
  const ng = await modelTokenProbs(lmb, valid);
  t.same(nn.perLine, [8, 5, 7]);
  t.same(ng.perLine, nn.perLine);
  const tuned = tuneMixtureWeights([ng.probs, nn.probs]);

  r = lmstream(['mix', '--model', lmb, '--model', path.join(dir, 'ck'), '--valid', path.join(dir, 'valid.txt'), '--out', path.join(dir, 'mix.json'), path.join(dir, 'test.txt')]);
  t.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n');
  t.match(rows[0], /^weights tuned by EM on .*valid\.txt \(20 tokens, \d+ iterations\)$/);
  t.equal(rows[2], `${lmb}\t${tuned.weights[0].toFixed(6)}\t${mixturePerplexityOf([ng.probs], [1]).toFixed(4)}`);
  t.equal(rows[3], `${path.join(dir, 'ck')}\t${tuned.weights[1].toFixed(6)}\t${mixturePerplexityOf([nn.probs], [1]).toFixed(4)}`);
  t.equal(rows[4], `mixture\t1\t${tuned.ppl.toFixed(4)}`);
  t.ok(tuned.ppl <= Math.min(mixturePerplexityOf([ng.probs], [1]), mixturePerplexityOf([nn.probs], [1])) + 1e-9, 'the mixture is no worse than either model');
  const saved = JSON.parse(readFileSync(path.join(dir, 'mix.json'), 'utf8'));
  t.same(saved.models.map((m: { path: string }) => m.path), ['m.lmb', 'ck']);
  t.same(saved.models.map((m: { weight: number }) => m.weight), tuned.weights);
  // the test text scored now and with the saved weights later
  const testNow = r.stdout.slice(r.stdout.indexOf(path.join(dir, 'test.txt')));
  const tp = [await modelTokenProbs(lmb, test), await modelTokenProbs(path.join(dir, 'ck'), test)];
  t.match(testNow, `  mixture\tppl ${mixturePerplexityOf(tp.map((x) => x.probs), tuned.weights).toFixed(4)}\n`);
  const again = lmstream(['mix', '--weights', path.join(dir, 'mix.json'), path.join(dir, 'test.txt')]);
  t.equal(again.code, 0, again.stderr);
  t.equal(again.stdout.split('\n').at(-2), testNow.split('\n').at(-2), 'the same mixture perplexity from the saved weights');

  // models that tokenize differently are refused, naming the line
  await makeCheckpoint(path.join(dir, 'char'), { level: 'char', mode: 'sentence' }).then((c) => c.model.dispose());
  r = lmstream(['mix', '--model', lmb, '--model', path.join(dir, 'char'), '--valid', path.join(dir, 'valid.txt')]);
  t.equal(r.code, 1);
  t.match(r.stderr, /valid\.txt:1: .*m\.lmb and .*char tokenize this line differently \(8 and \d+ tokens\)/);
  r = lmstream(['mix', '--model', lmb, '--valid', path.join(dir, 'valid.txt')]);
  t.equal(r.code, 2);
  t.match(r.stderr, /give two or more --model/);
});
