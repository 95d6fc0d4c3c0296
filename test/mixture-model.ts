// A saved mixture (lmstream mix --out) reused as a model: load() scores, gives
// next-token lists and generates from Σ λ_k P_k; lmstream generate and eval take it.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { load, type LanguageModel } from '../src/api/load.js';
import { makeCheckpoint } from './helpers/export-fixture.js';
import { lmstream } from './helpers/cli.js';
import { mixturePerplexityOf } from '../src/eval/mixture.js';
import { modelTokenProbs } from '../src/mix/token-probs.js';

const train = ['the cat sat on the mat .', 'the dog sat on the mat .', 'the cat sat , the dog sat .', 'a bird sat on the cat .'];
const valid = ['the cat sat on the mat .', 'the dog sat .', 'the bird , the dog .'];
const W = [0.2, 0.3, 0.5];

async function fixture(t: Tap.Test) {
  const dir = t.testdir({});
  const ck = path.join(dir, 'ck');
  const { model } = await makeCheckpoint(ck, { level: 'word', arch: 'lstm' });
  model.dispose();
  writeFileSync(path.join(dir, 'train.txt'), train.join('\n') + '\n');
  writeFileSync(path.join(dir, 'valid.txt'), valid.join('\n') + '\n');
  const lmb = path.join(dir, 'kn.lmb');
  const arpa = path.join(dir, 'wb.arpa');
  let r = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--binary', lmb, path.join(dir, 'train.txt')]);
  t.equal(r.code, 0, r.stderr);
  r = lmstream(['ngram', 'build', '--order', '2', '--smoothing', 'witten-bell', '--quiet', '--arpa', arpa, path.join(dir, 'train.txt')]);
  t.equal(r.code, 0, r.stderr);
  const models = [lmb, arpa, ck];
  const mix = path.join(dir, 'mix.json');
  writeFileSync(mix, JSON.stringify({
    format: 'lmstream-mixture', version: 1,
    models: [{ path: 'kn.lmb', weight: W[0] }, { path: 'wb.arpa', weight: W[1] }, { path: 'ck', weight: W[2] }],
    tuned: { valid: 'valid.txt', tokens: 0, ppl: 0, iterations: 0 },
  }));
  return { dir, models, mix };
}

const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

t.test('load(mixture): P = Σ λ_k P_k for scores and next-token lists, three models of two kinds', async (t) => {
  const { models, mix } = await fixture(t);
  const m = await load(mix);
  const parts: LanguageModel[] = [];
  for (const p of models) parts.push(await load(p));
  t.teardown(() => { m.dispose(); for (const p of parts) p.dispose(); });
  t.equal(m.kind, 'mixture');
  t.equal(m.mode, 'sentence');
  t.equal(m.level, 'word');
  t.ok(m.vocabulary.includes('bird') && m.vocabulary.includes('"'), 'the union of the vocabularies');

  // scores: token by token, ln Σ λ_k P_k of each model's own score (OOVs as its <unk>)
  const text = valid.join('\n');
  const got = m.logprobs(text);
  const each = parts.map((p) => p.logprobs(text));
  t.equal(got.length, 8 + 5 + 7);
  let worst = 0;
  got.forEach((r, i) => {
    const want = W.reduce((s, w, k) => s + w * Math.exp(each[k][i].logprob), 0);
    worst = Math.max(worst, Math.abs(Math.exp(r.logprob) - want));
    t.equal(r.token, each[0][i].token);
    t.equal(r.oov, each.some((e) => e[i].oov));
  });
  t.ok(worst < 1e-6, `mixture probability = Σ λ_k p_k (worst difference ${worst})`);
  t.same(got.filter((r) => r.oov).map((r) => r.token), ['bird'], 'bird: unknown to the checkpoint, scored as its <unk>');
  const s = m.score(text);
  t.ok(close(s.logprob, got.reduce((a, r) => a + r.logprob, 0), 1e-9));
  t.equal(s.tokens, 20);
  // the same as lmstream mix's numbers for these weights
  const tp = await Promise.all(models.map((p) => modelTokenProbs(p, valid)));
  t.ok(close(s.perplexity, mixturePerplexityOf(tp.map((x) => x.probs), W), 1e-9), 'perplexity as lmstream mix computes it');

  // next: every token of the union, Σ λ_k P_k(w | the cat), each model's distribution
  const all = m.next('the cat', 1000);
  const comp = parts.map((p) => new Map(p.next('the cat', 1000).map((x) => [x.token, x.prob])));
  t.equal(all.length, new Set(comp.flatMap((c) => [...c.keys()])).size, 'tokens of any model');
  for (const x of all) {
    const want = W.reduce((a, w, k) => a + w * (comp[k].get(x.token) ?? 0), 0);
    if (!close(x.prob, want)) t.fail(`${x.token}: ${x.prob} vs ${want}`);
  }
  // the mixture sums to 1 over the union; next leaves <s> out, as each model's next does
  const sums = comp.map((c) => [...c.values()].reduce((a, p) => a + p, 0));
  t.ok(close(all.reduce((a, x) => a + x.prob, 0), W.reduce((a, w, k) => a + w * sums[k], 0)), 'the mass of each model, weighted');
  t.same(m.next('the cat', 3), all.slice(0, 3), 'k best, most probable first');
  t.ok(all.every((x, i) => i === 0 || all[i - 1].prob >= x.prob));
});

t.test('generate from a mixture: greedy follows the argmax of Σ λ_k P_k; CLI = API; eval scores it', async (t) => {
  const { dir, models, mix } = await fixture(t);
  const m = await load(mix);
  t.teardown(() => m.dispose());
  // greedy: each token is the top of next(context so far)
  const toks: string[] = [];
  for await (const g of m.generate({ greedy: true, maxTokens: 6 })) toks.push(g.token);
  t.ok(toks.length > 0);
  for (let i = 0; i < toks.length; i++) t.equal(toks[i], m.next(toks.slice(0, i).join(' '), 1)[0].token, `greedy token ${i + 1}`);

  const api: string[] = [];
  const g = m.generate({ seed: 7, maxTokens: 20, prompt: 'the' });
  for await (const x of g) api.push(x.text);
  const cli = lmstream(['generate', '--model', mix, '--seed', '7', '--max-tokens', '20', '--prompt', 'the']);
  t.equal(cli.code, 0, cli.stderr);
  t.equal(cli.stdout, 'the' + api.join('') + '\n', 'lmstream generate --model MIX.json: the text of load(MIX).generate');

  // lmstream eval on a mixture: the perplexity of load()'s scorer
  const e = lmstream(['eval', '--model', mix, '--json', path.join(dir, 'valid.txt')]);
  t.equal(e.code, 0, e.stderr);
  const ev = JSON.parse(e.stdout) as { perplexity: number; tokens: number; oov: number };
  t.equal(ev.tokens, 20);
  t.equal(ev.oov, 1);
  t.ok(close(ev.perplexity, m.score(valid.join('\n')).perplexity, 1e-9));
  const plain = lmstream(['eval', '--model', mix, path.join(dir, 'valid.txt')]);
  t.equal(plain.code, 0, plain.stderr);
  t.match(plain.stdout, `perplexity\t${ev.perplexity.toFixed(6)}\ntokens\t20\n`);

  // tuned by lmstream mix, saved, reused: the saved mixture's perplexity on valid is the tuned one
  const out = path.join(dir, 'tuned.json');
  const r = lmstream(['mix', '--model', models[0], '--model', models[1], '--model', models[2], '--valid', path.join(dir, 'valid.txt'), '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const tuned = JSON.parse(readFileSync(out, 'utf8')) as { tuned: { ppl: number } };
  const m2 = await load(out);
  t.ok(close(m2.score(valid.join('\n')).perplexity, tuned.tuned.ppl, 1e-9), 'load(saved).score = the tuned perplexity');
  m2.dispose();
});

t.test('bad mixtures: one line naming the file', async (t) => {
  const { dir, mix } = await fixture(t);
  const bad = path.join(dir, 'bad.json');
  const obj = JSON.parse(readFileSync(mix, 'utf8'));
  writeFileSync(bad, JSON.stringify({ ...obj, models: [{ path: 'kn.lmb', weight: 0.5 }, { path: 'ck', weight: 0.6 }] }));
  await t.rejects(load(bad), /bad\.json: the weights sum to 1\.1, not 1/);
  writeFileSync(bad, JSON.stringify({ ...obj, models: [{ path: 'kn.lmb', weight: 0.5 }, { path: 'nope', weight: 0.5 }] }));
  const r = lmstream(['generate', '--model', bad]);
  t.equal(r.code, 1);
  t.match(r.stderr, /nope: no such file or directory\n$/);
  t.equal(r.stderr.trim().split('\n').length, 1);
  writeFileSync(bad, JSON.stringify({ ...obj, version: 9 }));
  await t.rejects(load(bad), /not an lmstream mixture/);
  // a char model does not tokenize as the word models do
  await makeCheckpoint(path.join(dir, 'char'), { level: 'char', mode: 'sentence' }).then((c) => c.model.dispose());
  writeFileSync(bad, JSON.stringify({ ...obj, models: [{ path: 'kn.lmb', weight: 0.5 }, { path: 'char', weight: 0.5 }] }));
  await t.rejects(load(bad), /kn\.lmb is a word-level model and .*char a char-level one/);
});
