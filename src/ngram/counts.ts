/**
 * Raw n-gram counts: the shared `NgramCounts` tables, the count file format,
 * and the conversion back to padded N-grams for Kneser-Ney (pure logic).
 *
 * Count file: one `w1 w2 … wk<TAB>count` line per n-gram, all orders 1 … N
 * (raw counts, `<s>` counted once per sentence), in any order; lines with the
 * same n-gram add up. A literal `<unk>` of the corpus (the word `UNK_WORD` in
 * the tables) is written and read as `<unk>`.
 *
 * NgramCounts conventions: tables sorted lexicographically by ids, no
 * zero counts; the unigram table holds `<s>` with the number of sentences;
 * ids are those of `vocab` (`<unk>` 0, `<s>` 1, `</s>` 2, then order of
 * first appearance).
 */
import type { CountTable, NgramCounts } from './api.js';
import { Vocabulary } from '../vocab/vocabulary.js';
import type { MarkerMode } from '../types.js';
import type { AdjustedTables } from './adjust.js';
import { BOS_ID, UNK_ID, UNK_WORD, type PaddedCorpus } from './corpus.js';
import { lexPermutation } from './radix.js';

/** NgramCounts from tables computed with `raw: true`. */
export function countsFromAdjusted(t: AdjustedTables, tokens: string[], mode: MarkerMode): NgramCounts {
  const tables: CountTable[] = [];
  for (const o of t.orders) {
    const k = o.order;
    if (!o.raw) throw new Error('countsFromAdjusted: raw counts were not kept');
    const perm = lexPermutation(t.words, o.ends, k, t.vocabSize, true);
    let n = 0;
    for (let i = 0; i < o.n; i++) if (o.raw[i] > 0) n++;
    const ids = new Uint32Array(n * k);
    const counts = new Float64Array(n);
    let j = 0;
    for (let x = 0; x < o.n; x++) {
      const e = perm[x];
      if (!(o.raw[e] > 0)) continue;
      const s = o.ends[e] - k + 1;
      for (let d = 0; d < k; d++) ids[j * k + d] = t.words[s + d];
      counts[j] = o.raw[e];
      j++;
    }
    tables.push({ order: k, n, ids, counts });
  }
  return { order: t.order, vocab: Vocabulary.fromTokens(tokens), mode, tables };
}

/**
 * The padded N-grams behind count tables (for Kneser-Ney from counts): every
 * N-gram, plus every shorter n-gram that starts with `<s>` preceded by the
 * missing `<s>` pads. N-grams holding `<unk>` or an inner `<s>` are skipped.
 */
export function paddedFromCounts(c: NgramCounts): PaddedCorpus {
  const N = c.order;
  const blocks: { t: CountTable; k: number; i: number }[] = [];
  let total = 0;
  const ok = (t: CountTable, i: number, k: number, allowFirstBos: boolean): boolean => {
    for (let d = 0; d < k; d++) {
      const w = t.ids[i * k + d];
      if (w === UNK_ID) return false;
      if (w === BOS_ID && !(d === 0 && allowFirstBos)) return false;
    }
    return true;
  };
  for (const t of c.tables) {
    const k = t.order;
    for (let i = 0; i < t.n; i++) {
      if (!(t.counts[i] > 0)) continue;
      if (k === N) {
        if (ok(t, i, k, true)) { blocks.push({ t, k, i }); total++; }
      } else if (k >= 2 && t.ids[i * k] === BOS_ID && ok(t, i, k, true)) {
        blocks.push({ t, k, i });
        total++;
      }
    }
  }
  const words = new Uint32Array(2 + total * N);
  words[0] = UNK_ID;
  words[1] = BOS_ID;
  const positions = new Uint32Array(total);
  const weights = new Uint32Array(total);
  let off = 2;
  let j = 0;
  for (const { t, k, i } of blocks) {
    for (let d = 0; d < N - k; d++) words[off++] = BOS_ID;
    for (let d = 0; d < k; d++) words[off++] = t.ids[i * k + d];
    positions[j] = off - 1;
    weights[j] = t.counts[i];
    j++;
  }
  let sentences = 0;
  const uni = c.tables[0];
  for (let i = 0; i < (uni?.n ?? 0); i++) if (uni.ids[i] === BOS_ID) sentences = uni.counts[i];
  let tokenCount = 0;
  for (let i = 0; i < (uni?.n ?? 0); i++) if (uni.ids[i] !== BOS_ID) tokenCount += uni.counts[i];
  return { order: N, mode: c.mode, words, tokens: [...c.vocab.tokens], sentences, tokenCount, positions, weights };
}

/** Count-file text of the tables (all orders, lexicographic id order). */
export function* countLines(c: NgramCounts): Generator<string> {
  const toks = c.vocab.tokens.map((t) => (t === UNK_WORD ? '<unk>' : t));
  let buf = '';
  for (const t of c.tables) {
    const k = t.order;
    for (let i = 0; i < t.n; i++) {
      let s = toks[t.ids[i * k]];
      for (let d = 1; d < k; d++) s += ' ' + toks[t.ids[i * k + d]];
      buf += s + '\t' + t.counts[i] + '\n';
      if (buf.length > 1 << 20) { yield buf; buf = ''; }
    }
  }
  if (buf) yield buf;
}

class Grow {
  a: Uint32Array;
  n = 0;
  constructor(cap = 1024) { this.a = new Uint32Array(cap); }
  push(v: number): void {
    if (this.n === this.a.length) { const b = new Uint32Array(grown(this.a.length)); b.set(this.a); this.a = b; }
    this.a[this.n++] = v;
  }
}

/** next capacity: doubling, then ×1.5 past 16M entries (a smaller peak while copying) */
function grown(n: number): number {
  return n < 1 << 24 ? n * 2 : Math.ceil(n * 1.5);
}

class GrowF64 {
  a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) { const b = new Float64Array(grown(this.a.length)); b.set(this.a); this.a = b; }
    this.a[this.n++] = v;
  }
}

/**
 * Accumulates count-file lines into NgramCounts. `add` throws an Error with
 * the line number for a malformed line.
 */
export class CountFileReader {
  private index = new Map<string, number>([['<unk>', 0], ['<s>', 1], ['</s>', 2]]);
  private tokens = ['<unk>', '<s>', '</s>'];
  private ids: Grow[] = [];
  private counts: GrowF64[] = [];
  maxOrder = 0;

  constructor(readonly maxAllowed = 10) {}

  /**
   * Fix the ids before any line is added: `tokens` (`<unk>`, `<s>`, `</s>`
   * first, then e.g. the corpus order of first appearance) get ids 0, 1, 2, …
   */
  useVocabulary(tokens: readonly string[]): void {
    if (this.maxOrder > 0) throw new Error('CountFileReader.useVocabulary: lines were already added');
    if (tokens[0] !== '<unk>' || tokens[1] !== '<s>' || tokens[2] !== '</s>') throw new Error('CountFileReader.useVocabulary: the list must start with <unk> <s> </s>');
    this.tokens = [...tokens];
    this.index = new Map(this.tokens.map((t, i) => [t, i]));
  }

  add(line: string, where: string): void {
    if (line.length === 0) return;
    const tab = line.lastIndexOf('\t');
    if (tab <= 0) throw new Error(`${where}: expected "n-gram<TAB>count"`);
    const cs = line.slice(tab + 1).trim();
    const count = Number(cs);
    if (cs === '' || !Number.isInteger(count) || count < 0) throw new Error(`${where}: count '${cs}' is not a non-negative whole number`);
    const words = line.slice(0, tab).split(' ').filter((w) => w !== '');
    if (words.length === 0) throw new Error(`${where}: empty n-gram`);
    const k = words.length;
    if (k > this.maxAllowed) throw new Error(`${where}: ${k}-gram is longer than the order ${this.maxAllowed}`);
    if (words.some((w) => w.includes('\t'))) throw new Error(`${where}: more than one tab`);
    while (this.ids.length < k) { this.ids.push(new Grow()); this.counts.push(new GrowF64()); }
    if (k > this.maxOrder) this.maxOrder = k;
    const g = this.ids[k - 1];
    for (let w of words) {
      if (w === '<unk>') w = UNK_WORD;
      let id = this.index.get(w);
      if (id === undefined) { id = this.tokens.length; this.index.set(w, id); this.tokens.push(w); }
      g.push(id);
    }
    this.counts[k - 1].push(count);
  }

  finish(order: number | undefined, mode: MarkerMode): NgramCounts {
    const N = order ?? this.maxOrder;
    const V = this.tokens.length;
    const tables: CountTable[] = [];
    for (let k = 1; k <= N; k++) {
      const g = this.ids[k - 1];
      const m = this.counts[k - 1]?.n ?? 0;
      if (!g || m === 0) { tables.push({ order: k, n: 0, ids: new Uint32Array(0), counts: new Float64Array(0) }); continue; }
      const cnt = this.counts[k - 1].a;
      const words = g.a;
      const ends = new Uint32Array(m);
      for (let i = 0; i < m; i++) ends[i] = i * k + k - 1;
      const perm = lexPermutation(words, ends, k, V);
      // sum equal n-grams (adjacent in perm), drop zero counts
      const ids = new Uint32Array(m * k);
      const outc = new Float64Array(m);
      let n = 0;
      let prev = -1;
      for (let x = 0; x < m; x++) {
        const e = perm[x];
        const s = e * k;
        let same = prev >= 0;
        if (same) for (let d = 0; d < k; d++) if (words[s + d] !== words[prev * k + d]) { same = false; break; }
        if (same) outc[n - 1] += cnt[e];
        else {
          if (n > 0 && outc[n - 1] === 0) n--;
          for (let d = 0; d < k; d++) ids[n * k + d] = words[s + d];
          outc[n++] = cnt[e];
        }
        prev = e;
      }
      if (n > 0 && outc[n - 1] === 0) n--;
      this.ids[k - 1] = new Grow(1);
      this.counts[k - 1] = new GrowF64();
      tables.push({ order: k, n, ids: n * k === ids.length ? ids : ids.slice(0, n * k), counts: n === m ? outc : outc.slice(0, n) });
    }
    return { order: N, vocab: Vocabulary.fromTokens(this.tokens), mode, tables };
  }
}
