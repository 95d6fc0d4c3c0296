/**
 * Bytes → lines of token ids, by the `kenlm` tokenizer's rule, without a JS
 * string per token or per line: the fused front end of byte-level n-gram
 * scoring (src/ngram/ppl-bytes.ts). Pure, no Node imports.
 *
 *   input:  the bytes of one input (a file, stdin) as chunks split anywhere
 *           (`push`, then `end` once)
 *   output: per line, `onLine(ids, n)`: the ids of its tokens in ids[0 … n-1]
 *           (a reused buffer, valid during the call); a token not in the
 *           vocabulary has id -1
 *
 * The rules are those of the text path (lines.ts `LineSplitter`, then
 * tokenize-kenlm.ts), so both give the same tokens:
 * - lines end at LF; CR is whitespace to the tokenizer, so CRLF and a lone CR
 *   need nothing more; a missing final newline still ends the last line; an
 *   empty input gives no line, an empty line a line of no tokens;
 * - a UTF-8 byte-order mark at the start of the input is dropped;
 * - tokens are the maximal runs of bytes other than space, tab, LF, CR and
 *   NUL (`isKenlmSpace`; these ASCII bytes never occur inside a UTF-8
 *   sequence, and a decoder never swallows them, so token boundaries in bytes
 *   are those in the decoded text);
 * - invalid UTF-8: the text path decodes it to U+FFFD. A token that is not
 *   found and holds a byte ≥ 0x80 is decoded that way, re-encoded and looked
 *   up again, so it gets the id its string would get;
 * - long-line guard: a line of more than `maxLineLength` bytes (its LF, a
 *   final CR and the byte-order mark not counted) throws `LongLineError`, or
 *   with `onLongLine: 'skip'` is dropped with a warning.
 *
 * Lookup: each token's bytes are hashed (the `ByteIndex` key, byte-index.ts)
 * as they are scanned; the tokens of a line are looked up together when it
 * ends (or the chunk does), one probe each in a loop of independent reads.
 * Holds: the keys and ids of the current line and the bytes of a token
 * split across chunks (both bounded by `maxLineLength`).
 */
import { ByteIndex, HASH_A0, HASH_B0 } from '../vocab/byte-index.js';
import { DEFAULT_MAX_LINE_LENGTH, LongLineError, type LineOptions } from '../io/lines.js';

const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

export class KenlmIdReader {
  /** the current line's tokens: ids (once resolved), keys, lengths, starts in the current chunk, non-ASCII flags */
  private ids = new Int32Array(256);
  private tA = new Int32Array(256);
  private tB = new Int32Array(256);
  private tLen = new Int32Array(256);
  private tS = new Int32Array(256);
  private tHigh = new Uint8Array(256);
  private n = 0;
  /** tokens ids[0 … resolved-1] are looked up */
  private resolved = 0;
  /** bytes of a token that started in an earlier chunk, and its key so far */
  private carry = new Uint8Array(64);
  private carryLen = 0;
  private cA = HASH_A0;
  private cB = HASH_B0;
  private cHigh = 0;
  /** bytes of the current line so far (BOM and LF not counted) */
  private lineBytes = 0;
  /** the current line has any byte at all (it is a line even if all whitespace) */
  private open = false;
  private skipping = false;
  private lineNo = 0;
  /** bytes of the byte-order mark matched at the start of the input (3: decided) */
  private head = 0;
  private lastWasCR = false;
  private readonly max: number;
  private readonly onLong: 'error' | 'skip';
  private readonly source: string;
  private readonly warn: (msg: string) => void;
  private readonly enc = new TextEncoder();
  private readonly dec = new TextDecoder();
  /** lines dropped by the long-line guard */
  skipped = 0;

  constructor(private readonly index: ByteIndex, private readonly onLine: (ids: Int32Array, n: number) => void, opts: LineOptions = {}) {
    this.max = opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.onLong = opts.onLongLine ?? 'error';
    this.source = opts.source ?? 'input';
    this.warn = opts.warn ?? ((m: string) => process.stderr.write(m + '\n'));
  }

  /**
   * A token not in the index goes to `onMissing` (its bytes b[s…e)) when
   * set, which returns the id to use (e.g. after adding the token to the
   * index: a growing vocabulary); without it such a token gets -1. It is
   * called in the order of the tokens.
   */
  onMissing: ((b: Uint8Array, s: number, e: number) => number) | null = null;

  /**
   * Set (by `onLine`) to stop `push` after the line just given: `push`
   * returns how many bytes it took, and the rest of the chunk is pushed
   * later (as if the chunk had been cut there).
   */
  stop = false;

  /** lines seen so far (read or skipped) */
  get lines(): number {
    return this.lineNo;
  }

  private long(): void {
    if (this.onLong === 'error') throw new LongLineError(this.source, this.lineNo + 1, this.max);
    this.skipped++;
    this.warn(`${this.source}: line ${this.lineNo + 1} is longer than ${this.max} bytes (maxLineLength); skipped`);
    this.skipping = true;
    this.n = 0;
    this.resolved = 0;
    this.carryLen = 0;
  }

  /** a token whose key was not found: if it is not valid UTF-8, the id of its decoded (U+FFFD) spelling */
  private fallback(b: Uint8Array, s: number, e: number): number {
    const again = this.enc.encode(this.dec.decode(b.subarray(s, e)));
    if (again.length === e - s) {
      let same = true;
      for (let i = 0; i < again.length; i++) if (again[i] !== b[s + i]) { same = false; break; }
      if (same) return -1;
    }
    return this.index.findBytes(again, 0, again.length);
  }

  private grow(): void {
    const cap = this.ids.length * 2;
    const g32 = (a: Int32Array) => { const x = new Int32Array(cap); x.set(a); return x; };
    this.ids = g32(this.ids);
    this.tA = g32(this.tA);
    this.tB = g32(this.tB);
    this.tLen = g32(this.tLen);
    this.tS = g32(this.tS);
    const h = new Uint8Array(cap);
    h.set(this.tHigh);
    this.tHigh = h;
  }

  /** look the pending tokens up (b: the chunk that holds their bytes) */
  private resolve(b: Uint8Array): void {
    const index = this.index;
    const ids = this.ids;
    for (let t = this.resolved; t < this.n; t++) {
      let id = index.find(this.tA[t], this.tB[t], this.tLen[t]);
      if (id < 0 && this.tHigh[t] !== 0) id = this.fallback(b, this.tS[t], this.tS[t] + this.tLen[t]);
      if (id < 0 && this.onMissing) id = this.onMissing(b, this.tS[t], this.tS[t] + this.tLen[t]);
      ids[t] = id;
    }
    this.resolved = this.n;
  }

  private endLine(lastCR: boolean, b: Uint8Array): void {
    this.open = false;
    if (this.skipping) {
      this.skipping = false;
      this.lineNo++;
      this.lineBytes = 0;
      return;
    }
    const bytes = this.lineBytes - (lastCR ? 1 : 0);
    this.lineBytes = 0;
    if (bytes > this.max) {
      this.long();
      this.skipping = false;
      this.lineNo++;
      return;
    }
    this.resolve(b);
    this.lineNo++;
    const n = this.n;
    this.n = 0;
    this.resolved = 0;
    this.onLine(this.ids, n);
  }

  /**
   * Cut one chunk; complete lines go to `onLine`. Returns the bytes taken:
   * all of them, unless `stop` was set.
   */
  push(b: Uint8Array): number {
    let i = 0;
    let L = b.length;
    if (L === 0) return 0;
    // the byte-order mark at the very start of the input (possibly split across chunks)
    while (this.head < 3 && i < L) {
      if (b[i] !== BOM[this.head]) {
        // a partial mark that is none: its bytes start a token
        if (this.head > 0) this.bomAsToken();
        this.head = 3;
        break;
      }
      this.head++;
      this.open = true;
      i++;
    }
    // a token carried over from the last chunk continues at i
    let start = this.carryLen > 0 ? i : -1;
    let a = this.cA;
    let h2 = this.cB;
    let high = this.cHigh;
    const max = this.max;
    let lineStart = i - this.lineBytes;
    for (; i < L; i++) {
      const c = b[i];
      if (c > 32 || (c !== 32 && c !== 10 && c !== 9 && c !== 13 && c !== 0)) {
        if (start < 0) { start = i; a = HASH_A0; h2 = HASH_B0; high = 0; }
        a = Math.imul(a ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995);
        high |= c;
        continue;
      }
      this.open = true;
      if (start >= 0) {
        if (!this.skipping) this.token(b, start, i, a, h2, high);
        start = -1;
      }
      if (c === 10) {
        this.lineBytes = i - lineStart;
        this.endLine(i > 0 ? b[i - 1] === 13 : this.lastWasCR, b);
        lineStart = i + 1;
        if (this.stop) {
          this.stop = false;
          L = i + 1;
          break;
        }
      } else if (i - lineStart > max + 1 && !this.skipping) {
        this.long();
      }
    }
    this.lastWasCR = b[L - 1] === 13;
    if (b[L - 1] !== 10) this.open = true;
    this.lineBytes = L - lineStart;
    if (start >= 0 && !this.skipping) this.appendCarry(b, start, L, a, h2, high);
    if (!this.skipping && this.lineBytes > max + 1) this.long();
    // the bytes of this chunk go away: look its tokens up now
    this.resolve(b);
    return L;
  }

  /** the bytes EF (BB) at the input's start were not a byte-order mark */
  private bomAsToken(): void {
    const n = this.head;
    let a = HASH_A0;
    let h2 = HASH_B0;
    for (let j = 0; j < n; j++) { a = Math.imul(a ^ BOM[j], 0x01000193); h2 = Math.imul(h2 ^ BOM[j], 0x5bd1e995); }
    this.appendCarry(BOM, 0, n, a, h2, 0x80);
    this.lineBytes += n;
  }

  private appendCarry(b: Uint8Array, s: number, e: number, a: number, h2: number, high: number): void {
    const len = e - s;
    if (this.carryLen + len > this.carry.length) {
      const c = new Uint8Array(Math.max(this.carry.length * 2, this.carryLen + len));
      c.set(this.carry.subarray(0, this.carryLen));
      this.carry = c;
    }
    this.carry.set(b.subarray(s, e), this.carryLen);
    this.carryLen += len;
    this.cA = a;
    this.cB = h2;
    this.cHigh = high;
  }

  /** a token ends: b[s…e), after the carried bytes if any, with its key */
  private token(b: Uint8Array, s: number, e: number, a: number, h2: number, high: number): void {
    if (this.n === this.ids.length) this.grow();
    const t = this.n++;
    if (this.carryLen > 0) {
      // the first token of a chunk (all earlier ones are resolved): look it up at once, from the carry
      this.appendCarry(b, s, e, a, h2, high);
      const len = this.carryLen;
      this.carryLen = 0;
      this.cA = HASH_A0;
      this.cB = HASH_B0;
      this.cHigh = 0;
      let id = this.index.find(a, h2, len);
      if (id < 0 && high >= 0x80) id = this.fallback(this.carry, 0, len);
      if (id < 0 && this.onMissing) id = this.onMissing(this.carry, 0, len);
      this.ids[t] = id;
      this.resolved = this.n;
      return;
    }
    this.tA[t] = a;
    this.tB[t] = h2;
    this.tLen[t] = e - s;
    this.tS[t] = s;
    this.tHigh[t] = high >= 0x80 ? 1 : 0;
  }

  /** End of input: the last line if it has no terminator. */
  end(): void {
    if (this.head > 0 && this.head < 3) this.bomAsToken();
    this.head = 3;
    if (this.carryLen > 0 && !this.skipping) this.token(this.carry, 0, 0, this.cA, this.cB, this.cHigh);
    this.carryLen = 0;
    if (this.open) this.endLine(this.lastWasCR, EMPTY);
  }
}

const EMPTY = new Uint8Array(0);
