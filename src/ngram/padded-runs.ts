/**
 * Bounded-memory counting for Kneser-Ney in binary sorted runs: the corpus
 * is encoded and counted in parts that fit the memory cap; of each part only
 * what Kneser-Ney estimates from is kept — the N-grams and the `<s>`-initial
 * shorter n-grams, left-padded with `<s>` to N ids — sorted by ids and
 * spilled as a run of fixed-size records (N uint32 ids + a uint32 count);
 * the runs are then merged by comparing ids (a k-way merge of buffered
 * reads), equal records summed, into the padded corpus `adjustCounts` reads.
 *
 * Input: corpus bytes. Output: a `PaddedCorpus` with explicit positions and
 * weights, equal to what reading the merged count text with
 * the former text runs gave (same ids: the corpus order of first
 * appearance), without formatting, sorting and parsing text.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MarkerMode } from '../types.js';
import { adjustCounts } from './adjust.js';
import { BOS_ID, UNK_ID, type PaddedCorpus } from './corpus.js';
import { countsFromAdjusted, paddedFromCounts } from './counts.js';
import { partEncoder, readParts, type SpillOptions } from './count-spill.js';
import { lexPermutation } from './radix.js';
import { mergeRuns, writeRun } from './runs.js';

/** one part's padded records, sorted by ids: `keys` n×N, `counts` n */
export interface PaddedRecords {
  n: number;
  keys: Uint32Array;
  counts: Uint32Array;
  sentences: number;
  tokenCount: number;
}

/**
 * The padded records of one part (pure logic): `paddedFromCounts` of its raw
 * counts (the N-grams and the `<s>`-initial k-grams padded with `<s>`,
 * without `<unk>` or an inner `<s>`, plus the sentence and token totals),
 * sorted by ids, oldest first.
 */
export function paddedRecords(part: PaddedCorpus, vocabSize: number): PaddedRecords {
  const N = part.order;
  const p = paddedFromCounts(countsFromAdjusted(adjustCounts(part, part.tokens.length, { raw: true }), part.tokens, part.mode));
  const ends = p.positions!;
  const n = ends.length;
  const perm = lexPermutation(p.words, ends, N, vocabSize);
  const keys = new Uint32Array(n * N);
  const counts = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    const e = ends[perm[j]];
    keys.set(p.words.subarray(e - N + 1, e + 1), j * N);
    counts[j] = p.weights![perm[j]];
  }
  return { n, keys, counts, sentences: p.sentences, tokenCount: p.tokenCount };
}

/** Accumulates sorted records (merged, equal keys summed) into a padded corpus. */
class PaddedBuilder {
  private words: Uint32Array;
  private weights: Uint32Array;
  n = 0;
  constructor(readonly N: number, cap = 1 << 14) {
    this.words = new Uint32Array(2 + cap * N);
    this.weights = new Uint32Array(cap);
    this.words[0] = UNK_ID;
    this.words[1] = BOS_ID;
  }
  push(keys: Uint32Array, at: number, count: number): void {
    const N = this.N;
    if (this.n === this.weights.length) {
      const cap = this.n < 1 << 20 ? this.n * 2 : Math.ceil(this.n * 1.5);
      const w = new Uint32Array(2 + cap * N);
      w.set(this.words);
      this.words = w;
      const c = new Uint32Array(cap);
      c.set(this.weights);
      this.weights = c;
    }
    this.words.set(keys.subarray(at, at + N), 2 + this.n * N);
    this.weights[this.n++] = count;
  }
  finish(mode: MarkerMode, tokens: string[], sentences: number, tokenCount: number): PaddedCorpus {
    const N = this.N;
    const total = this.n;
    const positions = new Uint32Array(total);
    for (let j = 0; j < total; j++) positions[j] = 2 + (j + 1) * N - 1;
    // views, not copies: a copy would briefly need both
    return {
      order: N, mode, tokens, sentences, tokenCount, positions,
      words: this.words.subarray(0, 2 + total * N),
      weights: this.weights.subarray(0, total),
    };
  }
}

/**
 * Corpus → the padded N-grams Kneser-Ney estimates from, counted in parts of
 * at most `memory` bytes spilled as binary sorted runs and merged. `runs`:
 * how many runs (1 when the corpus fit).
 */
export async function countPaddedRuns(src: AsyncIterable<Buffer | string>, o: SpillOptions): Promise<{ padded: PaddedCorpus; runs: number }> {
  const N = o.order;
  const mode = o.mode ?? 'sentence';
  const { enc, maxIds } = partEncoder(o);
  let dir: string | undefined;
  const files: string[] = [];
  let sentences = 0;
  let tokenCount = 0;
  const spill = async (part: PaddedCorpus): Promise<void> => {
    const r = paddedRecords(part, enc.tokens.length);
    sentences += r.sentences;
    tokenCount += r.tokenCount;
    dir ??= await fsp.mkdtemp(path.join(o.tempDir ?? os.tmpdir(), 'lmstream-count-'));
    const file = path.join(dir, `run-${files.length}.bin`);
    await writeRun(file, r.keys, r.counts, r.n, N);
    files.push(file);
  };
  try {
    const last = await readParts(src, enc, maxIds, spill, o.lines);
    if (!last) throw new Error('empty corpus: there is nothing to count');
    const out = new PaddedBuilder(N);
    if (files.length === 0) {
      const r = paddedRecords(last, enc.tokens.length);
      for (let i = 0; i < r.n; i++) out.push(r.keys, i * N, r.counts[i]);
      return { padded: out.finish(mode, enc.tokens, r.sentences, r.tokenCount), runs: 1 };
    }
    await spill(last);
    await mergeRuns(files, N, (key, count) => {
      if (count > 0xffffffff) throw new Error(`an n-gram is seen ${count} times, more than 2^32 - 1`);
      out.push(key, 0, count);
    });
    return { padded: out.finish(mode, enc.tokens, sentences, tokenCount), runs: files.length };
  } finally {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  }
}
