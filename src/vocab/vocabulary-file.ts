/**
 * A vocabulary's file: `Vocabulary` (./vocabulary.ts, pure: the browser module
 * uses it) saved to and read from JSON files. Node only.
 */
import { promises as fsp } from 'node:fs';
import { atomicWriteFile } from '../util/atomic-write.js';
import { Vocabulary } from './vocabulary.js';

/** write `vocab` to `path` as JSON, atomically */
export async function saveVocabulary(vocab: Vocabulary, path: string): Promise<void> {
  await atomicWriteFile(path, JSON.stringify(vocab.toJSON()) + '\n');
}

/** read a vocabulary file (errors name the file) */
export async function loadVocabulary(path: string): Promise<Vocabulary> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
  }
  return Vocabulary.fromJSON(obj, path);
}
