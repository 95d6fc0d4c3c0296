/**
 * run: the one training loop (composition, not a stage), behind
 * `train-stream` and `reproduce`: for each epoch, the data's batches →
 * trainer → records; at each epoch end validation perplexity and the
 * schedule's decisions (learning-rate decay, patience, time budget:
 * schedule.ts); checkpoints at epoch ends (and every N steps, mid-epoch, with
 * the carried recurrent state); a clean stop with a checkpoint when
 * `shouldStop` turns true (signals, --max-steps).
 *
 * Best weights: with validation, each new best is also written as a
 * checkpoint to OUT.best; when the run ends, OUT holds the best epoch's
 * weights (state.modelEpoch says which) and OUT.best is removed. An
 * interrupted run keeps both for --resume.
 *
 * Divergence: a non-finite (or overflowing) training loss or validation
 * perplexity throws `TrainingDiverged` before anything else is written, so
 * the last checkpoint in OUT stays the last good one.
 *
 * Records given to `onRecord`: the trainer's `StepMetrics`, and one
 * `EpochMetrics` per finished epoch.
 */
import { promises as fsp } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Batch, NeuralLM } from '../neural/api.js';
import type { Vocabulary } from '../vocab/vocabulary.js';
import type { IdCache } from './id-cache.js';
import { epochBatchStream, epochBatches, type BatchSpec } from './batches.js';
import { trainer, type StepMetrics } from './trainer.js';
import { evaluateBatches, type EvalResult } from '../eval/evaluator.js';
import { readCheckpoint, writeCheckpoint, type CheckpointConfig, type TrainingOptions, type TrainState } from './checkpoint.js';
import { afterValidation, bestOf, budgetSpent, type SchedulePolicy } from './schedule.js';
import { epochSeed } from '../util/random.js';

export interface EpochMetrics {
  kind: 'epoch';
  epoch: number;
  step: number;
  /** token-weighted mean training loss (nats) of the steps run in this epoch by this process */
  trainLoss: number;
  validPpl: number | null;
  validTokens: number | null;
  /** the learning rate this epoch trained with */
  trainedLr: number;
  /** learning rate for the next epoch (after any decay) */
  lr: number;
  bestValidPpl: number | null;
  decayed: boolean;
  /** the time budget cut this epoch short */
  partial: boolean;
  /** training ends after this epoch: 'epochs', 'patience', 'time-budget', or null */
  end: RunEnd | null;
  /** seconds this epoch took in this process (training and validation) */
  seconds: number;
}

export type RunRecord = StepMetrics | EpochMetrics;
export type RunEnd = 'epochs' | 'patience' | 'time-budget';

/** The resumable part of TrainState. */
export type RunState = Omit<TrainState, 'carried' | 'savedAt' | 'format' | 'version'>;

/** Where a run's batches come from. */
export interface TrainData {
  /** the training batches of `epoch` (1-based) from its batch `startBatch` */
  train(epoch: number, startBatch: number): AsyncIterable<Batch>;
  /** one pass over the validation data (absent: no validation) */
  valid?: () => AsyncIterable<Batch>;
}

export interface RunOptions {
  out: string;
  model: NeuralLM;
  vocab: Vocabulary;
  config: CheckpointConfig;
  data: TrainData;
  state: RunState;
  /** carried recurrent state to restore when resuming mid-epoch */
  carried?: Float32Array[];
  /** reloads a checkpoint's model (to end with the best epoch's weights) */
  load: (dir: string) => Promise<NeuralLM>;
  shouldStop: () => boolean;
  /** told when a checkpoint write starts (true) and ends (false): signals wait for it */
  onCheckpoint?: (writing: boolean) => void;
  onRecord?: (rec: RunRecord) => void | Promise<void>;
  log?: (msg: string) => void;
  /** clock in ms (tests); default performance.now */
  now?: () => number;
}

export interface RunResult {
  stopped: boolean;
  state: RunState;
  /** the model the run ends with (the best epoch's, possibly a reloaded instance: dispose it) */
  model: NeuralLM;
  /** why training ended (null when stopped) */
  end: RunEnd | null;
}

/** A non-finite training loss or validation perplexity. */
export class TrainingDiverged extends Error {
  constructor(message: string, readonly step: number) {
    super(message);
    this.name = 'TrainingDiverged';
  }
}

/** The schedule of a run's training options. */
export function schedulePolicy(t: TrainingOptions): SchedulePolicy {
  return { lrDecay: t.lrDecay, patience: t.patience ?? Infinity, timeBudget: t.timeBudget ?? Infinity };
}

/** The batch spec of a train-stream run (id cache). */
export function cacheBatchSpec(config: CheckpointConfig, bosId: number): BatchSpec {
  const t = config.training;
  return {
    arch: config.model.arch, mode: config.mode, batch: t.batch, bptt: t.bptt, order: config.model.order, bosId,
    shuffle: t.shuffle ?? 0, pack: t.pack ?? false,
  };
}

/** A train-stream run's data: the id caches, the mlp examples shuffled with the epoch's seed. */
export function cacheData(config: CheckpointConfig, bosId: number, train: IdCache, valid?: IdCache): TrainData {
  const spec = cacheBatchSpec(config, bosId);
  return {
    train: (epoch, startBatch) => epochBatchStream(train, { ...spec, startBatch, shuffleSeed: epochSeed(config.model.seed, epoch) }),
    valid: valid && valid.tokens > 0 ? () => epochBatches(valid, { ...spec, startBatch: 0, shuffle: 0, pack: false }) : undefined,
  };
}

/** Perplexity of a model on an id cache, batched as the run's spec says (validation, `lmstream eval`; `onTokens`: progress). */
export function validate(model: NeuralLM, cache: IdCache, spec: BatchSpec, onTokens?: (tokens: number) => void): Promise<EvalResult> {
  return evaluateBatches(model, epochBatches(cache, { ...spec, startBatch: 0, shuffle: 0, pack: false }), onTokens);
}

const exists = (p: string) => fsp.access(p).then(() => true, () => false);

export async function runTraining(o: RunOptions): Promise<RunResult> {
  const { config } = o;
  let model = o.model;
  const t = config.training;
  const policy = schedulePolicy(t);
  const state: RunState = { ...o.state, validHistory: [...o.state.validHistory] };
  const now = o.now ?? (() => performance.now());
  const bestDir = `${o.out}.best`;
  const started = now() - (state.trainSeconds ?? 0) * 1000;
  const elapsed = () => (now() - started) / 1000;
  model.learningRate = state.lr;
  const save = async (dir: string, withCarried: boolean) => {
    state.trainSeconds = elapsed();
    o.onCheckpoint?.(true);
    try {
      await writeCheckpoint(dir, { model, vocab: o.vocab, config, state: { ...state, lr: model.learningRate }, withCarried });
    } finally {
      o.onCheckpoint?.(false);
    }
  };
  const carried = config.model.arch !== 'mlp';

  let first = true;
  let end: RunEnd | null = state.epoch > t.epochs ? 'epochs' : null;
  while (end === null) {
    if (first && state.batch > 0) {
      // mid-epoch resume: keep the carried recurrent state (carried.bin, or
      // restored by the model itself when it was loaded)
      if (o.carried && model.setCarriedState) model.setCarriedState(o.carried);
    } else {
      model.resetState();
    }
    first = false;
    const e0 = now();
    const trainedLr = model.learningRate;
    const budget = () => budgetSpent(elapsed(), policy);
    const tr = trainer({ model, epoch: state.epoch, step: state.step, batch: state.batch, shouldStop: () => o.shouldStop() || budget() });
    const startStep = state.step;
    let sumLoss = 0;
    let sumTok = 0;
    try {
      await pipeline(o.data.train(state.epoch, state.batch), tr, async (src: AsyncIterable<StepMetrics>) => {
        for await (const rec of src) {
          sumLoss += rec.loss * rec.tokens;
          sumTok += rec.tokens;
          state.step = tr.progress.step;
          state.batch = tr.progress.batch;
          await o.onRecord?.(rec);
          if (t.checkpointEvery > 0 && state.step % t.checkpointEvery === 0) await save(o.out, carried);
        }
      });
    } catch (e) {
      if ((e as Error).message.startsWith('training diverged')) throw new TrainingDiverged((e as Error).message, tr.progress.step + 1);
      throw e;
    }
    state.step = tr.progress.step;
    state.batch = tr.progress.batch;
    const partial = tr.progress.stopped && !o.shouldStop();
    if (tr.progress.stopped && !partial) {
      await save(o.out, carried);
      return { stopped: true, state, model, end: null };
    }
    if (partial && state.step === startStep) { end = 'time-budget'; break; }
    let validPpl: number | null = null;
    let validTokens: number | null = null;
    let decayed = false;
    let improved = false;
    let stop = false;
    if (o.data.valid) {
      const r = await evaluateBatches(model, o.data.valid());
      if (!Number.isFinite(r.ppl)) {
        throw new TrainingDiverged(`training diverged in epoch ${state.epoch}: validation perplexity ${r.ppl}`, state.step);
      }
      validPpl = r.ppl;
      validTokens = r.tokens;
      const d = afterValidation(state.validHistory, state.epoch, validPpl, model.learningRate, policy);
      model.learningRate = d.lr;
      decayed = d.decayed;
      improved = d.improved;
      stop = d.stop;
      state.bestValidPpl = d.bestPpl;
      state.validHistory.push({ epoch: state.epoch, ppl: validPpl, lr: model.learningRate });
    }
    state.lr = model.learningRate;
    const epoch = state.epoch;
    state.epoch++;
    state.batch = 0;
    end = state.epoch > t.epochs ? 'epochs' : stop ? 'patience' : partial || budget() ? 'time-budget' : null;
    state.done = end !== null;
    if (state.done) state.modelEpoch = epoch;
    await save(o.out, false);
    if (improved) await save(bestDir, false);
    await o.onRecord?.({
      kind: 'epoch', epoch, step: state.step, trainLoss: sumTok ? sumLoss / sumTok : NaN, validPpl, validTokens, trainedLr,
      lr: model.learningRate, bestValidPpl: state.bestValidPpl, decayed, partial, end, seconds: (now() - e0) / 1000,
    });
    if (end === null && o.shouldStop()) return { stopped: true, state, model, end: null };
  }
  if (!state.done) {
    // the time budget was spent before the epoch's first step
    state.done = true;
    state.modelEpoch = state.epoch - 1;
    await save(o.out, false);
  }
  const best = await bestModel(o, state, bestDir);
  if (best) {
    best.model.learningRate = model.learningRate;
    model.dispose();
    model = best.model;
    state.modelEpoch = best.epoch;
    await save(o.out, false);
  }
  if (await exists(bestDir)) await fsp.rm(bestDir, { recursive: true, force: true });
  return { stopped: false, state, model, end };
}

/**
 * The model a finished run ends with: the best epoch's, reloaded from
 * OUT.best when a later epoch was worse (null: keep the last epoch's).
 */
async function bestModel(o: RunOptions, state: RunState, bestDir: string): Promise<{ model: NeuralLM; epoch: number } | null> {
  const best = bestOf(state.validHistory);
  const last = state.validHistory[state.validHistory.length - 1];
  if (!best || !last || best === last) return null;
  let saved: number | undefined;
  try {
    saved = (await readCheckpoint(bestDir)).state.epoch - 1;
  } catch { /* no best checkpoint (a run begun before 2026-12) */ }
  if (saved !== best.epoch) {
    o.log?.(`warning: the weights of the best epoch (${best.epoch}) were not kept; the model is the last epoch's`);
    return null;
  }
  o.log?.(`restoring the weights of epoch ${best.epoch} (validation perplexity ${best.ppl.toFixed(2)}; the last epoch scored ${last.ppl.toFixed(2)})`);
  return { model: await o.load(bestDir), epoch: best.epoch };
}
