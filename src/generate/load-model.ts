/**
 * Open a model for generation: an ARPA file (n-gram) or a neural checkpoint
 * directory, as a TokenSource plus how its text is tokenized and joined.
 *
 * Input: a path. Output: `LoadedModel`.
 * - ARPA file: whitespace tokenizer, tokens joined by spaces; sentence mode
 *   (`<s>` first) unless `mode: 'stream'`.
 * - checkpoint directory: `vocab.json`, `config.json` (tokenizer and marker
 *   mode as recorded by the training side) and the weights via
 *   `loadModel(dir)` of src/neural.
 */
import { promises as fsp } from 'node:fs';
import { UserError } from '../cli/common.js';
import type { MarkerMode } from '../types.js';
import type { TokenSource } from './source.js';
import type { DetokenizeLevel } from './detokenize-stage.js';

export interface LoadedModel {
  kind: 'ngram' | 'neural';
  source: TokenSource<unknown>;
  /** splits a prompt into tokens as the training corpus was split */
  tokenize: (text: string) => string[];
  /** token → id (`<unk>`'s id when unknown) */
  id: (token: string) => number;
  level: DetokenizeLevel;
  /** release resources (tensors) */
  dispose(): void;
}

export interface LoadOptions {
  /** ARPA models: marker mode (default sentence) */
  mode?: MarkerMode;
}

export async function loadForGeneration(path: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    throw new UserError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  if (st.isDirectory()) return loadNeural(path);
  return loadArpa(path, opts.mode ?? 'sentence');
}

async function loadArpa(path: string, _mode: MarkerMode): Promise<LoadedModel> {
  throw new UserError(`${path}: reading ARPA files is not available yet (src/ngram has no ARPA reader)`);
}

async function loadNeural(dir: string): Promise<LoadedModel> {
  throw new UserError(`${dir}: loading neural checkpoints is not available yet (src/neural has no loadModel)`);
}
