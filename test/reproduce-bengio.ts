import t from 'tap';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatSeconds, formatTable, parseModelList, runBengio2003, remapIds, type NgramBuilder, type NeuralFactory } from '../src/reproduce/bengio2003.js';
import type { ProtocolIds } from '../src/corpus/brown-protocol.js';
import { scoreNgramStream } from '../src/eval/ngram-stream.js';
import { neuralTokenProbs } from '../src/eval/token-probs.js';
import { mixturePerplexity, perplexity, tuneMixtureWeight } from '../src/eval/mixture.js';
import { runTraining, type EpochMetrics, type RunState } from '../src/train/run.js';
import { CONFIG_FORMAT, readCheckpoint, type CheckpointConfig } from '../src/train/checkpoint.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import type { NgramModel } from '../src/ngram/api.js';
import type { Batch, NeuralConfig, NeuralLM } from '../src/neural/api.js';

/** Add-one bigram: P(w | v) = (c(v w) + 1) / (c(v) + V); easy to compute by hand. */
class AddOneBigram implements NgramModel {
  readonly order = 2;
  readonly normalized = true;
  private readonly pair = new Map<string, number>();
  private readonly ctx = new Map<number, number>();
  constructor(readonly vocab: Vocabulary, train: Int32Array) {
    const s = [vocab.bosId, ...train, vocab.eosId];
    for (let i = 1; i < s.length; i++) {
      this.pair.set(`${s[i - 1]} ${s[i]}`, (this.pair.get(`${s[i - 1]} ${s[i]}`) ?? 0) + 1);
      this.ctx.set(s[i - 1], (this.ctx.get(s[i - 1]) ?? 0) + 1);
    }
  }
  p(v: number, w: number): number {
    return ((this.pair.get(`${v} ${w}`) ?? 0) + 1) / ((this.ctx.get(v) ?? 0) + this.vocab.size);
  }
  logProb(context: ArrayLike<number>, w: number) {
    return { log10: Math.log10(this.p(context[context.length - 1], w)), ngramLength: 2 };
  }
  nextDistribution(context: ArrayLike<number>): Float64Array {
    return Float64Array.from(this.vocab.tokens, (_, w) => this.p(context[context.length - 1], w));
  }
}

const vocab = Vocabulary.fromTokens(['a', 'b', 'c']); // ids: <unk> 0, <s> 1, </s> 2, a 3, b 4, c 5
const ids = (s: string) => Int32Array.from(s.split(' '), (w) => vocab.id(w));

t.test('n-gram scoring of one continuous split, KenLM convention', async (t) => {
  const m = new AddOneBigram(vocab, ids('a b a c'));
  const valid = ids('a b c');
  const s = scoreNgramStream(m, valid);
  // <s> a b c </s>: P(a|<s>) = 2/7, P(b|a) = 2/8, P(c|b) = 1/7, P(</s>|c) = 2/7
  const p = [2 / 7, 2 / 8, 1 / 7];
  t.same([...s.probs].map((x) => +x.toFixed(12)), p.map((x) => +x.toFixed(12)));
  t.ok(Math.abs(s.ppl - Math.pow(p[0] * p[1] * p[2] * (2 / 7), -1 / 4)) < 1e-9);
  t.ok(Math.abs(s.pplTokens - Math.pow(p[0] * p[1] * p[2], -1 / 3)) < 1e-9);
});

t.test('mixture perplexity and EM weight', async (t) => {
  const a = [0.5, 0.1, 0.2, 0.4];
  const b = [0.1, 0.3, 0.2, 0.05];
  t.ok(Math.abs(perplexity(a) - Math.exp(-(Math.log(0.5) + Math.log(0.1) + Math.log(0.2) + Math.log(0.4)) / 4)) < 1e-12);
  const m = [0.3, 0.2, 0.2, 0.225];
  t.ok(Math.abs(mixturePerplexity(a, b, 0.5) - perplexity(m)) < 1e-12);
  t.equal(mixturePerplexity(a, b, 1), perplexity(a));
  t.throws(() => mixturePerplexity(a, b.slice(1), 0.5), /scored 4 and 3 tokens/);
  t.throws(() => mixturePerplexity(a, b, 1.5), /outside \[0, 1\]/);
  const w = tuneMixtureWeight(a, b);
  // at the optimum the derivative of Σ ln(λa + (1−λ)b) is zero
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) / (w.lambda * a[i] + (1 - w.lambda) * b[i]);
  t.ok(Math.abs(d) < 1e-5, `derivative ${d} at λ = ${w.lambda}`);
  for (const l of [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1]) t.ok(w.ppl <= mixturePerplexity(a, b, l) + 1e-12);
  // a model that is better everywhere takes all the weight
  t.ok(tuneMixtureWeight([0.5, 0.5], [0.1, 0.2]).lambda > 0.999);
});

t.test('command-line helpers and table', async (t) => {
  t.same(parseModelList('kn3, mix,kn3'), ['kn3', 'mix']);
  t.same(parseModelList('all'), ['kn3', 'kn5', 'mlp9', 'mlp1', 'lstm', 'mix']);
  t.throws(() => parseModelList('kn4'), /unknown model 'kn4'/);
  t.equal(formatSeconds(12.34), '12.3 s');
  t.equal(formatSeconds(125), '2 min 05 s');
  t.equal(formatSeconds(7500), '2 h 05 min');
  t.equal(
    formatTable([{ model: 'kn3', description: 'KN 3', validPpl: 349.4, testPpl: 331.789, paperPpl: 323, trainSeconds: 2 },
      { model: 'lstm', description: 'LSTM', validPpl: NaN, testPpl: 200, paperPpl: null, trainSeconds: 61 }]),
    '| model | valid ppl | test ppl | paper test ppl | train time |\n|---|---:|---:|---:|---:|\n' +
      '| KN 3 | 349.40 | 331.79 | 323 | 2.0 s |\n| LSTM | — | 200.00 | — | 1 min 01 s |\n',
  );
});

/**
 * A scripted neural model: its quality is a number q moved by `lr` per
 * training step; every token gets probability exp(−((q − 3)² + 1))·… spread
 * as a fixed distribution: loss per token = (q − 3)² + 1 nats on valid/test.
 * step() gives the add-one unigram of the training tokens it has seen.
 */
class ScriptedModel implements NeuralLM {
  q = 0;
  tokenNats?: (b: Batch) => Promise<Float32Array>;
  threads = 1;
  async setThreads(n: number) { this.threads = n; }
  learningRate: number;
  seen: Float64Array;
  constructor(readonly config: NeuralConfig) {
    this.learningRate = config.lr;
    this.seen = new Float64Array(config.vocabSize);
  }
  async trainStep(batch: Batch) {
    this.q += this.learningRate;
    if (batch.kind === 'window') for (const w of batch.next) this.seen[w]++;
    return { loss: 1, tokens: batch.kind === 'window' ? batch.B : batch.B * batch.T };
  }
  async evaluate(batch: Batch) {
    const n = batch.kind === 'window' ? batch.B : batch.B * batch.T;
    return { sumNats: n * ((this.q - 3) ** 2 + 1), tokens: n };
  }
  resetState() {}
  initialState() { return null; }
  step(state: unknown, _token: number) {
    const tot = this.seen.reduce((x, y) => x + y, 0) + this.config.vocabSize;
    return { state, probs: Float32Array.from(this.seen, (c) => (c + 1) / tot) };
  }
  async save(dir: string) {
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(path.join(dir, 'q.json'), JSON.stringify({ q: this.q, lr: this.learningRate, seen: [...this.seen], config: this.config }));
  }
  static async load(dir: string) {
    const o = JSON.parse(await fsp.readFile(path.join(dir, 'q.json'), 'utf8'));
    const m = new ScriptedModel(o.config);
    m.q = o.q;
    m.learningRate = o.lr;
    m.seen = Float64Array.from(o.seen);
    return m;
  }
  disposed = false;
  dispose() { this.disposed = true; }
}

const cfg = (p: Partial<NeuralConfig>): NeuralConfig => ({
  arch: 'mlp', vocabSize: 6, embed: 2, hidden: 2, layers: 1, order: 3, direct: false, tie: false, dropout: 0,
  softmax: 'full', classes: 0, init: 'uniform', initScale: 0.1, optimizer: 'sgd', lr: 1, l2: 0, clip: 0, seed: 1, ...p,
});

t.test('the one training loop: lr halved on a worse valid epoch, stop after patience, best weights restored, time budget', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'repro-es-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const one = async function* (x: Int32Array): AsyncGenerator<Batch> {
    yield { kind: 'window', B: x.length, N: 1, context: new Int32Array(x.length), next: x };
  };
  const run = async (m0: ScriptedModel, out: string, timeBudget: number | null, now?: () => number) => {
    const config: CheckpointConfig = {
      format: CONFIG_FORMAT, version: 1, model: m0.config, level: 'word', tokenizer: 'whitespace', mode: 'stream',
      training: { epochs: 10, batch: 2, bptt: 0, lrDecay: 2, validFraction: 0, maxTokens: null, checkpointEvery: 0, patience: 2, timeBudget },
    };
    const state: RunState = {
      runId: 'r', epoch: 1, batch: 0, step: 0, done: false, lr: m0.learningRate, bestValidPpl: null, validHistory: [],
      data: { trainTokens: 2, trainDocs: 1, trainChecksum: 'x', validTokens: 1, validChecksum: 'y' },
    };
    const logs: string[] = [];
    const epochs: EpochMetrics[] = [];
    const r = await runTraining({
      out, model: m0, vocab, config, state, load: ScriptedModel.load, shouldStop: () => false, now,
      data: { train: (_e, start) => (start > 0 ? one(new Int32Array(0)) : one(ids('a b'))), valid: () => one(ids('c')) },
      onRecord: (rec) => { if (rec.kind === 'epoch') epochs.push(rec); }, log: (m) => logs.push(m),
    });
    return { r, logs, epochs };
  };
  const m0 = new ScriptedModel(cfg({ lr: 1 }));
  const { r, logs, epochs } = await run(m0, path.join(dir, 'm'), null);
  // q after epochs: 1, 2, 3, 4 (worse: lr → 0.5), 4.5 (worse again: patience 2 ends it)
  t.same(epochs.map((h) => h.validPpl!.toFixed(6)), [5, 2, 1, 2, 3.25].map((l) => Math.exp(l).toFixed(6)));
  t.same(epochs.map((h) => h.trainedLr), [1, 1, 1, 1, 0.5], 'the lr each epoch trained with');
  t.same(epochs.map((h) => h.end), [null, null, null, null, 'patience']);
  t.equal(r.state.modelEpoch, 3);
  t.equal(r.state.bestValidPpl, Math.exp(1));
  t.equal(r.end, 'patience');
  t.ok(m0.disposed, 'the last model was disposed');
  t.equal((r.model as ScriptedModel).q, 3, 'weights of epoch 3 restored');
  t.match(logs.join('\n'), /restoring the weights of epoch 3/);
  const ck = await readCheckpoint(path.join(dir, 'm'));
  t.equal(ck.state.done, true);
  t.equal(ck.state.modelEpoch, 3, 'the checkpoint in OUT holds the best epoch');
  t.equal(JSON.parse(await fsp.readFile(path.join(dir, 'm', 'q.json'), 'utf8')).q, 3);
  await t.rejects(fsp.access(path.join(dir, 'm.best')), 'OUT.best removed at the end');
  // a time budget spent before the first step: no epoch, the model as it was
  let clock = 0;
  const r2 = await run(new ScriptedModel(cfg({})), path.join(dir, 'b2'), 0, () => (clock += 1000));
  t.same(r2.epochs, []);
  t.equal(r2.r.end, 'time-budget');
  t.equal(r2.r.state.step, 0);
});

t.test('runBengio2003 with stand-in models: rows, n-gram ppl equal to direct scoring, mixtures', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'repro-run-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const data: ProtocolIds = { vocab, train: ids('a b a c a b b a'), valid: ids('a b c a'), test: ids('b a c c') };
  const builds: number[] = [];
  // the n-gram model numbers its own vocabulary (here in reverse order of the data's)
  const mv = Vocabulary.fromTokens(['c', 'b', 'a']);
  const ngram: NgramBuilder = { build: async (toks, order) => { builds.push(order); return new AddOneBigram(mv, mv.encode(toks)); } };
  const created: ScriptedModel[] = [];
  const neural: NeuralFactory = { create: async (c) => { const m = new ScriptedModel(cfg(c)); created.push(m); return m; }, load: ScriptedModel.load };
  const rows = await runBengio2003({
    models: ['kn3', 'mix'], data, outDir: dir, ngram: async () => ngram, neural: async () => neural,
    maxEpochs: 2, timeBudget: 1e9, neuralOverrides: { lr: 1 }, threads: 2,
  });
  t.same(created.map((m) => [m.config.arch, m.config.order, m.config.embed, m.config.hidden, m.config.direct, m.threads]),
    [['mlp', 5, 30, 100, false, 2]], 'mix alone trains MLP9 (n=5, m=30, h=100, no direct) on 2 threads');
  t.same(rows.map((r) => r.model), ['kn3', 'mix-mlp9-0.5', 'mix-mlp9-tuned']);
  t.same(builds, [3], 'the trigram is built once and reused by the mixture');
  const direct = new AddOneBigram(mv, mv.encode(vocab.decode(data.train)));
  t.equal(remapIds(data.valid, vocab, mv)[0], 5, 'a is 5 in the model');
  t.equal(rows[0].validPpl, scoreNgramStream(direct, remapIds(data.valid, vocab, mv)).ppl);
  t.equal(rows[0].testPpl, scoreNgramStream(direct, remapIds(data.test, vocab, mv)).ppl);
  t.equal(rows[0].paperPpl, 323);
  // the neural side: after 2 epochs it has seen the training tokens twice: add-one unigram
  const seen = new Float64Array(vocab.size);
  for (const w of data.train) seen[w] += 2;
  const tot = seen.reduce((x, y) => x + y, 0) + vocab.size;
  const pn = (s: Int32Array) => Array.from(s, (w) => Math.fround((seen[w] + 1) / tot));
  const pk = (s: Int32Array) => [...scoreNgramStream(direct, remapIds(s, vocab, mv)).probs];
  t.ok(Math.abs(rows[1].testPpl - mixturePerplexity(pn(data.test), pk(data.test), 0.5)) < 1e-9);
  t.equal(rows[1].paperPpl, 252);
  const lambda = (rows[2].details as { lambda: number }).lambda;
  t.ok(Math.abs(lambda - tuneMixtureWeight(pn(data.valid), pk(data.valid)).lambda) < 1e-9);
  t.ok(rows[2].validPpl <= rows[1].validPpl + 1e-12, 'the tuned weight is no worse on valid');
  t.ok(Math.abs(rows[2].testPpl - mixturePerplexity(pn(data.test), pk(data.test), lambda)) < 1e-9);
  for (const f of ['q.json', 'vocab.json', 'config.json', 'state.json']) t.ok(await fsp.stat(path.join(dir, 'models', 'mlp9', f)), `models/mlp9/${f}: the best weights as a checkpoint`);
});

t.test('neuralTokenProbs feeds <s> then each token', async (t) => {
  const fed: number[] = [];
  const m = new ScriptedModel(cfg({}));
  m.step = (s: unknown, tok: number) => { fed.push(tok); return { state: s, probs: Float32Array.from({ length: 6 }, (_, i) => (i + 1 + tok) / (21 + 6 * tok)) }; };
  const p = await neuralTokenProbs(m, ids('a b c'), 1);
  t.same(fed, [1, 3, 4]);
  t.same([...p].map((x) => x.toFixed(6)), [(4 + 1) / 27, (5 + 3) / 39, (6 + 4) / 45].map((x) => Math.fround(x).toFixed(6)));
});

t.test('neuralTokenProbs with tokenNats (batched) equals the step path, window and lanes', async (t) => {
  const train = ids('a b a c a b b a');
  const seq = ids('a b c a b b c a c a b a b c c a b a c b a a b c a b c a b a c c b a b c a b c a');
  for (const arch of ['mlp', 'lstm'] as const) {
    const m = new ScriptedModel(cfg({ arch, order: 3 }));
    await m.trainStep({ kind: 'window', B: train.length, N: 1, context: new Int32Array(train.length), next: train });
    const byStep = await neuralTokenProbs(m, seq, 1);
    const calls: number[] = [];
    m.tokenNats = async (b: Batch) => {
      const tgt = b.kind === 'window' ? b.next : b.y;
      calls.push(tgt.length);
      const p = m.step(null, 0).probs;
      return Float32Array.from(tgt, (w, i) => (b.kind === 'seq' && b.mask && !b.mask[i] ? 0 : -Math.log(p[w])));
    };
    const batched = await neuralTokenProbs(m, seq, 1);
    t.equal(batched.length, seq.length);
    for (let i = 0; i < seq.length; i++) if (Math.abs(batched[i] - byStep[i]) > 1e-6) t.fail(`${arch} token ${i}`);
    t.same(calls, arch === 'mlp' ? [seq.length] : [35, 35], `${arch}: ${arch === 'mlp' ? 'one window batch' : 'one lane, two windows of 35'}`);
  }
});

t.test('runBengio2003 --resume continues the unfinished run in models/NAME (through the same loop)', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'repro-resume-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const data: ProtocolIds = { vocab, train: ids('a b a c a b b a'), valid: ids('a b c a'), test: ids('b a c c') };
  const created: ScriptedModel[] = [];
  const neural: NeuralFactory = { create: async (c) => { const m = new ScriptedModel(cfg(c)); created.push(m); return m; }, load: ScriptedModel.load };
  const ngram: NgramBuilder = { build: async () => { throw new Error('no n-gram model expected'); } };
  const opts = { models: ['mlp9' as const], data, outDir: dir, ngram: async () => ngram, neural: async () => neural, timeBudget: 1e9, neuralOverrides: { lr: 1 } };
  await runBengio2003({ ...opts, maxEpochs: 1 });
  const stateFile = path.join(dir, 'models', 'mlp9', 'state.json');
  const st = JSON.parse(await fsp.readFile(stateFile, 'utf8'));
  t.same([st.epoch, st.step, st.done, st.data.trainDocs], [2, 1, true, 1]);
  t.match(st.data.trainChecksum, /^[0-9a-f]{8}$/, 'a real checksum of the training ids');
  // as if stopped after epoch 1 of 2
  await fsp.writeFile(stateFile, JSON.stringify({ ...st, done: false }));
  const logs: string[] = [];
  const rows = await runBengio2003({ ...opts, maxEpochs: 2, resume: true, log: (m) => logs.push(m) });
  t.equal(created.length, 1, 'the second run loaded the checkpoint instead of creating a model');
  t.match(logs.join('\n'), /resuming the run in .*mlp9 at epoch 2, batch 0/);
  const epochs = (rows[0].details as { epochs: { epoch: number }[] }).epochs;
  t.same(epochs.map((e) => e.epoch), [2], 'only epoch 2 trained');
  t.equal(JSON.parse(await fsp.readFile(path.join(dir, 'models', 'mlp9', 'q.json'), 'utf8')).q, 2, 'two epochs of training in all');
});
