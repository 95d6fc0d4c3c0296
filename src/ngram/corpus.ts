/**
 * Corpus → padded id array, as KenLM's lmplz counts it (pure logic, no streams).
 *
 * Input: lines of text (split by the `kenlm` tokenizer's rule: space, tab,
 * LF, CR and NUL, as KenLM's lmplz) or token arrays. Output: `PaddedCorpus`: one
 * Uint32Array holding, per sentence, N-1 `<s>` pads, the token ids and `</s>`;
 * every index that is not a pad is the end of one padded N-gram occurrence.
 *
 * Ids are given in order of first appearance after `<unk>` = 0, `<s>` = 1,
 * `</s>` = 2 (KenLM's numbering). Words 0 and 1 of the array are `<unk>` and
 * `<s>` themselves (the two special unigrams point at them).
 *
 * `<s>` and `</s>` in the input are treated as whitespace with one warning
 * (KenLM's `--skip_symbols`); so is `<unk>` unless `unkAsWord` is set, in
 * which case a literal `<unk>` is an ordinary word spelled `UNK_WORD`
 * (`<unk-word>`) in the model, distinct from the model's `<unk>` (the mass
 * left for words never seen); `ppl` scores a test `<unk>` as that word.
 * Stream mode: the whole input is one sentence (one `<s>` at the start, one
 * `</s>` at the end).
 */
import { BOS, EOS, UNK, type MarkerMode } from '../types.js';
import { isKenlmSpace } from '../text/tokenize-kenlm.js';
import { ownString } from '../text/own-string.js';
import { ByteIndex } from '../vocab/byte-index.js';
import { KenlmIdReader } from '../text/kenlm-ids.js';
import type { LineOptions } from '../io/lines.js';

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
/** how a literal `<unk>` of a training corpus is spelled in the model (an ordinary word) */
export const UNK_WORD = '<unk-word>';

export interface PaddedCorpus {
  order: number;
  mode: MarkerMode;
  /** `<unk>`, `<s>`, then per sentence: N-1 × `<s>`, ids, `</s>` */
  words: Uint32Array;
  /** id → token */
  tokens: string[];
  /** number of sentences (the raw count of `<s>`) */
  sentences: number;
  /** tokens read, `</s>` included */
  tokenCount: number;
  /**
   * The ends of the padded N-grams: indices ≥ 2 whose word is not `<s>`
   * (when undefined), or an explicit list with `weights` (count-file input).
   */
  positions?: Uint32Array;
  /** weight (count) of each entry of `positions` */
  weights?: Uint32Array;
}

export class CorpusEncoder {
  readonly index = new Map<string, number>([[UNK, UNK_ID], [BOS, BOS_ID], [EOS, EOS_ID]]);
  readonly tokens: string[] = [UNK, BOS, EOS];
  private words: Uint32Array;
  private len = 2;
  private sentences = 0;
  private tokenCount = 0;
  private inSentence = false;
  private warned = false;

  /** keep `<unk>` tokens of the input as an ordinary word (spelled `UNK_WORD`) instead of dropping them */
  unkAsWord = false;

  constructor(readonly order: number, readonly mode: MarkerMode = 'sentence', initialCapacity = 1 << 16, private readonly warn: (msg: string) => void = () => {}) {
    this.words = new Uint32Array(Math.max(16, initialCapacity));
    this.words[0] = UNK_ID;
    this.words[1] = BOS_ID;
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.words.length) return;
    let cap = this.words.length;
    // doubling, then ×1.5 past 4M ids: the slack stays within a third of the array, so `finish` hands it over without a copy
    while (cap < this.len + extra) cap = cap < (1 << 22) ? cap * 2 : Math.ceil(cap * 1.5);
    const next = new Uint32Array(cap);
    next.set(this.words.subarray(0, this.len));
    this.words = next;
  }

  private startSentence(): void {
    const pads = this.order - 1;
    this.ensure(pads + 1);
    for (let i = 0; i < pads; i++) this.words[this.len++] = BOS_ID;
    this.sentences++;
    this.inSentence = true;
  }

  private endSentence(): void {
    this.ensure(1);
    this.words[this.len++] = EOS_ID;
    this.tokenCount++;
    this.inSentence = false;
  }

  /** the id of token t, a new one when it is new; -1 for the tokens read as whitespace (<s>, </s>, <unk> unless unkAsWord) */
  private idOf(t: string): number {
    if (this.unkAsWord && t === UNK) t = UNK_WORD;
    let id = this.index.get(t);
    if (id === undefined) {
      id = this.tokens.length;
      // a token is a slice of a whole input chunk: keep only its own characters
      t = ownString(t);
      this.index.set(t, id);
      this.tokens.push(t);
    } else if (id <= EOS_ID) {
      if (!this.warned) {
        this.warned = true;
        this.warn(`warning: ${t} appears in the input; all instances of <s>, </s>${this.unkAsWord ? '' : ' and <unk>'} are treated as whitespace (as KenLM's --skip_symbols)`);
      }
      return -1;
    }
    return id;
  }

  private addToken(t: string): void {
    const id = this.idOf(t);
    if (id < 0) return;
    if (this.len === this.words.length) this.ensure(1);
    this.words[this.len++] = id;
    this.tokenCount++;
  }

  /** token bytes → ids of the byte reader (ByteIndex id → our id, -1: whitespace) */
  private bytesIndex: ByteIndex | null = null;
  private bytesIds = new Int32Array(1024);

  /**
   * A reader of this corpus' bytes (push chunks, then `end`): lines cut and
   * tokens split by the kenlm rule on the bytes themselves (src/text/kenlm-ids.ts:
   * the rules of the text path), each token looked up by its bytes; only a
   * token's first occurrence makes a string. Each line is added as `addLine`
   * would add its text.
   */
  bytesReader(opts: LineOptions = {}): KenlmIdReader {
    const index = (this.bytesIndex ??= new ByteIndex(1 << 12));
    const r = new KenlmIdReader(index, (ids, n) => this.addIds(ids, n), { ...opts, warn: opts.warn ?? ((m: string) => { process.stderr.write(m + '\n'); }) });
    r.onMissing = (b, s, e) => {
      const id = this.idOf(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', s, e));
      const bid = index.add(b, s, e);
      if (bid >= this.bytesIds.length) {
        const m = new Int32Array(Math.max(bid + 1, this.bytesIds.length * 2));
        m.set(this.bytesIds);
        this.bytesIds = m;
      }
      this.bytesIds[bid] = id;
      return bid;
    };
    this.reader = r;
    return r;
  }

  /** one line of the byte reader: its tokens' byte-index ids */
  private addIds(ids: Int32Array, n: number): void {
    if (this.mode === 'sentence') this.startSentence();
    else if (!this.inSentence) this.startSentence();
    this.ensure(n);
    const map = this.bytesIds;
    const words = this.words;
    let len = this.len;
    for (let j = 0; j < n; j++) {
      const id = map[ids[j]];
      if (id >= 0) words[len++] = id;
    }
    this.tokenCount += len - this.len;
    this.len = len;
    if (this.mode === 'sentence') this.endSentence();
    if (this.len > this.partLimit && this.reader) this.reader.stop = true;
  }

  /** Add one document given as tokens. */
  addTokens(tokens: readonly string[]): void {
    if (this.mode === 'sentence') {
      this.startSentence();
      for (const t of tokens) if (t !== '') this.addToken(t);
      this.endSentence();
    } else {
      if (!this.inSentence) this.startSentence();
      for (const t of tokens) if (t !== '') this.addToken(t);
    }
  }

  /**
   * Add one line of text split by the `kenlm` tokenizer's rule (space, tab,
   * LF, CR, NUL: `isKenlmSpace`), fused here: no token array per line.
   */
  addLine(line: string): void {
    if (this.mode === 'sentence') this.startSentence();
    else if (!this.inSentence) this.startSentence();
    let start = -1;
    const n = line.length;
    for (let i = 0; i <= n; i++) {
      const c = i < n ? line.charCodeAt(i) : 32;
      if (isKenlmSpace(c)) {
        if (start >= 0) {
          this.addToken(line.slice(start, i));
          start = -1;
        }
      } else if (start < 0) start = i;
    }
    if (this.mode === 'sentence') this.endSentence();
  }

  /** the byte reader stops after the line that takes the ids held past this (a part is due: `takePart`) */
  partLimit = Infinity;
  private reader: KenlmIdReader | null = null;

  /** number of ids held (for memory accounting) */
  get size(): number {
    return this.len;
  }

  /**
   * Hand over what was read so far as one part and start the next (counting
   * in parts with bounded memory). Sentence mode: parts end at line
   * boundaries. Stream mode: the next part starts with the last N-1 ids as
   * context, which are not counted again.
   */
  takePart(): PaddedCorpus {
    const carry = this.mode === 'stream' && this.inSentence ? Math.min(this.order - 1, this.len - 2) : 0;
    const words = this.words.slice(0, this.len);
    const from = 2 + (this.partCarry ?? 0);
    let n = 0;
    for (let i = from; i < words.length; i++) if (words[i] !== BOS_ID) n++;
    const positions = new Uint32Array(n);
    n = 0;
    for (let i = from; i < words.length; i++) if (words[i] !== BOS_ID) positions[n++] = i;
    const part: PaddedCorpus = {
      order: this.order, mode: this.mode, words, tokens: this.tokens,
      sentences: this.sentences, tokenCount: this.tokenCount, positions,
    };
    const tail = words.slice(words.length - carry);
    this.len = 2;
    for (const w of tail) this.words[this.len++] = w;
    this.partCarry = carry;
    this.sentences = 0;
    this.tokenCount = 0;
    return part;
  }

  private partCarry = 0;

  finish(): PaddedCorpus {
    if (this.partCarry > 0) {
      if (this.mode === 'stream' && this.inSentence) this.endSentence();
      this.inSentence = false;
      return this.takePart();
    }
    if (this.mode === 'stream' && this.inSentence) this.endSentence();
    // a view, not a copy: a copy would hold both arrays at once (and leave the bigger one as garbage
    // resident while the next stage allocates its sort buffers)
    const words = this.words.subarray(0, this.len);
    return {
      order: this.order,
      mode: this.mode,
      words,
      tokens: this.tokens,
      sentences: this.sentences,
      tokenCount: this.tokenCount,
    };
  }
}
