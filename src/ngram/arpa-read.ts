/**
 * ARPA reader (SRILM / KenLM text format).
 *
 * Input: the bytes of an ARPA file (a Readable or an async iterable of
 * Buffers/strings). Output: `ArpaData` (unigram tokens in file order, counts,
 * one packed block per order), ready for `ArpaModel` or the writer.
 *
 * Accepted: blank lines and `#` comments before `\data\`, `ngram k=n` lines,
 * sections `\k-grams:` holding exactly n lines `log10p w1 … wk [log10bo]`
 * (fields separated by tabs or spaces), blank lines between sections,
 * `\end\`. A log10 probability or back-off of -99 or below (SRILM's
 * spelling of log10 0) or `-inf` is read as -Infinity (0). Anything else raises an Error "NAME:LINE: what is wrong".
 */
import { StringDecoder } from 'node:string_decoder';
import type { ArpaData } from './arpa-model.js';
import type { ArpaBlock } from './arpa-write.js';
import {
  Q_NEG_INF, Q_NONE, Q_REG_MIN, SEED_HI, SEED_LO, ValueCoder, finishTable, homeOf, keyHs, probeFrom, stepHi, stepLo,
  type HashedData, type OrderTable,
} from './hashed-model.js';
import { ByteIndex, HASH_A0, HASH_B0 } from '../vocab/byte-index.js';
import { RESERVED } from '../vocab/vocabulary.js';

type State = 'preamble' | 'header' | 'section' | 'entries' | 'end' | 'done';

/** Incremental parser: feed lines, then `finish()`. */
export class ArpaParser {
  protected state: State = 'preamble';
  protected lineNo = 0;
  protected readonly counts: number[] = [];
  private readonly index = new Map<string, number>();
  private readonly tokens: string[] = [];
  private readonly blocks: ArpaBlock[] = [];
  protected k = 0;
  protected i = 0;
  private cur: { words: Uint32Array; log10p: Float64Array; log10bo: Float64Array; anyBo: boolean } | null = null;
  private readonly fields: string[] = [];

  constructor(readonly name = 'ARPA file') {}

  protected fail(m: string): never {
    throw new Error(`${this.name}:${this.lineNo}: ${m}`);
  }

  protected num(s: string, what: string): number {
    const v = +s;
    if (s === '' || (v !== v) || !Number.isFinite(v)) this.fail(`${what} '${s}' is not a number`);
    return v;
  }

  /** split on tabs and spaces into this.fields; returns the field count */
  private split(line: string): number {
    const f = this.fields;
    let n = 0;
    let start = -1;
    const L = line.length;
    for (let i = 0; i <= L; i++) {
      const c = i < L ? line.charCodeAt(i) : 32;
      if (c === 32 || c === 9 || c === 13) {
        if (start >= 0) { f[n++] = line.slice(start, i); start = -1; }
      } else if (start < 0) start = i;
    }
    return n;
  }

  /**
   * The common layout "p<TAB>w1 w2 … wk[<TAB>bo]" (single separators, no CR)
   * split with native indexOf; -1 for anything else (then `split` decides).
   */
  private fastSplit(line: string): number {
    const f = this.fields;
    const L = line.length;
    if (L === 0 || line.charCodeAt(L - 1) === 13) return -1;
    const t1 = line.indexOf('\t');
    if (t1 <= 0) return -1;
    f[0] = line.slice(0, t1);
    if (f[0].indexOf(' ') >= 0) return -1;
    const t2 = line.indexOf('\t', t1 + 1);
    const end = t2 < 0 ? L : t2;
    let n = 1;
    let s = t1 + 1;
    for (;;) {
      const sp = line.indexOf(' ', s);
      if (sp < 0 || sp >= end) {
        if (s >= end) return -1;
        f[n++] = line.slice(s, end);
        break;
      }
      if (sp === s) return -1;
      f[n++] = line.slice(s, sp);
      s = sp + 1;
    }
    if (t2 >= 0) {
      const bo = line.slice(t2 + 1);
      if (bo === '' || bo.indexOf('\t') >= 0 || bo.indexOf(' ') >= 0) return -1;
      f[n++] = bo;
    }
    return n;
  }

  protected openSection(): void {
    const n = this.counts[this.k - 1];
    this.cur = { words: new Uint32Array(n * this.k), log10p: new Float64Array(n), log10bo: new Float64Array(n).fill(NaN), anyBo: false };
    this.i = 0;
    this.state = n > 0 ? 'entries' : 'section';
    if (n === 0) this.closeSection();
  }

  protected closeSection(): void {
    const c = this.cur!;
    this.blocks.push({ order: this.k, n: this.counts[this.k - 1], words: c.words, ends: null, log10p: c.log10p, log10bo: c.anyBo ? c.log10bo : null });
    this.cur = null;
    this.state = this.k === this.counts.length ? 'end' : 'section';
  }

  line(line: string): void {
    this.lineNo++;
    switch (this.state) {
      case 'entries': {
        const k = this.k;
        let n = this.fastSplit(line);
        if (n < 0) n = this.split(line);
        const f = this.fields;
        if (n === 0) this.fail(`blank line: ${this.i} of ${this.counts[k - 1]} ${k}-grams read (header count wrong?)`);
        if (n !== k + 1 && n !== k + 2) this.fail(`expected a log10 probability, ${k} word${k > 1 ? 's' : ''} and an optional back-off, found ${n} fields`);
        const c = this.cur!;
        const i = this.i;
        const p = f[0] === '-inf' || f[0] === '-Infinity' ? -Infinity : this.num(f[0], 'probability');
        if (p > 0) this.fail(`log10 probability ${f[0]} is above 0`);
        c.log10p[i] = p <= -99 ? -Infinity : p;
        for (let j = 0; j < k; j++) {
          const w = f[j + 1];
          let id = this.index.get(w);
          if (id === undefined) {
            if (k > 1) this.fail(`word '${w}' is not among the unigrams`);
            id = this.tokens.length;
            this.index.set(w, id);
            this.tokens.push(w);
          } else if (k === 1) this.fail(`unigram '${w}' is listed twice`);
          c.words[i * k + j] = id;
        }
        if (n === k + 2) {
          const bo = f[k + 1] === '-inf' || f[k + 1] === '-Infinity' ? -Infinity : this.num(f[k + 1], 'back-off');
          c.log10bo[i] = bo <= -99 ? -Infinity : bo;
          c.anyBo = true;
        }
        if (++this.i === this.counts[k - 1]) this.closeSection();
        return;
      }
      case 'preamble': {
        const t = line.trim();
        if (t === '\\data\\') this.state = 'header';
        else if (t !== '' && !t.startsWith('#')) this.fail(`not an ARPA file (expected \\data\\, found '${t.slice(0, 40)}')`);
        return;
      }
      case 'header': {
        const t = line.trim();
        if (t === '') { if (this.counts.length > 0) { this.state = 'section'; this.k = 0; } return; }
        if (t.startsWith('\\') && this.counts.length > 0) {
          this.state = 'section';
          this.k = 0;
          this.lineNo--;
          this.line(line);
          return;
        }
        const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(t);
        if (!m) this.fail(`expected "ngram N=COUNT", found '${t.slice(0, 60)}'`);
        const k = Number(m![1]);
        if (k !== this.counts.length + 1) this.fail(`expected ngram ${this.counts.length + 1}=…, found order ${k}`);
        if (k > 10) this.fail(`order ${k} is above the maximum 10`);
        this.counts.push(Number(m![2]));
        return;
      }
      case 'section': {
        const t = line.trim();
        if (t === '') return;
        if (t !== `\\${this.k + 1}-grams:`) this.fail(`expected \\${this.k + 1}-grams:, found '${t.slice(0, 60)}'`);
        this.k++;
        this.openSection();
        return;
      }
      case 'end': {
        const t = line.trim();
        if (t === '') return;
        if (t !== '\\end\\') this.fail(`expected \\end\\, found '${t.slice(0, 60)}' (more entries than the header says?)`);
        this.state = 'done';
        return;
      }
      case 'done':
        return;
    }
  }

  finish(): ArpaData {
    switch (this.state) {
      case 'preamble': this.lineNo = Math.max(1, this.lineNo); this.fail('not an ARPA file (no \\data\\ line)');
      // falls through (fail throws)
      case 'header': this.fail('unexpected end of file in the \\data\\ header');
      // falls through
      case 'section': this.fail(`unexpected end of file: expected \\${this.k + 1}-grams:`);
      // falls through
      case 'entries': this.fail(`unexpected end of file: ${this.i} of ${this.counts[this.k - 1]} ${this.k}-grams read`);
      // falls through
      case 'end': this.fail('unexpected end of file: expected \\end\\');
      // falls through
      default: return { tokens: this.tokens, counts: this.counts, blocks: this.blocks };
    }
  }
}

export async function readArpa(src: AsyncIterable<Buffer | string>, name = 'ARPA file'): Promise<ArpaData> {
  const parser = new ArpaParser(name);
  const dec = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of src) {
    const text = rest + (typeof chunk === 'string' ? chunk : dec.write(chunk));
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      parser.line(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += dec.end();
  if (rest.length > 0) parser.line(rest);
  return parser.finish();
}

/** Read an ARPA file into a queryable model (errors name the file and line). */
export async function loadArpaModel(file: string): Promise<import('./arpa-model.js').ArpaModel> {
  const { openInput } = await import('../io/open-input.js');
  const { ArpaModel } = await import('./arpa-model.js');
  return new ArpaModel(await readArpa(openInput(file, { highWaterMark: 1 << 20 }), file));
}

/**
 * ARPA bytes → `HashedData` (the scoring model of src/ngram/hashed-model.ts)
 * without a string per entry: entry lines are parsed from the bytes (words
 * found in a byte-keyed table, 8-decimal values read as exact integers), each
 * order's table is built when its section ends. Header, section and error
 * handling are ArpaParser's. Holds: the tables being built (the model's own
 * size) and one input chunk.
 */
export class HashedArpaParser extends ArpaParser {
  /**
   * `closure`: find out whether the model is suffix- and prefix-closed (a
   * lookup of two keys per n-gram; the flags let scoring stop early and are
   * kept in a binary file). Without it both flags are false: the same
   * scores, a little more work per scored word, a faster load.
   */
  constructor(name = 'ARPA file', closure = true) {
    super(name);
    this.closed = closure;
    this.prefixClosed = closure;
  }

  private readonly coder = new ValueCoder();
  private readonly tables: (OrderTable | undefined)[] = [];
  private words: string[] = [];
  private uniP = new Int32Array(0);
  private uniBo = new Int32Array(0);
  private ent = new Int32Array(0);
  private closed = true;
  private prefixClosed = true;
  /** the unigrams by their bytes (ids in file order after <unk>, <s>, </s>) */
  private byWord = new ByteIndex();
  private readonly fs = new Int32Array(24);
  /** each field's ByteIndex key lanes */
  private readonly fa = new Int32Array(12);
  private readonly fb = new Int32Array(12);
  /** the last entry line's words (key lanes, length) and its suffix and prefix keys per position */
  private readonly prevA = new Int32Array(12);
  private readonly prevB = new Int32Array(12);
  private readonly prevLen = new Int32Array(12).fill(-1);
  private readonly sLo = new Int32Array(12);
  private readonly sHi = new Int32Array(12);
  private readonly pLo = new Int32Array(12);
  private readonly pHi = new Int32Array(12);
  private readonly ids = new Int32Array(12);
  private readonly dec = new TextDecoder();

  protected override openSection(): void {
    const k = this.k;
    const n = this.counts[k - 1];
    if (k === 1) {
      this.byWord = new ByteIndex(n + 3);
      this.uniP = new Int32Array(n + 3).fill(Q_NONE);
      this.uniBo = new Int32Array(n + 3).fill(Q_NONE);
      for (const r of RESERVED) this.addToken(new TextEncoder().encode(r), 0, -1);
    } else {
      this.ent = new Int32Array(n * (k === this.counts.length ? 3 : 4));
    }
    this.i = 0;
    this.state = n > 0 ? 'entries' : 'section';
    if (n === 0) this.closeSection();
  }

  protected override closeSection(): void {
    const k = this.k;
    if (k === 1) {
      this.uniP = this.uniP.slice(0, this.words.length);
      this.uniBo = this.uniBo.slice(0, this.words.length);
    } else {
      this.flushChecks();
      const S = k === this.counts.length ? 3 : 4;
      this.tables[k] = finishTable(this.counts[k - 1], S, this.ent, () =>
        `${this.name}: two ${k}-grams with the same key (an n-gram listed twice, or a hash collision)`);
      this.ent = new Int32Array(0);
    }
    this.state = k === this.counts.length ? 'end' : 'section';
  }

  /** keys waiting to be looked up in the previous order's table: [kind (0 suffix, 1 prefix), lo, hs, home slot] */
  private readonly checks = new Int32Array(4 * 4096);
  private nChecks = 0;

  private check(kind: number, lo: number, hs: number): void {
    const c = this.checks;
    const o = 4 * this.nChecks++;
    c[o] = kind;
    c[o + 1] = lo;
    c[o + 2] = hs;
    if (this.nChecks === 4096) this.flushChecks();
  }

  /** the waiting closure checks: a read of every home slot first (overlapped), then the searches */
  private flushChecks(): void {
    const n = this.nChecks;
    this.nChecks = 0;
    if (n === 0) return;
    const t = this.tables[this.k - 1]!;
    const c = this.checks;
    const ent = t.ent;
    let touch = 0;
    for (let i = 0; i < n; i++) {
      const x = homeOf(c[4 * i + 2], t.homes) * 4;
      c[4 * i + 3] = x;
      touch ^= ent[x + 1];
    }
    this.touched ^= touch;
    for (let i = 0; i < n; i++) {
      const kind = c[4 * i];
      if (kind === 0 ? !this.closed : !this.prefixClosed) continue;
      if (probeFrom(ent, 4, c[4 * i + 1], c[4 * i + 2], c[4 * i + 3]) < 0) {
        if (kind === 0) this.closed = false;
        else this.prefixClosed = false;
      }
    }
  }

  /** kept so that the reads of flushChecks are not optimized away */
  touched = 0;

  /** id of the word b[s…e), or -1 */
  private wordId(b: Uint8Array, s: number, e: number): number {
    return this.byWord.findBytes(b, s, e);
  }

  private seen = new Uint8Array(3);

  private addToken(b: Uint8Array, s: number, e: number): number {
    if (e < 0) e = b.length;
    const id = this.byWord.add(b, s, e);
    if (id === this.words.length) this.words.push(this.dec.decode(b.subarray(s, e)));
    return id;
  }

  /** value code of the field b[s…e) (probability when `prob`) */
  private value(b: Uint8Array, s: number, e: number, prob: boolean): number {
    let i = s;
    let neg = false;
    if (b[i] === 45) { neg = true; i++; }
    let int = 0;
    let digits = 0;
    while (i < e && b[i] >= 48 && b[i] <= 57 && digits < 3) { int = int * 10 + b[i] - 48; i++; digits++; }
    let ok = digits > 0;
    let frac = 0;
    let nd = 0;
    if (ok && i < e && b[i] === 46) {
      i++;
      while (i < e && b[i] >= 48 && b[i] <= 57 && nd < 8) { frac = frac * 10 + b[i] - 48; i++; nd++; }
    }
    if (ok && i === e) {
      const m = int * 1e8 + frac * POW10[8 - nd];
      const q = neg ? -m : m;
      if (prob && q > 0) this.fail(`log10 probability ${this.dec.decode(b.subarray(s, e))} is above 0`);
      if (q <= -99e8) return Q_NEG_INF;
      if (q >= Q_REG_MIN && q <= 0x7fffffff) return q;
      ok = false;
    }
    const str = this.dec.decode(b.subarray(s, e));
    const what = prob ? 'probability' : 'back-off';
    const v = str === '-inf' || str === '-Infinity' ? -Infinity : this.num(str, what);
    if (prob && v > 0) this.fail(`log10 probability ${str} is above 0`);
    return this.coder.code(v <= -99 ? -Infinity : v);
  }

  /** one line b[s…e) (without its \n) */
  bytesLine(b: Uint8Array, s: number, e: number): void {
    if (this.state !== 'entries') {
      this.line(this.dec.decode(b.subarray(s, e)));
      return;
    }
    this.lineNo++;
    const k = this.k;
    const f = this.fs;
    const fa = this.fa;
    const fb = this.fb;
    let n = 0;
    let start = -1;
    let a = 0;
    let h2 = 0;
    // the fields, each word's ByteIndex key hashed on the way
    for (let i = s; i <= e; i++) {
      const c = i < e ? b[i] : 32;
      if (c === 32 || c === 9 || c === 13) {
        if (start >= 0) {
          if (n < 24) { f[n] = start; f[n + 1] = i; fa[n >> 1] = a; fb[n >> 1] = h2; }
          n += 2;
          start = -1;
        }
      } else {
        if (start < 0) { start = i; a = HASH_A0; h2 = HASH_B0; }
        a = Math.imul(a ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      }
    }
    n >>= 1;
    if (n === 0) this.fail(`blank line: ${this.i} of ${this.counts[k - 1]} ${k}-grams read (header count wrong?)`);
    if (n !== k + 1 && n !== k + 2) this.fail(`expected a log10 probability, ${k} word${k > 1 ? 's' : ''} and an optional back-off, found ${n} fields`);
    const p = this.value(b, f[0], f[1], true);
    const bo = n === k + 2 ? this.value(b, f[2 * k + 2], f[2 * k + 3], false) : Q_NONE;
    const i = this.i;
    if (k === 1) {
      const ws = f[2];
      const we = f[3];
      let id = this.wordId(b, ws, we);
      if (id >= 0 && (id > 2 || this.seen[id])) this.fail(`unigram '${this.dec.decode(b.subarray(ws, we))}' is listed twice`);
      if (id >= 0) this.seen[id] = 1;
      else id = this.addToken(b, ws, we);
      this.uniP[id] = p;
      this.uniBo[id] = bo;
    } else {
      // ARPA files list n-grams mostly in suffix order: the last words of a line are often the
      // last line's, so their ids, the hashes of the suffixes they make and the suffix check carry over
      const ids = this.ids;
      const pl = this.prevLen;
      const same = i > 0;
      let from = k;
      while (same && from > 0) {
        const j = from - 1;
        const len = f[2 * j + 3] - f[2 * j + 2];
        if (pl[j] !== len || this.prevA[j] !== fa[j + 1] || this.prevB[j] !== fb[j + 1]) break;
        from--;
      }
      for (let j = 0; j < from; j++) {
        const len = f[2 * j + 3] - f[2 * j + 2];
        const id = this.byWord.find(fa[j + 1], fb[j + 1], len);
        if (id < 0 || (id <= 2 && !this.seen[id])) this.fail(`word '${this.dec.decode(b.subarray(f[2 * j + 2], f[2 * j + 3]))}' is not among the unigrams`);
        ids[j] = id;
        pl[j] = len;
        this.prevA[j] = fa[j + 1];
        this.prevB[j] = fb[j + 1];
      }
      // sLo/sHi[j]: the key of words j … k-1; pLo/pHi[j]: of words j … k-2 (the prefix's)
      const sLo = this.sLo;
      const sHi = this.sHi;
      const pLo = this.pLo;
      const pHi = this.pHi;
      sLo[k] = SEED_LO;
      sHi[k] = SEED_HI;
      pLo[k - 1] = SEED_LO;
      pHi[k - 1] = SEED_HI;
      for (let j = (from < k ? from : k) - 1; j >= 0; j--) {
        sLo[j] = stepLo(sLo[j + 1], ids[j]);
        sHi[j] = stepHi(sHi[j + 1], ids[j]);
        if (j < k - 1) { pLo[j] = stepLo(pLo[j + 1], ids[j]); pHi[j] = stepHi(pHi[j + 1], ids[j]); }
      }
      if (k > 2) {
        // the suffix w2 … wk (unless the last line's) and the prefix w1 … wk-1 must be listed (checked in batches)
        if (this.closed && from > 1) this.check(0, sLo[1], keyHs(sHi[1]));
        if (this.prefixClosed) this.check(1, pLo[0], keyHs(pHi[0]));
      }
      const S = k === this.counts.length ? 3 : 4;
      const o = i * S;
      const ent = this.ent;
      ent[o] = sLo[0];
      ent[o + 1] = sHi[0];
      ent[o + 2] = p;
      if (S === 4) ent[o + 3] = bo;
    }
    if (++this.i === this.counts[k - 1]) this.closeSection();
  }

  finishHashed(): HashedData {
    super.finish();
    return {
      order: this.counts.length, tokens: this.words, uniP: this.uniP, uniBo: this.uniBo, tables: this.tables,
      exceptions: Float64Array.from(this.coder.exceptions), closed: this.closed, prefixClosed: this.prefixClosed, seedLo: SEED_LO, seedHi: SEED_HI,
    };
  }
}

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8];

/**
 * Push-style ARPA bytes → `HashedData`: `push` chunks (any split; a line
 * across chunks is joined), then `end()`. Usable as the `ByteSink` of the
 * ARPA writer, so a model being built goes to the binary format without a
 * temporary file.
 */
export class HashedArpaReader {
  private readonly parser: HashedArpaParser;
  private carry: Uint8Array | null = null;
  private readonly enc = new TextEncoder();

  constructor(name = 'ARPA file', closure = true) {
    this.parser = new HashedArpaParser(name, closure);
  }

  push(chunk: Uint8Array | string): void {
    const b: Uint8Array = typeof chunk === 'string' ? this.enc.encode(chunk) : chunk;
    const parser = this.parser;
    let start = 0;
    let nl = b.indexOf(10);
    if (this.carry) {
      if (nl < 0) { this.carry = concat(this.carry, b); return; }
      const line = concat(this.carry, b.subarray(0, nl));
      this.carry = null;
      parser.bytesLine(line, 0, line.length);
      start = nl + 1;
      nl = b.indexOf(10, start);
    }
    while (nl >= 0) {
      parser.bytesLine(b, start, nl);
      start = nl + 1;
      nl = b.indexOf(10, start);
    }
    if (start < b.length) this.carry = b.slice(start);
  }

  /** a sink for the ARPA writer (`writeArpa`, `buildArpaFromCorpus`'s `out`) */
  sink(): { write(chunk: Uint8Array): Promise<void> } {
    return { write: async (chunk) => this.push(chunk) };
  }

  end(): HashedData {
    if (this.carry && this.carry.length > 0) this.parser.bytesLine(this.carry, 0, this.carry.length);
    this.carry = null;
    return this.parser.finishHashed();
  }
}

/**
 * Read ARPA bytes into a `HashedModel`'s data. Errors: "NAME:LINE: what is
 * wrong", as `readArpa`.
 */
export async function readArpaHashed(src: AsyncIterable<Uint8Array | string>, name = 'ARPA file', closure = true): Promise<HashedData> {
  const r = new HashedArpaReader(name, closure);
  for await (const chunk of src) r.push(chunk);
  return r.end();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
