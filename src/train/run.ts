/**
 * run: the epoch loop of `train-stream` for neural models (composition, not a
 * stage): for each epoch, the id cache's batches → trainer → records sink;
 * validation perplexity at each epoch end, learning-rate decay when it stops
 * improving, checkpoints at epoch ends (and every N steps, mid-epoch, with
 * the carried recurrent state), and a clean stop with a checkpoint when
 * `shouldStop` turns true (SIGINT).
 *
 * Records given to `onRecord`: the trainer's `StepMetrics`, and one
 * `EpochMetrics` per finished epoch.
 */
import { pipeline } from 'node:stream/promises';
import type { NeuralLM } from '../neural/api.js';
import type { Vocabulary } from '../vocab/vocabulary.js';
import type { IdCache } from './id-cache.js';
import { epochBatchStream, epochBatches, type BatchSpec } from './batches.js';
import { epochSeed } from '../util/random.js';
import { trainer, type StepMetrics } from './trainer.js';
import { evaluator, type EvalResult } from './evaluator.js';
import { writeCheckpoint, type CheckpointConfig, type TrainState } from './checkpoint.js';

export interface EpochMetrics {
  kind: 'epoch';
  epoch: number;
  step: number;
  /** token-weighted mean training loss (nats) of the steps run in this epoch by this process */
  trainLoss: number;
  validPpl: number | null;
  validTokens: number | null;
  /** learning rate for the next epoch (after any decay) */
  lr: number;
  bestValidPpl: number | null;
  decayed: boolean;
}

export type RunRecord = StepMetrics | EpochMetrics;

/** The resumable part of TrainState. */
export type RunState = Omit<TrainState, 'carried' | 'savedAt' | 'format' | 'version'>;

export interface RunOptions {
  out: string;
  model: NeuralLM;
  vocab: Vocabulary;
  config: CheckpointConfig;
  train: IdCache;
  valid?: IdCache;
  state: RunState;
  /** carried recurrent state to restore when resuming mid-epoch */
  carried?: Float32Array[];
  shouldStop: () => boolean;
  onRecord?: (rec: RunRecord) => void | Promise<void>;
  log?: (msg: string) => void;
}

export interface RunResult {
  stopped: boolean;
  state: RunState;
}

export async function validate(model: NeuralLM, cache: IdCache, spec: BatchSpec): Promise<EvalResult> {
  let res: EvalResult | undefined;
  await pipeline(epochBatches(cache, { ...spec, startBatch: 0, shuffle: 0, pack: false }), evaluator(model), async (src: AsyncIterable<EvalResult>) => {
    for await (const r of src) res = r;
  });
  return res!;
}

export async function runTraining(o: RunOptions): Promise<RunResult> {
  const { model, config } = o;
  const t = config.training;
  const state: RunState = { ...o.state, validHistory: [...o.state.validHistory] };
  const spec: BatchSpec = {
    arch: config.model.arch, mode: config.mode, batch: t.batch, bptt: t.bptt, order: config.model.order, bosId: o.vocab.bosId,
    shuffle: t.shuffle ?? 0,
    pack: t.pack ?? false,
  };
  model.learningRate = state.lr;
  const save = (withCarried: boolean) =>
    writeCheckpoint(o.out, { model, vocab: o.vocab, config, state: { ...state, lr: model.learningRate }, withCarried });

  let first = true;
  while (state.epoch <= t.epochs) {
    if (first && state.batch > 0) {
      // mid-epoch resume: keep the carried recurrent state. It comes from the
      // checkpoint's carried.bin (getCarriedState models), or the model
      // restored it itself when it was loaded (src/neural keeps it beside the
      // optimiser state).
      if (o.carried && model.setCarriedState) model.setCarriedState(o.carried);
    } else {
      model.resetState();
    }
    first = false;
    spec.shuffleSeed = epochSeed(config.model.seed, state.epoch);
    const tr = trainer({ model, epoch: state.epoch, step: state.step, batch: state.batch, shouldStop: o.shouldStop });
    let sumLoss = 0;
    let sumTok = 0;
    await pipeline(epochBatchStream(o.train, { ...spec, startBatch: state.batch }), tr, async (src: AsyncIterable<StepMetrics>) => {
      for await (const rec of src) {
        sumLoss += rec.loss * rec.tokens;
        sumTok += rec.tokens;
        state.step = tr.progress.step;
        state.batch = tr.progress.batch;
        await o.onRecord?.(rec);
        if (t.checkpointEvery > 0 && state.step % t.checkpointEvery === 0) await save(config.model.arch !== 'mlp');
      }
    });
    state.step = tr.progress.step;
    state.batch = tr.progress.batch;
    if (tr.progress.stopped) {
      await save(config.model.arch !== 'mlp');
      return { stopped: true, state };
    }
    let validPpl: number | null = null;
    let validTokens: number | null = null;
    let decayed = false;
    if (o.valid && o.valid.tokens > 0) {
      const r = await validate(model, o.valid, spec);
      validPpl = r.ppl;
      validTokens = r.tokens;
      if (state.bestValidPpl !== null && !(validPpl < state.bestValidPpl) && t.lrDecay > 1) {
        model.learningRate = model.learningRate / t.lrDecay;
        decayed = true;
      }
      if (state.bestValidPpl === null || validPpl < state.bestValidPpl) state.bestValidPpl = validPpl;
      state.validHistory.push({ epoch: state.epoch, ppl: validPpl, lr: model.learningRate });
    }
    state.lr = model.learningRate;
    const rec: EpochMetrics = {
      kind: 'epoch', epoch: state.epoch, step: state.step, trainLoss: sumTok ? sumLoss / sumTok : NaN,
      validPpl, validTokens, lr: model.learningRate, bestValidPpl: state.bestValidPpl, decayed,
    };
    state.epoch++;
    state.batch = 0;
    state.done = state.epoch > t.epochs;
    await save(false);
    await o.onRecord?.(rec);
    if (o.shouldStop()) return { stopped: true, state };
  }
  return { stopped: false, state };
}
