/**
 * The neural models: create, load, defaults. See api.ts for the interface
 * and model-base.ts for the files `save(dir)` writes.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../backend.js';
import type { NeuralConfig, NeuralLM } from './api.js';
import type { ModelExtras } from './make-output.js';
import { MlpLM } from './mlp.js';
import { BaseLM, MODEL_FORMAT, unpackWeights, type ModelJSON, type OptimizerJSON } from './model-base.js';
import { RecurrentLM } from './recurrent.js';

export type { ModelExtras } from './make-output.js';
export { MLP_PAD_ID } from './mlp.js';
export { classBoundsFromCounts, defaultClassCount } from './classes.js';
export { matmulDescription, setMatmulImpl } from './linalg.js';

const ARCHS = ['mlp', 'rnn', 'lstm', 'gru'];
const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'];

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

function build(config: NeuralConfig, extras: ModelExtras): BaseLM {
  validateConfig(config);
  return config.arch === 'mlp' ? new MlpLM(config, extras) : new RecurrentLM(config, extras);
}

/**
 * A freshly initialised model (reproducible from config.seed). For
 * `softmax: 'class'` pass the unigram counts by id (or explicit class
 * boundaries); without them a Zipf law over the id order is assumed.
 */
export async function createModel(config: NeuralConfig, extras: ModelExtras = {}): Promise<NeuralLM> {
  await initBackend();
  const m = build(config, extras);
  if (extras.threads !== undefined && extras.threads !== 1) await m.setThreads(extras.threads);
  return m;
}

/** A model saved by `save(dir)`, with its optimiser state when optimizer.json is there. */
export async function loadModel(dir: string, opts: { threads?: number } = {}): Promise<NeuralLM> {
  await initBackend();
  const mfile = path.join(dir, 'model.json');
  let mj: ModelJSON;
  try {
    mj = JSON.parse(await fsp.readFile(mfile, 'utf8')) as ModelJSON;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${mfile}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  if (mj.format !== MODEL_FORMAT) throw new Error(`${mfile}: not an lmstream neural model (format ${JSON.stringify(mj.format)})`);
  const model = build(mj.config, { classBounds: mj.classBounds });
  const man = mj.weightsManifest?.[0];
  if (!man) throw new Error(`${mfile}: no weightsManifest`);
  const wfile = path.join(dir, man.paths[0]);
  model.setWeights(unpackWeights(await fsp.readFile(wfile), man.weights, wfile), wfile);
  const ofile = path.join(dir, 'optimizer.json');
  let oj: OptimizerJSON | undefined;
  try {
    oj = JSON.parse(await fsp.readFile(ofile, 'utf8')) as OptimizerJSON;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${ofile}: ${(e as Error).message}`);
  }
  if (oj) {
    const obin = path.join(dir, oj.weightsManifest[0].paths[0]);
    model.loadOptimizer(oj, unpackWeights(await fsp.readFile(obin), oj.weightsManifest[0].weights, obin), ofile);
  }
  if (opts.threads !== undefined && opts.threads !== 1) await model.setThreads(opts.threads);
  return model;
}
