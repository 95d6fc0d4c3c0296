/**
 * The neural models: create, load, defaults. See api.ts for the interface
 * and model-base.ts for the files `save(dir)` writes.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../backend.js';
import type { NeuralConfig, NeuralLM } from './api.js';
import { validateConfig } from './config.js';
import type { ModelExtras } from './make-output.js';
import { MlpLM } from './mlp.js';
import { BaseLM, MODEL_FORMAT, unpackWeights, type ModelJSON, type OptimizerJSON } from './model-base.js';
import { RecurrentLM } from './recurrent.js';

export type { ModelExtras } from './make-output.js';
export { MLP_PAD_ID } from './mlp.js';
export { classBoundsFromCounts, defaultClassCount } from './classes.js';
export { matmulDescription, setMatmulImpl } from './linalg.js';

export { defaultConfig, validateConfig } from './config.js';

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
