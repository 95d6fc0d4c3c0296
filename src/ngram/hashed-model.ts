/**
 * A back-off n-gram model held in flat typed arrays: the in-memory form of
 * the binary model format (src/ngram/binary.ts) and of an ARPA file read
 * for scoring (src/ngram/arpa-read.ts `readArpaHashed`). Pure logic, no
 * Node imports (it runs in a browser too).
 *
 * Layout (KenLM's probing search, packed tighter):
 * - unigrams: log10 p and back-off per vocabulary id (`uniP`, `uniBo`);
 * - order k ≥ 2: each n-gram w1 … wk is keyed by a 64-bit hash of its word
 *   ids built right to left, H(w1 … wk) = step(H(w2 … wk), w1), so the
 *   n-grams ending at a word are found by extending one hash one word at a
 *   time. The key is stored as [lo, hs] where hs is the high lane mixed
 *   (`keyHs`, a bijection) with its sign bit flipped, so that signed order
 *   is the mixed value's unsigned order.
 * - each order's table is an ordered linear-probing hash table (Amble and
 *   Knuth's ordered hash table): slots [lo, hs, p, bo] (the highest order
 *   has no bo), `homes` = n / LOAD home positions, an entry's home is
 *   floor(u · homes / 2^32) for its mixed high lane u, the entries are
 *   placed in increasing hs order each at max(home, previous + 1), and empty
 *   slots hold hs = 0x7fffffff, lo = 0. A lookup computes the home and reads
 *   forward past smaller hs: usually one cache line, no directory, so the
 *   lookups of all orders of a word are independent memory reads the
 *   processor overlaps. Keys are checked unique when a table is built.
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
 * Memory: 16 / LOAD bytes per middle-order n-gram, 12 / LOAD per
 * highest-order one (LOAD = 0.9: 17.8 and 13.3), 8 bytes per vocabulary word.
 */
import type { NgramModel } from './api.js';
import { Vocabulary } from '../vocab/vocabulary.js';
import { ByteIndex } from '../vocab/byte-index.js';

const RESERVED_LINES = new TextEncoder().encode('<unk>\n<s>\n</s>\n');

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

/** the reserved ids of every Vocabulary */
const UNK_ID = 0;
const BOS_ID = 1;

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

/** the stored high word of a key: its high lane mixed (murmur3's fmix32, a bijection), sign bit flipped */
export function keyHs(hi: number): number {
  let h = hi;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h ^ 0x80000000;
}

/** words looked up together by `advanceMany` */
const BLOCK = 256;
/** found slots per word: index k = 2 … 10 */
const FOUND_PER_WORD = 11;
/** key words per word: [lo, hs, slot] for each of up to 9 orders above 1 */
const KEYS_PER_WORD = 27;

/** hs of an empty slot (its lo is 0) */
export const EMPTY_HS = 0x7fffffff;

/** fraction of the home positions that hold an entry */
export const LOAD = 0.9;

/** One order's table (k ≥ 2). */
export interface OrderTable {
  /** n-grams */
  n: number;
  /** home positions (the first `homes` slots) */
  homes: number;
  /** slots (≥ homes + 1: the entries that overflow the last homes, then at least one empty slot) */
  slots: number;
  /** stride 4 ([lo, hs, p, bo]) below the highest order, 3 ([lo, hs, p]) at it */
  ent: Int32Array;
}

/** home position of a key with stored high word hs, in a table of `homes` homes */
export function homeOf(hs: number, homes: number): number {
  return (((hs ^ 0x80000000) >>> 0) * (homes / 4294967296)) | 0;
}

/**
 * The slot offset (in int32 words) of key (lo, hs) in a table of stride S,
 * or -1, reading forward from slot offset x (its home, or before it) past
 * smaller keys.
 */
export function probeFrom(ent: Int32Array, S: number, lo: number, hs: number, x: number): number {
  let v = ent[x + 1];
  while (v < hs) { x += S; v = ent[x + 1]; }
  while (v === hs) {
    if (ent[x] === lo) return hs === EMPTY_HS && lo === 0 ? -1 : x;
    x += S;
    if (x >= ent.length) break;
    v = ent[x + 1];
  }
  return -1;
}

/** The slot offset of key (lo, hs) in a table of stride S and `homes` homes, or -1. */
export function findSlot(ent: Int32Array, S: number, homes: number, lo: number, hs: number): number {
  return probeFrom(ent, S, lo, hs, homeOf(hs, homes) * S);
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
  /** every listed n-gram's prefix is listed (checked when the tables are built) */
  prefixClosed?: boolean;
  seedLo: number;
  seedHi: number;
  /** the tokens' UTF-8 bytes, each ended by \n (the binary file's vocabulary section), when at hand */
  vocabBytes?: Uint8Array;
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

/**
 * An order's table from its n entries, given unordered in `ent` as [lo, hi,
 * p, (bo)] with the raw high lane (`ent` is changed; the table is a new
 * array). Throws `describe()` on two entries with the same key (a listed
 * n-gram twice, or a 64-bit hash collision).
 *
 * No sort: the entries are counted per home, each home's group gets its
 * first slot (max(home, the previous group's end)), the entries are put
 * into their group's slots, and each group (about one entry) is ordered by
 * (hs, lo) in place. Holds besides `ent` and the table: 5 bytes per home.
 */
export function finishTable(n: number, S: number, ent: Int32Array, describe: () => string): OrderTable {
  const homes = Math.max(1, Math.ceil(n / LOAD));
  const count = new Uint8Array(homes);
  let over = false;
  for (let i = 0, x = 1; i < n; i++, x += S) {
    const hs = keyHs(ent[x]);
    ent[x] = hs;
    // a key equal to the empty slots' marker cannot be stored (a 64-bit hash collision)
    if (hs === EMPTY_HS && ent[x - 1] === 0) throw new Error(describe());
    const h = homeOf(hs, homes);
    if (count[h] === 255) over = true;
    else count[h]++;
  }
  if (over) throw new Error(describe() + ' (more than 255 keys with one home)');
  // each home's first slot
  const start = new Uint32Array(homes);
  let next = 0;
  for (let h = 0; h < homes; h++) {
    if (next < h) next = h;
    start[h] = next;
    next += count[h];
  }
  const slots = Math.max(homes, next) + 1;
  const out = new Int32Array(slots * S);
  for (let x = 1; x < out.length; x += S) out[x] = EMPTY_HS;
  // into the groups (count[h] counts down to 0 as the group fills)
  for (let i = 0, e = 0; i < n; i++, e += S) {
    const h = homeOf(ent[e + 1], homes);
    const o = (start[h] + --count[h]) * S;
    for (let d = 0; d < S; d++) out[o + d] = ent[e + d];
  }
  // order each group by (hs, lo), both unsigned (insertion sort: groups hold a few entries)
  const row = new Int32Array(S);
  for (let i = 1, o = S; i < slots; i++, o += S) {
    const hs = out[o + 1];
    const lo = out[o];
    if (hs === EMPTY_HS && lo === 0) continue;
    const h = homeOf(hs, homes);
    let j = i;
    // entries before i of the same group: slots start[h] … i-1
    while (j > start[h]) {
      const q = (j - 1) * S;
      const phs = out[q + 1];
      if (phs < hs || (phs === hs && (out[q] >>> 0) < (lo >>> 0))) break;
      if (phs === hs && out[q] === lo) throw new Error(describe());
      j--;
    }
    if (j === i) continue;
    for (let d = 0; d < S; d++) row[d] = out[o + d];
    out.copyWithin(j * S + S, j * S, i * S);
    for (let d = 0; d < S; d++) out[j * S + d] = row[d];
  }
  return { n, homes, slots, ent: out };
}

/** the scores of one token: log10 probability and the length of the n-gram used */
export interface WordScore {
  log10: number;
  ngramLength: number;
}

export class HashedModel implements NgramModel {
  readonly order: number;
  readonly normalized = true;
  readonly closed: boolean;
  /** every listed n-gram's prefix w1 … wk-1 is listed too (lookups can stop as KenLM's do) */
  readonly prefixClosed: boolean;
  private readonly V: number;
  private readonly uniP: Int32Array;
  private readonly uniBo: Int32Array;
  /** per order k: the slots, their stride, home count */
  private readonly ents: Int32Array[] = [];
  private readonly strides: Int32Array;
  private readonly homes: Float64Array;
  private readonly exc: Float64Array;
  private readonly seedLo: number;
  private readonly seedHi: number;
  private readonly unkLog10: number;
  private vocabulary: Vocabulary | undefined;
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
  /** the last lookup: log10 p and length of the longest listed n-gram */
  private lp = 0;
  private lLen = 0;
  /** scratch: context words most recent first; the keys and slot offsets of a lookup */
  private readonly words: Int32Array;
  private readonly keys = new Int32Array(BLOCK * KEYS_PER_WORD);
  private readonly hist = new Int32Array(BLOCK + 16);
  private readonly ms = new Int8Array(BLOCK);
  private readonly ws = new Int32Array(BLOCK);
  private readonly sel = new Int32Array(BLOCK);
  /** per word of a block: the slot found per order k (index k), -1 for none */
  private readonly found = new Int32Array(BLOCK * FOUND_PER_WORD);

  constructor(readonly data: HashedData) {
    this.order = data.order;
    this.V = data.uniP.length;
    const reserved = data.vocabBytes ? startsWith(data.vocabBytes, RESERVED_LINES) : data.tokens[0] === '<unk>' && data.tokens[1] === '<s>' && data.tokens[2] === '</s>';
    if (!reserved || data.uniBo.length !== this.V) throw new Error('the vocabulary must start with <unk>, <s>, </s> and hold no token twice');
    this.uniP = data.uniP;
    this.uniBo = data.uniBo;
    const N = this.order;
    this.strides = new Int32Array(N + 1);
    this.homes = new Float64Array(N + 1);
    this.ents[0] = this.ents[1] = new Int32Array(0);
    for (let k = 2; k <= N; k++) {
      const t = data.tables[k];
      if (!t) throw new Error(`no table for order ${k}`);
      this.ents[k] = t.ent;
      this.strides[k] = k === N ? 3 : 4;
      this.homes[k] = t.homes;
    }
    this.exc = data.exceptions;
    this.closed = data.closed;
    this.prefixClosed = data.prefixClosed === true;
    this.seedLo = data.seedLo;
    this.seedHi = data.seedHi;
    this.stWords = new Int32Array(N + 1);
    this.words = new Int32Array(N + 1);
    this.stBo = new Float64Array(N + 1);
    this.cBo = new Float64Array(N + 1);
    this.nBo = new Float64Array(N + 1);
    this.ctxBo = this.cBo;
    const unk = this.uniP[UNK_ID];
    this.unkLog10 = unk === Q_NONE ? OOV_LOG10 : this.val(unk);
  }

  /** the vocabulary (its string index is built on first use; byte-level scoring needs only `byteIndex`) */
  get vocab(): Vocabulary {
    if (!this.vocabulary) {
      const v = Vocabulary.fromTokens(this.data.tokens);
      if (v.size !== this.data.tokens.length) throw new Error('the vocabulary must start with <unk>, <s>, </s> and hold no token twice');
      this.vocabulary = v;
    }
    return this.vocabulary;
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
        const ent = this.ents[j];
        const o = findSlot(ent, this.strides[j], this.homes[j], lo, keyHs(hi));
        if (o >= 0) { this.cBo[j] = this.boVal(ent[o + 3]); r = j; continue; }
      }
      if (this.closed) break;
      this.cBo[j] = 0;
      r = j;
    }
    this.cR = r;
    this.ctxBo = this.cBo;
  }

  /**
   * The keys of the n-grams of orders 2 … m+1 ending at w (a listed word)
   * after the context words ctx[at], ctx[at + step], … (most recent first),
   * into keys[base + 3(j-1) …] as [lo, hs, home slot offset] for order j+1.
   */
  private keysOf(w: number, ctx: Int32Array, at: number, step: number, m: number, base: number): void {
    const keys = this.keys;
    const strides = this.strides;
    const homes = this.homes;
    let lo = stepLo(this.seedLo, w);
    let hi = stepHi(this.seedHi, w);
    for (let j = 1; j <= m; j++) {
      const c = ctx[at];
      at += step;
      lo = stepLo(lo, c);
      hi = stepHi(hi, c);
      const hs = keyHs(hi);
      const k = j + 1;
      const x = homeOf(hs, homes[k]) * strides[k];
      const o = base + 3 * (j - 1);
      keys[o] = lo;
      keys[o + 1] = hs;
      keys[o + 2] = x;
    }
  }

  /**
   * The longest listed n-gram ending at w (a listed word) among its keys
   * from `keysOf` (m orders at keys[base …]), searched order by order: the
   * slot of each order k in found[fb + k] (-1: not listed), up to the first
   * miss when the model is closed; then `combine`.
   */
  private search(w: number, m: number, base: number): number {
    const keys = this.keys;
    const found = this.found;
    for (let j = 1; j <= m; j++) {
      const k = j + 1;
      const kb = base + 3 * (j - 1);
      const o = probeFrom(this.ents[k], this.strides[k], keys[kb], keys[kb + 1], keys[kb + 2]);
      found[k] = o;
      if (o < 0 && this.closed) { m = j; break; }
    }
    return this.combine(w, m, 0);
  }

  /**
   * From the slots found for w's n-grams (found[fb + k], k = 2 … m+1; -1:
   * not listed): the longest listed n-gram's log10 p in `lp` and length in
   * `lLen`; fills nBo[1 …] with the back-offs of the n-grams ending at w and
   * returns how many.
   */
  private combine(w: number, m: number, fb: number): number {
    const N = this.order;
    const nBo = this.nBo;
    const found = this.found;
    const qw = this.uniP[w];
    let p = qw >= Q_REG_MIN ? qw / 1e8 : this.val(qw);
    const qb = this.uniBo[w];
    nBo[1] = qb >= Q_REG_MIN ? qb / 1e8 : this.boVal(qb);
    let nR = 1;
    let len = 1;
    for (let k = 2; k <= m + 1; k++) {
      const o = found[fb + k];
      if (o >= 0) {
        const ent = this.ents[k];
        const q = ent[o + 2];
        p = q >= Q_REG_MIN ? q / 1e8 : this.val(q);
        len = k;
        if (k < N) { const b = ent[o + 3]; nBo[k] = b >= Q_REG_MIN ? b / 1e8 : this.boVal(b); nR = k; }
      } else {
        if (this.closed) break;
        if (k < N) { nBo[k] = 0; nR = k; }
      }
    }
    this.lp = p;
    this.lLen = len;
    return nR;
  }

  /**
   * Score w after the prepared context (its last m words); fills nBo with
   * the back-offs of the n-grams ending at w (nR of them).
   */
  private scoreWord(context: ArrayLike<number>, m: number, raw: number, out: WordScore): number {
    const w = this.listed(raw) ? raw : UNK_ID;
    let nR = 0;
    if (this.uniP[w] === Q_NONE) {
      this.lp = this.unkLog10;
      this.lLen = 1;
    } else {
      const L = context.length;
      const words = this.words;
      for (let i = 0; i < m; i++) words[i] = context[L - 1 - i];
      this.keysOf(w, words, 0, 1, m, 0);
      nR = this.search(w, m, 0);
    }
    if (w !== raw) nR = 0;
    // the back-offs of the contexts longer than the n-gram found, longest first (ArpaModel's order)
    const len = this.lLen;
    let acc = 0;
    const cb = this.ctxBo;
    for (let j = this.cR; j >= len; j--) acc += cb[j];
    out.log10 = this.lp + acc;
    out.ngramLength = len;
    return nR;
  }

  private readonly tmp: WordScore = { log10: 0, ngramLength: 0 };
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

  /** length of the n-gram that the last `advance` used */
  lastLength = 0;

  /**
   * Start a sentence for `advance`: the state is `<s>` (bos) or nothing
   * (the state `score` reaches with the context [<s>] or []).
   */
  begin(bos: boolean): void {
    this.stQ = 0;
    this.stR = 0;
    if (!bos || this.order < 2) return;
    const c = BOS_ID;
    this.stWords[0] = c;
    this.stQ = 1;
    if (this.listed(c)) { this.stBo[1] = this.boVal(this.uniBo[c]); this.stR = 1; } else if (!this.closed) { this.stBo[1] = 0; this.stR = 1; }
  }

  /**
   * log10 P(raw | the words since `begin`), and the state moves on by raw
   * (`lastLength`: the n-gram length used): `score` on a growing context,
   * without the context.
   */
  advance(raw: number): number {
    this.one[0] = raw;
    this.advanceMany(this.one, 1, this.oneOut);
    return this.oneOut[0];
  }

  private readonly one = new Int32Array(1);
  private readonly oneOut = new Float64Array(1);

  /**
   * `advance` on ids[0 … n-1] in turn, log10 of each into out[i] (and the
   * n-gram length into lens[i] when given). Blocks of words are looked up
   * order by order: the keys of every word first, then per order a loop
   * that reads the home slot of each lookup still needed (few instructions
   * per read, so many are in flight), then the searches of that order, which
   * are independent of each other. A k-gram is looked up only when the
   * (k-1)-gram ending at the same word was found (closed models: a miss ends
   * the search, as in `search`) and, when every listed n-gram's prefix is
   * listed (`prefixClosed`), the (k-1)-gram ending at the word before too
   * (KenLM's state length): the same results as `advance` word by word.
   */
  advanceMany(ids: Int32Array, n: number, out: Float64Array, lens?: Int32Array): void {
    const N = this.order;
    const B = BLOCK;
    const hist = this.hist;
    const sw = this.stWords;
    const uniP = this.uniP;
    const V = this.V;
    const ws = this.ws;
    const ms = this.ms;
    const keys = this.keys;
    const found = this.found;
    const sel = this.sel;
    const closed = this.closed;
    const prefix = this.prefixClosed;
    for (let s0 = 0; s0 < n; s0 += B) {
      const e0 = s0 + B < n ? s0 + B : n;
      const nb = e0 - s0;
      // the history: the state's words oldest first, then the block's words
      const m0 = this.stQ > 0 ? this.stQ : 0;
      this.stQ = m0;
      for (let i = 0; i < m0; i++) hist[i] = sw[m0 - 1 - i];
      for (let t = 0; t < nb; t++) hist[m0 + t] = ids[s0 + t];
      // the keys of every word (ws: the word looked up, -1 for none; ms: context words to use)
      let m = m0;
      let mMax = 0;
      for (let t = 0; t < nb; t++) {
        const raw = ids[s0 + t];
        const w = raw >= 0 && raw < V && uniP[raw] !== Q_NONE ? raw : UNK_ID;
        const listed = uniP[w] !== Q_NONE;
        ws[t] = listed ? (w === raw ? w : -2 - w) : -1;
        const mt = listed ? m : 0;
        ms[t] = mt;
        if (mt > 0) this.keysOf(w, hist, m0 + t - 1, -1, mt, t * KEYS_PER_WORD);
        if (mt > mMax) mMax = mt;
        m = m + 1 < N - 1 ? m + 1 : N - 1;
      }
      // order by order: which lookups are needed, a read of each home slot, the searches
      for (let k = 2; k <= mMax + 1; k++) {
        const j = k - 1;
        const ent = this.ents[k];
        const S = this.strides[k];
        let cnt = 0;
        let touch = 0;
        for (let t = 0, o = 3 * j - 1; t < nb; t++, o += KEYS_PER_WORD) {
          let need = ms[t] >= j;
          if (need && k > 2) {
            // the (k-1)-gram ending at this word (closed) and at the word before (prefix-closed)
            if (closed && found[t * FOUND_PER_WORD + k - 1] < 0) need = false;
            else if (prefix && t > 0 && (ws[t - 1] < 0 || found[(t - 1) * FOUND_PER_WORD + k - 1] < 0)) need = false;
          }
          found[t * FOUND_PER_WORD + k] = -1;
          if (!need) continue;
          sel[cnt++] = t;
          touch ^= ent[keys[o] + 1];
        }
        this.touched ^= touch;
        for (let i = 0; i < cnt; i++) {
          const t = sel[i];
          const kb = t * KEYS_PER_WORD + 3 * (j - 1);
          found[t * FOUND_PER_WORD + k] = probeFrom(ent, S, keys[kb], keys[kb + 1], keys[kb + 2]);
        }
      }
      // the scores and the state, word by word
      for (let t = 0; t < nb; t++) {
        const raw = ids[s0 + t];
        const wt = ws[t];
        const mt = this.stQ;
        let nR = 0;
        if (wt === -1) {
          this.lp = this.unkLog10;
          this.lLen = 1;
        } else {
          const w = wt >= 0 ? wt : -2 - wt;
          nR = this.combine(w, ms[t], t * FOUND_PER_WORD);
          if (w !== raw) nR = 0;
        }
        const len = this.lLen;
        let acc = 0;
        const cb = this.stBo;
        for (let j = this.stR; j >= len; j--) acc += cb[j];
        // the new state: raw and the context's last words, with the back-offs found
        const q = mt + 1 < N - 1 ? mt + 1 : N - 1;
        for (let i = q - 1; i >= 1; i--) sw[i] = sw[i - 1];
        if (q > 0) sw[0] = raw;
        this.stBo = this.nBo;
        this.nBo = cb;
        this.stQ = q;
        this.stR = nR < q ? nR : q;
        out[s0 + t] = this.lp + acc;
        if (lens) lens[s0 + t] = len;
        this.lastLength = len;
      }
    }
  }

  /** P(· | context) over every vocabulary id (0 for `<s>` and ids not in the model) */
  nextDistribution(context: ArrayLike<number>): Float64Array {
    const L = context.length;
    const m = Math.min(this.order - 1, L);
    this.prepare(context, m);
    const out = new Float64Array(this.V);
    const s = this.tmp;
    for (let w = 0; w < this.V; w++) {
      if (w === BOS_ID || !this.listed(w)) continue;
      this.scoreWord(context, m, w, s);
      out[w] = Math.pow(10, s.log10);
    }
    return out;
  }

  private bIndex: ByteIndex | undefined;

  /** the vocabulary indexed by its UTF-8 bytes (for byte-level scoring; built on first use) */
  byteIndex(): ByteIndex {
    if (!this.bIndex) {
      const bytes = this.data.vocabBytes ?? new TextEncoder().encode(this.data.tokens.map((t) => t + '\n').join(''));
      const { index, duplicate } = ByteIndex.fromLines(bytes);
      if (duplicate >= 0 || index.size !== this.V) throw new Error('the vocabulary must start with <unk>, <s>, </s> and hold no token twice');
      this.bIndex = index;
    }
    return this.bIndex;
  }

  /** use `index` (the same vocabulary indexed by bytes, e.g. read ahead of the model) as `byteIndex()` */
  useByteIndex(index: ByteIndex): void {
    if (index.size !== this.V) throw new Error(`the byte index holds ${index.size} tokens, the model ${this.V}`);
    this.bIndex = index;
  }

  /** entries per order (1 … order) */
  counts(): number[] {
    const c = [0];
    for (let w = 0; w < this.V; w++) if (this.uniP[w] !== Q_NONE) c[0]++;
    for (let k = 2; k <= this.order; k++) c.push(this.data.tables[k]!.n);
    return c;
  }
}
