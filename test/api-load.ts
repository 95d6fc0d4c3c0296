// load(): one API for n-gram files and neural checkpoints. Its numbers are
// those of `lmstream ngram ppl` / NgramLM (n-gram) and `lmstream eval`
// (checkpoints); its generations are `lmstream generate`'s; n-gram use loads
// no TensorFlow.js.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { load } from '../src/api/load.js';
import { loadNgram } from '../src/ngram/load.js';
import { lmstream, root } from './helpers/cli.js';
import { moduleLogger } from './helpers/module-log.js';

const train = path.join(root, 'fixtures/train/tiny.txt');
const validFile = path.join(root, 'fixtures/train/valid.txt');
const valid = readFileSync(validFile, 'utf8');
const mlp = path.join(root, 'fixtures/train/v1/mlp'); // word MLP, sentence mode
const lstm = path.join(root, 'fixtures/train/v1/lstm'); // word LSTM, stream mode

function arpa(dir: string): string {
  const file = path.join(dir, 'tiny.arpa');
  const r = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--arpa', file, train]);
  if (r.code !== 0) throw new Error(r.stderr);
  return file;
}

async function text(s: AsyncIterable<{ text: string }>): Promise<string> {
  let out = '';
  for await (const x of s) out += x.text;
  return out;
}

t.test('n-gram: the numbers of NgramLM / ngram ppl, per token and in total', async (t) => {
  const file = arpa(t.testdir({}));
  const m = await load(file);
  const lm = await loadNgram(file);
  t.equal(m.kind, 'ngram');
  t.equal(m.mode, 'sentence');
  const recs = m.logprobs('the cat sat\nthe dog zzz\n');
  const want = [...lm.fullScores('the cat sat'), ...lm.fullScores('the dog zzz')];
  t.same(recs.map((r) => r.token), ['the', 'cat', 'sat', '</s>', 'the', 'dog', 'zzz', '</s>']);
  t.same(recs.map((r) => r.oov), [false, false, false, false, false, false, true, false]);
  for (let i = 0; i < want.length; i++) {
    t.equal(recs[i].log10, want[i].log10, `log10 of ${want[i].token}`);
    t.ok(Math.abs(recs[i].logprob - want[i].log10 * Math.LN10) < 1e-12);
  }
  const s = m.score(valid);
  const ppl = lmstream(['ngram', 'ppl', '--model', file, validFile]);
  t.equal(ppl.code, 0, ppl.stderr);
  t.equal(s.perplexity.toFixed(4), /Perplexity including OOVs:\t([\d.]+)/.exec(ppl.stdout)?.[1], 'ngram ppl\'s perplexity (including OOVs)');
  t.equal(String(s.tokens), /^Tokens:\t(\d+)$/m.exec(ppl.stdout)?.[1]);
  t.equal(String(s.oovs), /^OOVs:\t(\d+)$/m.exec(ppl.stdout)?.[1]);
  // next: NgramLM's words and log10 probabilities, most probable first
  const nx = m.next('the', 4);
  const lnx = lm.next('the', 4);
  t.same(nx.map((x) => x.token), lnx.map((x) => x.token));
  for (let i = 0; i < nx.length; i++) t.ok(Math.abs(nx[i].logprob - lnx[i].log10 * Math.LN10) < 1e-9, `P(${nx[i].token} | the)`);
  t.ok(nx[0].prob >= nx[1].prob && nx[1].prob >= nx[2].prob);
  m.dispose();
  t.throws(() => m.score('the'), /was disposed/);
});

t.test('n-gram stream mode: the lines are one text ended by one </s>', async (t) => {
  const file = arpa(t.testdir({}));
  const m = await load(file, { mode: 'stream' });
  t.equal(m.mode, 'stream');
  t.same(m.logprobs('the cat\nsat').map((r) => r.token), ['the', 'cat', 'sat', '</s>']);
});

t.test('checkpoints: lmstream eval\'s perplexity, tokens and OOVs (sentence and stream mode)', async (t) => {
  for (const ck of [mlp, lstm]) {
    const m = await load(ck);
    t.equal(m.kind, 'neural');
    const e = lmstream(['eval', '--model', ck, '--json', validFile]);
    t.equal(e.code, 0, e.stderr);
    const want = JSON.parse(e.stdout);
    const s = m.score(valid);
    t.ok(Math.abs(s.perplexity / want.perplexity - 1) < 1e-6, `${path.basename(ck)}: perplexity ${s.perplexity} vs eval ${want.perplexity}`);
    t.equal(s.tokens, want.tokens);
    t.equal(s.oovs, want.oov);
    t.ok(Math.abs(-s.logprob - want.nats) < 1e-4);
    const recs = m.logprobs(valid);
    t.equal(recs.length, want.tokens);
    t.ok(Math.abs(recs.reduce((a, r) => a + r.logprob, 0) - s.logprob) < 1e-9, 'score is the sum of logprobs');
    t.equal(m.mode, path.basename(ck) === 'mlp' ? 'sentence' : 'stream');
    m.dispose();
  }
  const m = await load(mlp);
  // sentence mode: every line after <s>, then </s>; an unknown word is an OOV scored as <unk>
  t.same(m.logprobs('the cat\nzzz').map((r) => `${r.token}${r.oov ? '*' : ''}`), ['the', 'cat', '</s>', 'zzz*', '</s>']);
  const nx = m.next('the', 3);
  t.equal(nx.length, 3);
  t.ok(nx[0].prob >= nx[1].prob && nx[1].prob >= nx[2].prob);
  t.ok(Math.abs(Math.exp(nx[0].logprob) - nx[0].prob) < 1e-12);
  m.dispose();
});

t.test('generate: a Readable and async iterable of tokens, the text of lmstream generate', async (t) => {
  const file = arpa(t.testdir({}));
  for (const model of [file, mlp]) {
    const m = await load(model);
    const g = m.generate({ prompt: 'the', maxTokens: 12, seed: 7, temperature: 0.9 });
    t.ok(g instanceof Readable, 'a Readable');
    t.equal(typeof g[Symbol.asyncIterator], 'function', 'async iterable');
    const recs: { token: string; id: number; text: string }[] = [];
    for await (const x of g) recs.push(x);
    t.ok(recs.length >= 1 && recs.length <= 12);
    t.ok(g.stopReason === 'eos' || g.stopReason === 'max-tokens');
    for (const r of recs) t.equal(m.vocabulary[r.id], r.token);
    const cli = lmstream(['generate', '--model', model, '--prompt', 'the', '--max-tokens', '12', '--seed', '7', '--temperature', '0.9', '--no-echo']);
    t.equal(cli.code, 0, cli.stderr);
    t.equal(recs.map((r) => r.text).join('').trim(), cli.stdout.trim(), `${path.basename(model)}: the same text as lmstream generate`);
    // the same seed gives the same tokens; piping works like any Readable
    t.equal(await text(m.generate({ prompt: 'the', maxTokens: 12, seed: 7, temperature: 0.9 })), recs.map((r) => r.text).join(''));
    t.throws(() => m.generate({ stop: ['nope'] }), /stop token 'nope' is not in the model's vocabulary/);
    m.dispose();
  }
});

t.test('import { load } from lmstream: an n-gram model loads no TensorFlow.js, a checkpoint does', async (t) => {
  const dir = t.testdir({});
  const file = arpa(dir);
  const run = moduleLogger(dir);
  const light = run(`import { load } from 'lmstream';
const m = await load(${JSON.stringify(file)});
console.log(m.score('the cat sat').tokens);
for await (const x of m.generate({ maxTokens: 3, seed: 1 })) {}
`);
  t.equal(light.status, 0, light.err);
  t.equal(light.out, '4\n');
  t.ok(light.modules.some((u) => u.endsWith('/dist/src/api/load.js')), 'the module log sees load()');
  t.same(light.modules.filter((u) => /@tensorflow|\/backend\.js$|\/neural\/index\.js$/.test(u)), [], 'no TensorFlow.js');
  const heavy = run(`import { load } from 'lmstream';
const m = await load(${JSON.stringify(mlp)});
console.log(m.kind);
m.dispose();
`);
  t.equal(heavy.status, 0, heavy.err);
  t.equal(heavy.out, 'neural\n');
  t.ok(heavy.modules.some((u) => /@tensorflow\/tfjs-core/.test(u)), 'a checkpoint loads tfjs');
});

t.test('errors name the path', async (t) => {
  await t.rejects(load(path.join(root, 'nope.arpa')), /nope\.arpa: no such file or directory/);
});

t.test('lmstream eval --json and --per-token: the same record shapes for both kinds of model', async (t) => {
  const file = arpa(t.testdir({}));
  for (const model of [file, mlp]) {
    const name = path.basename(model);
    const sum = lmstream(['eval', '--model', model, '--json', validFile]);
    t.equal(sum.code, 0, sum.stderr);
    const s = JSON.parse(sum.stdout);
    t.same(Object.keys(s), ['perplexity', 'tokens', 'oov', 'nats'], `${name}: summary keys`);
    t.equal(s.tokens, 16);
    t.equal(s.oov, 1);
    const per = lmstream(['eval', '--model', model, '--per-token', '--json', validFile]);
    t.equal(per.code, 0, per.stderr);
    const recs = per.stdout.trim().split('\n').map((l) => JSON.parse(l));
    t.equal(recs.length, s.tokens, `${name}: one record per scored token`);
    for (const r of recs) t.same(Object.keys(r), ['token', 'logprob', 'log10', 'oov']);
    t.same(recs.filter((r) => r.oov).map((r) => r.token), ['fast']);
    t.ok(Math.abs(-recs.reduce((a, r) => a + r.logprob, 0) - s.nats) < 1e-4, `${name}: the records sum to the summary's nats`);
    t.match(per.stderr, new RegExp(`eval: done, 16 tokens in \\d+s, perplexity ${s.perplexity.toFixed(4)}\\n$`), 'the summary on stderr');
    const text = lmstream(['eval', '--model', model, '--per-token', validFile]);
    t.equal(text.code, 0);
    const first = text.stdout.split('\n')[0].split('\t');
    t.same(first.map((x, i) => (i === 0 || i === 3 ? x : Number(x).toFixed(4))), [recs[0].token, recs[0].logprob.toFixed(4), recs[0].log10.toFixed(4), '0']);
  }
  // the n-gram summary is ngram ppl's (perplexity including OOVs)
  const ppl = lmstream(['ngram', 'ppl', '--model', file, validFile]);
  t.equal(JSON.parse(lmstream(['eval', '--model', file, '--json', validFile]).stdout).perplexity.toFixed(4), /Perplexity including OOVs:\t([\d.]+)/.exec(ppl.stdout)?.[1]);
  const bad = lmstream(['eval', '--model', mlp, '--per-token', '--batch', '4', validFile]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--batch does not apply to --per-token/);
});
