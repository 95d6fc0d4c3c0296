/**
 * trainer: consumes minibatches, runs one optimisation step of the model per
 * batch, and emits one metric record per step.
 *
 * Input:  `Batch` (SeqBatch from lanes, WindowBatch from window).
 * Output: `StepMetrics` {kind:'step', step, epoch, batch, loss, ppl, lr,
 *         tokens, tokensPerSec, elapsed}; `step` counts optimisation steps
 *         over the whole run (resumes included), `batch` is the index of the
 *         batch in its epoch, `tokensPerSec` is the mean rate of this trainer.
 *
 * Divergence: a loss whose perplexity is not finite (NaN, ∞, or above
 * ~709 nats) throws before the step's record is emitted.
 *
 * Stopping (signals, --max-steps, a time budget): `shouldStop` is checked before each batch;
 * when it says true the generator returns without touching that batch, so
 * `progress.batch` is exactly the number of batches of the epoch consumed and
 * the step in flight always completes before a checkpoint is written.
 */
import { Duplex } from 'node:stream';
import type { Batch, NeuralLM } from '../neural/api.js';

export interface StepMetrics {
  kind: 'step';
  step: number;
  epoch: number;
  batch: number;
  loss: number;
  ppl: number;
  lr: number;
  tokens: number;
  tokensPerSec: number;
  /** seconds since this trainer started */
  elapsed: number;
}

export interface TrainerOptions {
  model: NeuralLM;
  epoch: number;
  /** optimisation steps done before (resume); default 0 */
  step?: number;
  /** index in the epoch of the first batch this trainer receives; default 0 */
  batch?: number;
  shouldStop?: () => boolean;
  /** clock in ms (tests); default performance.now */
  now?: () => number;
}

/** Where a trainer is: read it after the pipeline ends (checkpoint position). */
export interface TrainerProgress {
  step: number;
  batch: number;
  tokens: number;
  stopped: boolean;
}

export type TrainerStage = ((source: AsyncIterable<Batch>) => AsyncGenerator<StepMetrics>) & { progress: TrainerProgress };

export function trainer(opts: TrainerOptions): TrainerStage {
  const now = opts.now ?? (() => performance.now());
  const progress: TrainerProgress = { step: opts.step ?? 0, batch: opts.batch ?? 0, tokens: 0, stopped: false };
  const gen = async function* train(source: AsyncIterable<Batch>): AsyncGenerator<StepMetrics> {
    const t0 = now();
    for await (const batch of source) {
      if (opts.shouldStop?.()) { progress.stopped = true; return; }
      const r = await opts.model.trainStep(batch);
      if (!Number.isFinite(Math.exp(r.loss))) {
        // a mean loss above ~709 nats (perplexity beyond the largest double) is divergence too
        throw new Error(`training diverged at step ${progress.step + 1} (loss ${r.loss}, perplexity ${Math.exp(r.loss)}): lower --lr or use --clip`);
      }
      progress.step++;
      progress.batch++;
      progress.tokens += r.tokens;
      const elapsed = (now() - t0) / 1000;
      yield {
        kind: 'step',
        step: progress.step,
        epoch: opts.epoch,
        batch: progress.batch - 1,
        loss: r.loss,
        ppl: Math.exp(r.loss),
        lr: opts.model.learningRate,
        tokens: r.tokens,
        tokensPerSec: elapsed > 0 ? progress.tokens / elapsed : 0,
        elapsed,
      };
    }
  };
  return Object.assign(gen, { progress });
}

/** The trainer as a Duplex stream (objectMode); its progress is on `.progress`. */
export function createTrainer(opts: TrainerOptions): Duplex & { progress: TrainerProgress } {
  const t = trainer(opts);
  return Object.assign(Duplex.from(t), { progress: t.progress });
}
