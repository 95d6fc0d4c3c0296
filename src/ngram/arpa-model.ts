/**
 * A back-off n-gram model held as ARPA entries, queried as KenLM's `query`
 * does (pure logic, no streams).
 *
 * Input: `ArpaData` (from the ARPA reader, or collected from a builder's
 * blocks). Output: an `NgramModel`:
 *   log10 P(w | h) = log10 p(h w)                 if the n-gram h w is listed,
 *                  = log10 bo(h) + log10 P(w | h') otherwise (h' = h minus its oldest word),
 * with bo = 1 for contexts not listed; an unknown word is scored as `<unk>`
 * (-100 when the model has no `<unk>`, as KenLM). `ngramLength` is the length
 * of the n-gram found.
 */
import type { NgramModel } from './api.js';
import { Vocabulary } from '../vocab/vocabulary.js';
import type { ArpaBlock } from './arpa-write.js';

export interface ArpaData {
  /** unigram tokens in file order (ids of the blocks index this list) */
  tokens: string[];
  counts: number[];
  blocks: ArpaBlock[];
}

interface Table {
  k: number;
  n: number;
  keys: Uint32Array;
  p: Float64Array;
  bo: Float64Array;
  slots: Int32Array;
  mask: number;
}

function hashKey(src: ArrayLike<number>, start: number, len: number, w: number): number {
  let h = 0x811c9dc5 ^ (w >= 0 ? len + 1 : len);
  for (let i = 0; i < len; i++) h = Math.imul(h ^ src[start + i], 0x9e3779b1) ^ (h >>> 15);
  if (w >= 0) h = Math.imul(h ^ w, 0x9e3779b1) ^ (h >>> 15);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

export const OOV_LOG10 = -100;

export class ArpaModel implements NgramModel {
  readonly order: number;
  readonly vocab: Vocabulary;
  readonly normalized = true;
  /** per vocabulary id: unigram log10 prob / back-off (NaN prob: not in the model) */
  private readonly uniP: Float64Array;
  private readonly uniBo: Float64Array;
  private readonly tables: Table[] = [];
  private readonly unkLog10: number;

  constructor(data: ArpaData) {
    this.order = data.counts.length;
    this.vocab = Vocabulary.fromTokens(data.tokens);
    const map = new Uint32Array(data.tokens.length);
    for (let i = 0; i < data.tokens.length; i++) map[i] = this.vocab.id(data.tokens[i]);
    const V = this.vocab.size;
    this.uniP = new Float64Array(V).fill(NaN);
    this.uniBo = new Float64Array(V);
    for (const b of data.blocks) {
      const k = b.order;
      if (k === 1) {
        for (let i = 0; i < b.n; i++) {
          const id = map[b.words[b.ends ? b.ends[i] : i]];
          this.uniP[id] = b.log10p[i];
          const bo = b.log10bo ? b.log10bo[i] : 0;
          this.uniBo[id] = Number.isNaN(bo) ? 0 : bo;
        }
        continue;
      }
      const n = b.n;
      const keys = new Uint32Array(n * k);
      for (let i = 0; i < n; i++) {
        const s = b.ends ? b.ends[i] - k + 1 : i * k;
        for (let j = 0; j < k; j++) keys[i * k + j] = map[b.words[s + j]];
      }
      let cap = 16;
      while (cap < n * 1.5) cap *= 2;
      const t: Table = {
        k,
        n,
        keys,
        p: b.log10p,
        bo: b.log10bo ?? new Float64Array(n),
        slots: new Int32Array(cap),
        mask: cap - 1,
      };
      for (let i = 0; i < n; i++) {
        let h = hashKey(keys, i * k, k, -1) & t.mask;
        while (t.slots[h] !== 0) h = (h + 1) & t.mask;
        t.slots[h] = i + 1;
      }
      this.tables[k] = t;
    }
    const unk = this.uniP[this.vocab.unkId];
    this.unkLog10 = Number.isNaN(unk) ? OOV_LOG10 : unk;
  }

  /** index of the n-gram src[start … start+len-1] (+ w when w ≥ 0) in its order's table, or -1 */
  private find(src: ArrayLike<number>, start: number, len: number, w: number): number {
    const k = len + (w >= 0 ? 1 : 0);
    const t = this.tables[k];
    if (!t) return -1;
    let h = hashKey(src, start, len, w) & t.mask;
    const keys = t.keys;
    for (;;) {
      const s = t.slots[h];
      if (s === 0) return -1;
      const base = (s - 1) * k;
      let eq = true;
      for (let i = 0; i < len; i++) if (keys[base + i] !== src[start + i]) { eq = false; break; }
      if (eq && (w < 0 || keys[base + len] === w)) return s - 1;
      h = (h + 1) & t.mask;
    }
  }

  private contextBackoff(ctx: ArrayLike<number>, start: number, len: number): number {
    if (len === 1) return this.uniBo[ctx[start]] ?? 0;
    const e = this.find(ctx, start, len, -1);
    if (e < 0) return 0;
    const b = this.tables[len].bo[e];
    return Number.isNaN(b) ? 0 : b;
  }

  logProb(context: ArrayLike<number>, w: number): { log10: number; ngramLength: number } {
    const V = this.vocab.size;
    if (!(w >= 0 && w < V) || Number.isNaN(this.uniP[w])) w = this.vocab.unkId;
    const L = context.length;
    const m = Math.min(this.order - 1, L);
    let acc = 0;
    for (let j = m; j >= 1; j--) {
      const start = L - j;
      const e = this.find(context, start, j, w);
      if (e >= 0) return { log10: this.tables[j + 1].p[e] + acc, ngramLength: j + 1 };
      acc += this.contextBackoff(context, start, j);
    }
    const u = this.uniP[w];
    return { log10: (Number.isNaN(u) ? this.unkLog10 : u) + acc, ngramLength: 1 };
  }

  /**
   * P(· | context) in O(V + n-grams listed under the context's suffixes):
   * the unigram vector times the product of the context's back-offs, then,
   * order by order, the words listed under each longer suffix overwritten
   * with their own probability times the remaining (longer) back-offs.
   * Equals `logProb` word by word. The context index is built on first use.
   */
  nextDistribution(context: ArrayLike<number>): Float64Array {
    const V = this.vocab.size;
    const uni = this.unigramProbs();
    const L = context.length;
    const m = Math.min(this.order - 1, L);
    // after[j] = Σ_{i > j} log10 bo(last i words) (sums, not differences: a back-off may be -Infinity)
    const after = new Float64Array(m + 1);
    for (let j = m - 1; j >= 0; j--) after[j] = after[j + 1] + this.contextBackoff(context, L - j - 1, j + 1);
    const out = new Float64Array(V);
    const scale = Math.pow(10, after[0]);
    for (let w = 0; w < V; w++) out[w] = uni[w] * scale;
    const bosId = this.vocab.bosId;
    for (let j = 1; j <= m; j++) {
      const acc = after[j];
      const k = j + 1;
      const t = this.tables[k];
      if (!t) continue;
      const ix = this.contextIndex(k);
      const g = ix.lookup(context, L - j);
      if (g < 0) continue;
      const keys = t.keys;
      const p = t.p;
      const members = ix.members;
      for (let x = ix.start[g], end = ix.start[g + 1]; x < end; x++) {
        const e = members[x];
        const w = keys[e * k + j];
        if (w === bosId) continue;
        out[w] = Math.pow(10, p[e] + acc);
      }
    }
    return out;
  }

  private uniProbs: Float64Array | null = null;
  private readonly ctxIndexes: ContextIndex[] = [];

  /** 10^log10 p of each unigram (0 for `<s>` and ids not in the model) */
  private unigramProbs(): Float64Array {
    if (this.uniProbs) return this.uniProbs;
    const V = this.vocab.size;
    const u = new Float64Array(V);
    for (let w = 0; w < V; w++) u[w] = w === this.vocab.bosId || Number.isNaN(this.uniP[w]) ? 0 : Math.pow(10, this.uniP[w]);
    this.uniProbs = u;
    return u;
  }

  private contextIndex(k: number): ContextIndex {
    return (this.ctxIndexes[k] ??= new ContextIndex(this.tables[k]));
  }
}

/**
 * The entries of one order's table grouped by context (their first k-1
 * words): a hash from context to group, and the entry indices of each group
 * contiguous in `members` (group g: members[start[g] … start[g+1]-1]).
 */
class ContextIndex {
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** an entry of each group (its first k-1 words are the context) */
  private readonly rep: Uint32Array;
  readonly start: Uint32Array;
  readonly members: Uint32Array;
  private readonly keys: Uint32Array;
  private readonly k: number;

  constructor(t: Table) {
    const { k, n, keys } = t;
    const c = k - 1;
    this.k = k;
    this.keys = keys;
    let cap = 16;
    while (cap < n * 1.5) cap *= 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    const groupOf = new Uint32Array(n);
    const rep = new Uint32Array(n);
    let G = 0;
    for (let i = 0; i < n; i++) {
      let h = hashKey(keys, i * k, c, -1) & this.mask;
      for (;;) {
        const s = this.slots[h];
        if (s === 0) {
          this.slots[h] = G + 1;
          rep[G] = i;
          groupOf[i] = G++;
          break;
        }
        const b = rep[s - 1] * k;
        let eq = true;
        for (let d = 0; d < c; d++) if (keys[b + d] !== keys[i * k + d]) { eq = false; break; }
        if (eq) { groupOf[i] = s - 1; break; }
        h = (h + 1) & this.mask;
      }
    }
    this.rep = rep.slice(0, G);
    const start = new Uint32Array(G + 1);
    for (let i = 0; i < n; i++) start[groupOf[i] + 1]++;
    for (let g = 0; g < G; g++) start[g + 1] += start[g];
    const fill = start.slice(0, G);
    const members = new Uint32Array(n);
    for (let i = 0; i < n; i++) members[fill[groupOf[i]]++] = i;
    this.start = start;
    this.members = members;
  }

  /** group of the context src[start … start+k-2], or -1 */
  lookup(src: ArrayLike<number>, start: number): number {
    const c = this.k - 1;
    let h = hashKey(src, start, c, -1) & this.mask;
    for (;;) {
      const s = this.slots[h];
      if (s === 0) return -1;
      const b = this.rep[s - 1] * this.k;
      let eq = true;
      for (let d = 0; d < c; d++) if (this.keys[b + d] !== src[start + d]) { eq = false; break; }
      if (eq) return s - 1;
      h = (h + 1) & this.mask;
    }
  }
}
