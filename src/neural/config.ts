/**
 * Neural model configs: defaults and validation. No TensorFlow.js here, so
 * `import 'lmstream'` can offer them without loading it.
 */
import type { NeuralConfig, OptimizerName } from './api.js';

const ARCHS = ['mlp', 'rnn', 'lstm', 'gru'];
/** The optimiser names a config may give. */
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'];

/**
 * A complete config from a partial one (vocabSize is required): lstm, 1 layer,
 * embed 64 / hidden 256 (mlp: order 5, embed 30, hidden 100), full softmax,
 * uniform ±0.1 init, adam lr 0.001, no dropout, L2 or clipping, seed 1.
 */
export function defaultConfig(partial: Partial<NeuralConfig> & { vocabSize: number }): NeuralConfig {
  const arch = partial.arch ?? 'lstm';
  const c: NeuralConfig = {
    arch,
    embed: arch === 'mlp' ? 30 : 64,
    hidden: arch === 'mlp' ? 100 : 256,
    layers: 1,
    order: 5,
    direct: false,
    tie: false,
    dropout: 0,
    softmax: 'full',
    classes: 0,
    init: 'uniform',
    initScale: 0.1,
    optimizer: 'adam',
    lr: 1e-3,
    l2: 0,
    clip: 0,
    seed: 1,
    // keys given as undefined keep their defaults
    ...(Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<NeuralConfig>),
    vocabSize: partial.vocabSize,
  };
  validateConfig(c);
  return c;
}

/** Throws a message naming the field when a config is unusable. */
export function validateConfig(c: NeuralConfig): void {
  const int = (k: keyof NeuralConfig, min: number) => {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < min) throw new Error(`config.${k} must be a whole number >= ${min}, got ${v}`);
  };
  if (!ARCHS.includes(c.arch)) throw new Error(`config.arch must be one of ${ARCHS.join(', ')}, got '${c.arch}'`);
  if (!OPTIMIZERS.includes(c.optimizer)) throw new Error(`config.optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${c.optimizer}'`);
  if (!['full', 'class'].includes(c.softmax)) throw new Error(`config.softmax must be full or class, got '${c.softmax}'`);
  if (!['uniform', 'xavier', 'orthogonal'].includes(c.init)) throw new Error(`config.init must be uniform, xavier or orthogonal, got '${c.init}'`);
  int('vocabSize', 1);
  int('embed', 1);
  int('hidden', 1);
  int('layers', 1);
  int('order', 2);
  int('classes', 0);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`config.dropout must be in [0, 1), got ${c.dropout}`);
  for (const k of ['lr', 'l2', 'clip', 'initScale'] as const) {
    if (!(c[k] >= 0) || !Number.isFinite(c[k])) throw new Error(`config.${k} must be a finite number >= 0, got ${c[k]}`);
  }
  if (!Number.isFinite(c.seed)) throw new Error(`config.seed must be a number, got ${c.seed}`);
  if (c.tie && c.arch !== 'mlp' && c.embed !== c.hidden) throw new Error(`config.tie needs embed (${c.embed}) equal to hidden (${c.hidden})`);
}
