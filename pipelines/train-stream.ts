/**
 * `train-stream` / `lmstream train`: the one training entry point.
 *
 *   stdin (or FILE…) → documents → tokenizer → markers → id cache on disk
 *   (first pass: vocabulary; later epochs replay the cache) → window | lanes →
 *   trainer → metrics (--metrics) and progress (stderr); checkpoints in --out.
 *
 * SIGINT: the step in flight finishes, a checkpoint is written at that batch
 * boundary, and the process exits with code 130 (a second SIGINT exits at
 * once). `--resume DIR` then continues exactly there.
 */
import { promises as fsp, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseCommand, str, num, oneOf, UsageError, UserError, log, type Parsed } from '../src/cli/common.js';
import type { Arch, NeuralConfig, NeuralLM, OptimizerName, InitName, SoftmaxKind } from '../src/neural/api.js';
import { TOKENIZERS, type TokenizerName } from '../src/text/tokenizers.js';
import type { MarkerMode } from '../src/types.js';
import type { Vocabulary } from '../src/vocab/vocabulary.js';
import { corpusSpec, documents, tokenStages, type CorpusSpec, type InputSpec } from '../src/train/corpus.js';
import { idCacheSink, removeIdCache, IdCache, type IdCacheResult } from '../src/train/id-cache.js';
import { readCheckpoint, newRunId, type CheckpointConfig, type Level, type LoadedCheckpoint, type TrainingOptions } from '../src/train/checkpoint.js';
import { runTraining, type RunRecord, type RunState } from '../src/train/run.js';
import { targetCount } from '../src/train/batches.js';
import { Progress } from '../src/train/progress.js';
import { SMOOTHING_OPTIONS, markerMode, ngramCorpus, ngramOrder, smoothingOptions } from './ngram/options.js';
import { DOCUMENT_OPTIONS, documentOptions } from './corpus-options.js';

export const HELP = `usage: cat corpus | train-stream --model KIND --out DIR [options] [FILE...]
       lmstream train ...   (the same command)

Train a language model on a corpus read from stdin (or FILEs), one document
per line. The first pass builds the vocabulary and caches the encoded corpus
on disk; later epochs replay the cache, so memory stays bounded.

model:
  --model KIND        mlp, rnn, lstm, gru or ngram (required)
  --level L           word (default) or char
  --tokenizer T       whitespace (word default), kenlm, word, or char (char default;
                      keeps spaces as \\s, and line ends as \\n in stream mode)
  --mode M            sentence (<s> … </s> per line, state reset per line;
                      word default) or stream (one continuous text, context
                      across lines; char default)
  --embed M --hidden H --layers N
  --order N           mlp: n of the window (context n-1); ngram: order
  --direct            mlp: direct connections embeddings → output
  --tie               rnn/lstm/gru: tie input and output embeddings
  --dropout P --l2 C --clip G
  --optimizer O       sgd, momentum, adam (default), adamw, rmsprop, adagrad
  --lr R              learning rate (default: the model's, 0.001 for adam)
  --init I            uniform (default), xavier, orthogonal; --init-scale A
  --softmax S         full (default) or class (frequency classes, ~√V);
                      --classes C to set their number
  --seed S            makes training reproducible (default 1)
  --smoothing S       ngram only: mkn (default), kn, witten-bell, katz,
                      add-delta (--delta D), stupid-backoff (--alpha A), mle;
                      katz takes --katz-k K (Good-Turing threshold, default 5);
                      writes the ARPA file --out, like lmstream ngram build
vocabulary:
  --min-count N       keep tokens seen at least N times (default 1)
  --max-vocab N       keep at most N entries
training:
  --epochs N          (default 10)
  --batch B           lanes (recurrent) or examples (mlp) per step (default 32)
  --bptt T            steps per batch, truncated BPTT (default 35)
  --pack              rnn/lstm/gru, sentence mode: train on the sentences back
                      to back in each lane (state flows across </s> <s>)
                      instead of starting each one at a window boundary
                      with padding; far fewer steps on short sentences.
                      Validation and eval stay per sentence
  --shuffle K         mlp: shuffle the examples within K batches, a new
                      seeded order each epoch (default 100; 0 = corpus order)
  --valid FILE        validation corpus, or
  --valid-fraction F  hold out this fraction of the documents (seeded)
  --lr-decay F        divide the learning rate by F when validation
                      perplexity stops improving (default 2; 1 = never)
  --max-tokens N      use only the first N training tokens
  --checkpoint-every N  also checkpoint every N steps (default 0: epoch ends)
  --max-steps N       stop after N optimisation steps in all (counted over
                      resumes) with a checkpoint, as Ctrl-C does, exit 0
  --out DIR           checkpoint directory (ngram: the ARPA file)
  --resume DIR        continue a run from its checkpoint (same data position
                      and optimiser state); --epochs may be raised
  --cache DIR         id cache directory (default OUT.cache, or the resumed
                      DIR.cache; removed when the run completes, kept when
                      interrupted so that --resume needs no input)
  --keep-cache        do not remove the cache at the end
  --metrics FILE      JSON lines: one record per step and per epoch (- = stdout)
  --progress SEC      seconds between progress lines when stderr is not a
                      terminal (default 5; a bar is drawn on a terminal)
  --format F          text (default), json or jsonl; --field a.b for JSON
  --max-line-length N longest line in bytes (default 16777216)
  --skip-long-lines   skip longer lines with a warning instead of failing
  --threads N         data-parallel training threads, 1 (default) or 2
                      (a worker computes half of each batch's gradient;
                      plain SGD updates only the touched rows on one thread,
                      every row on two)
  --backend NAME      tfjs backend (tensorflow, wasm, cpu)

Ctrl-C writes a checkpoint at the current batch and exits with code 130.
`;

const OPTIONS = {
  model: { type: 'string' }, level: { type: 'string' }, tokenizer: { type: 'string' }, mode: { type: 'string' },
  embed: { type: 'string' }, hidden: { type: 'string' }, layers: { type: 'string' }, order: { type: 'string' },
  direct: { type: 'boolean' }, tie: { type: 'boolean' }, dropout: { type: 'string' }, l2: { type: 'string' },
  clip: { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' }, init: { type: 'string' },
  'init-scale': { type: 'string' }, softmax: { type: 'string' }, classes: { type: 'string' }, seed: { type: 'string' },
  ...SMOOTHING_OPTIONS, 'min-count': { type: 'string' }, 'max-vocab': { type: 'string' },
  epochs: { type: 'string' }, shuffle: { type: 'string' }, pack: { type: 'boolean' }, batch: { type: 'string' }, bptt: { type: 'string' }, valid: { type: 'string' },
  'valid-fraction': { type: 'string' }, 'lr-decay': { type: 'string' }, 'max-tokens': { type: 'string' },
  'checkpoint-every': { type: 'string' }, 'max-steps': { type: 'string' }, out: { type: 'string' }, resume: { type: 'string' }, cache: { type: 'string' },
  'keep-cache': { type: 'boolean' }, metrics: { type: 'string' }, progress: { type: 'string' },
  ...DOCUMENT_OPTIONS, backend: { type: 'string' }, threads: { type: 'string' },
} as const;

/** Options that fix the model or the data: not accepted with --resume. */
const FIXED_ON_RESUME = [
  'model', 'level', 'tokenizer', 'mode', 'embed', 'hidden', 'layers', 'order', 'direct', 'tie', 'dropout', 'l2', 'clip',
  'optimizer', 'lr', 'init', 'init-scale', 'softmax', 'classes', 'seed', 'min-count', 'max-vocab', 'batch', 'bptt',
  'valid-fraction', 'lr-decay', 'max-tokens', 'shuffle', 'pack',
];

const ARCHS = ['mlp', 'rnn', 'lstm', 'gru'] as const;

function neuralPartial(p: Parsed, arch: Arch): Partial<NeuralConfig> {
  const c: Partial<NeuralConfig> = { arch };
  const set = <K extends keyof NeuralConfig>(k: K, v: NeuralConfig[K] | undefined) => { if (v !== undefined) c[k] = v; };
  const n = (name: string, o: { min?: number; max?: number; integer?: boolean } = {}) =>
    p.values[name] === undefined ? undefined : num(p, name, 0, o);
  set('embed', n('embed', { min: 1, integer: true }));
  set('hidden', n('hidden', { min: 1, integer: true }));
  set('layers', n('layers', { min: 1, integer: true }));
  set('order', n('order', { min: 2, max: 64, integer: true }));
  if (p.values.direct) c.direct = true;
  if (p.values.tie) c.tie = true;
  set('dropout', n('dropout', { min: 0, max: 0.99 }));
  set('l2', n('l2', { min: 0 }));
  set('clip', n('clip', { min: 0 }));
  set('lr', n('lr', { min: 0 }));
  set('initScale', n('init-scale', { min: 0 }));
  set('classes', n('classes', { min: 1, integer: true }));
  set('seed', n('seed', { integer: true }));
  if (p.values.optimizer !== undefined) c.optimizer = oneOf(p, 'optimizer', ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'] as OptimizerName[], 'adam');
  if (p.values.init !== undefined) c.init = oneOf(p, 'init', ['uniform', 'xavier', 'orthogonal'] as InitName[], 'uniform');
  if (p.values.softmax !== undefined) c.softmax = oneOf(p, 'softmax', ['full', 'class'] as SoftmaxKind[], 'full');
  if (c.tie && arch === 'mlp') throw new UsageError('--tie applies to rnn, lstm and gru only');
  if (c.direct && arch !== 'mlp') throw new UsageError('--direct applies to --model mlp only');
  return c;
}

async function buildCache(files: string[], input: InputSpec, spec: CorpusSpec, dir: string, opts: {
  vocab?: Vocabulary; validFraction: number; seed: number; maxTokens?: number; minCount?: number; maxVocab?: number;
}): Promise<IdCacheResult> {
  if (files.length === 0 && process.stdin.isTTY) {
    throw new UsageError('no input: pipe a corpus into train-stream (or name FILEs)');
  }
  await removeIdCache(dir).catch((e: Error) => { throw new UserError(e.message); });
  return pipeline(documents(files, input), ...tokenStages(spec), idCacheSink({
    dir, vocab: opts.vocab, validFraction: opts.validFraction, seed: opts.seed, maxTokens: opts.maxTokens,
    vocabOptions: { minCount: opts.minCount, maxSize: opts.maxVocab },
  }));
}

async function validCache(file: string, input: InputSpec, spec: CorpusSpec, dir: string, vocab: Vocabulary): Promise<IdCache> {
  const r = await pipeline(documents([file], input), ...tokenStages(spec), idCacheSink({ dir, vocab, trainName: 'valid' }));
  return r.train;
}

/** JSON lines of the run's records to a file (appended on resume) or stdout (`-`). */
class MetricsOut {
  private ws?: WriteStream;
  private readonly toStdout: boolean;
  constructor(file: string | undefined, append: boolean) {
    this.toStdout = file === '-';
    if (file && file !== '-') this.ws = createWriteStream(file, { flags: append ? 'a' : 'w' });
  }
  async write(rec: unknown): Promise<void> {
    const target = this.ws ?? (this.toStdout ? process.stdout : undefined);
    if (target && !target.write(JSON.stringify(rec) + '\n')) await once(target, 'drain');
  }
  async close(): Promise<void> {
    if (this.ws) { this.ws.end(); await once(this.ws, 'finish'); }
  }
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, OPTIONS, HELP);
  if (!p) return 0;
  const resumeDir = str(p, 'resume');
  let ck: LoadedCheckpoint | undefined;
  if (resumeDir) {
    const bad = FIXED_ON_RESUME.filter((k) => p.values[k] !== undefined);
    if (bad.length) throw new UsageError(`--${bad[0]} cannot change on --resume (the checkpoint fixes it)`);
    try {
      ck = await readCheckpoint(resumeDir);
    } catch (e) {
      throw new UserError(`--resume: ${(e as Error).message}`);
    }
  }
  const kind = ck ? ck.config.model.arch : str(p, 'model');
  if (!kind) throw new UsageError('--model is required (mlp, rnn, lstm, gru or ngram)');
  if (kind === 'ngram') return trainNgram(p);
  if (!(ARCHS as readonly string[]).includes(kind)) throw new UsageError(`--model: '${kind}' is not one of mlp, rnn, lstm, gru, ngram`);
  const arch = kind as Arch;
  for (const k of Object.keys(SMOOTHING_OPTIONS)) if (p.values[k] !== undefined) throw new UsageError(`--${k} applies to --model ngram only`);

  const out = str(p, 'out') ?? resumeDir;
  if (!out) throw new UsageError('--out DIR is required (where checkpoints go)');
  const input: InputSpec = documentOptions(p);
  const level: Level = ck ? ck.config.level : oneOf(p, 'level', ['word', 'char'] as const, 'word');
  const mode: MarkerMode = ck ? ck.config.mode : oneOf(p, 'mode', ['sentence', 'stream'] as const, level === 'char' ? 'stream' : 'sentence');
  const spec: CorpusSpec = ck
    ? { level, mode, tokenizer: ck.config.tokenizer as TokenizerName, tokenizerOptions: ck.config.tokenizerOptions ?? {} }
    : corpusSpec(level, mode, p.values.tokenizer === undefined ? undefined : oneOf(p, 'tokenizer', TOKENIZERS, 'whitespace'));
  const validFile = str(p, 'valid') ?? ck?.config.training.validFile ?? undefined;
  const training: TrainingOptions = ck
    ? { ...ck.config.training, epochs: num(p, 'epochs', ck.config.training.epochs, { min: 1, integer: true }) }
    : {
      epochs: num(p, 'epochs', 10, { min: 1, integer: true }),
      batch: num(p, 'batch', 32, { min: 1, integer: true }),
      bptt: num(p, 'bptt', 35, { min: 1, integer: true }),
      lrDecay: num(p, 'lr-decay', 2, { min: 1 }),
      validFraction: num(p, 'valid-fraction', 0, { min: 0, max: 0.9 }),
      maxTokens: p.values['max-tokens'] === undefined ? null : num(p, 'max-tokens', 0, { min: 1, integer: true }),
      checkpointEvery: 0,
      shuffle: arch === 'mlp' ? num(p, 'shuffle', 100, { min: 0, integer: true }) : 0,
      pack: p.values.pack === true,
      validFile: validFile ?? null,
    };
  training.checkpointEvery = num(p, 'checkpoint-every', ck?.config.training.checkpointEvery ?? 0, { min: 0, integer: true });
  if (!ck && arch !== 'mlp' && p.values.shuffle !== undefined) throw new UsageError('--shuffle applies to --model mlp only (recurrent lanes keep the text in order)');
  if (!ck && p.values.pack && (arch === 'mlp' || mode !== 'sentence')) throw new UsageError('--pack applies to rnn, lstm and gru in sentence mode only');
  if (validFile && training.validFraction > 0) throw new UsageError('--valid and --valid-fraction exclude each other');
  const seed = ck ? ck.config.model.seed : num(p, 'seed', 1, { integer: true });
  const partial = ck ? undefined : neuralPartial(p, arch);
  const minCount = p.values['min-count'] === undefined ? undefined : num(p, 'min-count', 1, { min: 1, integer: true });
  const maxVocab = p.values['max-vocab'] === undefined ? undefined : num(p, 'max-vocab', 0, { min: 4, integer: true });
  const progressSec = num(p, 'progress', 5, { min: 0 });
  const maxSteps = num(p, 'max-steps', Infinity, { min: 1, integer: true });
  const threads = num(p, 'threads', 1, { min: 1, max: 2, integer: true });
  const metricsFile = str(p, 'metrics');
  const cacheDir = path.resolve(str(p, 'cache') ?? `${path.resolve(resumeDir ?? out)}.cache`);

  if (ck && ck.state.done && ck.state.epoch > training.epochs) {
    log(`train-stream: the run already finished its ${training.epochs} epochs (raise --epochs to train more)`);
    return 0;
  }
  // the data: reuse the cache of an interrupted run, else read the input
  let data: IdCacheResult | undefined;
  if (ck) {
    const d = ck.state.data;
    try {
      const train = await IdCache.open(cacheDir, 'train');
      const valid = d.validChecksum ? await IdCache.open(cacheDir, 'valid') : undefined;
      if (train.checksum === d.trainChecksum && (valid?.checksum ?? null) === d.validChecksum) data = { vocab: ck.vocab, train, valid };
    } catch { /* no usable cache: read the input again */ }
    if (data) log(`train-stream: resuming from ${ck.dir} with the cached data in ${cacheDir}`);
  }
  if (!data) {
    data = await buildCache(p.positionals, input, spec, cacheDir, {
      vocab: ck?.vocab, validFraction: training.validFraction, seed, maxTokens: training.maxTokens ?? undefined, minCount, maxVocab,
    });
    if (validFile) data.valid = await validCache(validFile, input, spec, cacheDir, data.vocab);
    if (ck) {
      const d = ck.state.data;
      if (data.train.checksum !== d.trainChecksum || data.train.tokens !== d.trainTokens) {
        throw new UserError(`--resume: the input differs from the run's training data (${data.train.tokens} tokens, checksum ${data.train.checksum}; the checkpoint has ${d.trainTokens}, ${d.trainChecksum}): pipe the same corpus`);
      }
    }
  }
  const { vocab, train, valid } = data;
  if (train.tokens === 0 || targetCount(train, mode) === 0) throw new UserError('the training corpus is empty (no tokens to predict)');
  log(`train-stream: ${train.tokens} training tokens in ${train.docs} documents, vocabulary ${vocab.size}` +
    (valid ? `, validation ${valid.tokens} tokens` : ''));

  if (!ck && out && (await fsp.access(path.join(path.resolve(out), 'state.json')).then(() => true, () => false))) {
    log(`train-stream: warning: ${path.resolve(out)} holds a checkpoint of another run; this run replaces it (use --resume ${out} to continue it instead)`);
  }
  // tfjs is loaded only now, so that --help and command-line errors are quick
  const { initBackend } = await import('../src/backend.js');
  const { createModel, loadModel, defaultConfig } = await import('../src/neural/index.js');
  await initBackend(str(p, 'backend'));
  let model: NeuralLM;
  let config: CheckpointConfig;
  let state: RunState;
  if (ck) {
    model = await loadModel(ck.dir);
    config = { ...ck.config, training };
    state = { ...ck.state, done: false };
  } else {
    let nc: NeuralConfig;
    try {
      nc = defaultConfig({ ...partial, vocabSize: vocab.size, seed });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    model = await createModel(nc, { unigramCounts: vocab.counts });
    config = { format: 'lmstream-train-config', version: 1, model: model.config, level, tokenizer: spec.tokenizer, tokenizerOptions: spec.tokenizerOptions, mode, training };
    state = {
      runId: newRunId(), epoch: 1, batch: 0, step: 0, done: false, lr: model.learningRate, bestValidPpl: null, validHistory: [],
      data: { trainTokens: train.tokens, trainDocs: train.docs, trainChecksum: train.checksum, validTokens: valid?.tokens ?? null, validChecksum: valid?.checksum ?? null },
    };
  }
  if (threads > 1) {
    if (model.setThreads) await model.setThreads(threads);
    else log('train-stream: warning: this model has no data-parallel training; --threads ignored');
    if (config.model.optimizer === 'sgd') log('train-stream: note: with --threads 2 SGD updates every row (the row-sparse update of one thread is often faster for word models)');
  }
  log(`train-stream: run ${state.runId}, ${arch} ${JSON.stringify({ embed: config.model.embed, hidden: config.model.hidden, layers: config.model.layers, softmax: config.model.softmax, optimizer: config.model.optimizer })}, checkpoints in ${path.resolve(out)}`);

  let stop = false;
  const onSigint = () => {
    if (stop) { log('train-stream: second interrupt, exiting without a checkpoint'); process.exit(130); }
    stop = true;
    progress.clear();
    log('train-stream: interrupted, writing a checkpoint after this step (Ctrl-C again to quit at once)');
  };
  const tty = process.stderr.isTTY === true;
  const targets = targetCount(train, mode);
  const progress = new Progress({
    write: (s) => process.stderr.write(s), tty, intervalSec: progressSec, epochs: training.epochs, targetsPerEpoch: targets,
    startTargets: state.batch > 0 ? Math.round((targets * state.batch) / Math.max(1, estimateBatches(train, config))) : 0,
  });
  if (metricsFile && metricsFile !== '-') {
    await fsp.writeFile(metricsFile, '', { flag: ck ? 'a' : 'w' }).catch((e: NodeJS.ErrnoException) => {
      throw new UserError(`--metrics: ${metricsFile}: ${e.code === 'ENOENT' ? 'no such directory' : e.message}`);
    });
  }
  const metrics = new MetricsOut(metricsFile, ck !== undefined);
  process.on('SIGINT', onSigint);
  let step = state.step;
  let result;
  try {
    result = await runTraining({
      out, model, vocab, config, train, valid, state, carried: ck?.carried, shouldStop: () => stop || step >= maxSteps,
      onRecord: async (r: RunRecord) => {
        step = r.step;
        progress.record(r);
        await metrics.write(r);
      },
      log,
    });
  } finally {
    process.off('SIGINT', onSigint);
    await metrics.close();
    model.dispose();
  }
  progress.clear();
  if (result.stopped) {
    log(`train-stream: checkpoint written to ${path.resolve(out)} (epoch ${result.state.epoch}, batch ${result.state.batch}, step ${result.state.step}); continue with: train-stream --resume ${out}`);
    return stop ? 130 : 0;
  }
  const best = result.state.bestValidPpl;
  log(`train-stream: done, ${result.state.step} steps${best !== null ? `, best validation perplexity ${best.toFixed(2)}` : ''}; model in ${path.resolve(out)}`);
  if (!p.values['keep-cache']) await removeIdCache(cacheDir);
  return 0;
}

/** Batches per epoch, for the progress percentage on resume (an estimate for sentence lanes). */
function estimateBatches(train: IdCache, config: CheckpointConfig): number {
  const t = config.training;
  const targets = targetCount(train, config.mode);
  if (config.model.arch === 'mlp') return Math.ceil(targets / t.batch);
  return Math.ceil(Math.ceil((t.pack ? train.tokens : targets) / t.batch) / t.bptt);
}

/** `--model ngram`: the same as `lmstream ngram build` (src/ngram/build.ts), ARPA file to --out. */
async function trainNgram(p: Parsed): Promise<number> {
  const out = str(p, 'out');
  if (!out) throw new UsageError('--out FILE is required (the ARPA file to write)');
  const neuralOnly = ['resume', 'level', 'embed', 'hidden', 'layers', 'direct', 'tie', 'dropout', 'l2', 'clip', 'optimizer', 'lr',
    'init', 'init-scale', 'softmax', 'classes', 'epochs', 'batch', 'bptt', 'valid', 'valid-fraction', 'lr-decay', 'max-tokens',
    'checkpoint-every', 'max-steps', 'shuffle', 'pack', 'threads', 'cache', 'keep-cache', 'metrics', 'min-count', 'max-vocab', 'backend'];
  const bad = neuralOnly.find((k) => p.values[k] !== undefined);
  if (bad) throw new UsageError(`--${bad} does not apply to --model ngram (see lmstream ngram build --help)`);
  const { buildArpaFromCorpus } = await import('../src/ngram/build.js');
  const order = ngramOrder(p, false);
  const mode = markerMode(p);
  const sm = smoothingOptions(p);
  const smoothing = sm.smoothing;
  if (p.positionals.length === 0 && process.stdin.isTTY) throw new UsageError('no input: pipe a corpus into train-stream (or name FILEs)');
  const warn = (m: string) => log(`train-stream: ${m}`);
  let r;
  try {
    const corpus = ngramCorpus(p, warn);
    r = await buildArpaFromCorpus(corpus.bytes, { order, mode, ...sm, lines: corpus.lines, out, warn, log: (m: string) => log(`train-stream: ${m}`) });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError((e as Error).message);
  }
  log(`train-stream: ${order}-gram ${smoothing} model of ${r.tokens} tokens written to ${out} (n-grams by order: ${r.counts.join(' ')})`);
  return 0;
}
