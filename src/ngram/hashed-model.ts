/**
 * A back-off n-gram model held in flat typed arrays: the in-memory form of
 * the binary model format (src/ngram/binary.ts) and of an ARPA file read
 * for scoring (src/ngram/arpa-read.ts `readArpaHashed`). Pure logic, no
 * Node imports (it runs in a browser too).
 *
 * Layout (KenLM's hashed search, packed tighter):
 * - unigrams: log10 p and back-off per vocabulary id (`uniP`, `uniBo`);
 * - order k ≥ 2: each n-gram w1 … wk is keyed by a 64-bit hash of its word
 *   ids built right to left, H(w1 … wk) = step(H(w2 … wk), w1), so the
 *   n-grams ending at a word are found by extending one hash one word at a
 *   time. Entries [keyLo, keyHi, p, bo] (the highest order has no bo) are
 *   sorted by bucket (the top bits of the mixed key) with a directory of
 *   bucket starts: a lookup reads the directory and one short run of
 *   entries. Keys are checked unique when a table is built.
 * - values are the ARPA decimals as exact integers (round(v·1e8), int32):
 *   q / 1e8 is the very double the ARPA text parses to, so scores equal the
 *   ARPA model's bit for bit. -Infinity, "no back-off" and values that are
 *   not such decimals (kept as float64 `exceptions`) have reserved codes.
 *
 * Scoring is KenLM's: the longest listed n-gram ending at the word, found by
 * extending left until a miss, plus the back-offs of the longer contexts,
 * remembered from the previous word (the state). That search needs every
 * listed n-gram's suffix (w2 … wk) to be listed too (`closed`, true for
 * every lmplz / lmstream model and checked when the model is built);
 * otherwise every context length is looked up (as `ArpaModel` does).
 *
 * Memory: 16 bytes per middle-order n-gram, 12 per highest-order one, plus
 * 0.25–0.5 bytes of directory per entry and 8 bytes per vocabulary word.
 */
import type { NgramModel } from './api.js';
import { Vocabulary } from '../vocab/vocabulary.js';

export const OOV_LOG10 = -100;

/** value codes: regular values are q = round(v·1e8) ≥ Q_REG_MIN */
export const Q_NEG_INF = -0x80000000;
export const Q_NONE = -0x7fffffff;
export const Q_EXC0 = -0x7ffffffe;
export const Q_REG_MIN = -0x7f000000;
const Q_MAX = 0x7fffffff;
const MAX_EXCEPTIONS = Q_REG_MIN - Q_EXC0;

export const SEED_LO = 0x2f6b7a13;
export const SEED_HI = 0x5bd1e995;

/** one step of the low hash lane: H(x, rest) from H(rest) */
export function stepLo(h: number, x: number): number {
  let k = Math.imul(x, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** one step of the high hash lane (other constants: an independent 32 bits) */
export function stepHi(h: number, x: number): number {
  let k = Math.imul(x ^ 0x5f356495, 0x85ebca6b);
  k = (k << 17) | (k >>> 15);
  h ^= Math.imul(k, 0xc2b2ae35);
  h = (h << 11) | (h >>> 21);
  return (Math.imul(h, 9) + 0x7feb352d) | 0;
}

/** bucket of a key: the top `bits` bits of its mixed high lane */
export function bucketOf(hi: number, shift: number): number {
  let h = hi;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) >>> shift;
}

/** One order's table (k ≥ 2). */
export interface OrderTable {
  n: number;
  /** log2 of the bucket count */
  bits: number;
  /** bucket b holds entries dir[b] … dir[b+1]-1 */
  dir: Uint32Array;
  /** stride 4 ([lo, hi, p, bo]) below the highest order, 3 ([lo, hi, p]) at it */
  ent: Int32Array;
}

export interface HashedData {
  order: number;
  /** vocabulary in id order (`<unk>`, `<s>`, `</s>` first) */
  tokens: readonly string[];
  uniP: Int32Array;
  uniBo: Int32Array;
  /** tables[k] for k = 2 … order */
  tables: (OrderTable | undefined)[];
  exceptions: Float64Array;
  closed: boolean;
  seedLo: number;
  seedHi: number;
}

/** Value codes while building: quantizes, keeping non-decimal values as exceptions. */
export class ValueCoder {
  readonly exceptions: number[] = [];

  code(v: number): number {
    if (v === -Infinity) return Q_NEG_INF;
    if (Number.isNaN(v)) return Q_NONE;
    const q = Math.round(v * 1e8);
    if (q >= Q_REG_MIN && q <= Q_MAX && q / 1e8 === v) return q;
    if (this.exceptions.length >= MAX_EXCEPTIONS) throw new Error(`more than ${MAX_EXCEPTIONS} values that are not 8-decimal numbers`);
    this.exceptions.push(v);
    return Q_EXC0 + this.exceptions.length - 1;
  }
}

export function bitsFor(n: number): number {
  // buckets: a power of two in [n/16, n/8), at least 2 (a quarter to half a byte of directory per
  // entry, 8–16 entries per bucket): as fast as a bucket per entry on a 5-gram, 30% smaller
  let bits = 1;
  while (bits < 31 && 2 ** (bits + 4) < n) bits++;
  return bits;
}

/**
 * Sort a table's entries by bucket in place (an American-flag sort) and
 * fill its directory. Throws on two entries with the same key (a listed
 * n-gram twice, or a 64-bit hash collision).
 */
export function finishTable(n: number, stride: number, ent: Int32Array, describe: (i: number) => string): OrderTable {
  const bits = bitsFor(n);
  const shift = 32 - bits;
  const B = 2 ** bits;
  const dir = new Uint32Array(B + 1);
  for (let i = 0; i < n; i++) dir[bucketOf(ent[i * stride + 1], shift) + 1]++;
  for (let b = 0; b < B; b++) dir[b + 1] += dir[b];
  const next = dir.slice(0, B);
  for (let b = 0; b < B; b++) {
    const end = dir[b + 1];
    while (next[b] < end) {
      const i = next[b];
      const tb = bucketOf(ent[i * stride + 1], shift);
      if (tb === b) { next[b]++; continue; }
      const j = next[tb]++;
      const oi = i * stride;
      const oj = j * stride;
      for (let d = 0; d < stride; d++) { const t = ent[oi + d]; ent[oi + d] = ent[oj + d]; ent[oj + d] = t; }
    }
  }
  for (let b = 0; b < B; b++) {
    for (let i = dir[b]; i < dir[b + 1]; i++) {
      for (let j = i + 1; j < dir[b + 1]; j++) {
        if (ent[i * stride] === ent[j * stride] && ent[i * stride + 1] === ent[j * stride + 1]) {
          throw new Error(describe(i));
        }
      }
    }
  }
  return { n, bits, dir, ent };
}

/** the scores of one token: log10 probability and the length of the n-gram used */
export interface WordScore {
  log10: number;
  ngramLength: number;
}

export class HashedModel implements NgramModel {
  readonly order: number;
  readonly vocab: Vocabulary;
  readonly normalized = true;
  readonly closed: boolean;
  private readonly V: number;
  private readonly uniP: Int32Array;
  private readonly uniBo: Int32Array;
  private readonly dirs: Uint32Array[] = [];
  private readonly ents: Int32Array[] = [];
  private readonly shifts: Int32Array;
  private readonly exc: Float64Array;
  private readonly seedLo: number;
  private readonly seedHi: number;
  private readonly unkLog10: number;
  /** state after the last scored word: words most recent first, back-offs of the n-grams ending there */
  private readonly stWords: Int32Array;
  private stQ = -1;
  private stR = 0;
  private stBo: Float64Array;
  /** back-offs of the context being scored (index j = context length j): stBo or cBo */
  private ctxBo: Float64Array;
  private readonly cBo: Float64Array;
  private nBo: Float64Array;
  private cR = 0;

  constructor(readonly data: HashedData) {
    this.order = data.order;
    this.vocab = Vocabulary.fromTokens(data.tokens);
    if (this.vocab.size !== data.tokens.length) throw new Error('the vocabulary must start with <unk>, <s>, </s> and hold no token twice');
    this.V = this.vocab.size;
    this.uniP = data.uniP;
    this.uniBo = data.uniBo;
    this.shifts = new Int32Array(this.order + 1);
    for (let k = 2; k <= this.order; k++) {
      const t = data.tables[k];
      if (!t) throw new Error(`no table for order ${k}`);
      this.dirs[k] = t.dir;
      this.ents[k] = t.ent;
      this.shifts[k] = 32 - t.bits;
    }
    this.dirs[0] = this.dirs[1] = new Uint32Array(1);
    this.ents[0] = this.ents[1] = new Int32Array(0);
    this.exc = data.exceptions;
    this.closed = data.closed;
    this.seedLo = data.seedLo;
    this.seedHi = data.seedHi;
    const N = this.order;
    this.stWords = new Int32Array(N + 1);
    this.stBo = new Float64Array(N + 1);
    this.cBo = new Float64Array(N + 1);
    this.nBo = new Float64Array(N + 1);
    this.ctxBo = this.cBo;
    const unk = this.uniP[this.vocab.unkId];
    this.unkLog10 = unk === Q_NONE ? OOV_LOG10 : this.val(unk);
  }

  /** the value of a code (NaN for "none") */
  val(q: number): number {
    if (q >= Q_REG_MIN) return q / 1e8;
    if (q === Q_NEG_INF) return -Infinity;
    if (q === Q_NONE) return NaN;
    return this.exc[q - Q_EXC0];
  }

  /** back-off value of a code: 0 when there is none */
  private boVal(q: number): number {
    if (q >= Q_REG_MIN) return q / 1e8;
    if (q === Q_NONE) return 0;
    if (q === Q_NEG_INF) return -Infinity;
    return this.exc[q - Q_EXC0];
  }

  /** offset of the entry with key (lo, hi) in order k's entries, or -1 */
  private find(k: number, lo: number, hi: number): number {
    const dir = this.dirs[k];
    const ent = this.ents[k];
    const S = k === this.order ? 3 : 4;
    const b = bucketOf(hi, this.shifts[k]);
    for (let i = dir[b], e = dir[b + 1]; i < e; i++) {
      const o = i * S;
      if (ent[o] === lo && ent[o + 1] === hi) return o;
    }
    return -1;
  }

  /** true when id is a word of the model (listed unigram) */
  private listed(w: number): boolean {
    return w >= 0 && w < this.V && this.uniP[w] !== Q_NONE;
  }

  /**
   * Set cBo[1 … cR] to the back-offs of the context's suffixes of length 1 …
   * (longest listed; 0 for unlisted ones when the model is not closed),
   * from the state when it describes this context.
   */
  private prepare(context: ArrayLike<number>, m: number): void {
    const L = context.length;
    const q = this.stQ;
    if (q >= 0) {
      const need = m < q ? m : q;
      let ok = true;
      for (let i = 0; i < need; i++) if (context[L - 1 - i] !== this.stWords[i]) { ok = false; break; }
      if (ok && (q >= m || this.stR < q)) {
        this.ctxBo = this.stBo;
        this.cR = this.stR < m ? this.stR : m;
        return;
      }
    }
    let r = 0;
    let lo = this.seedLo;
    let hi = this.seedHi;
    for (let j = 1; j <= m; j++) {
      const c = context[L - j];
      lo = stepLo(lo, c);
      hi = stepHi(hi, c);
      if (j === 1) {
        if (this.listed(c)) { this.cBo[1] = this.boVal(this.uniBo[c]); r = 1; continue; }
      } else {
        const o = this.find(j, lo, hi);
        if (o >= 0) { this.cBo[j] = this.boVal(this.ents[j][o + 3]); r = j; continue; }
      }
      if (this.closed) break;
      this.cBo[j] = 0;
      r = j;
    }
    this.cR = r;
    this.ctxBo = this.cBo;
  }

  /**
   * Score w after the prepared context (its last m words); fills nBo with
   * the back-offs of the n-grams ending at w (nR of them).
   */
  private scoreWord(context: ArrayLike<number>, m: number, raw: number, out: WordScore): number {
    const w = this.listed(raw) ? raw : this.vocab.unkId;
    const L = context.length;
    const N = this.order;
    let p: number;
    let len = 1;
    let nR: number;
    let lo = stepLo(this.seedLo, w);
    let hi = stepHi(this.seedHi, w);
    if (this.uniP[w] === Q_NONE) {
      p = this.unkLog10;
      nR = 0;
    } else {
      p = this.val(this.uniP[w]);
      this.nBo[1] = this.boVal(this.uniBo[w]);
      nR = 1;
      // all the keys first, and a read of each order's bucket: independent loads the processor
      // overlaps, so the dependent search below mostly finds its lines in cache
      const keys = this.keys;
      let touch = 0;
      for (let j = 1; j <= m; j++) {
        const c = context[L - j];
        lo = stepLo(lo, c);
        hi = stepHi(hi, c);
        keys[2 * j] = lo;
        keys[2 * j + 1] = hi;
        const k = j + 1;
        const ent = this.ents[k];
        const at = this.dirs[k][bucketOf(hi, this.shifts[k])] * (k === N ? 3 : 4);
        if (at < ent.length) touch ^= ent[at];
      }
      this.touched = touch;
      for (let j = 1; j <= m; j++) {
        lo = keys[2 * j];
        hi = keys[2 * j + 1];
        const k = j + 1;
        const o = this.find(k, lo, hi);
        if (o >= 0) {
          const ent = this.ents[k];
          p = this.val(ent[o + 2]);
          len = k;
          if (k < N) { this.nBo[k] = this.boVal(ent[o + 3]); nR = k; }
        } else {
          if (this.closed) break;
          if (k < N) { this.nBo[k] = 0; nR = k; }
        }
      }
    }
    if (w !== raw) nR = 0;
    // the back-offs of the contexts longer than the n-gram found, longest first (ArpaModel's order)
    let acc = 0;
    const cb = this.ctxBo;
    for (let j = this.cR; j >= len; j--) acc += cb[j];
    out.log10 = p + acc;
    out.ngramLength = len;
    return nR;
  }

  private readonly tmp: WordScore = { log10: 0, ngramLength: 0 };
  private readonly keys = new Int32Array(2 * 12);
  /** kept so the warming reads are not optimised away */
  touched = 0;

  logProb(context: ArrayLike<number>, w: number): WordScore {
    const out: WordScore = { log10: 0, ngramLength: 0 };
    this.score(context, w, out);
    return out;
  }

  /** logProb into `out` (no allocation) */
  score(context: ArrayLike<number>, w: number, out: WordScore): void {
    const N = this.order;
    const L = context.length;
    const m = Math.min(N - 1, L);
    this.prepare(context, m);
    const nR = this.scoreWord(context, m, w, out);
    // the new state: w and the context's last words, with the back-offs found
    const q = Math.min(m + 1, N - 1);
    this.stWords[0] = w;
    for (let i = 1; i < q; i++) this.stWords[i] = context[L - i];
    const t = this.stBo;
    this.stBo = this.nBo;
    this.nBo = t;
    this.stQ = q;
    this.stR = nR < q ? nR : q;
  }

  /** P(· | context) over every vocabulary id (0 for `<s>` and ids not in the model) */
  nextDistribution(context: ArrayLike<number>): Float64Array {
    const L = context.length;
    const m = Math.min(this.order - 1, L);
    this.prepare(context, m);
    const out = new Float64Array(this.V);
    const s = this.tmp;
    for (let w = 0; w < this.V; w++) {
      if (w === this.vocab.bosId || !this.listed(w)) continue;
      this.scoreWord(context, m, w, s);
      out[w] = Math.pow(10, s.log10);
    }
    return out;
  }

  /** entries per order (1 … order) */
  counts(): number[] {
    const c = [0];
    for (let w = 0; w < this.V; w++) if (this.uniP[w] !== Q_NONE) c[0]++;
    for (let k = 2; k <= this.order; k++) c.push(this.data.tables[k]!.n);
    return c;
  }
}
