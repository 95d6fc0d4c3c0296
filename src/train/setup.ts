/**
 * setup: what a `train-stream` run does before its first step (composition,
 * not a stage): checks of the output paths before any input is read, the
 * run's data (the id cache of an interrupted run when it still matches, else
 * the input read into a new cache), and the state of a new run.
 *
 * Errors are plain `Error`s with a message naming the user's path; the
 * command turns them into one line.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Vocabulary } from '../vocab/vocabulary.js';
import { documents, tokenStages, type CorpusSpec, type InputSpec } from './front-end.js';
import { idCacheSink, isIdCacheDir, removeIdCache, IdCache, type IdCacheResult } from './id-cache.js';
import { newRunId, type CheckpointConfig, type DataFingerprint, type LoadedCheckpoint } from './checkpoint.js';
import { targetCount } from './batches.js';
import type { RunState } from './run.js';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system', ENOSPC: 'no space left on device',
  ENOENT: 'no such file or directory', ENOTDIR: 'a path component is not a directory', EISDIR: 'is a directory',
};

/** The plain reason of a filesystem error ("permission denied"). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && REASONS[code]) ?? (e as Error).message;
}

async function statOrNull(p: string) {
  return fsp.stat(p).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw new Error(`${p}: ${fsReason(e)}`);
  });
}

/** `dir` or its nearest existing ancestor must be a writable directory. */
async function checkCanCreateIn(what: string, target: string): Promise<void> {
  let dir = path.dirname(path.resolve(target));
  while (!(await statOrNull(dir))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const st = await statOrNull(dir);
  if (st && !st.isDirectory()) throw new Error(`${what} ${target}: ${dir} is not a directory`);
  await fsp.access(dir, fsc.W_OK).catch((e) => { throw new Error(`${what} ${target}: cannot write in ${dir} (${fsReason(e)})`); });
}

/** --out: a checkpoint directory this run may create or replace. */
export async function checkOutDir(out: string, resuming: boolean): Promise<void> {
  const st = await statOrNull(out);
  if (st && !st.isDirectory()) throw new Error(`--out ${out}: is a file, not a checkpoint directory`);
  if (st && !resuming) {
    const entries = await fsp.readdir(out);
    if (entries.length > 0 && !entries.includes('state.json')) {
      throw new Error(`--out ${out}: exists and is not an lmstream checkpoint (no state.json); not replacing it`);
    }
  }
  await checkCanCreateIn('--out', out);
  if (st) await fsp.access(out, fsc.W_OK).catch((e) => { throw new Error(`--out ${out}: ${fsReason(e)}`); });
}

/** --cache: absent, or an id cache this run may replace. */
export async function checkCacheDir(dir: string): Promise<void> {
  const st = await statOrNull(dir);
  if (st && !st.isDirectory()) throw new Error(`--cache ${dir}: is a file, not a directory`);
  if (st && !(await isIdCacheDir(dir))) throw new Error(`--cache ${dir}: holds files that are not an id cache; not using it`);
  await checkCanCreateIn('--cache', dir);
}

/** An output file (--metrics): writable, not a directory. */
export async function checkOutputFile(what: string, file: string): Promise<void> {
  const st = await statOrNull(file);
  if (st?.isDirectory()) throw new Error(`${what} ${file}: is a directory`);
  if (st) await fsp.access(file, fsc.W_OK).catch((e) => { throw new Error(`${what} ${file}: ${fsReason(e)}`); });
  else await checkCanCreateIn(what, file);
}

/** Input files: each must exist and be readable. */
export async function checkInputFiles(files: readonly string[], what = ''): Promise<void> {
  for (const f of files) {
    if (f === '-') continue;
    const st = await statOrNull(f);
    if (!st) throw new Error(`${what}${f}: no such file`);
    if (st.isDirectory()) throw new Error(`${what}${f}: is a directory`);
    await fsp.access(f, fsc.R_OK).catch((e) => { throw new Error(`${what}${f}: ${fsReason(e)}`); });
  }
}

/** The id cache of an interrupted run, when it is still there and matches the checkpoint. */
export async function reuseCache(ck: LoadedCheckpoint, dir: string): Promise<IdCacheResult | undefined> {
  const d = ck.state.data;
  try {
    const train = await IdCache.open(dir, 'train');
    const valid = d.validChecksum ? await IdCache.open(dir, 'valid') : undefined;
    if (train.checksum === d.trainChecksum && (valid?.checksum ?? null) === d.validChecksum) return { vocab: ck.vocab, train, valid };
  } catch { /* no usable cache: the input is read again */ }
  return undefined;
}

export interface BuildDataOptions {
  files: string[];
  input: InputSpec;
  spec: CorpusSpec;
  dir: string;
  /** the vocabulary of a resumed run (else built from the input) */
  vocab?: Vocabulary;
  validFraction: number;
  validFile?: string;
  seed: number;
  maxTokens?: number;
  minCount?: number;
  maxVocab?: number;
  /** the data a resumed run was trained on: the input must be the same */
  expect?: DataFingerprint;
  /** told the tokens read so far (e.g. a ProgressMeter's update: elapsed time and rate of the first pass) */
  onTokens?: (tokens: number) => void;
}

/** Read the input (and --valid) into a new id cache in `dir` (replacing an old one). */
export async function buildRunData(o: BuildDataOptions): Promise<IdCacheResult> {
  await removeIdCache(o.dir);
  let tokens = 0;
  const counted = async function* (src: AsyncIterable<string[][]>) {
    for await (const docs of src) {
      for (const d of docs) tokens += d.length;
      o.onTokens?.(tokens);
      yield docs;
    }
  };
  const data = await pipeline(documents(o.files, o.input), ...tokenStages(o.spec), counted, idCacheSink({
    dir: o.dir, vocab: o.vocab, validFraction: o.validFraction, seed: o.seed, maxTokens: o.maxTokens,
    vocabOptions: { minCount: o.minCount, maxSize: o.maxVocab },
  }));
  if (o.validFile) {
    const r = await pipeline(documents([o.validFile], o.input), ...tokenStages(o.spec), idCacheSink({ dir: o.dir, vocab: data.vocab, trainName: 'valid' }));
    data.valid = r.train;
  }
  const d = o.expect;
  if (d && (data.train.checksum !== d.trainChecksum || data.train.tokens !== d.trainTokens)) {
    throw new Error(`--resume: the input differs from the run's training data (${data.train.tokens} tokens, checksum ${data.train.checksum}; the checkpoint has ${d.trainTokens}, ${d.trainChecksum}): pipe the same corpus`);
  }
  return data;
}

/** The state of a new run on this data. */
export function newRunState(lr: number, train: IdCache, valid?: IdCache): RunState {
  return {
    runId: newRunId(), epoch: 1, batch: 0, step: 0, done: false, lr, bestValidPpl: null, validHistory: [], trainSeconds: 0,
    data: { trainTokens: train.tokens, trainDocs: train.docs, trainChecksum: train.checksum, validTokens: valid?.tokens ?? null, validChecksum: valid?.checksum ?? null },
  };
}

/** Batches per epoch, for the progress percentage on resume (an estimate for sentence lanes). */
export function estimateBatches(train: IdCache, config: CheckpointConfig): number {
  const t = config.training;
  const targets = targetCount(train, config.mode);
  if (config.model.arch === 'mlp') return Math.ceil(targets / t.batch);
  return Math.ceil(Math.ceil((t.pack ? train.tokens : targets) / t.batch) / t.bptt);
}
