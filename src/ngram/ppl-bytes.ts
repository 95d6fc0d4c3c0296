/**
 * Perplexity from bytes: KenLM's `query` on a `HashedModel` without a JS
 * string or object per token (pure logic, no streams; the CLI feeds it the
 * inputs' bytes).
 *
 *   input:  the bytes of each input in turn (`input(opts)` gives the reader
 *           of one input: `push` its chunks, then `end`), tokenized by the
 *           `kenlm` rule (src/text/kenlm-ids.ts)
 *   output: the corpus totals on `scorer` (`PplTotals`, as PplScorer counts)
 *           and, with `onDocument`, each line's `DocumentScore` (no per-token
 *           scores); `finish()` ends the input (stream mode: the final `</s>`,
 *           reported as document 0)
 *
 * The totals are counted as `PplScorer` counts them (`PplTotals`), and the
 * numbers are `PplScorer`'s on the same model and text: sentence mode
 * scores each line after `<s>` with `</s>` at its end, stream mode the text
 * as one sentence; a token not in the vocabulary is an OOV scored as
 * `<unk>`, a test `<unk>` scores as `<unk-word>` when the model has it.
 * Holds: the model's state and one line's token ids.
 */
import type { MarkerMode } from '../types.js';
import type { LineOptions } from '../io/lines.js';
import type { HashedModel } from './hashed-model.js';
import { PplTotals } from './ppl.js';
import { documentTotals, type DocumentScore } from './ppl-stage.js';
import { KenlmIdReader } from '../text/kenlm-ids.js';
import { ByteIndex } from '../vocab/byte-index.js';
import { EOS_ID, UNK_ID, UNK_WORD } from './corpus.js';

export class BytePpl {
  readonly scorer = new PplTotals();
  private readonly index: ByteIndex;
  private readonly unkWord: number;
  private model: HashedModel | undefined;
  private started = false;
  private doc = 0;
  /** lines read before the model is there: their ids, and each line's id count */
  private queue = new Int32Array(0);
  private queued = 0;
  private queueLines: number[] = [];

  /**
   * `model`: the model, or only its vocabulary indexed by bytes (`ByteIndex`),
   * the model to follow through `setModel`: lines read before it arrives
   * wait as ids (`queuedIds`).
   */
  constructor(model: HashedModel | ByteIndex, private readonly mode: MarkerMode = 'sentence', private readonly onDocument?: (d: DocumentScore) => void) {
    if (model instanceof ByteIndex) this.index = model;
    else {
      this.model = model;
      this.index = model.byteIndex();
    }
    const uw = new TextEncoder().encode(UNK_WORD);
    this.unkWord = this.index.findBytes(uw, 0, uw.length);
  }

  /** the model has arrived: the waiting lines are scored */
  setModel(model: HashedModel): void {
    if (this.model) return;
    this.model = model;
    let at = 0;
    for (const n of this.queueLines) {
      this.line(this.queue.subarray(at, at + n), n);
      at += n;
    }
    this.queue = new Int32Array(0);
    this.queued = 0;
    this.queueLines = [];
  }

  /** ids of the lines waiting for the model */
  get queuedIds(): number {
    return this.queued;
  }

  get hasModel(): boolean {
    return this.model !== undefined;
  }

  /** the reader of one input (file or stdin) */
  input(opts: LineOptions = {}): KenlmIdReader {
    return new KenlmIdReader(this.index, (ids, n) => this.line(ids, n), opts);
  }

  private wait(raw: Int32Array, n: number): void {
    if (this.queued + n > this.queue.length) {
      const q = new Int32Array(Math.max(1024, 2 * (this.queued + n)));
      q.set(this.queue.subarray(0, this.queued));
      this.queue = q;
    }
    this.queue.set(raw.subarray(0, n), this.queued);
    this.queued += n;
    this.queueLines.push(n);
  }

  private ids = new Int32Array(256);
  private oov = new Uint8Array(256);
  private out = new Float64Array(256);

  private line(raw: Int32Array, n: number): void {
    const model = this.model;
    if (!model) { this.wait(raw, n); return; }
    const sc = this.scorer;
    if (this.mode === 'sentence' || !this.started) {
      model.begin(true);
      this.started = true;
    }
    const sentence = this.mode === 'sentence';
    const tokens = n + (sentence ? 1 : 0);
    if (tokens > this.ids.length) {
      let cap = this.ids.length;
      while (cap < tokens) cap *= 2;
      this.ids = new Int32Array(cap);
      this.oov = new Uint8Array(cap);
      this.out = new Float64Array(cap);
    }
    const ids = this.ids;
    const oov = this.oov;
    let oovs = 0;
    for (let i = 0; i < n; i++) {
      let id = raw[i];
      let o = 0;
      if (id <= UNK_ID) {
        if (id === UNK_ID && this.unkWord >= 0) id = this.unkWord;
        else { id = UNK_ID; o = 1; oovs++; }
      }
      ids[i] = id;
      oov[i] = o;
    }
    if (sentence) { ids[n] = EOS_ID; oov[n] = 0; }
    const out = this.out;
    model.advanceMany(ids, tokens, out);
    let log10 = 0;
    let zeroprobs = 0;
    for (let i = 0; i < tokens; i++) {
      const s = out[i];
      sc.count(s, oov[i] === 1);
      if (s === -Infinity) zeroprobs++;
      else log10 += s;
    }
    this.doc++;
    if (this.onDocument) this.onDocument(documentTotals(this.doc, log10, tokens, oovs, zeroprobs));
  }

  /** End of all inputs: in stream mode scores the final `</s>`. */
  finish(): void {
    if (!this.model) throw new Error('BytePpl.finish: no model yet (setModel)');
    if (this.mode !== 'stream' || !this.started) return;
    this.started = false;
    const s = this.model.advance(EOS_ID);
    this.scorer.count(s, false);
    if (this.onDocument) this.onDocument(documentTotals(0, s === -Infinity ? 0 : s, 1, 0, s === -Infinity ? 1 : 0));
  }
}
