/**
 * checkpoint: a training run saved to a directory, written atomically.
 *
 * DIR/
 *   model files      written by NeuralLM.save(dir): model.json + weights + optimiser state
 *   vocab.json       the vocabulary (src/vocab/vocabulary.ts format)
 *   config.json      {format, version, model: NeuralConfig, level, tokenizer, tokenizerOptions,
 *                     mode, training: {...}}: a prompt is tokenized with
 *                     getTokenizer(tokenizer, tokenizerOptions), then addMarkers(…, mode)
 *   state.json       {format, version, runId, epoch, batch, step, done, lr, bestValidPpl,
 *                     validHistory, data: {...}, carried, savedAt}
 *   carried.json/.bin the model's carried recurrent state (when the model exposes it),
 *                     float32 little-endian arrays one after another, lengths in carried.json
 *
 * Position: `epoch` is the epoch in progress (1-based) and `batch` the number
 * of its batches already trained (0 = at its start); `done` is true once the
 * last epoch ended. The data order of an epoch depends only on the seed and
 * the epoch (the mlp shuffle restarts its RNG at each epoch), and the dropout
 * RNG is part of the model's saved state, so (epoch, batch) restores the
 * position exactly (checkpoints written before 2026-12 also hold an unused
 * `rngState`, ignored). A resumed run rebuilds the epoch's batches from the id
 * cache and skips `batch` of them.
 *
 * Atomic and durable (util/atomic-write.ts atomicReplaceDir): everything is
 * written to DIR.tmp-XXXX and fsynced, then DIR (if any) is renamed to
 * DIR.old-XXXX, DIR.tmp-XXXX to DIR, and the old one removed. A crash between
 * the two renames leaves DIR.old-XXXX, which `readCheckpoint` falls back to.
 * An existing DIR that is not a checkpoint is never replaced.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { nanoid } from 'nanoid';
import { atomicReplaceDir, OLD_DIR_INFIX } from '../util/atomic-write.js';
import { Vocabulary } from '../vocab/vocabulary.js';
import type { NeuralConfig, NeuralLM } from '../neural/api.js';
import type { MarkerMode } from '../types.js';

export const STATE_FORMAT = 'lmstream-train-state';
export const CONFIG_FORMAT = 'lmstream-train-config';

export type Level = 'char' | 'word';

export interface TrainingOptions {
  epochs: number;
  batch: number;
  bptt: number;
  lrDecay: number;
  validFraction: number;
  maxTokens: number | null;
  checkpointEvery: number;
  /** recurrent, sentence mode: documents packed back to back in the lanes for training */
  pack?: boolean;
  /** mlp: shuffle buffer in batches (0 or absent: corpus order) */
  shuffle?: number;
  /** --valid FILE (re-read on resume when the cache is gone) */
  validFile?: string | null;
  /** stop after this many epochs without a better validation perplexity (absent/null: never) */
  patience?: number | null;
  /** seconds of training after which the run ends (absent/null: no budget) */
  timeBudget?: number | null;
}

export interface CheckpointConfig {
  format: typeof CONFIG_FORMAT;
  version: 1;
  model: NeuralConfig;
  level: Level;
  /** front-end tokenizer name (src/text/tokenizers.ts) and its options */
  tokenizer: string;
  tokenizerOptions?: { newline?: boolean; spaces?: boolean };
  mode: MarkerMode;
  training: TrainingOptions;
}

export interface DataFingerprint {
  trainTokens: number;
  trainDocs: number;
  trainChecksum: string;
  validTokens: number | null;
  validChecksum: string | null;
}

export interface TrainState {
  format: typeof STATE_FORMAT;
  version: 1;
  runId: string;
  epoch: number;
  batch: number;
  step: number;
  done: boolean;
  lr: number;
  bestValidPpl: number | null;
  validHistory: { epoch: number; ppl: number; lr: number }[];
  /** seconds spent training so far, over resumes (the time budget); absent in older checkpoints */
  trainSeconds?: number;
  /** set when the run ended: the epoch whose weights the model holds (the best on validation) */
  modelEpoch?: number;
  data: DataFingerprint;
  carried: boolean;
  savedAt: string;
}

export function newRunId(): string {
  return nanoid();
}

async function exists(p: string): Promise<boolean> {
  try { await fsp.access(p); return true; } catch { return false; }
}

export interface CheckpointParts {
  model: NeuralLM;
  vocab: Vocabulary;
  config: CheckpointConfig;
  state: Omit<TrainState, 'carried' | 'savedAt' | 'format' | 'version'>;
  /** save the model's carried state (mid-epoch checkpoints) */
  withCarried: boolean;
}

/** Write a checkpoint to `dir` atomically (replacing an older checkpoint there). */
export async function writeCheckpoint(dir: string, parts: CheckpointParts): Promise<void> {
  dir = path.resolve(dir);
  const st = await fsp.stat(dir).catch(() => undefined);
  if (st && !st.isDirectory()) throw new Error(`${dir}: exists and is not a directory; not replacing it`);
  if (st) {
    const entries = await fsp.readdir(dir);
    if (entries.length > 0 && !entries.includes('state.json')) {
      throw new Error(`${dir}: exists and is not an lmstream checkpoint (no state.json); not replacing it`);
    }
  }
  await atomicReplaceDir(dir, async (tmp) => {
    await parts.model.save(tmp);
    await fsp.writeFile(path.join(tmp, 'vocab.json'), JSON.stringify(parts.vocab.toJSON()) + '\n');
    await fsp.writeFile(path.join(tmp, 'config.json'), JSON.stringify(parts.config, null, 2) + '\n');
    let carried = false;
    const cs = parts.withCarried ? parts.model.getCarriedState?.() : undefined;
    if (cs) {
      carried = true;
      const total = cs.reduce((s, a) => s + a.length, 0);
      const all = new Float32Array(total);
      let o = 0;
      for (const a of cs) { all.set(a, o); o += a.length; }
      await fsp.writeFile(path.join(tmp, 'carried.bin'), new Uint8Array(all.buffer));
      await fsp.writeFile(path.join(tmp, 'carried.json'), JSON.stringify({ lengths: cs.map((a) => a.length) }) + '\n');
    }
    const state: TrainState = { format: STATE_FORMAT, version: 1, ...parts.state, carried, savedAt: new Date().toISOString() };
    await fsp.writeFile(path.join(tmp, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  });
}

export interface LoadedCheckpoint {
  dir: string;
  vocab: Vocabulary;
  config: CheckpointConfig;
  state: TrainState;
  carried?: Float32Array[];
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`);
  }
}

/** The directory holding the checkpoint `dir` (itself, or a DIR.old-XXXX left by a crash). */
export async function resolveCheckpointDir(dir: string): Promise<string> {
  dir = path.resolve(dir);
  if (await exists(path.join(dir, 'state.json'))) return dir;
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const olds = (await fsp.readdir(parent).catch(() => [] as string[])).filter((f) => f.startsWith(`${base}${OLD_DIR_INFIX}`));
  for (const o of olds) if (await exists(path.join(parent, o, 'state.json'))) return path.join(parent, o);
  if (!(await exists(dir))) throw new Error(`${dir}: no such checkpoint directory`);
  throw new Error(`${dir}: not an lmstream checkpoint (no state.json)`);
}

/** Read vocab, config, state (and carried state) of a checkpoint; the model is loaded by the caller. */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const d = await resolveCheckpointDir(dir);
  const vocab = Vocabulary.fromJSON(await readJson(path.join(d, 'vocab.json')), path.join(d, 'vocab.json'));
  const config = (await readJson(path.join(d, 'config.json'))) as CheckpointConfig;
  if (config?.format !== CONFIG_FORMAT) throw new Error(`${path.join(d, 'config.json')}: field "format" must be "${CONFIG_FORMAT}"`);
  const state = (await readJson(path.join(d, 'state.json'))) as TrainState;
  if (state?.format !== STATE_FORMAT) throw new Error(`${path.join(d, 'state.json')}: field "format" must be "${STATE_FORMAT}"`);
  let carried: Float32Array[] | undefined;
  if (state.carried) {
    const { lengths } = (await readJson(path.join(d, 'carried.json'))) as { lengths: number[] };
    const buf = await fsp.readFile(path.join(d, 'carried.bin'));
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const total = lengths.reduce((s, n) => s + n, 0);
    if (all.length !== total) throw new Error(`${path.join(d, 'carried.bin')}: ${all.length} values, expected ${total}`);
    carried = [];
    let o = 0;
    for (const n of lengths) { carried.push(all.slice(o, o + n)); o += n; }
  }
  return { dir: d, vocab, config, state, carried };
}
