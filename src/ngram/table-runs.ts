/**
 * Bounded-memory counting of every order (what `build --memory` gives the
 * smoothings other than Kneser-Ney): the corpus is encoded and counted in
 * parts that fit the memory cap; each part's table of order k (sorted by
 * ids, no zero counts) is spilled as a binary run of k-id records
 * (src/ngram/runs.ts); the runs of each order are merged into that order's
 * table.
 *
 * Input: corpus bytes. Output: `NgramCounts` equal to counting the whole
 * corpus in memory (same ids: the corpus order of first appearance).
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CountTable, NgramCounts } from './api.js';
import { adjustCounts } from './adjust.js';
import type { PaddedCorpus } from './corpus.js';
import { countsFromAdjusted } from './counts.js';
import { partEncoder, readParts, type SpillOptions } from './count-spill.js';
import { mergeRuns, writeRun } from './runs.js';
import { Vocabulary } from '../vocab/vocabulary.js';

function countsOf(part: PaddedCorpus): NgramCounts {
  return countsFromAdjusted(adjustCounts(part, part.tokens.length, { raw: true }), part.tokens, part.mode);
}

/** grows one order's table as merged records arrive (in id order) */
class TableBuilder {
  private ids: Uint32Array;
  private counts = new Float64Array(1 << 10);
  n = 0;
  constructor(readonly k: number) {
    this.ids = new Uint32Array(this.counts.length * k);
  }
  push(key: Uint32Array, count: number): void {
    const k = this.k;
    if (this.n === this.counts.length) {
      const cap = this.n < 1 << 20 ? this.n * 2 : Math.ceil(this.n * 1.5);
      const ids = new Uint32Array(cap * k);
      ids.set(this.ids);
      this.ids = ids;
      const counts = new Float64Array(cap);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.ids.set(key.subarray(0, k), this.n * k);
    this.counts[this.n++] = count;
  }
  finish(): CountTable {
    return { order: this.k, n: this.n, ids: this.ids.slice(0, this.n * this.k), counts: this.counts.slice(0, this.n) };
  }
}

/**
 * Corpus → count tables of orders 1 … N, counted in parts of at most
 * `memory` bytes spilled as binary runs and merged. `runs`: how many parts
 * (1 when the corpus fit).
 */
export async function countTableRuns(src: AsyncIterable<Buffer | string>, o: SpillOptions): Promise<{ counts: NgramCounts; runs: number }> {
  const N = o.order;
  const { enc, maxIds } = partEncoder(o);
  let dir: string | undefined;
  /** files[k - 1]: the runs of order k */
  const files: string[][] = Array.from({ length: N }, () => []);
  let parts = 0;
  const spill = async (part: PaddedCorpus): Promise<void> => {
    const c = countsOf(part);
    dir ??= await fsp.mkdtemp(path.join(o.tempDir ?? os.tmpdir(), 'lmstream-count-'));
    for (const t of c.tables) {
      const file = path.join(dir, `run-${parts}-${t.order}.bin`);
      await writeRun(file, t.ids, t.counts, t.n, t.order);
      files[t.order - 1].push(file);
    }
    parts++;
  };
  try {
    const last = await readParts(src, enc, maxIds, spill, o.lines);
    if (!last) throw new Error('empty corpus: there is nothing to count');
    if (parts === 0) return { counts: countsOf(last), runs: 1 };
    await spill(last);
    const tables: CountTable[] = [];
    for (let k = 1; k <= N; k++) {
      const b = new TableBuilder(k);
      await mergeRuns(files[k - 1], k, (key, count) => b.push(key, count));
      tables.push(b.finish());
    }
    return { counts: { order: N, vocab: Vocabulary.fromTokens(enc.tokens), mode: o.mode ?? 'sentence', tables }, runs: parts };
  } finally {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  }
}
