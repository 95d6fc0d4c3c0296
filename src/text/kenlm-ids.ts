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
 * Lookup: each token's bytes are hashed (FNV-1a, byte-index.ts) as they are
 * scanned and looked up once in the `ByteIndex`. Holds: the ids of the
 * current line and the bytes of a token split across chunks (both bounded by
 * `maxLineLength`).
 */
import { ByteIndex, FNV_OFFSET } from '../vocab/byte-index.js';
import { DEFAULT_MAX_LINE_LENGTH, LongLineError, type LineOptions } from '../io/lines.js';

export class KenlmIdReader {
  private ids = new Int32Array(256);
  private n = 0;
  /** bytes of a token that started in an earlier chunk */
  private carry = new Uint8Array(64);
  private carryLen = 0;
  /** bytes of the current line so far (BOM and LF not counted) */
  private lineBytes = 0;
  /** the current line has any byte at all (it is a line even if all whitespace) */
  private open = false;
  private skipping = false;
  private lineNo = 0;
  /** bytes seen at the start of the input, for the byte-order mark (3: decided) */
  private head = 0;
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
    this.warn = opts.warn ?? ((m: string) => { throw new Error(m); });
  }

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
    this.carryLen = 0;
  }

  /** the id of token b[s…e) with FNV hash h (-1: not in the vocabulary) */
  private lookup(b: Uint8Array, s: number, e: number, h: number): number {
    const id = this.index.find(b, s, e, h);
    if (id >= 0) return id;
    let high = false;
    for (let i = s; i < e; i++) if (b[i] >= 0x80) { high = true; break; }
    if (!high) return -1;
    const again = this.enc.encode(this.dec.decode(b.subarray(s, e)));
    if (again.length === e - s) {
      let same = true;
      for (let i = 0; i < again.length; i++) if (again[i] !== b[s + i]) { same = false; break; }
      if (same) return -1;
    }
    let g = FNV_OFFSET;
    for (let i = 0; i < again.length; i++) g = Math.imul(g ^ again[i], 0x01000193);
    return this.index.find(again, 0, again.length, g);
  }

  private token(id: number): void {
    if (this.n === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    this.ids[this.n++] = id;
  }

  private endLine(lastCR: boolean): void {
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
    this.lineNo++;
    const n = this.n;
    this.n = 0;
    this.onLine(this.ids, n);
  }

  /** Cut one chunk; complete lines go to `onLine`. */
  push(b: Uint8Array): void {
    let i = 0;
    const L = b.length;
    if (L === 0) return;
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
    let h = this.carryHash;
    const max = this.max;
    let lineStart = i - this.lineBytes;
    for (; i < L; i++) {
      const c = b[i];
      if (c > 32 || (c !== 32 && c !== 10 && c !== 9 && c !== 13 && c !== 0)) {
        if (start < 0) { start = i; h = FNV_OFFSET; }
        h = Math.imul(h ^ c, 0x01000193);
        continue;
      }
      this.open = true;
      if (start >= 0) {
        if (!this.skipping) this.finishToken(b, start, i, h);
        start = -1;
      }
      if (c === 10) {
        this.lineBytes = i - lineStart;
        this.endLine(i > 0 ? b[i - 1] === 13 : this.lastWasCR);
        lineStart = i + 1;
      } else if (i - lineStart > max + 1 && !this.skipping) {
        this.long();
      }
    }
    this.lastWasCR = b[L - 1] === 13;
    if (b[L - 1] !== 10) this.open = true;
    this.lineBytes = L - lineStart;
    if (start >= 0 && !this.skipping) this.appendCarry(b, start, L, h);
    if (!this.skipping && this.lineBytes > max + 1) this.long();
  }

  /** the bytes EF (BB) at the input's start were not a byte-order mark */
  private bomAsToken(): void {
    const n = this.head;
    let h = FNV_OFFSET;
    for (let j = 0; j < n; j++) h = Math.imul(h ^ BOM[j], 0x01000193);
    this.appendCarry(BOM, 0, n, h);
    this.lineBytes += n;
  }

  private lastWasCR = false;
  private carryHash = FNV_OFFSET;

  private appendCarry(b: Uint8Array, s: number, e: number, h: number): void {
    const len = e - s;
    if (this.carryLen + len > this.carry.length) {
      const c = new Uint8Array(Math.max(this.carry.length * 2, this.carryLen + len));
      c.set(this.carry.subarray(0, this.carryLen));
      this.carry = c;
    }
    this.carry.set(b.subarray(s, e), this.carryLen);
    this.carryLen += len;
    this.carryHash = h;
  }

  /** a token ends at b[e]: b[s…e), after the carried bytes if any */
  private finishToken(b: Uint8Array, s: number, e: number, h: number): void {
    if (this.carryLen > 0) {
      this.appendCarry(b, s, e, h);
      const len = this.carryLen;
      this.carryLen = 0;
      this.token(this.lookup(this.carry, 0, len, h));
      return;
    }
    this.token(this.lookup(b, s, e, h));
  }

  /** End of input: the last line if it has no terminator. */
  end(): void {
    if (this.head > 0 && this.head < 3) this.bomAsToken();
    this.head = 3;
    if (this.carryLen > 0 && !this.skipping) {
      const len = this.carryLen;
      this.carryLen = 0;
      this.token(this.lookup(this.carry, 0, len, this.carryHash));
    }
    this.carryLen = 0;
    if (this.open) this.endLine(this.lastWasCR);
  }
}

const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);
