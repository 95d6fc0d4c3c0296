/**
 * Kneser-Ney (mkn, kn) built in bounded memory, as KenLM's lmplz -S does it:
 * every pass streams sorted n-gram records through disk (src/ngram/ext-sort.ts),
 * so what is held is the sort buffers, the vocabulary and per-word unigram
 * arrays, whatever the corpus size. The ARPA output is byte-identical to the
 * in-memory build (src/ngram/adjust.ts + mkn.ts): same formulas, same
 * floating-point operations in the same order, same entry order.
 *
 * Records hold an n-gram's ids REVERSED (newest word first), so that plain
 * lexicographic order on the record is KenLM's suffix order, and the context
 * order (w_{k-1} … w_1, then w_k) is the key order [1, …, k-1, 0].
 *
 * Passes (N = order):
 *  1. count: the corpus is encoded in parts that fit the cap; each part's
 *     padded N-grams are radix-sorted in suffix order, equal ones summed, and
 *     written as a sorted run `[N ids, count]`.
 *  2. adjust: the runs are merged (counts summed) and scanned once, as
 *     adjust.ts scans the sorted corpus: each order k ≥ 2 gets a file of
 *     `[k ids, adjusted count]` in suffix order; unigram adjusted counts go to
 *     an array by id; counts-of-counts give the discounts.
 *  3. context, per order k ≥ 2: the order's file is sorted in context order;
 *     each context's group gives γ(context) and u(w | context) per n-gram:
 *     `[k ids, u, γ]` records go to a suffix-order sort, and log10 γ of the
 *     context (the back-off of a (k-1)-gram) to a file that comes out in the
 *     suffix order of the (k-1)-grams.
 *  4. interpolate and write, order by order: p(k-gram) = u + γ p(suffix) with
 *     the (k-1)-gram probabilities read alongside (the suffixes of k-grams in
 *     suffix order are in suffix order), the back-offs joined from pass 3, the
 *     ARPA lines written, and the probabilities kept on disk for order k+1.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MarkerMode } from '../types.js';
import type { LineOptions } from '../io/lines.js';
import { BOS_ID, EOS_ID, UNK_ID, type PaddedCorpus } from './corpus.js';
import { partEncoder, readParts } from './count-spill.js';
import { runThreadJob, SortThread, ThreadedArpaWriter } from './sort-thread.js';
import { estimateDiscounts, type Discount } from './mkn.js';
import { ExternalSorter, RecordReader, RecordWriter, readRecords, recordsPerBuffer, spillError } from './ext-sort.js';
import type { ByteSink } from './arpa-write.js';
import { makeTempDir, type TempHandle } from '../util/temp.js';

export interface StreamKnOptions {
  order: number;
  mode?: MarkerMode;
  smoothing?: 'mkn' | 'kn';
  fallback?: [number, number, number];
  prune?: boolean;
  unk?: 'word' | 'skip';
  /** the cap in bytes */
  memory: number;
  tempDir?: string;
  warn?: (msg: string) => void;
  log?: (msg: string) => void;
  /** how the text is cut into lines (the long-line guard) */
  lines?: LineOptions;
  /** corpus ids per counted part (default: what the cap allows) */
  partIds?: number;
  /** progress of each pass (e.g. ProgressMeters on stderr) */
  meters?: PassMeters;
  /** bytes of the corpus, when known (the counting pass's ETA) */
  totalBytes?: number;
  /** sort runs in a worker thread while the next buffer is filled (default true; false: all in this thread) */
  threads?: boolean;
  /**
   * when the whole corpus fits one part: build from it in memory instead
   * (nothing is spilled); `passes` times and meters its passes, as the
   * bounded build's
   */
  whole?: (part: PaddedCorpus, passes: BuildPasses) => Promise<void>;
}

export interface StreamKnResult {
  counts: number[];
  discounts: Discount[];
  tokens: number;
  sentences: number;
  /** sorted runs of the counting pass */
  runs: number;
}

/** bytes per corpus id while a part is counted: encoder array (with growth slack), its copy, positions, sort scratch */
const BYTES_PER_ID = 24;

const f64 = new Float64Array(1);
const f64w = new Uint32Array(f64.buffer);
function putF64(buf: Uint32Array, at: number, x: number): void {
  f64[0] = x;
  buf[at] = f64w[0];
  buf[at + 1] = f64w[1];
}
function getF64(buf: Uint32Array, at: number): number {
  f64w[0] = buf[at];
  f64w[1] = buf[at + 1];
  return f64[0];
}

/** does the prefix of length len of record a equal that of record b */
function samePrefix(a: Uint32Array, ia: number, b: Uint32Array, ib: number, len: number): boolean {
  for (let j = 0; j < len; j++) if (a[ia + j] !== b[ib + j]) return false;
  return true;
}
function cmpPrefix(a: Uint32Array, ia: number, b: Uint32Array, ib: number, len: number): number {
  for (let j = 0; j < len; j++) {
    const x = a[ia + j];
    const y = b[ib + j];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

interface Pass { name: string; seconds: number; peakMB: number }

/** the progress of one pass (a ProgressMeter of src/train/progress.ts: bar and ETA on a terminal, lines otherwise) */
export interface PassMeter {
  update(done: number): void;
  /** remove the bar (before the pass's summary line) */
  clear(): void;
}

/** a meter for a pass: its label, the units it will do (undefined: unknown), the unit */
export type PassMeters = (label: string, total: number | undefined, unit: string) => PassMeter;

const NO_METER: PassMeter = { update() {}, clear() {} };

/** the passes of a build: start one (its meter), end it (a line with its time and peak RSS), summary at the end */
export interface BuildPasses {
  start(label: string, total: number | undefined, unit: string): PassMeter;
  done(name: string, detail?: string): void;
  summary(): void;
}

/** time, peak memory and progress of each pass; the summary at the end */
class Passes implements BuildPasses {
  list: Pass[] = [];
  private t0 = process.hrtime.bigint();
  private meter: PassMeter = NO_METER;
  constructor(private log?: (msg: string) => void, private meters?: PassMeters) {}
  /** the meter of the pass that starts */
  start(label: string, total: number | undefined, unit: string): PassMeter {
    this.meter.clear();
    this.meter = this.meters ? this.meters(label, total, unit) : NO_METER;
    return this.meter;
  }
  done(name: string, detail = ''): void {
    this.meter.clear();
    this.meter = NO_METER;
    const t = process.hrtime.bigint();
    const seconds = Number(t - this.t0) / 1e9;
    this.t0 = t;
    const peakMB = process.resourceUsage().maxRSS / 1024;
    this.list.push({ name, seconds, peakMB });
    this.log?.(`pass ${name}: ${seconds.toFixed(1)} s, peak RSS so far ${peakMB.toFixed(0)} MB${detail ? `; ${detail}` : ''}`);
  }
  summary(): void {
    if (!this.log) return;
    const total = this.list.reduce((s, p) => s + p.seconds, 0);
    this.log(`passes (time, peak RSS): ${this.list.map((p) => `${p.name} ${p.seconds.toFixed(1)} s ${p.peakMB.toFixed(0)} MB`).join(', ')}; total ${total.toFixed(1)} s, peak RSS ${Math.max(...this.list.map((p) => p.peakMB)).toFixed(0)} MB`);
  }
  /** remove a bar left by a failed pass */
  clear(): void {
    this.meter.clear();
  }
}

interface Counted { sorter: ExternalSorter; tokens: string[]; sentences: number; tokenCount: number; parts: number }

/**
 * Pass 1: the corpus counted in parts, each part's padded N-grams written as a
 * sorted run of `[w_N … w_1, count]` into the sorter (which merges them).
 */
async function countPass(src: AsyncIterable<Buffer | string>, o: StreamKnOptions, spillDir: () => Promise<string>, thread: SortThread | undefined, meter: PassMeter): Promise<Counted | { whole: PaddedCorpus }> {
  const N = o.order;
  const { enc } = partEncoder({ order: N, mode: o.mode, unk: o.unk, warn: o.warn });
  const maxIds = o.partIds ?? Math.max(1024, Math.floor(o.memory / BYTES_PER_ID));
  let sorter: ExternalSorter | undefined;
  let sentences = 0;
  let tokenCount = 0;
  let parts = 0;
  let pending: Promise<unknown> = Promise.resolve();
  const spill = async (part: PaddedCorpus): Promise<void> => {
    parts++;
    sentences += part.sentences;
    tokenCount += part.tokenCount;
    const words = part.words;
    let pos = part.positions;
    if (!pos) {
      let n = 0;
      for (let i = 2; i < words.length; i++) if (words[i] !== BOS_ID) n++;
      pos = new Uint32Array(n);
      n = 0;
      for (let i = 2; i < words.length; i++) if (words[i] !== BOS_ID) pos[n++] = i;
    }
    // the vocabulary grows while counting: the merge compares ids, no buckets needed
    sorter ??= new ExternalSorter({ width: N + 1, order: Array.from({ length: N }, (_, j) => j), vocab: 1, combine: N }, o.memory / 2, await spillDir(), 'count');
    // one part in the sort thread while the next is read (their ids and positions are handed over)
    await pending;
    const job = runThreadJob(thread, { type: 'count', words, positions: pos, order: N, vocab: part.tokens.length, file: sorter.newRun() },
      [words.buffer as ArrayBuffer, pos.buffer as ArrayBuffer]);
    job.catch(() => {}); // awaited below
    pending = job;
  };
  let bytes = 0;
  async function* measured(): AsyncGenerator<Buffer | string> {
    for await (const c of src) {
      bytes += typeof c === 'string' ? Buffer.byteLength(c) : c.length;
      meter.update(bytes);
      yield c;
    }
  }
  const last = await readParts(measured(), enc, maxIds, spill, o.lines);
  if (!last) throw new Error('empty corpus: there is nothing to count');
  if (parts === 0 && o.whole) return { whole: last };
  await spill(last);
  await pending;
  return { sorter: sorter!, tokens: enc.tokens, sentences, tokenCount, parts };
}

interface Adjusted {
  /** unigram adjusted counts by id, and which ids are unigrams */
  uniAdj: Float64Array;
  uniSeen: Uint8Array;
  /** files of orders 2 … N: adjFiles[k] */
  adjFiles: string[];
  sizes: number[];
  /** entries of order N kept by --prune (adjusted count > 1) */
  keptTop: number;
  countsOfCounts: number[][];
}

/** Pass 2: the merged padded N-grams scanned as adjust.ts scans the sorted corpus. */
async function adjustPass(sorter: ExternalSorter, N: number, V: number, mem: number, dir: string, meter: PassMeter): Promise<Adjusted> {
  const uniAdj = new Float64Array(V);
  const uniSeen = new Uint8Array(V);
  uniSeen[UNK_ID] = 1;
  uniSeen[BOS_ID] = 1;
  const sizes = new Array<number>(N + 1).fill(0);
  const cc: number[][] = [];
  for (let k = 0; k < N; k++) cc.push([0, 0, 0, 0, 0]);
  const adjFiles: string[] = [];
  const writers: (RecordWriter | null)[] = [null, null];
  const perWriter = recordsPerBuffer(Math.min(1 << 20, mem / (4 * N)), N + 1);
  for (let k = 2; k <= N; k++) {
    adjFiles[k] = path.join(dir, `adjusted-${k}.rec`);
    writers[k] = await RecordWriter.create(adjFiles[k], k + 1, perWriter);
  }
  const curAdj = new Float64Array(N + 1);
  const prev = new Uint32Array(N + 1);
  let havePrev = false;
  let valid = 0;
  let keptTop = 0;
  try {
    /** close the open k-gram (a slot in every writer was made sure of) */
    const close = (k: number): void => {
      const a = curAdj[k];
      if (a < 5) cc[k - 1][a]++;
      if (k === 1) {
        uniAdj[prev[0]] = a;
        if (!uniSeen[prev[0]]) sizes[1]++;
        uniSeen[prev[0]] = 1;
        return;
      }
      sizes[k]++;
      const w = writers[k]!;
      const at = w.take();
      const b = w.buf;
      for (let j = 0; j < k; j++) b[at + j] = prev[j];
      b[at + k] = a;
    };
    const read = { n: 0 };
    for await (const ch of sorter.merged(1 << 12, read)) {
      meter.update(read.n);
      const buf = ch.buf;
      const W = N + 1;
      for (let r = 0; r < ch.n; r++) {
        const at = r * W;
        const c = buf[at + N];
        if (c === 0) continue;
        // this record closes at most one entry per order
        for (let k = 2; k <= N; k++) if (writers[k]!.full) await writers[k]!.flush();
        let s = 0;
        if (havePrev) while (s < valid && buf[at + s] === prev[s]) s++;
        for (let k = valid; k > s; k--) close(k);
        if (s > 0) curAdj[s] += 1;
        valid = s;
        let full = true;
        for (let k = s + 1; k <= N - 1; k++) {
          valid = k;
          if (buf[at + k - 1] === BOS_ID) {
            curAdj[k] = c;
            full = false;
            break;
          }
          curAdj[k] = 1;
        }
        for (let j = 0; j < N; j++) prev[j] = buf[at + j];
        havePrev = true;
        if (full) {
          if (c < 5) cc[N - 1][c]++;
          if (c > 1) keptTop++;
          if (N === 1) {
            uniAdj[buf[at]] = c;
            if (!uniSeen[buf[at]]) sizes[1]++;
            uniSeen[buf[at]] = 1;
          } else {
            sizes[N]++;
            const w = writers[N]!;
            const o = w.take();
            const b = w.buf;
            for (let j = 0; j < N; j++) b[o + j] = buf[at + j];
            b[o + N] = c;
          }
        }
      }
    }
    for (let k = 2; k <= N; k++) if (writers[k]!.full) await writers[k]!.flush();
    for (let k = valid; k >= 1; k--) close(k);
    for (let k = 2; k <= N; k++) await writers[k]!.close();
  } catch (e) {
    for (let k = 2; k <= N; k++) await writers[k]!.abort();
    throw e;
  }
  sizes[1] += 2; // <unk> and <s>
  return { uniAdj, uniSeen, adjFiles, sizes: sizes.slice(1), keptTop, countsOfCounts: cc };
}

interface ContextOut {
  /** sorted [k ids, u, γ] records of order k, in suffix order */
  uq: ExternalSorter;
  /** file of [k-1 ids, log10 γ] in suffix order of the (k-1)-grams */
  gammaFile: string;
}

/** Pass 3 for order k: γ per context and u per n-gram. */
async function contextPass(k: number, N: number, V: number, d: Discount, prune: boolean, adjFile: string, mem: number, dir: string, thread: SortThread | undefined, meter: PassMeter): Promise<ContextOut> {
  const W = k + 1;
  const ctxOrder = [...Array.from({ length: k - 1 }, (_, j) => j + 1), 0];
  // the order's file is in suffix order: ties of the context come ordered by word 0 already
  const ctx = new ExternalSorter({ width: W, order: ctxOrder, vocab: V, presorted: 1 }, mem / 2, dir, `context-${k}`, thread);
  // progress: records read in, then records grouped out
  let done = 0;
  for await (const ch of readRecords(adjFile, W, recordsPerBuffer(Math.min(1 << 20, mem / 16), W))) {
    meter.update(done += ch.n);
    await ctx.pushMany(ch.buf, ch.n);
  }
  await fsp.rm(adjFile, { force: true });
  const UW = k + 4;
  // fed in context order (words 1 … k-1 sorted): one counting pass on word 0 sorts each chunk
  const uq = new ExternalSorter({ width: UW, order: Array.from({ length: k }, (_, j) => j), vocab: V, presorted: k - 1 }, mem / 2, dir, `interp-${k}`, thread);
  const gammaFile = path.join(dir, `gamma-${k - 1}.rec`);
  const gw = await RecordWriter.create(gammaFile, k + 1, recordsPerBuffer(Math.min(1 << 20, mem / 16), k + 1));
  // the current group (one context), copied out of the chunk
  let group = new Uint32Array(64 * W);
  let gn = 0;
  const flushGroup = async (): Promise<void> => {
    if (gn === 0) return;
    let gden = 0;
    let c1 = 0, c2 = 0, c3 = 0;
    let pruned = 0;
    for (let i = 0; i < gn; i++) {
      const a = group[i * W + k];
      gden += a;
      if (prune && a <= 1) pruned += a;
      else if (a === 1) c1++; else if (a === 2) c2++; else if (a >= 3) c3++;
    }
    const gamma = (d[1] * c1 + d[2] * c2 + d[3] * c3 + pruned) / gden;
    for (let i = 0; i < gn; i++) {
      const a = group[i * W + k];
      if (prune && a <= 1) continue;
      if (uq.full) await uq.spill();
      const o = uq.take();
      const b = uq.buffer;
      for (let j = 0; j < k; j++) b[o + j] = group[i * W + j];
      putF64(b, o + k, (a - d[a < 3 ? a : 3]) / gden);
      putF64(b, o + k + 2, gamma);
    }
    // the context's last word is group[1] (ids reversed)
    const last = group[1];
    if (last !== UNK_ID && last !== EOS_ID) {
      if (gw.full) await gw.flush();
      const o = gw.take();
      const b = gw.buf;
      for (let j = 0; j < k - 1; j++) b[o + j] = group[1 + j];
      putF64(b, o + k - 1, Math.log10(gamma));
    }
    gn = 0;
  };
  try {
    for await (const ch of ctx.merged()) {
      meter.update(done += ch.n);
      const buf = ch.buf;
      for (let r = 0; r < ch.n; r++) {
        const at = r * W;
        if (gn > 0 && !samePrefix(buf, at + 1, group, 1, k - 1)) await flushGroup();
        if ((gn + 1) * W > group.length) {
          const g = new Uint32Array(group.length * 2);
          g.set(group);
          group = g;
        }
        for (let j = 0; j < W; j++) group[gn * W + j] = buf[at + j];
        gn++;
      }
    }
    await flushGroup();
    await gw.close();
  } catch (e) {
    await gw.abort();
    throw e;
  }
  await uq.release();
  return { uq, gammaFile };
}

/** reads a suffix-ordered record file of [ids, f64] and finds keys asked in increasing order */
class Joiner {
  private ended = false;
  private constructor(private r: RecordReader, private readonly len: number) {}
  static async open(file: string, len: number, records: number): Promise<Joiner> {
    const j = new Joiner(await RecordReader.open(file, len + 2, records), len);
    await j.refill();
    return j;
  }
  /**
   * the value stored for the key buf[at … at+len-1]: a number, undefined when
   * the file has no such key, null when `refill()` must be awaited first
   */
  find(buf: Uint32Array, at: number): number | undefined | null {
    const r = this.r;
    const W = this.len + 2;
    while (r.at < r.n) {
      const c = cmpPrefix(r.buf, r.at * W, buf, at, this.len);
      if (c < 0) { r.at++; continue; }
      if (c === 0) return getF64(r.buf, r.at * W + this.len);
      return undefined;
    }
    return this.ended ? undefined : null;
  }
  async refill(): Promise<void> {
    if (!(await this.r.fill())) this.ended = true;
  }
  async close(): Promise<void> { await this.r.close(); }
}

/**
 * Count, adjust, estimate and write the ARPA file of a Kneser-Ney model
 * (mkn or kn) with every pass bounded by `o.memory`.
 */
export async function streamKneserNey(src: AsyncIterable<Buffer | string>, o: StreamKnOptions, sink: ByteSink): Promise<StreamKnResult | null> {
  const N = o.order;
  const mem = o.memory;
  const passes = new Passes(o.log, o.meters);
  // the spill directory: registered, so that an error, exit or signal removes it
  let made: TempHandle | undefined;
  const spillDir = async (): Promise<string> => (made ??= await makeTempDir('lmstream-build', o.tempDir ?? os.tmpdir())).path;
  let thread: SortThread | undefined;
  try {
    // each sorter has half the cap; with the thread, two buffers of half that (one filled, one sorted)
    thread = o.threads === false ? undefined : SortThread.start(mem / 4);
    const c = await countPass(src, o, spillDir, thread, passes.start('count', o.totalBytes, 'bytes'));
    if ('whole' in c) {
      passes.done('count', `${c.whole.tokenCount} tokens, in memory`);
      await o.whole!(c.whole, passes);
      passes.summary();
      return null;
    }
    const counted = c;
    const dir = await spillDir();
    const V = counted.tokens.length;
    const runs = counted.sorter.runs.length;
    passes.done('count', `${counted.tokenCount} tokens, ${runs} sorted run${runs === 1 ? '' : 's'}`);
    let runRecords = 0;
    for (const f of counted.sorter.runs) runRecords += (await fsp.stat(f)).size / (4 * (N + 1));
    const adj = await adjustPass(counted.sorter, N, V, mem, dir, passes.start('adjust', runRecords, 'n-grams'));
    passes.done('adjust');
    const discounts = estimateDiscounts(adj.countsOfCounts, { smoothing: o.smoothing === 'kn' ? 'kn' : 'mkn', fallback: o.fallback, warn: o.warn });
    const counts = adj.sizes.slice();
    const prune = o.prune === true && N > 1;
    if (prune) counts[N - 1] = adj.keptTop;
    if (o.log) discounts.forEach((d, i) => o.log!(`${i + 1}-grams: ${counts[i]}  D1=${d[1].toFixed(6)} D2=${d[2].toFixed(6)} D3+=${d[3].toFixed(6)}`));
    const ctx: ContextOut[] = [];
    for (let k = 2; k <= N; k++) {
      ctx[k] = await contextPass(k, N, V, discounts[k - 1], prune && k === N, adj.adjFiles[k], mem, dir, thread, passes.start(`context ${k}`, 2 * adj.sizes[k - 1], 'records'));
      passes.done(`context ${k}`);
    }
    // the sorting is done: the shared blocks go; the thread formats the ARPA lines now
    await thread?.endSorting();
    // --- unigrams
    const d1 = discounts[0];
    let den = 0;
    const cnt = [0, 0, 0, 0];
    let n1 = 0;
    for (let w = 0; w < V; w++) {
      if (!adj.uniSeen[w]) continue;
      n1++;
      const a = adj.uniAdj[w];
      den += a;
      if (a > 0) cnt[a < 3 ? a : 3]++;
    }
    if (!(den > 0)) throw new Error('empty corpus: no n-grams to estimate');
    const gamma1 = (d1[1] * cnt[1] + d1[2] * cnt[2] + d1[3] * cnt[3]) / den;
    const uniform = 1 / (n1 - 1);
    const p1 = new Float64Array(V);
    for (let w = 0; w < V; w++) {
      if (!adj.uniSeen[w]) continue;
      const a = adj.uniAdj[w];
      let p: number;
      if (w === UNK_ID && a === 0) p = gamma1 * uniform;
      else if (w === BOS_ID) p = 1;
      else p = (a - d1[a < 3 ? a : 3]) / den + gamma1 * uniform;
      p1[w] = p;
    }
    const out = new ThreadedArpaWriter(thread, sink);
    await out.header(counted.tokens, counts);
    const perRead = recordsPerBuffer(Math.min(1 << 20, mem / 16), 8);
    {
      await out.beginOrder(1, counts[0]);
      const bo = new Float64Array(V);
      if (N > 1) {
        for await (const ch of readRecords(ctx[2].gammaFile, 3, perRead)) {
          for (let r = 0; r < ch.n; r++) bo[ch.buf[r * 3]] = getF64(ch.buf, r * 3 + 1);
        }
        await fsp.rm(ctx[2].gammaFile, { force: true });
      }
      const key = new Uint32Array(1);
      for (let w = 0; w < V; w++) {
        if (!adj.uniSeen[w]) continue;
        key[0] = w;
        if (out.full) await out.flush();
        out.line(p1[w], key, 0, N > 1 ? bo[w] : NaN);
      }
      await out.endOrder();
      passes.done('write 1');
    }
    let prevFile: string | null = null;
    for (let k = 2; k <= N; k++) {
      await out.beginOrder(k, counts[k - 1]);
      const prevJoin = k > 2 ? await Joiner.open(prevFile!, k - 1, perRead) : null;
      const boJoin = k < N ? await Joiner.open(ctx[k + 1].gammaFile, k, perRead) : null;
      const pFile = path.join(dir, `prob-${k}.rec`);
      const pw = k < N ? await RecordWriter.create(pFile, k + 2, perRead) : null;
      const UW = k + 4;
      const meter = passes.start(`write ${k}`, counts[k - 1], 'lines');
      let done = 0;
      try {
        for await (const ch of ctx[k].uq.merged()) {
          meter.update(done += ch.n);
          const buf = ch.buf;
          for (let r = 0; r < ch.n; r++) {
            const at = r * UW;
            // suffix w_2 … w_k: the first k-1 ids of the reversed record
            let ps: number;
            if (k === 2) ps = p1[buf[at]];
            else {
              let v = prevJoin!.find(buf, at);
              while (v === null) { await prevJoin!.refill(); v = prevJoin!.find(buf, at); }
              if (v === undefined) throw new Error(`internal: the suffix of a ${k}-gram is missing from order ${k - 1}`);
              ps = v;
            }
            const p = getF64(buf, at + k) + getF64(buf, at + k + 2) * ps;
            let bo = NaN;
            if (boJoin) {
              let v = boJoin.find(buf, at);
              while (v === null) { await boJoin.refill(); v = boJoin.find(buf, at); }
              bo = v ?? 0;
            }
            if (out.full) await out.flush();
            out.line(p, buf, at, bo);
            if (pw) {
              if (pw.full) await pw.flush();
              const o2 = pw.take();
              for (let j = 0; j < k; j++) pw.buf[o2 + j] = buf[at + j];
              putF64(pw.buf, o2 + k, p);
            }
          }
        }
        await pw?.close();
      } catch (e) {
        await pw?.abort();
        throw e;
      } finally {
        await prevJoin?.close();
        await boJoin?.close();
      }
      if (prevFile) await fsp.rm(prevFile, { force: true });
      if (k < N) await fsp.rm(ctx[k + 1].gammaFile, { force: true });
      prevFile = pw ? pFile : null;
      await out.endOrder();
      passes.done(`write ${k}`);
    }
    await out.end();
    passes.summary();
    return { counts, discounts, tokens: counted.tokenCount, sentences: counted.sentences, runs };
  } catch (e) {
    passes.clear();
    throw spillError(e, made?.path);
  } finally {
    // the thread first: a run it is writing must not outlive the directory's removal
    await thread?.close();
    await made?.remove();
  }
}
