/**
 * `train-stream` / `lmstream train`: the one training entry point.
 *
 *   stdin (or FILE…) → documents → tokenizer → markers → id cache on disk
 *   (first pass: vocabulary; later epochs replay the cache) → window | lanes →
 *   trainer → metrics (--metrics) and progress (stderr); checkpoints in --out.
 *
 * Wiring only: the loop is src/train/run.ts, the steps before it
 * src/train/setup.ts, signals src/train/interrupts.ts, the --out lock
 * src/train/run-lock.ts. SIGINT/SIGTERM/SIGHUP: the step in flight finishes,
 * a checkpoint is written at that batch boundary, and the process exits with
 * code 130/143/129. `--resume DIR` then continues exactly there.
 */
import { promises as fsp, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { BACKENDS } from '../src/backend-names.js';
import { OPTIMIZERS } from '../src/neural/config.js';
import { parseCommand, str, num, oneOf, maybeOneOf, UsageError, UserError, log, type Parsed } from '../src/cli/common.js';
import type { Arch, NeuralConfig, NeuralLM, OptimizerName, InitName, SoftmaxKind } from '../src/neural/api.js';
import { TOKENIZERS, type TokenizerName } from '../src/text/tokenizers.js';
import type { MarkerMode } from '../src/types.js';
import { corpusSpec, type CorpusSpec, type InputSpec } from '../src/train/front-end.js';
import { removeIdCache, type IdCacheResult } from '../src/train/id-cache.js';
import { readCheckpoint, type CheckpointConfig, type Level, type LoadedCheckpoint, type TrainingOptions } from '../src/train/checkpoint.js';
import { cacheData, runTraining, TrainingDiverged, type RunRecord, type RunState } from '../src/train/run.js';
import { parseDuration } from '../src/train/schedule.js';
import { buildRunData, checkCacheDir, checkInputFiles, checkOutDir, checkOutputFile, estimateBatches, fsReason, newRunState, reuseCache } from '../src/train/setup.js';
import { acquireRunLock, LockHeld, type RunLock } from '../src/train/run-lock.js';
import { Interrupts } from '../src/train/interrupts.js';
import { registerTemp, type TempHandle } from '../src/util/temp.js';
import { targetCount } from '../src/train/batches.js';
import { Progress, ProgressMeter } from '../src/train/progress.js';
import { inputFileSize } from '../src/io/open-input.js';
import { sparkline } from '../src/plot/sparkline.js';
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
  --patience N        stop after N epochs in a row without a better
                      validation perplexity (default: never)
  --time-budget T     stop training after T (600, 90s, 30m, 2h; counted over
                      resumes); the epoch cut short is validated
                      With validation, the model saved in --out at the end is
                      the best epoch's (kept in OUT.best during the run)
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

Ctrl-C (SIGINT), SIGTERM and SIGHUP write a checkpoint at the current batch
and exit with code 130, 143 and 129; the id cache is kept for --resume (a
second signal exits at once, after a checkpoint write in progress). One run
at a time per --out: a second one fails naming the first one's pid.
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
  'keep-cache': { type: 'boolean' }, metrics: { type: 'string' }, progress: { type: 'string' }, patience: { type: 'string' }, 'time-budget': { type: 'string' },
  ...DOCUMENT_OPTIONS, backend: { type: 'string' }, threads: { type: 'string' },
} as const;

/** Options that fix the model or the data: not accepted with --resume. */
const FIXED_ON_RESUME = [
  'model', 'level', 'tokenizer', 'mode', 'embed', 'hidden', 'layers', 'order', 'direct', 'tie', 'dropout', 'l2', 'clip',
  'optimizer', 'lr', 'init', 'init-scale', 'softmax', 'classes', 'seed', 'min-count', 'max-vocab', 'batch', 'bptt',
  'valid-fraction', 'lr-decay', 'max-tokens', 'shuffle', 'pack', 'patience',
];

const ARCHS = ['mlp', 'rnn', 'lstm', 'gru'] as const;

function neuralPartial(p: Parsed, arch: Arch): Partial<NeuralConfig> {
  const c: Partial<NeuralConfig> = { arch };
  const set = <K extends keyof NeuralConfig>(k: K, v: NeuralConfig[K] | undefined) => { if (v !== undefined) c[k] = v; };
  const n = (name: string, o: { min?: number; max?: number; integer?: boolean; positive?: boolean } = {}) =>
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
  set('lr', n('lr', { positive: true }));
  set('initScale', n('init-scale', { min: 0 }));
  set('classes', n('classes', { min: 1, integer: true }));
  set('seed', n('seed', { integer: true }));
  if (p.values.optimizer !== undefined) c.optimizer = oneOf(p, 'optimizer', OPTIMIZERS, 'adam');
  if (p.values.init !== undefined) c.init = oneOf(p, 'init', ['uniform', 'xavier', 'orthogonal'] as InitName[], 'uniform');
  if (p.values.softmax !== undefined) c.softmax = oneOf(p, 'softmax', ['full', 'class'] as SoftmaxKind[], 'full');
  if (c.tie && arch === 'mlp') throw new UsageError('--tie applies to rnn, lstm and gru only');
  if (c.direct && arch !== 'mlp') throw new UsageError('--direct applies to --model mlp only');
  return c;
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

/** Everything a neural run needs from the command line (and the checkpoint it resumes). */
interface RunArgs {
  p: Parsed;
  ck?: LoadedCheckpoint;
  arch: Arch;
  out: string;
  cacheDir: string;
  input: InputSpec;
  spec: CorpusSpec;
  training: TrainingOptions;
  validFile?: string;
  seed: number;
  partial?: Partial<NeuralConfig>;
  minCount?: number;
  maxVocab?: number;
  progressSec: number;
  maxSteps: number;
  threads: number;
  metricsFile?: string;
}

async function readResume(p: Parsed): Promise<LoadedCheckpoint | undefined> {
  const resumeDir = str(p, 'resume');
  if (!resumeDir) return undefined;
  const bad = FIXED_ON_RESUME.filter((k) => p.values[k] !== undefined);
  if (bad.length) throw new UsageError(`--${bad[0]} cannot change on --resume (the checkpoint fixes it)`);
  try {
    return await readCheckpoint(resumeDir);
  } catch (e) {
    throw new UserError(`--resume: ${(e as Error).message}`);
  }
}

function trainingOptions(p: Parsed, arch: Arch, ck: LoadedCheckpoint | undefined, validFile: string | undefined): TrainingOptions {
  const t: TrainingOptions = ck
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
      patience: p.values.patience === undefined ? null : num(p, 'patience', 0, { min: 1, integer: true }),
      timeBudget: null,
    };
  t.checkpointEvery = num(p, 'checkpoint-every', ck?.config.training.checkpointEvery ?? 0, { min: 0, integer: true });
  if (p.values['time-budget'] !== undefined) {
    try {
      t.timeBudget = parseDuration(str(p, 'time-budget')!);
    } catch (e) {
      throw new UsageError(`--time-budget: ${(e as Error).message}`);
    }
  }
  return t;
}

/** Parse and check the command line of a neural run (nothing is read or written yet). */
function runArgs(p: Parsed, ck: LoadedCheckpoint | undefined, arch: Arch): RunArgs {
  for (const k of Object.keys(SMOOTHING_OPTIONS)) if (p.values[k] !== undefined) throw new UsageError(`--${k} applies to --model ngram only`);
  const resumeDir = str(p, 'resume');
  const out = str(p, 'out') ?? resumeDir;
  if (!out) throw new UsageError('--out DIR is required (where checkpoints go)');
  const input: InputSpec = documentOptions(p);
  const level: Level = ck ? ck.config.level : oneOf(p, 'level', ['word', 'char'] as const, 'word');
  const mode: MarkerMode = ck ? ck.config.mode : oneOf(p, 'mode', ['sentence', 'stream'] as const, level === 'char' ? 'stream' : 'sentence');
  const spec: CorpusSpec = ck
    ? { level, mode, tokenizer: ck.config.tokenizer as TokenizerName, tokenizerOptions: ck.config.tokenizerOptions ?? {} }
    : corpusSpec(level, mode, p.values.tokenizer === undefined ? undefined : oneOf(p, 'tokenizer', TOKENIZERS, 'whitespace'));
  const validFile = str(p, 'valid') ?? ck?.config.training.validFile ?? undefined;
  const training = trainingOptions(p, arch, ck, validFile);
  if (!ck && arch !== 'mlp' && p.values.shuffle !== undefined) throw new UsageError('--shuffle applies to --model mlp only (recurrent lanes keep the text in order)');
  if (!ck && p.values.pack && (arch === 'mlp' || mode !== 'sentence')) throw new UsageError('--pack applies to rnn, lstm and gru in sentence mode only');
  if (validFile && training.validFraction > 0) throw new UsageError('--valid and --valid-fraction exclude each other');
  if ((training.patience ?? null) !== null && !validFile && training.validFraction === 0) throw new UsageError('--patience needs validation data (--valid or --valid-fraction)');
  if (p.positionals.length === 0 && process.stdin.isTTY && !ck) throw new UsageError('no input: pipe a corpus into train-stream (or name FILEs)');
  return {
    p, ck, arch, out: path.resolve(out), input, spec, training, validFile,
    cacheDir: path.resolve(str(p, 'cache') ?? `${path.resolve(resumeDir ?? out)}.cache`),
    seed: ck ? ck.config.model.seed : num(p, 'seed', 1, { integer: true }),
    partial: ck ? undefined : neuralPartial(p, arch),
    minCount: p.values['min-count'] === undefined ? undefined : num(p, 'min-count', 1, { min: 1, integer: true }),
    maxVocab: p.values['max-vocab'] === undefined ? undefined : num(p, 'max-vocab', 0, { min: 4, integer: true }),
    progressSec: num(p, 'progress', 5, { min: 0 }),
    maxSteps: num(p, 'max-steps', Infinity, { min: 1, integer: true }),
    threads: num(p, 'threads', 1, { min: 1, max: 2, integer: true }),
    metricsFile: str(p, 'metrics'),
  };
}

/** Everything about the paths that can be checked before the input is read. */
async function checkPaths(a: RunArgs): Promise<void> {
  const asUser = (e: unknown) => { throw new UserError((e as Error).message); };
  await checkOutDir(a.out, a.ck !== undefined).catch(asUser);
  await checkCacheDir(a.cacheDir).catch(asUser);
  if (a.metricsFile && a.metricsFile !== '-') await checkOutputFile('--metrics', a.metricsFile).catch(asUser);
  await checkInputFiles(a.p.positionals).catch(asUser);
  if (a.validFile) await checkInputFiles([a.validFile], '--valid ').catch(asUser);
}

/** The run's data: the cache of an interrupted run, or the input read into a new one. */
async function runData(a: RunArgs, owned: { cache?: TempHandle }): Promise<IdCacheResult> {
  if (a.ck) {
    const data = await reuseCache(a.ck, a.cacheDir);
    if (data) {
      log(`train-stream: resuming from ${a.ck.dir} with the cached data in ${a.cacheDir}`);
      return data;
    }
  }
  owned.cache = registerTemp(a.cacheDir);
  const t = a.training;
  // files: the fraction and the ETA from the bytes read (the --valid file included); stdin: the rate
  const inputs = [...a.p.positionals, ...(a.validFile ? [a.validFile] : [])];
  const meter = new ProgressMeter({ label: 'train-stream: first pass', unit: 'tokens', intervalSec: a.progressSec || 10, bytes: inputFileSize(a.p.positionals.length ? inputs : []) });
  const data = await buildRunData({
    files: a.p.positionals, input: { ...a.input, onBytes: (n) => meter.addBytes(n) }, spec: a.spec, dir: a.cacheDir, vocab: a.ck?.vocab, validFraction: t.validFraction,
    validFile: a.validFile, seed: a.seed, maxTokens: t.maxTokens ?? undefined, minCount: a.minCount, maxVocab: a.maxVocab,
    expect: a.ck?.state.data, onTokens: (n) => meter.update(n),
  }).catch((e) => { throw e instanceof UserError ? e : new UserError((e as Error).message); });
  meter.clear();
  return data;
}

/** The model, config and state to train: loaded from the checkpoint, or new. */
async function startModel(a: RunArgs, data: IdCacheResult): Promise<{ model: NeuralLM; config: CheckpointConfig; state: RunState }> {
  const { createModel, loadModel, defaultConfig } = await import('../src/neural/index.js');
  if (a.ck) return { model: await loadModel(a.ck.dir), config: { ...a.ck.config, training: a.training }, state: { ...a.ck.state, done: false } };
  let nc: NeuralConfig;
  try {
    nc = defaultConfig({ ...a.partial, vocabSize: data.vocab.size, seed: a.seed });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const model = await createModel(nc, { unigramCounts: data.vocab.counts });
  const s = a.spec;
  const config: CheckpointConfig = {
    format: 'lmstream-train-config', version: 1, model: model.config, level: s.level, tokenizer: s.tokenizer, tokenizerOptions: s.tokenizerOptions, mode: s.mode, training: a.training,
  };
  return { model, config, state: newRunState(model.learningRate, data.train, data.valid) };
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, OPTIONS, HELP);
  if (!p) return 0;
  const ck = await readResume(p);
  const kind = ck ? ck.config.model.arch : str(p, 'model');
  if (!kind) throw new UsageError('--model is required (mlp, rnn, lstm, gru or ngram)');
  if (kind === 'ngram') return trainNgram(p);
  if (!(ARCHS as readonly string[]).includes(kind)) throw new UsageError(`--model: '${kind}' is not one of mlp, rnn, lstm, gru, ngram`);
  const a = runArgs(p, ck, kind as Arch);
  if (ck && ck.state.done && ck.state.epoch > a.training.epochs) {
    log(`train-stream: the run already finished its ${a.training.epochs} epochs (raise --epochs to train more)`);
    return 0;
  }
  // a cache this process creates is a registered temp (src/util/temp.ts): removed on any
  // failure or exit, unless kept for --resume after an interrupt
  const owned: { cache?: TempHandle } = {};
  const intr = new Interrupts({ log: (m) => log(`train-stream: ${m}`) }).install();
  let locks: RunLock[] = [];
  try {
    await checkPaths(a);
    locks = await lockRun(a);
    // tfjs is loaded only now, so that --help and command-line errors are quick; before the input is read
    const { initBackend } = await import('../src/backend.js');
    await initBackend(maybeOneOf(p, 'backend', BACKENDS)).catch((e) => { throw new UserError((e as Error).message); });
    const data = await runData(a, owned);
    owned.cache?.keep(); // from here on the cache belongs to the run (an abrupt exit leaves it for --resume)
    const { vocab, train, valid } = data;
    if (train.tokens === 0 || targetCount(train, a.spec.mode) === 0) throw new UserError('the training corpus is empty (no tokens to predict)');
    log(`train-stream: ${train.tokens} training tokens in ${train.docs} documents, vocabulary ${vocab.size}` + (valid ? `, validation ${valid.tokens} tokens` : ''));
    if (!ck && (await fsp.access(path.join(a.out, 'state.json')).then(() => true, () => false))) {
      log(`train-stream: warning: ${a.out} holds a checkpoint of another run; this run replaces it (use --resume ${a.out} to continue it instead)`);
    }
    const r = await trainRun(a, data, intr);
    if (!r.kept) await removeIdCache(a.cacheDir);
    owned.cache?.release();
    return r.code;
  } catch (e) {
    // a failed start or run: the cache this process made goes (a kept one of an interrupted run stays)
    await owned.cache?.remove().catch(() => {});
    throw e;
  } finally {
    intr.uninstall();
    for (const l of locks) await l.release();
  }
}

/** Lock --out (and a --cache elsewhere than OUT.cache) for this run. */
async function lockRun(a: RunArgs): Promise<RunLock[]> {
  const warn = (m: string) => log(`train-stream: ${m}`);
  const targets = a.cacheDir === `${a.out}.cache` ? [a.out] : [a.out, a.cacheDir];
  const locks: RunLock[] = [];
  try {
    for (const t of targets) locks.push(await acquireRunLock(t, warn));
  } catch (e) {
    for (const l of locks) await l.release();
    if (e instanceof LockHeld) throw new UserError(e.message);
    throw new UserError(`--out ${a.out}: cannot create the lock (${fsReason(e)})`);
  }
  return locks;
}

/** Train, print where the result is; `kept`: the cache stays for --resume. */
async function trainRun(a: RunArgs, data: IdCacheResult, intr: Interrupts): Promise<{ code: number; kept: boolean }> {
  const { loadModel } = await import('../src/neural/index.js');
  const { model, config, state } = await startModel(a, data);
  if (a.threads > 1) {
    if (model.setThreads) await model.setThreads(a.threads);
    else log('train-stream: warning: this model has no data-parallel training; --threads ignored');
    if (config.model.optimizer === 'sgd') log('train-stream: note: with --threads 2 SGD updates every row (the row-sparse update of one thread is often faster for word models)');
  }
  log(`train-stream: run ${state.runId}, ${a.arch} ${JSON.stringify({ embed: config.model.embed, hidden: config.model.hidden, layers: config.model.layers, softmax: config.model.softmax, optimizer: config.model.optimizer })}, checkpoints in ${a.out}`);
  const targets = targetCount(data.train, config.mode);
  const progress = new Progress({
    write: (s) => process.stderr.write(s), tty: process.stderr.isTTY === true, intervalSec: a.progressSec, epochs: a.training.epochs, targetsPerEpoch: targets,
    startTargets: state.batch > 0 ? Math.round((targets * state.batch) / Math.max(1, estimateBatches(data.train, config))) : 0,
    validHistory: state.validHistory.map((v) => v.ppl),
  });
  if (a.metricsFile && a.metricsFile !== '-') {
    await fsp.writeFile(a.metricsFile, '', { flag: a.ck ? 'a' : 'w' }).catch((e) => { throw new UserError(`--metrics ${a.metricsFile}: ${fsReason(e)}`); });
  }
  const metrics = new MetricsOut(a.metricsFile, a.ck !== undefined);
  intr.phase = 'training';
  let step = state.step;
  let result;
  try {
    result = await runTraining({
      out: a.out, model, vocab: data.vocab, config, data: cacheData(config, data.vocab.bosId, data.train, data.valid), state, carried: a.ck?.carried,
      load: (dir) => loadModel(dir), shouldStop: () => intr.requested || step >= a.maxSteps, onCheckpoint: intr.checkpointWriting,
      onRecord: async (r: RunRecord) => {
        step = r.step;
        progress.record(r);
        await metrics.write(r);
      },
      log: (m) => { progress.clear(); log(`train-stream: ${m}`); },
    });
  } catch (e) {
    if (e instanceof TrainingDiverged) throw new UserError(`${e.message}; ${await lastCheckpoint(a.out)}`);
    throw e;
  } finally {
    await metrics.close();
  }
  result.model.dispose();
  if (result.model !== model) model.dispose();
  progress.clear();
  const s = result.state;
  if (result.stopped) {
    log(`train-stream: checkpoint written to ${a.out} (epoch ${s.epoch}, batch ${s.batch}, step ${s.step}); the id cache ${a.cacheDir} is kept for it; continue with: train-stream --resume ${a.out}`);
    return { code: intr.exitCode, kept: true };
  }
  const best = s.bestValidPpl;
  const why = result.end === 'patience' ? ` (stopped early: ${a.training.patience} epochs without a better validation perplexity)` : result.end === 'time-budget' ? ' (time budget spent)' : '';
  log(`train-stream: done, ${s.step} steps${why}${best !== null ? `, best validation perplexity ${best.toFixed(2)}` : ''}; model in ${a.out} (the weights of epoch ${s.modelEpoch})`);
  if (s.validHistory.length) log(`train-stream: validation perplexity by epoch ${sparkline(s.validHistory.map((v) => v.ppl))} (${s.validHistory.map((v) => v.ppl.toFixed(2)).join(' ')})`);
  if (a.metricsFile && a.metricsFile !== '-') log(`train-stream: metrics in ${path.resolve(a.metricsFile)} (draw them: lmstream plot ${a.metricsFile} -o loss.svg)`);
  return { code: 0, kept: a.p.values['keep-cache'] === true };
}

/** What a failed run leaves: the last checkpoint in --out, if any. */
async function lastCheckpoint(out: string): Promise<string> {
  try {
    const ck = await readCheckpoint(out);
    return `the last good checkpoint stays in ${out} (epoch ${ck.state.epoch}, batch ${ck.state.batch}, step ${ck.state.step})`;
  } catch {
    return 'no checkpoint was written';
  }
}

/** `--model ngram`: the same as `lmstream ngram build` (src/ngram/build.ts), ARPA file to --out. */
async function trainNgram(p: Parsed): Promise<number> {
  const out = str(p, 'out');
  if (!out) throw new UsageError('--out FILE is required (the ARPA file to write)');
  const neuralOnly = ['resume', 'level', 'embed', 'hidden', 'layers', 'direct', 'tie', 'dropout', 'l2', 'clip', 'optimizer', 'lr',
    'init', 'init-scale', 'softmax', 'classes', 'epochs', 'batch', 'bptt', 'valid', 'valid-fraction', 'lr-decay', 'max-tokens',
    'checkpoint-every', 'max-steps', 'shuffle', 'pack', 'threads', 'cache', 'keep-cache', 'metrics', 'patience', 'time-budget', 'min-count', 'max-vocab', 'backend'];
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
