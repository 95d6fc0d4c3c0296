/**
 * The saved mixture (`lmstream mix --out MIX.json`): the models and their
 * tuned weights, so that the mixture can be reused to score (`mix --weights`,
 * `eval`, `load()`) and to generate (`generate --model MIX.json`).
 *
 *   { "format": "lmstream-mixture", "version": 1,
 *     "models": [{ "path": "m.lmb", "weight": 0.31 }, { "path": "ck", "weight": 0.69 }],
 *     "tuned": { "valid": "valid.txt", "tokens": 20, "ppl": 9.8, "iterations": 41 } }
 *
 * Model paths are relative to the file's directory. Reading checks the
 * format, the version, two or more models and weights in [0, 1] summing to 1.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export const MIXTURE_FORMAT = 'lmstream-mixture';
export const MIXTURE_VERSION = 1;

export interface MixtureFile {
  format: typeof MIXTURE_FORMAT;
  version: number;
  models: { path: string; weight: number }[];
  tuned: { valid: string; tokens: number; ppl: number; iterations: number };
}

/** The file's contents for models (paths as given) and weights, saved at `file`. */
export function mixtureFile(file: string, models: readonly string[], weights: readonly number[], tuned: MixtureFile['tuned']): MixtureFile {
  const dir = path.dirname(path.resolve(file));
  return {
    format: MIXTURE_FORMAT, version: MIXTURE_VERSION,
    models: models.map((m, k) => ({ path: path.relative(dir, path.resolve(m)) || '.', weight: weights[k] })),
    tuned,
  };
}

/**
 * True when `file` is a saved mixture: it starts with `{` (an ARPA file or a
 * binary model never does), is small, and is a JSON object of this format.
 */
export async function isMixtureFile(file: string): Promise<boolean> {
  let fh;
  try {
    fh = await fsp.open(file, 'r');
    const st = await fh.stat();
    if (!st.isFile() || st.size > 1 << 20) return false;
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    if (!/^\s*\{/.test(head.subarray(0, bytesRead).toString('latin1'))) return false;
    return (JSON.parse(await fsp.readFile(file, 'utf8')) as { format?: unknown })?.format === MIXTURE_FORMAT;
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

/** Read and check a saved mixture: model paths resolved against the file's directory. */
export async function readMixtureFile(file: string): Promise<{ models: { path: string; weight: number }[]; tuned: MixtureFile['tuned'] }> {
  let obj: MixtureFile;
  try {
    obj = JSON.parse(await fsp.readFile(file, 'utf8')) as MixtureFile;
  } catch (e) {
    throw new Error(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${(e as Error).message})`}`);
  }
  if (obj?.format !== MIXTURE_FORMAT || obj.version !== MIXTURE_VERSION || !Array.isArray(obj.models) || obj.models.length < 2) {
    throw new Error(`${file}: not an lmstream mixture (format "${MIXTURE_FORMAT}" version ${MIXTURE_VERSION} with two or more models)`);
  }
  let sum = 0;
  for (const [i, m] of obj.models.entries()) {
    if (typeof m?.path !== 'string' || typeof m.weight !== 'number' || !(m.weight >= 0 && m.weight <= 1)) {
      throw new Error(`${file}: models[${i}] needs a "path" and a "weight" in [0, 1]`);
    }
    sum += m.weight;
  }
  if (Math.abs(sum - 1) > 1e-6) throw new Error(`${file}: the weights sum to ${sum}, not 1`);
  const dir = path.dirname(file);
  return { models: obj.models.map((m) => ({ path: path.resolve(dir, m.path), weight: m.weight })), tuned: obj.tuned };
}
