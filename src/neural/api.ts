/**
 * The contract between the neural models (src/neural/) and the streaming
 * training stages (src/train/) and generation (src/generate/).
 * Changing it means changing both sides.
 */

export type Arch = 'mlp' | 'rnn' | 'lstm' | 'gru';
export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
export type InitName = 'uniform' | 'xavier' | 'orthogonal';
export type SoftmaxKind = 'full' | 'class';

export interface NeuralConfig {
  arch: Arch;
  vocabSize: number;
  /** embedding size m */
  embed: number;
  /** hidden size h */
  hidden: number;
  /** recurrent layers (rnn/lstm/gru) */
  layers: number;
  /** mlp only: n of the n-gram window (context = n-1 tokens) */
  order: number;
  /** mlp only: direct connections embeddings → output */
  direct: boolean;
  /** recurrent only: tie input embedding and output weights (needs embed === hidden) */
  tie: boolean;
  dropout: number;
  softmax: SoftmaxKind;
  /** class softmax: number of frequency classes (default ≈ √V) */
  classes: number;
  init: InitName;
  /** uniform init half-width a (init 'uniform') */
  initScale: number;
  optimizer: OptimizerName;
  lr: number;
  /** L2 weight decay coefficient (decoupled for adamw) */
  l2: number;
  /** gradient-norm clipping threshold, 0 = off */
  clip: number;
  seed: number;
}

/**
 * A minibatch for recurrent models, lane-major: x[b*T + t] is the input of
 * lane b at step t and y[b*T + t] the token to predict. `reset[b] = 1` zeroes
 * lane b's hidden state before this batch (a new document starts there).
 * `mask`, when present, is 0 at padded positions that must not count.
 */
export interface SeqBatch {
  kind: 'seq';
  B: number;
  T: number;
  x: Int32Array;
  y: Int32Array;
  reset: Uint8Array;
  mask?: Uint8Array;
}

/** A minibatch for the fixed-window model: context[b*(n-1) + j], next[b]. */
export interface WindowBatch {
  kind: 'window';
  B: number;
  /** context length n-1 */
  N: number;
  context: Int32Array;
  next: Int32Array;
}

export type Batch = SeqBatch | WindowBatch;

export interface StepResult {
  /** mean cross-entropy in nats over the counted tokens of the batch */
  loss: number;
  tokens: number;
}

/** Incremental state for generation or scoring, one sequence. */
export type GenState = unknown;

export interface NeuralLM {
  readonly config: NeuralConfig;
  /** one optimisation step (forward, backward, update); carries recurrent state to the next batch, detached */
  trainStep(batch: Batch): Promise<StepResult>;
  /** loss without update; carries recurrent state like trainStep (call resetState between passes) */
  evaluate(batch: Batch): Promise<{ sumNats: number; tokens: number }>;
  /** zero the carried hidden state of every lane */
  resetState(): void;
  /** the learning rate in use (for decay schedules) */
  learningRate: number;
  /** a fresh generation state (empty context) */
  initialState(): GenState;
  /** feed one token; returns the new state and P(next | history), length vocabSize, summing to 1 */
  step(state: GenState, token: number): { state: GenState; probs: Float32Array };
  /** serialise weights and optimiser state (tfjs weight-manifest compatible) */
  save(dir: string): Promise<void>;
  dispose(): void;
  /**
   * Optional (added for src/train's exact resume): the carried recurrent state
   * of every lane (e.g. h and c of each layer, any layout), and its
   * restoration. The checkpoint saves it, so a run stopped mid-epoch resumes
   * with the same losses. Without it, a mid-epoch resume starts from a zero
   * state (reported on stderr).
   */
  getCarriedState?(): Float32Array[];
  setCarriedState?(state: Float32Array[]): void;
  /**
   * Optional (added for mixtures, src/eval/token-probs.ts): like
   * `evaluate` (no update, carries state), but the nats −ln P(target) of every
   * position of the batch, in the batch's layout (window: next[b]; seq:
   * y[b*T + t]), 0 at masked positions. Without it, per-token probabilities
   * are computed one token at a time with `step`.
   */
  tokenNats?(batch: Batch): Promise<Float32Array>;
  /**
   * Optional (src/neural models have it): data-parallel training on 1 or 2
   * threads (a worker_thread computes the gradient of half of each batch).
   * Same losses as one thread up to float rounding; call `dispose()` to stop
   * the worker.
   */
  setThreads?(threads: number): Promise<void>;
}
