/**
 * Counting with bounded memory: the corpus is encoded and counted in parts
 * that fit the memory cap; each part's counts are written as a sorted run
 * (count-file lines, LC_ALL=C order) to a temporary directory, and the runs
 * are merged (src/ngram/merge.ts), as KenLM spills sorted blocks.
 *
 * Input: corpus bytes. Output: count-file text, handed to `write` in chunks
 * (one part: ordered by order then ids; several parts: LC_ALL=C order),
 * with the corpus vocabulary in order of first appearance (the ids an
 * in-memory count would give): `lmstream ngram count --memory`. (`build
 * --memory` streams binary records instead: stream-kn.ts, table-runs.ts.)
 */
import { createReadStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MarkerMode } from '../types.js';
import { CorpusEncoder, type PaddedCorpus } from './corpus.js';
import { countsFromAdjusted, countLines } from './counts.js';
import { adjustCounts } from './adjust.js';
import { lineBatches, lines, type LineOptions } from '../io/lines.js';
import { mergeSortedCounts } from './merge.js';
import { compareCodePoints } from '../text/code-point-order.js';

/** how a corpus is counted in parts */
export interface SpillOptions {
  order: number;
  mode?: MarkerMode;
  /** cap in bytes for one part's tables (default: no cap) */
  memory?: number;
  tempDir?: string;
  unk?: 'word' | 'skip';
  warn?: (msg: string) => void;
  /** how the text is cut into lines (the long-line guard) */
  lines?: LineOptions;
}

export interface CountToFileOptions extends SpillOptions {
  /** receives the count text; `tokens`: the vocabulary in order of first appearance (`<unk>`, `<s>`, `</s>` first) */
  write: (chunks: AsyncIterable<string> | Iterable<string>, tokens: readonly string[]) => Promise<void>;
}

/**
 * bytes per id of a part while it is counted: ids and sort scratch (12), per
 * order a table entry (20) and its line of text while the run is sorted (~100)
 */
export function bytesPerToken(order: number): number {
  return 12 + 120 * order;
}

/** the encoder that cuts a corpus into parts, and the part size (ids) the memory cap allows */
export function partEncoder(o: SpillOptions): { enc: CorpusEncoder; maxIds: number } {
  const enc = new CorpusEncoder(o.order, o.mode ?? 'sentence', 1 << 16, o.warn);
  enc.unkAsWord = (o.unk ?? 'word') === 'word';
  const maxIds = o.memory ? Math.max(1024, Math.floor(o.memory / bytesPerToken(o.order))) : Infinity;
  return { enc, maxIds };
}

/**
 * Read the corpus line by line into the encoder, handing each part that
 * reaches `maxIds` to `spill`; returns the last part, or undefined for an
 * empty corpus.
 */
export async function readParts(
  src: AsyncIterable<Buffer | string>,
  enc: CorpusEncoder,
  maxIds: number,
  spill: (part: PaddedCorpus) => Promise<void>,
  lineOptions?: LineOptions,
): Promise<PaddedCorpus | undefined> {
  let any = false;
  for await (const batch of lineBatches(src, lineOptions)) {
    any = true;
    for (const line of batch) {
      enc.addLine(line);
      if (enc.size > maxIds) await spill(enc.takePart());
    }
  }
  return any ? enc.finish() : undefined;
}

export async function countCorpusToFile(src: AsyncIterable<Buffer | string>, o: CountToFileOptions): Promise<{ empty: boolean; runs: number }> {
  const { enc, maxIds } = partEncoder(o);
  let dir: string | undefined;
  const runs: string[] = [];
  const spill = async (part: PaddedCorpus): Promise<void> => {
    const c = countsFromAdjusted(adjustCounts(part, part.tokens.length, { raw: true }), part.tokens, part.mode);
    const all: string[] = [];
    for (const chunk of countLines(c)) {
      const ls = chunk.split('\n');
      ls.pop();
      for (const l of ls) all.push(l);
    }
    all.sort(compareCodePoints); // LC_ALL=C order (UTF-8 bytes), as merge expects
    dir ??= await fsp.mkdtemp(path.join(o.tempDir ?? os.tmpdir(), 'lmstream-count-'));
    const file = path.join(dir, `run-${runs.length}.txt`);
    const fh = await fsp.open(file, 'w');
    try {
      for (let i = 0; i < all.length; i += 65536) await fh.write(all.slice(i, i + 65536).join('\n') + '\n');
    } finally {
      await fh.close();
    }
    runs.push(file);
  };
  try {
    const last = await readParts(src, enc, maxIds, spill, o.lines);
    if (!last) return { empty: true, runs: 0 };
    if (runs.length === 0) {
      const c = countsFromAdjusted(adjustCounts(last, last.tokens.length, { raw: true }), last.tokens, last.mode);
      await o.write(countLines(c), last.tokens);
      return { empty: false, runs: 1 };
    }
    await spill(last);
    await o.write(mergeSortedCounts(runs.map((f) => ({ name: f, lines: lines(createReadStream(f)) }))), last.tokens);
    return { empty: false, runs: runs.length };
  } finally {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  }
}
