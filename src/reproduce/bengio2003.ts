/**
 * bengio2003: the models of Table 1 of Bengio et al. (2003) on the Brown
 * protocol (src/corpus/brown-protocol.ts), behind `lmstream reproduce
 * bengio2003`: modified Kneser-Ney 3/5-gram scored as KenLM does on each
 * split joined into one line, the MLPs and an LSTM trained by the one
 * training loop (src/train/run.ts: early stopping with patience 2, the
 * learning rate halved when validation does not improve, a time budget, the
 * best epoch's weights kept) into resumable checkpoints in OUT/models/NAME,
 * and mixtures with the trigram in probability space (src/eval/).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Vocabulary } from '../vocab/vocabulary.js';
import { UNK } from '../types.js';
import type { NgramModel } from '../ngram/api.js';
import type { Arch, Batch, NeuralConfig, NeuralLM } from '../neural/api.js';
import { windowBatches } from '../train/window.js';
import { shuffleWindows } from '../train/shuffle.js';
import { skipRecords } from '../train/skip.js';
import { arraySource, streamLanes } from '../train/lanes.js';
import { CONFIG_FORMAT, newRunId, readCheckpoint, type CheckpointConfig, type LoadedCheckpoint } from '../train/checkpoint.js';
import { idsChecksum } from '../train/id-cache.js';
import { tableEpochSeed } from '../util/random.js';
import { runTraining, type EpochMetrics, type RunRecord, type RunState, type TrainData } from '../train/run.js';
import type { StepMetrics } from '../train/trainer.js';
import { ProgressMeter } from '../train/progress.js';
import { evaluateBatches } from '../eval/evaluator.js';
import { scoreNgramStream, type NgramScore } from '../eval/ngram-stream.js';
import { idChunks, neuralTokenProbs } from '../eval/token-probs.js';
import { mixturePerplexity, perplexity, tuneMixtureWeight } from '../eval/mixture.js';
import type { ProtocolIds } from '../corpus/brown-protocol.js';

export const MODEL_NAMES = ['kn3', 'kn5', 'mlp9', 'mlp1', 'lstm', 'mix'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export type NeuralName = 'mlp9' | 'mlp1' | 'lstm';

/** Test perplexities of Bengio et al. (2003), Table 1 (Brown). */
export const PAPER_PPL: Record<string, number | null> = {
  kn3: 323, kn5: 321, mlp9: 276, mlp1: 268, lstm: null, mix: 252,
};

export interface ResultRow {
  model: string;
  description: string;
  validPpl: number;
  testPpl: number;
  paperPpl: number | null;
  trainSeconds: number;
  details?: Record<string, unknown>;
}

/** Parse `kn3,kn5,…`; `all` or empty means every model. */
export function parseModelList(s: string): ModelName[] {
  const parts = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'all')) return [...MODEL_NAMES];
  const out: ModelName[] = [];
  for (const p of parts) {
    if (!(MODEL_NAMES as readonly string[]).includes(p)) throw new Error(`unknown model '${p}' (expected some of ${MODEL_NAMES.join(', ')})`);
    if (!out.includes(p as ModelName)) out.push(p as ModelName);
  }
  return out;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
}

const fmtPpl = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(2));

/** The markdown table: model, valid ppl, test ppl, paper's test ppl, train time. */
export function formatTable(rows: readonly ResultRow[]): string {
  const lines = [
    '| model | valid ppl | test ppl | paper test ppl | train time |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.description} | ${fmtPpl(r.validPpl)} | ${fmtPpl(r.testPpl)} | ${r.paperPpl === null ? '—' : String(r.paperPpl)} | ${formatSeconds(r.trainSeconds)} |`);
  }
  return lines.join('\n') + '\n';
}

/** Builds an n-gram model from one continuous training stream. */
export interface NgramBuilder {
  /**
   * Modified Kneser-Ney of `order` on the training tokens as ONE line (KenLM
   * on the split joined into one line: `<s> w1 … wn </s>`). The model has its
   * own vocabulary (the training types and the reserved tokens).
   */
  build(trainTokens: readonly string[], order: number): Promise<NgramModel>;
}

/**
 * How the protocol's `<unk>` is spelled for the n-gram builder. In this
 * protocol `<unk>` is one word class of the vocabulary (it has counts, it is
 * predicted and it is context), but KenLM's lmplz, and our KenLM-exact
 * builder, treat a literal `<unk>` in training text as whitespace. So it is
 * fed to the builder as an ordinary word under this name, which is how the
 * reference KenLM figures (349.40 / 331.79 for the 3-gram) come out; test
 * words never seen in train remain the model's own `<unk>`.
 */
export const NGRAM_UNK_WORD = '<unk-word>';

/** A protocol token as the n-gram builder should see it. */
export function ngramToken(t: string): string {
  return t === UNK ? NGRAM_UNK_WORD : t;
}

/**
 * Ids of one vocabulary → ids of another, by token (absent tokens → the
 * target's `<unk>`); `rename` spells a source token as the target knows it.
 */
export function remapIds(ids: Int32Array, from: Vocabulary, to: { id(token: string): number }, rename: (t: string) => string = (t) => t): Int32Array {
  const table = Int32Array.from(from.tokens, (t) => to.id(rename(t)));
  return ids.map((i) => table[i]);
}

/** Creates and reloads neural models. */
export interface NeuralFactory {
  /** `unigramCounts` (by id, from the training split) cut the classes of a class softmax */
  create(config: Partial<NeuralConfig> & { arch: Arch; vocabSize: number }, unigramCounts?: Float64Array): Promise<NeuralLM>;
  load(dir: string): Promise<NeuralLM>;
}

export interface NeuralSpec {
  description: string;
  config: Partial<NeuralConfig> & { arch: Arch };
  /** examples (mlp) or lanes (recurrent) per training batch */
  batch: number;
  /** BPTT length (recurrent) */
  bptt: number;
}

const MLP_TRAINING = { optimizer: 'sgd', lr: 0.3, l2: 1e-5, softmax: 'class' } as const;

/** The paper's two MLPs and our LSTM (size/dropout chosen for a 2-core CPU budget). */
export const NEURAL_SPECS: Record<NeuralName, NeuralSpec> = {
  // SGD (lr 0.3, halved when validation stops improving) with a little L2, as
  // the paper trains them: Adam overfits the rare words' embeddings within two
  // epochs here (best valid ppl 360 against 277 with SGD). The class softmax is
  // exact and 4x faster than the full one at |V| = 17,905.
  mlp9: { description: 'MLP9 (n=5, m=30, h=100, no direct)', config: { arch: 'mlp', order: 5, embed: 30, hidden: 100, direct: false, ...MLP_TRAINING }, batch: 64, bptt: 0 },
  mlp1: { description: 'MLP1 (n=5, m=60, h=50, direct)', config: { arch: 'mlp', order: 5, embed: 60, hidden: 50, direct: true, ...MLP_TRAINING }, batch: 64, bptt: 0 },
  lstm: {
    description: 'LSTM (1×256, tied, dropout 0.3, class softmax)',
    config: { arch: 'lstm', embed: 256, hidden: 256, layers: 1, tie: true, dropout: 0.3, clip: 1, softmax: 'class' },
    batch: 20,
    bptt: 35,
  },
};

/**
 * The batches of a spec over the protocol's continuous streams. The MLP's
 * training windows are shuffled over the whole split (a new seeded order each
 * epoch): consecutive windows are strongly correlated, and corpus order
 * overfits quickly. Evaluation: windows of 512 (mlp), 10 lanes (recurrent).
 */
export function protocolData(spec: NeuralSpec, data: ProtocolIds, seed = 1): TrainData & { test: () => AsyncIterable<Batch> } {
  const bosId = data.vocab.bosId;
  if (spec.config.arch === 'mlp') {
    const order = spec.config.order ?? 5;
    const windows = (ids: Int32Array, batch: number) => windowBatches({ order, batch, mode: 'stream', bosId })(idChunks(ids));
    const buffer = Math.ceil(data.train.length / spec.batch) + 1;
    return {
      train: (epoch, start) => skipRecords<Batch>(start)(shuffleWindows({ buffer, seed: tableEpochSeed(seed, epoch) })(windows(data.train, spec.batch))),
      valid: () => windows(data.valid, 512),
      test: () => windows(data.test, 512),
    };
  }
  const lanes = (ids: Int32Array, batch: number, startBatch = 0) => streamLanes(arraySource(ids), { batch, bptt: spec.bptt, bosId, startBatch });
  return {
    train: (_epoch, start) => lanes(data.train, spec.batch, start),
    valid: () => lanes(data.valid, 10),
    test: () => lanes(data.test, 10),
  };
}

export interface ReproduceOptions {
  models: ModelName[];
  data: ProtocolIds;
  /** directory for saved models */
  outDir: string;
  ngram: () => Promise<NgramBuilder>;
  neural: () => Promise<NeuralFactory>;
  maxEpochs: number;
  /** per neural model, seconds */
  timeBudget: number;
  seed?: number;
  /** overrides applied to every neural config (e.g. softmax, lr) */
  neuralOverrides?: Partial<NeuralConfig>;
  /** override batch sizes (smoke runs) */
  batch?: number;
  /** data-parallel training threads (1 or 2) for models that support it */
  threads?: number;
  /** evaluate the checkpoint already in outDir/models/NAME instead of training, when there is one */
  reuse?: boolean;
  /** continue the unfinished training run in outDir/models/NAME, when there is one (same data) */
  resume?: boolean;
  log?: (msg: string) => void;
  /** called after each row, e.g. to write partial results */
  onRow?: (row: ResultRow) => Promise<void> | void;
}

interface TrainedNeural {
  name: NeuralName;
  model: NeuralLM;
  row: ResultRow;
}

/** One epoch of the table's history. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validPpl: number;
  /** the learning rate the epoch trained with */
  lr: number;
  seconds: number;
  /** the epoch was cut by the time budget */
  partial: boolean;
}

type NgramScores = { valid: NgramScore; test: NgramScore; seconds: number };

/** The n-gram models of the table (built once per order, shared with the mixtures). */
class NgramSide {
  private readonly scores = new Map<number, NgramScores>();
  private builder?: NgramBuilder;
  constructor(private readonly opts: ReproduceOptions, private readonly log: (m: string) => void) {}

  async score(order: number): Promise<NgramScores> {
    const have = this.scores.get(order);
    if (have) return have;
    const { data } = this.opts;
    const vocab = data.vocab;
    this.builder ??= await this.opts.ngram();
    this.log(`kn${order}: building modified Kneser-Ney ${order}-gram on ${data.train.length} tokens`);
    const t0 = performance.now();
    const model = await this.builder.build(vocab.decode(data.train).map(ngramToken), order);
    const seconds = (performance.now() - t0) / 1000;
    const s = {
      valid: scoreNgramStream(model, remapIds(data.valid, vocab, model.vocab, ngramToken)),
      test: scoreNgramStream(model, remapIds(data.test, vocab, model.vocab, ngramToken)),
      seconds,
    };
    this.scores.set(order, s);
    return s;
  }

  async row(order: 3 | 5): Promise<ResultRow> {
    const s = await this.score(order);
    const name = `kn${order}` as ModelName;
    return {
      model: name,
      description: `Kneser-Ney ${order}-gram (modified, interpolated)`,
      validPpl: s.valid.ppl,
      testPpl: s.test.ppl,
      paperPpl: PAPER_PPL[name],
      trainSeconds: s.seconds,
      details: {
        convention: 'each split one line <s> … </s>, ppl over tokens + </s> (KenLM query)',
        validPplTokensOnly: s.valid.pplTokens,
        testPplTokensOnly: s.test.pplTokens,
      },
    };
  }
}

/**
 * The log lines of a neural model's training (every 200 steps, each epoch),
 * with the elapsed time and an ETA (a ProgressMeter towards `maxEpochs`
 * epochs, capped by what is left of the time budget; early stopping can end
 * sooner).
 */
function trainingLog(name: string, trainTokens: number, log: (m: string) => void, run: { maxEpochs: number; timeBudget: number; state: RunState }): (r: RunRecord) => void {
  let sum = 0;
  let tokens = 0;
  let steps = 0;
  let e0 = performance.now();
  const meter = new ProgressMeter({
    label: name, unit: 'tokens', total: run.maxEpochs * trainTokens, start: (run.state.epoch - 1) * trainTokens,
    deadlineSec: Math.max(0, run.timeBudget - (run.state.trainSeconds ?? 0)), write: () => {},
  });
  return (r) => {
    if (r.kind === 'step') {
      const s = r as StepMetrics;
      sum += s.loss * s.tokens;
      tokens += s.tokens;
      meter.add(s.tokens);
      if (++steps % 200 === 0) {
        log(`${name}: epoch ${s.epoch} ${tokens}/${trainTokens} tokens, train ppl ${Math.exp(sum / tokens).toFixed(1)}, ${(tokens / ((performance.now() - e0) / 1000)).toFixed(0)} tokens/s, ${meter.timing()}`);
      }
      return;
    }
    const e = r as EpochMetrics;
    meter.update(e.epoch * trainTokens);
    log(`${name}: epoch ${e.epoch}${e.partial ? ' (cut by the time budget)' : ''}: train ppl ${Math.exp(e.trainLoss).toFixed(2)}, valid ppl ${e.validPpl!.toFixed(2)}, lr ${e.trainedLr}, ${meter.timing()}`);
    if (e.decayed) log(`${name}: valid ppl did not improve; learning rate → ${e.lr}`);
    sum = 0;
    tokens = 0;
    steps = 0;
    e0 = performance.now();
  };
}

/** The checkpoint config and state of a neural model's run on the protocol. */
function protocolRun(name: NeuralName, spec: NeuralSpec, model: NeuralLM, opts: ReproduceOptions): { config: CheckpointConfig; state: RunState } {
  const { data } = opts;
  const config: CheckpointConfig = {
    format: CONFIG_FORMAT, version: 1, model: model.config, level: 'word', tokenizer: 'whitespace', mode: 'stream',
    training: {
      epochs: opts.maxEpochs, batch: spec.batch, bptt: spec.bptt, lrDecay: 2, validFraction: 0, maxTokens: data.train.length,
      checkpointEvery: 0, patience: 2, timeBudget: opts.timeBudget, shuffle: 0, validFile: null,
    },
  };
  const state: RunState = {
    runId: newRunId(), epoch: 1, batch: 0, step: 0, done: false, lr: model.learningRate, bestValidPpl: null, validHistory: [], trainSeconds: 0,
    data: { trainTokens: data.train.length, trainDocs: 1, trainChecksum: idsChecksum([data.train]), validTokens: data.valid.length, validChecksum: idsChecksum([data.valid]) },
  };
  void name;
  return { config, state };
}

/** The unfinished run in `dir` on this data, with this invocation's epochs and time budget. */
async function resumable(dir: string, data: ProtocolIds, opts: ReproduceOptions, log: (m: string) => void): Promise<(LoadedCheckpoint & { state: RunState }) | undefined> {
  let ck: LoadedCheckpoint;
  try {
    ck = await readCheckpoint(dir);
  } catch {
    return undefined;
  }
  if (ck.state.done || ck.state.data.trainChecksum !== idsChecksum([data.train])) return undefined;
  log(`resuming the run in ${ck.dir} at epoch ${ck.state.epoch}, batch ${ck.state.batch}`);
  return { ...ck, config: { ...ck.config, training: { ...ck.config.training, epochs: opts.maxEpochs, timeBudget: opts.timeBudget } } };
}

/** Train one neural model of the table (or reuse its checkpoint) and score it. */
async function neuralRow(name: NeuralName, opts: ReproduceOptions, factory: NeuralFactory, log: (m: string) => void): Promise<TrainedNeural> {
  const { data } = opts;
  const vocab = data.vocab;
  const spec0 = NEURAL_SPECS[name];
  const spec: NeuralSpec = { ...spec0, batch: opts.batch ?? spec0.batch };
  const batches = protocolData(spec, data, opts.seed ?? 1);
  log(`${name}: ${spec.description}, |V| = ${vocab.size}, ${data.train.length} training tokens`);
  const saveDir = path.join(opts.outDir, 'models', name);
  if (opts.reuse && (await fsp.stat(path.join(saveDir, 'model.json')).then(() => true, () => false))) {
    log(`${name}: reusing the checkpoint in ${saveDir} (no training)`);
    const model = await factory.load(saveDir);
    const valid = await evaluateBatches(model, batches.valid!());
    const test = await evaluateBatches(model, batches.test());
    return {
      name, model, row: {
        model: name, description: `${spec.description} (reused checkpoint)`, validPpl: valid.ppl, testPpl: test.ppl,
        paperPpl: PAPER_PPL[name], trainSeconds: NaN, details: { config: model.config, reused: saveDir },
      },
    };
  }
  const resumed = opts.resume ? await resumable(saveDir, data, opts, log) : undefined;
  const unigram = new Float64Array(vocab.size);
  for (const w of data.train) unigram[w]++;
  const model0 = resumed ? await factory.load(resumed.dir) : await factory.create({ ...spec.config, ...opts.neuralOverrides, vocabSize: vocab.size, seed: opts.seed ?? 1 }, unigram);
  if ((opts.threads ?? 1) > 1) {
    if (model0.setThreads) await model0.setThreads(opts.threads!);
    else log(`${name}: this model has no data-parallel training; one thread`);
    if (model0.config.optimizer === 'sgd') log(`${name}: note: with 2 threads SGD updates every row (one thread's row-sparse update is often faster)`);
  }
  const { config, state } = resumed ?? protocolRun(name, spec, model0, opts);
  const history: EpochRecord[] = [];
  const progress = trainingLog(name, data.train.length, log, { maxEpochs: opts.maxEpochs, timeBudget: opts.timeBudget, state });
  const res = await runTraining({
    out: saveDir, model: model0, vocab, config, data: batches, state, carried: resumed?.carried, load: (dir) => factory.load(dir), shouldStop: () => false,
    onRecord: (r) => {
      progress(r);
      if (r.kind === 'epoch') history.push({ epoch: r.epoch, trainLoss: r.trainLoss, validPpl: r.validPpl!, lr: r.trainedLr, seconds: r.seconds, partial: r.partial });
    },
    log: (m) => log(`${name}: ${m}`),
  });
  const test = await evaluateBatches(res.model, batches.test());
  return {
    name, model: res.model, row: {
      model: name, description: spec.description, validPpl: res.state.bestValidPpl ?? NaN, testPpl: test.ppl, paperPpl: PAPER_PPL[name],
      trainSeconds: res.state.trainSeconds ?? NaN, details: { config: res.model.config, bestEpoch: res.state.modelEpoch, end: res.end, epochs: history },
    },
  };
}

/** The two mixture rows of a neural model with the trigram: 0.5/0.5 and the weight tuned on valid by EM. */
async function mixtureRows(t: TrainedNeural, kn3: NgramScores, data: ProtocolIds, log: (m: string) => void): Promise<ResultRow[]> {
  log(`mix: per-token probabilities of ${t.name} on valid and test`);
  const m0 = performance.now();
  // one meter over both splits: elapsed time and ETA on each line
  const meter = new ProgressMeter({ label: 'mix', total: data.valid.length + data.test.length, write: () => {} });
  const progress = (split: string, n: number, before: number) => (done: number) => {
    meter.update(before + done);
    log(`mix: ${t.name} ${split} ${done}/${n}, ${meter.timing()}`);
  };
  const pv = await neuralTokenProbs(t.model, data.valid, data.vocab.bosId, progress('valid', data.valid.length, 0));
  const pt = await neuralTokenProbs(t.model, data.test, data.vocab.bosId, progress('test', data.test.length, data.valid.length));
  const scoreSeconds = (performance.now() - m0) / 1000;
  const tuned = tuneMixtureWeight(pv, kn3.valid.probs);
  const common = {
    neural: t.name,
    neuralValidPplStepwise: perplexity(pv),
    neuralTestPplStepwise: perplexity(pt),
    kn3ValidPplTokensOnly: kn3.valid.pplTokens,
    kn3TestPplTokensOnly: kn3.test.pplTokens,
    scoreSeconds,
    convention: 'ppl over the split tokens (no </s>), P = λ·P_neural + (1−λ)·P_kn3',
  };
  const trainSeconds = t.row.trainSeconds + kn3.seconds;
  return [{
    model: `mix-${t.name}-0.5`,
    description: `${t.name.toUpperCase()} + KN3, 0.5/0.5`,
    validPpl: mixturePerplexity(pv, kn3.valid.probs, 0.5),
    testPpl: mixturePerplexity(pt, kn3.test.probs, 0.5),
    paperPpl: t.name === 'mlp9' ? PAPER_PPL.mix : null,
    trainSeconds,
    details: { ...common, lambda: 0.5 },
  }, {
    model: `mix-${t.name}-tuned`,
    description: `${t.name.toUpperCase()} + KN3, λ=${tuned.lambda.toFixed(3)} (tuned on valid)`,
    validPpl: tuned.ppl,
    testPpl: mixturePerplexity(pt, kn3.test.probs, tuned.lambda),
    paperPpl: null,
    trainSeconds,
    details: { ...common, lambda: tuned.lambda, emIterations: tuned.iterations },
  }];
}

export async function runBengio2003(opts: ReproduceOptions): Promise<ResultRow[]> {
  const log = opts.log ?? (() => {});
  const rows: ResultRow[] = [];
  const emit = async (r: ResultRow) => {
    rows.push(r);
    log(`${r.model}: valid ppl ${fmtPpl(r.validPpl)}, test ppl ${fmtPpl(r.testPpl)}, train ${formatSeconds(r.trainSeconds)}`);
    await opts.onRow?.(r);
  };
  const ngram = new NgramSide(opts, log);
  for (const order of [3, 5] as const) if (opts.models.includes(`kn${order}`)) await emit(await ngram.row(order));

  const trained: TrainedNeural[] = [];
  let factory: NeuralFactory | undefined;
  const neuralWanted = (['mlp9', 'mlp1', 'lstm'] as const).filter((n) => opts.models.includes(n));
  if (opts.models.includes('mix') && neuralWanted.length === 0) neuralWanted.push('mlp9');
  try {
    for (const name of neuralWanted) {
      factory ??= await opts.neural();
      const t = await neuralRow(name, opts, factory, log);
      trained.push(t);
      if (opts.models.includes(name)) await emit(t.row);
    }
    if (opts.models.includes('mix')) {
      const kn3 = await ngram.score(3);
      for (const t of trained) for (const r of await mixtureRows(t, kn3, opts.data, log)) await emit(r);
    }
  } finally {
    for (const t of trained) t.model.dispose();
  }
  return rows;
}
