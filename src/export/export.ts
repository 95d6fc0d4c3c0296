/**
 * `lmstream export --format tfjs-layers CKPT OUT/`: a neural checkpoint →
 * a standard tfjs Layers model plus what generation needs.
 *
 * Input: a checkpoint directory (src/train/checkpoint.ts), optionally the
 * metrics JSON lines of its training run.
 * Output, in OUT/ (created; each file written atomically):
 *   model.json              tfjs Layers format: `modelTopology` + `weightsManifest`
 *                           (load with `tf.loadLayersModel(url)`); see ./layers.ts
 *                           for the topology and weight layouts
 *   group1-shard{i}of{n}.bin  the weights, float32 little-endian, 4 MB shards
 *   lmstream.json           vocabulary, tokenizer settings, markers (./meta.ts)
 *   metrics.json            the training curve (./metrics.ts), when there are metrics
 * Memory: the model's weights, twice (lmstream's and the tfjs copy).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf as tfc } from '../backend.js';
import { layersTf } from './tf.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { loadModel } from '../neural/index.js';
import type { BaseLM } from '../neural/model-base.js';
import { MLP_PAD_ID } from '../neural/mlp.js';
import { readCheckpoint } from '../train/checkpoint.js';
import { corpusSpec } from '../train/front-end.js';
import type { TokenizerName } from '../text/tokenizers.js';
import { streamStartIds } from '../generate/prompt.js';
import { buildLayersModel, layersArtifacts } from './layers.js';
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportMeta } from './meta.js';
import { curveFromLines } from './metrics.js';

const tf = layersTf(tfc, tfl);

export const SHARD_BYTES = 4 * 1024 * 1024;

export interface ExportOptions {
  /** the training run's metrics (JSON lines) for the curve */
  metricsFile?: string;
}

export interface ExportResult {
  files: string[];
  meta: ExportMeta;
}

export async function exportTfjsLayers(ckptDir: string, outDir: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const ck = await readCheckpoint(ckptDir);
  const { vocab, config } = ck;
  const spec = corpusSpec(config.level, config.mode, config.tokenizer as TokenizerName);
  let metricsText: string | undefined;
  if (opts.metricsFile) {
    try {
      metricsText = await fsp.readFile(opts.metricsFile, 'utf8');
    } catch (e) {
      throw new Error(`${opts.metricsFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  const model = (await loadModel(ck.dir)) as BaseLM;
  let artifacts;
  try {
    model.syncWeights();
    const weights = new Map(model.params.map((p) => [p.name, p.data]));
    const lm = buildLayersModel(tf, model.config, weights, model.classBoundsList());
    try {
      artifacts = await layersArtifacts(tf, lm);
    } finally {
      lm.dispose();
    }
  } finally {
    model.dispose();
  }
  const c = model.config;
  const meta: ExportMeta = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    config: c,
    classBounds: model.classBoundsList() ?? null,
    level: config.level,
    mode: config.mode,
    tokenizer: spec.tokenizer,
    tokenizerOptions: spec.tokenizerOptions,
    tokens: [...vocab.tokens],
    unkId: vocab.unkId,
    bosId: vocab.bosId,
    eosId: vocab.eosId,
    startIds: config.mode === 'stream' ? streamStartIds((t) => vocab.has(t), (t) => vocab.id(t)) : [],
    contextLength: c.arch === 'mlp' ? c.order - 1 : null,
    padId: c.arch === 'mlp' ? MLP_PAD_ID : null,
    metrics: null,
  };
  // the curve: the metrics file, else the validation history the checkpoint keeps
  let curve = metricsText !== undefined ? curveFromLines(metricsText) : undefined;
  if (!curve && ck.state.validHistory?.length) curve = { train: [], valid: ck.state.validHistory.map((v) => [v.epoch, v.ppl]) };
  await fsp.mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const bytes = new Uint8Array(artifacts.weightData);
  const n = Math.max(1, Math.ceil(bytes.byteLength / SHARD_BYTES));
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `group1-shard${i + 1}of${n}.bin`;
    paths.push(name);
    await atomicWriteFile(path.join(outDir, name), bytes.subarray(i * SHARD_BYTES, Math.min(bytes.byteLength, (i + 1) * SHARD_BYTES)));
    files.push(name);
  }
  if (curve) {
    meta.metrics = 'metrics.json';
    await atomicWriteFile(path.join(outDir, 'metrics.json'), JSON.stringify(curve) + '\n');
    files.push('metrics.json');
  }
  await atomicWriteFile(path.join(outDir, 'lmstream.json'), JSON.stringify(meta) + '\n');
  files.push('lmstream.json');
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'lmstream export',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
    userDefinedMetadata: { lmstream: 'lmstream.json' },
  };
  await atomicWriteFile(path.join(outDir, 'model.json'), JSON.stringify(modelJson) + '\n');
  files.push('model.json');
  return { files, meta };
}
