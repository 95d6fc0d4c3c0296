/**
 * Raw counts of every order in memory that follows the distinct n-grams, not
 * the corpus (`ngram count`, and `build` for the smoothings other than
 * Kneser-Ney): the corpus is encoded and counted in parts of bounded size;
 * each part's tables (sorted by ids) are merged into running tables; when
 * those pass half the cap they are spilled as binary sorted runs, one per
 * order (src/ngram/ext-sort.ts), and the runs of each order are merged at
 * the end.
 *
 * Input: corpus bytes. Output: `CountedTables`: the tables in memory when
 * nothing was spilled, else per order a merge of sorted runs; either way the
 * counts, ids (the corpus order of first appearance) and order (each order
 * by ids) of counting the whole corpus in memory.
 *
 * Memory: one part (ids, sort scratch, its tables: ~12 + 40·N bytes per id),
 * the running tables (4k + 8 bytes per k-gram, at most half the cap) and,
 * while merging, the run buffers.
 */
import os from 'node:os';
import type { CountTable, NgramCounts } from './api.js';
import { adjustCounts } from './adjust.js';
import { UNK_WORD, type PaddedCorpus } from './corpus.js';
import { countLines, countsFromAdjusted } from './counts.js';
import { partEncoder, readParts, type SpillOptions } from './count-spill.js';
import { ExternalSorter, spillError, type RecordChunk } from './ext-sort.js';
import { Vocabulary } from '../vocab/vocabulary.js';
import { makeTempDir, type TempHandle } from '../util/temp.js';

/** bytes per corpus id while a part is counted */
export function partBytesPerId(order: number): number {
  return 12 + 40 * order;
}

/** corpus ids per part without a cap (a part's tables stay near 100 MB at order 3) */
const DEFAULT_PART_IDS = 1 << 20;

function countsOf(part: PaddedCorpus): NgramCounts {
  return countsFromAdjusted(adjustCounts(part, part.tokens.length, { raw: true }), part.tokens, part.mode);
}

/** merge two tables sorted by ids (equal n-grams summed) */
export function mergeTables(a: CountTable, b: CountTable): CountTable {
  const k = a.order;
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const ids = new Uint32Array((a.n + b.n) * k);
  const counts = new Float64Array(a.n + b.n);
  let i = 0, j = 0, n = 0;
  while (i < a.n || j < b.n) {
    let c = 0;
    if (i >= a.n) c = 1;
    else if (j >= b.n) c = -1;
    else {
      for (let d = 0; d < k; d++) {
        const x = a.ids[i * k + d];
        const y = b.ids[j * k + d];
        if (x !== y) { c = x < y ? -1 : 1; break; }
      }
    }
    if (c <= 0) {
      ids.set(a.ids.subarray(i * k, i * k + k), n * k);
      counts[n] = a.counts[i++];
      if (c === 0) counts[n] += b.counts[j++];
    } else {
      ids.set(b.ids.subarray(j * k, j * k + k), n * k);
      counts[n] = b.counts[j++];
    }
    n++;
  }
  return { order: k, n, ids: ids.subarray(0, n * k), counts: counts.subarray(0, n) };
}

export interface CountedTables {
  order: number;
  mode: NgramCounts['mode'];
  tokens: string[];
  /** parts counted, runs spilled per order */
  parts: number;
  spills: number;
  /** every order's table, when nothing was spilled */
  tables: CountTable[] | null;
  /** else per order k (index k - 1): the runs, merged by `merged()` into records [k ids, count] */
  sorters: ExternalSorter[] | null;
  /** remove the spilled runs (always call it, also after an error) */
  cleanup(): Promise<void>;
}

/** Count the corpus in parts, spilling the running tables as sorted runs when they pass half the cap. */
export async function countTables(src: AsyncIterable<Buffer | string>, o: SpillOptions): Promise<CountedTables | null> {
  const N = o.order;
  const { enc } = partEncoder(o);
  const maxIds = o.memory ? Math.max(1024, Math.floor(o.memory / 2 / partBytesPerId(N))) : DEFAULT_PART_IDS;
  const mem = o.memory ?? Infinity;
  let tmp: TempHandle | undefined;
  let acc: CountTable[] = Array.from({ length: N }, (_, i) => ({ order: i + 1, n: 0, ids: new Uint32Array(0), counts: new Float64Array(0) }));
  let accBytes = 0;
  let sorters: ExternalSorter[] | null = null;
  let parts = 0;
  let spills = 0;
  const cleanup = async (): Promise<void> => {
    await tmp?.remove();
  };
  const spillAcc = async (): Promise<void> => {
    // registered: an error, exit or signal removes it
    tmp ??= await makeTempDir('lmstream-count', o.tempDir ?? os.tmpdir());
    const dir = tmp.path;
    sorters ??= acc.map((t) => new ExternalSorter({ width: t.order + 1, order: Array.from({ length: t.order }, (_, j) => j), vocab: 1, combine: t.order }, Math.min(mem, 1 << 28) / 2, dir, `count-${t.order}`));
    for (const t of acc) {
      const k = t.order;
      const w = await sorters[k - 1].sortedRun();
      try {
        for (let i = 0; i < t.n; i++) {
          if (w.full) await w.flush();
          const at = w.take();
          for (let d = 0; d < k; d++) w.buf[at + d] = t.ids[i * k + d];
          if (!(t.counts[i] <= 0xffffffff)) throw new Error(`an n-gram is seen ${t.counts[i]} times, more than 2^32 - 1`);
          w.buf[at + k] = t.counts[i];
        }
        await w.close();
      } catch (e) {
        await w.abort();
        throw e;
      }
    }
    acc = acc.map((t) => ({ order: t.order, n: 0, ids: new Uint32Array(0), counts: new Float64Array(0) }));
    accBytes = 0;
    spills++;
  };
  const add = async (part: PaddedCorpus): Promise<void> => {
    parts++;
    const c = countsOf(part);
    accBytes = 0;
    acc = acc.map((t, i) => {
      const m = mergeTables(t, c.tables[i]);
      accBytes += m.ids.buffer.byteLength + m.counts.buffer.byteLength;
      return m;
    });
    if (accBytes > mem / 2) await spillAcc();
  };
  try {
    const last = await readParts(src, enc, maxIds, add, o.lines);
    if (!last) return null;
    await add(last);
    if (sorters && accBytes > 0) await spillAcc();
    const tables = sorters ? null : acc.map((t) => (t.ids.length === t.n * t.order ? t : { ...t, ids: t.ids.slice(0, t.n * t.order), counts: t.counts.slice(0, t.n) }));
    return { order: N, mode: o.mode ?? 'sentence', tokens: enc.tokens, parts, spills, tables, sorters, cleanup };
  } catch (e) {
    const dir = tmp?.path;
    await cleanup();
    throw spillError(e, dir);
  }
}

/** grows one order's table as merged records arrive (in id order) */
class TableBuilder {
  private ids: Uint32Array;
  private counts = new Float64Array(1 << 10);
  n = 0;
  constructor(readonly k: number) {
    this.ids = new Uint32Array(this.counts.length * k);
  }
  add(ch: RecordChunk): void {
    const k = this.k;
    for (let r = 0; r < ch.n; r++) {
      if (this.n === this.counts.length) {
        const cap = this.n < 1 << 20 ? this.n * 2 : Math.ceil(this.n * 1.5);
        const ids = new Uint32Array(cap * k);
        ids.set(this.ids);
        this.ids = ids;
        const counts = new Float64Array(cap);
        counts.set(this.counts);
        this.counts = counts;
      }
      this.ids.set(ch.buf.subarray(r * (k + 1), r * (k + 1) + k), this.n * k);
      this.counts[this.n++] = ch.buf[r * (k + 1) + k];
    }
  }
  finish(): CountTable {
    return { order: this.k, n: this.n, ids: this.ids.slice(0, this.n * this.k), counts: this.counts.slice(0, this.n) };
  }
}

/**
 * Corpus → count tables of orders 1 … N in memory (for the estimation of the
 * smoothings other than Kneser-Ney), counted as `countTables` does. `runs`:
 * runs spilled per order (0 when the tables stayed in memory).
 */
export async function countTableRuns(src: AsyncIterable<Buffer | string>, o: SpillOptions): Promise<{ counts: NgramCounts; runs: number }> {
  const c = await countTables(src, o);
  if (!c) throw new Error('empty corpus: there is nothing to count');
  try {
    let tables = c.tables;
    if (!tables) {
      tables = [];
      for (const s of c.sorters!) {
        const b = new TableBuilder(s.spec.width - 1);
        for await (const ch of s.merged()) b.add(ch);
        tables.push(b.finish());
      }
    }
    return { counts: { order: c.order, vocab: Vocabulary.fromTokens(c.tokens), mode: c.mode, tables }, runs: c.spills };
  } finally {
    await c.cleanup();
  }
}

export interface CountToFileOptions extends SpillOptions {
  /** receives the count text; `tokens`: the vocabulary in order of first appearance (`<unk>`, `<s>`, `</s>` first) */
  write: (chunks: AsyncIterable<string> | Iterable<string>, tokens: readonly string[]) => Promise<void>;
}

/**
 * `lmstream ngram count`: the count-file text of the corpus, handed to `write`
 * in chunks (each order by ids, orders 1 … N: the same text whether or not
 * runs were spilled), with the vocabulary in order of first appearance.
 */
export async function countCorpusToFile(src: AsyncIterable<Buffer | string>, o: CountToFileOptions): Promise<{ empty: boolean; runs: number }> {
  const c = await countTables(src, o);
  if (!c) return { empty: true, runs: 0 };
  try {
    if (c.tables) {
      await o.write(countLines({ order: c.order, vocab: Vocabulary.fromTokens(c.tokens), mode: c.mode, tables: c.tables }), c.tokens);
      return { empty: false, runs: 1 };
    }
    const toks = c.tokens.map((t) => (t === UNK_WORD ? '<unk>' : t));
    const sorters = c.sorters!;
    async function* text(): AsyncGenerator<string> {
      for (const s of sorters) {
        const k = s.spec.width - 1;
        let buf = '';
        for await (const ch of s.merged()) {
          for (let r = 0; r < ch.n; r++) {
            const at = r * (k + 1);
            let line = toks[ch.buf[at]];
            for (let d = 1; d < k; d++) line += ' ' + toks[ch.buf[at + d]];
            buf += line + '\t' + ch.buf[at + k] + '\n';
          }
          if (buf.length > 1 << 20) { yield buf; buf = ''; }
        }
        if (buf) yield buf;
      }
    }
    await o.write(text(), c.tokens);
    return { empty: false, runs: c.spills };
  } finally {
    await c.cleanup();
  }
}
