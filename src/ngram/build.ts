/**
 * Programmatic API of the n-gram builder: corpus or counts → ARPA file or
 * in-memory `NgramModel`, with any smoothing.
 *
 * Kneser-Ney (`mkn`, the default, and `kn`) follows KenLM's lmplz exactly
 * (src/ngram/adjust.ts, src/ngram/mkn.ts); the other smoothings come from
 * src/ngram/smoothing (`buildSmoothed` over `NgramCounts`).
 */
import type { LineOptions } from '../io/lines.js';
import { open } from 'node:fs/promises';
import os from 'node:os';
import { atomicWrite } from '../util/atomic-write.js';
import type { Writable } from 'node:stream';
import type { NgramCounts, NgramModel, Smoothing } from './api.js';
import type { MarkerMode } from '../types.js';
import type { PaddedCorpus } from './corpus.js';
import { adjustCounts } from './adjust.js';
import { estimateDiscounts, mknBlocks, orderSizes, type Discount } from './mkn.js';
import { countsFromAdjusted, paddedFromCounts } from './counts.js';
import { readCorpus, type CorpusSource } from './read-corpus.js';
import { countTableRuns } from './table-runs.js';
import { streamKneserNey, type PassMeter, type PassMeters } from './stream-kn.js';
import { fileSink, streamSink, writeArpa, type ArpaBlock, type ByteSink } from './arpa-write.js';
import { ArpaModel, type ArpaData } from './arpa-model.js';
import { buildSmoothed, toBackoffEntries, type ClassicSmoothing } from './smoothing/index.js';

export const SMOOTHINGS: readonly Smoothing[] = ['mkn', 'kn', 'mle', 'add-delta', 'stupid-backoff', 'katz', 'witten-bell'];
export const MAX_ORDER = 10;

export interface NgramBuildOptions {
  order: number;
  /** default mkn */
  smoothing?: Smoothing;
  /** default sentence */
  mode?: MarkerMode;
  /** Kneser-Ney discounts used where they cannot be estimated (default 0.5 1 1.5) */
  fallback?: [number, number, number];
  /** add-delta δ */
  delta?: number;
  /** stupid-backoff α */
  alpha?: number;
  /** katz: Good-Turing threshold k, an integer 0 … 50 (default 5, SRILM's gtmax; 0: no discounting) */
  katzK?: number;
  /**
   * `<unk>` tokens in the corpus: `word` (default) counts them as the word
   * `<unk>` (a corpus already mapped to a vocabulary); `skip` treats them as
   * whitespace like KenLM's --skip_symbols.
   */
  unk?: 'word' | 'skip';
  /**
   * Cap in bytes (buildArpaFromCorpus with a byte-stream source). Kneser-Ney
   * (kn, mkn): every pass is bounded — counting, adjusted counts, discounts,
   * interpolation and ARPA writing stream sorted n-gram records through
   * `tempDir` (src/ngram/stream-kn.ts, as KenLM's lmplz -S). The other
   * smoothings: the counting is bounded (every order's table spilled as
   * binary runs, src/ngram/table-runs.ts), the estimation holds the merged
   * tables. The ARPA file is the in-memory build's, byte for byte.
   */
  memory?: number;
  /** where the sorted runs go (default: the system temp directory) */
  tempDir?: string;
  /** progress of each pass of a bounded Kneser-Ney build (e.g. ProgressMeters on stderr) */
  meters?: PassMeters;
  /** bytes of a byte-stream corpus, when known (for the ETA of its counting) */
  totalBytes?: number;
  /** a bounded build sorts runs and formats the ARPA lines in a worker thread (default true; false: one thread) */
  threads?: boolean;
  /** Kneser-Ney: drop n-grams of the highest order seen once (KenLM's --prune 0 … 0 1); their mass backs off */
  prune?: boolean;
  /** how a byte corpus is cut into lines (the long-line guard, src/io/lines.ts) */
  lines?: LineOptions;
  /** warnings (discount fallback, special tokens in the corpus) */
  warn?: (msg: string) => void;
  /** progress and statistics */
  log?: (msg: string) => void;
}

export interface BuildResult {
  counts: number[];
  discounts?: Discount[];
  tokens: number;
  sentences: number;
}

export function checkBuildOptions(o: NgramBuildOptions): void {
  if (!Number.isInteger(o.order) || o.order < 1 || o.order > MAX_ORDER) {
    throw new Error(`order must be a whole number from 1 to ${MAX_ORDER}, got ${o.order}`);
  }
  const s = o.smoothing ?? 'mkn';
  if (!SMOOTHINGS.includes(s)) throw new Error(`unknown smoothing '${s}' (expected one of ${SMOOTHINGS.join(', ')})`);
  if (o.prune && s !== 'mkn' && s !== 'kn') throw new Error(`--prune applies to kn and mkn only, not ${s}`);
  if (o.katzK !== undefined && s !== 'katz') throw new Error(`the Katz threshold k (--katz-k) applies to katz only, not ${s}`);
}

interface Built {
  tokens: string[];
  counts: number[];
  blocks: Iterable<ArpaBlock>;
  result: BuildResult;
}

function isCounts(x: PaddedCorpus | NgramCounts): x is NgramCounts {
  return (x as NgramCounts).tables !== undefined;
}

function kneserNey(p: PaddedCorpus, o: NgramBuildOptions): Built {
  const empty = p.positions ? p.positions.length === 0 : p.sentences === 0;
  if (empty) throw new Error('empty corpus: there is nothing to count');
  const t = adjustCounts(p, p.tokens.length);
  const discounts = estimateDiscounts(t.countsOfCounts, { smoothing: o.smoothing === 'kn' ? 'kn' : 'mkn', fallback: o.fallback, warn: o.warn });
  const counts = orderSizes(t, o.prune);
  if (o.log) {
    discounts.forEach((d, i) => o.log!(`${i + 1}-grams: ${counts[i]}  D1=${d[1].toFixed(6)} D2=${d[2].toFixed(6)} D3+=${d[3].toFixed(6)}`));
  }
  return { tokens: p.tokens, counts, blocks: mknBlocks(t, discounts, { pruneTop: o.prune }), result: { counts, discounts, tokens: p.tokenCount, sentences: p.sentences } };
}

function classic(c: NgramCounts, o: NgramBuildOptions): { model: NgramModel; built: () => Built } {
  const model = buildSmoothed(c, o.smoothing as ClassicSmoothing, { delta: o.delta, alpha: o.alpha, katzK: o.katzK });
  return {
    model,
    built: () => {
      const entries = toBackoffEntries(model);
      const blocks: ArpaBlock[] = entries.map((e) => ({
        order: e.order,
        n: e.entries.log10p.length,
        words: e.entries.ids,
        ends: null,
        log10p: e.entries.log10p,
        log10bo: e.order < entries.length ? e.entries.log10bo : null,
      }));
      const counts = blocks.map((b) => b.n);
      let tokens = 0;
      for (let i = 0; i < c.tables[0].n; i++) if (c.tables[0].ids[i] !== c.vocab.bosId) tokens += c.tables[0].counts[i];
      return { tokens: [...c.vocab.tokens], counts, blocks, result: { counts, tokens, sentences: 0 } };
    },
  };
}

/** Build from an encoded corpus or from count tables; the ARPA blocks plus what the header needs. */
function build(input: PaddedCorpus | NgramCounts, o: NgramBuildOptions): Built {
  checkBuildOptions(o);
  const s = o.smoothing ?? 'mkn';
  if (s === 'mkn' || s === 'kn') {
    const p = isCounts(input) ? paddedFromCounts(input) : input;
    if (p.order !== o.order) throw new Error(`the counts are of order ${p.order}, not ${o.order}`);
    return kneserNey(p, o);
  }
  const c = isCounts(input) ? input : countsFromAdjusted(adjustCounts(input, input.tokens.length, { raw: true }), input.tokens, input.mode);
  if (c.tables.every((t) => t.n === 0)) throw new Error('empty corpus: there is nothing to count');
  return classic(c, o).built();
}

export type ArpaTarget = string | ByteSink | Writable;

/** Run `write` on a sink over the target: a path (written atomically), a Writable or a ByteSink. */
async function withSink(target: ArpaTarget, write: (sink: ByteSink) => Promise<void>): Promise<void> {
  if (typeof target === 'string') {
    await atomicWrite(target, async (tmp) => {
      const fh = await open(tmp, 'w');
      try {
        await write(fileSink(fh));
      } finally {
        await fh.close();
      }
    });
  } else if (typeof (target as Writable).write === 'function' && typeof (target as Writable).on === 'function') {
    await write(streamSink(target as Writable));
  } else {
    await write(target as ByteSink);
  }
}

function writeTo(target: ArpaTarget, b: Built): Promise<void> {
  return withSink(target, (sink) => writeArpa(sink, b.tokens, b.counts, b.blocks));
}

/** Encode a corpus (bytes, lines or token arrays) for counting. */
export function encodeCorpus(source: CorpusSource, o: Pick<NgramBuildOptions, 'order' | 'mode' | 'warn' | 'unk' | 'lines'>): Promise<PaddedCorpus> {
  return readCorpus(source, { order: o.order, mode: o.mode, warn: o.warn, unkAsWord: (o.unk ?? 'word') === 'word', lines: o.lines });
}

/**
 * Corpus → ARPA. `out` is a path (written atomically), a Writable or a ByteSink.
 * Example: `await buildArpaFromCorpus(fs.createReadStream('train.txt'), { order: 3, out: 'lm.arpa' })`.
 */
/** the cap of a build without --memory: this fraction of the physical memory */
export const DEFAULT_MEMORY_FRACTION = 0.5;

export function defaultMemory(): number {
  return Math.floor(os.totalmem() * DEFAULT_MEMORY_FRACTION);
}

/** peak bytes per corpus id of the in-memory Kneser-Ney build (measured ~15 at order 3, ~40 at order 5) */
function inMemoryBytesPerId(order: number): number {
  return 10 * order + 10;
}

/**
 * Corpus → ARPA. `out` is a path (written atomically), a Writable or a ByteSink.
 * A byte-stream corpus is built within `memory` (default: half the physical
 * memory): in memory when it fits, else (kn, mkn) streamed through sorted
 * runs on disk; the ARPA file is the same either way.
 * Example: `await buildArpaFromCorpus(fs.createReadStream('train.txt'), { order: 3, out: 'lm.arpa' })`.
 */
export async function buildArpaFromCorpus(source: CorpusSource, o: NgramBuildOptions & { out: ArpaTarget }): Promise<BuildResult> {
  checkBuildOptions(o);
  const isStream = typeof (source as { pipe?: unknown }).pipe === 'function';
  if (o.memory !== undefined && !isStream) throw new Error('memory: give the corpus as a byte stream (a Readable) to count it in bounded memory');
  if (isStream) {
    const memory = o.memory ?? defaultMemory();
    const co = { order: o.order, mode: o.mode, memory, tempDir: o.tempDir, unk: o.unk, warn: o.warn, lines: o.lines };
    const s = o.smoothing ?? 'mkn';
    if (s === 'mkn' || s === 'kn') {
      // in memory when the corpus fits the cap, else every pass bounded: sorted n-gram streams through disk (src/ngram/stream-kn.ts)
      let r: BuildResult | undefined;
      await withSink(o.out, async (sink) => {
        const st = await streamKneserNey(source as AsyncIterable<Buffer | string>, {
          ...co, smoothing: s, fallback: o.fallback, prune: o.prune, log: o.log, threads: o.threads, meters: o.meters, totalBytes: o.totalBytes,
          partIds: Math.max(1024, Math.floor(memory / inMemoryBytesPerId(o.order))),
          whole: async (part, passes) => {
            const b = build(part, o);
            passes.done('adjust', 'adjusted counts and discounts');
            const total = b.counts.reduce((a, n) => a + n, 0);
            await writeArpa(sink, b.tokens, b.counts, meteredBlocks(b.blocks, passes.start('interpolate and write', total, 'n-grams')));
            passes.done('interpolate and write', `${total} n-grams`);
            r = b.result;
          },
        }, sink);
        if (st) r = { counts: st.counts, discounts: st.discounts, tokens: st.tokens, sentences: st.sentences };
      });
      return r!;
    }
    // the other smoothings: every order's table counted in spilled runs, then estimated in memory
    const { counts, runs } = await countTableRuns(source as AsyncIterable<Buffer | string>, co);
    if (runs > 1) o.log?.(`counted in ${runs} sorted runs (memory cap ${(memory / 2 ** 20).toFixed(0)} MiB)`);
    const b = build(counts, o);
    await writeTo(o.out, b);
    return b.result;
  }
  const p = await encodeCorpus(source, o);
  const b = build(p, o);
  await writeTo(o.out, b);
  return b.result;
}

/**
 * `blocks` with a meter of the n-grams handed on. Iterated by hand, so that
 * no reference to a handed-on block stays while the next one is computed.
 */
export function* meteredBlocks(blocks: Iterable<ArpaBlock>, meter: PassMeter): Generator<ArpaBlock> {
  const it = blocks[Symbol.iterator]();
  let done = 0;
  for (;;) {
    let r: IteratorResult<ArpaBlock> | undefined = it.next();
    if (r.done) return;
    const n = r.value.n;
    yield r.value;
    r = undefined;
    done += n;
    meter.update(done);
  }
}

/** Count tables → ARPA. */
export async function buildArpaFromCounts(counts: NgramCounts, o: NgramBuildOptions & { out: ArpaTarget }): Promise<BuildResult> {
  const b = build(counts, o);
  await writeTo(o.out, b);
  return b.result;
}

/** Corpus → model in memory (values in double precision, not rounded as in a file). */
export async function buildModelFromCorpus(source: CorpusSource, o: NgramBuildOptions): Promise<NgramModel> {
  checkBuildOptions(o);
  return buildModel(await encodeCorpus(source, o), o);
}

/** Encoded corpus or count tables → model in memory. */
export function buildModel(input: PaddedCorpus | NgramCounts, o: NgramBuildOptions): NgramModel {
  checkBuildOptions(o);
  const s = o.smoothing ?? 'mkn';
  if (s !== 'mkn' && s !== 'kn') {
    const c = isCounts(input) ? input : countsFromAdjusted(adjustCounts(input, input.tokens.length, { raw: true }), input.tokens, input.mode);
    return classic(c, o).model;
  }
  const b = build(input, o);
  const data: ArpaData = { tokens: b.tokens, counts: b.counts, blocks: [...b.blocks] };
  return new ArpaModel(data);
}

/** Corpus → raw count tables of all orders 1 … order (the shared NgramCounts). */
export async function countCorpus(source: CorpusSource, o: Pick<NgramBuildOptions, 'order' | 'mode' | 'warn' | 'unk'>): Promise<NgramCounts> {
  checkBuildOptions({ order: o.order });
  const p = await encodeCorpus(source, o);
  return countsOfCorpus(p);
}

export function countsOfCorpus(p: PaddedCorpus): NgramCounts {
  return countsFromAdjusted(adjustCounts(p, p.tokens.length, { raw: true }), p.tokens, p.mode);
}
