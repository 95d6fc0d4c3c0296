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
import type { FileHandle } from 'node:fs/promises';
import type { MarkerMode } from '../types.js';
import { adjustCounts } from './adjust.js';
import { BOS_ID, UNK_ID, type PaddedCorpus } from './corpus.js';
import { countsFromAdjusted, paddedFromCounts } from './counts.js';
import { partEncoder, type SpillOptions } from './count-spill.js';
import { lines } from './lines.js';
import { lexPermutation } from './radix.js';

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

const RECORDS_PER_READ = 1 << 14;

/** a run file read back record by record through a buffer */
class RunReader {
  keys: Uint32Array;
  counts: Uint32Array;
  /** records in the buffer, and the current one */
  len = 0;
  at = 0;
  done = false;
  private buf: Buffer;
  private pos = 0;
  constructor(private fh: FileHandle, readonly N: number, readonly file: string) {
    this.buf = Buffer.alloc(RECORDS_PER_READ * (N + 1) * 4);
    this.keys = new Uint32Array(RECORDS_PER_READ * N);
    this.counts = new Uint32Array(RECORDS_PER_READ);
  }
  /** refill when the buffer is used up; false at the end */
  async fill(): Promise<boolean> {
    if (this.at < this.len) return true;
    const { bytesRead } = await this.fh.read(this.buf, 0, this.buf.length, this.pos);
    const rec = (this.N + 1) * 4;
    if (bytesRead % rec !== 0) throw new Error(`${this.file}: truncated run (${bytesRead} bytes is not a whole number of records)`);
    this.pos += bytesRead;
    this.len = bytesRead / rec;
    this.at = 0;
    const u = new Uint32Array(this.buf.buffer, this.buf.byteOffset, this.len * (this.N + 1));
    for (let i = 0; i < this.len; i++) {
      this.keys.set(u.subarray(i * (this.N + 1), i * (this.N + 1) + this.N), i * this.N);
      this.counts[i] = u[i * (this.N + 1) + this.N];
    }
    if (this.len === 0) this.done = true;
    return !this.done;
  }
}

/** compare the record at a (in ka) with the one at b (in kb), N ids */
function cmp(ka: Uint32Array, a: number, kb: Uint32Array, b: number, N: number): number {
  for (let j = 0; j < N; j++) {
    const d = ka[a + j] - kb[b + j];
    if (d !== 0) return d;
  }
  return 0;
}

async function writeRun(file: string, r: PaddedRecords, N: number): Promise<void> {
  const fh = await fsp.open(file, 'w');
  try {
    const rec = N + 1;
    for (let i0 = 0; i0 < r.n; i0 += RECORDS_PER_READ) {
      const i1 = Math.min(r.n, i0 + RECORDS_PER_READ);
      const u = new Uint32Array((i1 - i0) * rec);
      for (let i = i0; i < i1; i++) {
        u.set(r.keys.subarray(i * N, i * N + N), (i - i0) * rec);
        u[(i - i0) * rec + N] = r.counts[i];
      }
      await fh.write(new Uint8Array(u.buffer));
    }
  } finally {
    await fh.close();
  }
}

/** k-way merge of the runs into the builder, equal records summed */
async function mergeRuns(files: string[], N: number, out: PaddedBuilder): Promise<void> {
  const handles: FileHandle[] = [];
  try {
    for (const f of files) handles.push(await fsp.open(f, 'r'));
    const heads = handles.map((fh, i) => new RunReader(fh, N, files[i]));
    for (const h of heads) await h.fill();
    let live = heads.filter((h) => !h.done);
    const key = new Uint32Array(N);
    while (live.length > 0) {
      let m = live[0];
      for (const h of live) if (cmp(h.keys, h.at * N, m.keys, m.at * N, N) < 0) m = h;
      key.set(m.keys.subarray(m.at * N, m.at * N + N));
      let sum = 0;
      let ended = false;
      for (const h of live) {
        while (cmp(h.keys, h.at * N, key, 0, N) === 0) {
          sum += h.counts[h.at++];
          if (h.at < h.len) continue;
          if (!(await h.fill())) {
            ended = true;
            break;
          }
        }
      }
      if (sum > 0xffffffff) throw new Error(`an n-gram is seen ${sum} times, more than 2^32 - 1`);
      out.push(key, 0, sum);
      if (ended) live = live.filter((h) => !h.done);
    }
  } finally {
    for (const fh of handles) await fh.close();
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
  let any = false;
  const spill = async (part: PaddedCorpus): Promise<void> => {
    const r = paddedRecords(part, enc.tokens.length);
    sentences += r.sentences;
    tokenCount += r.tokenCount;
    dir ??= await fsp.mkdtemp(path.join(o.tempDir ?? os.tmpdir(), 'lmstream-count-'));
    const file = path.join(dir, `run-${files.length}.bin`);
    await writeRun(file, r, N);
    files.push(file);
  };
  try {
    for await (const line of lines(src)) {
      any = true;
      enc.addLine(line);
      if (enc.size > maxIds) await spill(enc.takePart());
    }
    if (!any) throw new Error('empty corpus: there is nothing to count');
    const last = enc.finish();
    const out = new PaddedBuilder(N);
    if (files.length === 0) {
      const r = paddedRecords(last, enc.tokens.length);
      for (let i = 0; i < r.n; i++) out.push(r.keys, i * N, r.counts[i]);
      return { padded: out.finish(mode, enc.tokens, r.sentences, r.tokenCount), runs: 1 };
    }
    await spill(last);
    await mergeRuns(files, N, out);
    return { padded: out.finish(mode, enc.tokens, sentences, tokenCount), runs: files.length };
  } finally {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  }
}
