/**
 * Transform stage: assigns consecutive tokens to splits of fixed sizes
 * (train = the first N1 tokens, valid = the next N2, …, the last split takes
 * the rest), cutting a sentence that straddles a boundary into two pieces.
 * Input (objectMode): Tokens, one sentence per record.
 * Output (objectMode): SplitPiece {split, tokens}, at most one piece per
 * split a sentence touches (a bounded expansion: ≤ number of splits).
 */
import { Transform } from 'node:stream';
import type { Tokens } from '../types.js';

export interface SplitPiece {
  /** index of the split, 0-based, in the order of `sizes` */
  split: number;
  tokens: Tokens;
}

/**
 * Pure logic of the cut. `sizes[i]` tokens go to split i; use Infinity for
 * the last one to take the rest. Tokens beyond the sum of sizes are an error.
 */
export class SplitCutter {
  private k = 0;
  /** tokens already placed into split k */
  private inSplit = 0;
  readonly placed: number[];

  constructor(readonly sizes: readonly number[]) {
    if (sizes.length === 0) throw new Error('split cutter: no splits');
    for (const s of sizes) if (!(s >= 0)) throw new Error(`split cutter: bad split size ${s}`);
    this.placed = sizes.map(() => 0);
    this.skipFull();
  }

  private skipFull(): void {
    while (this.k < this.sizes.length - 1 && this.inSplit >= this.sizes[this.k]) {
      this.k++;
      this.inSplit = 0;
    }
  }

  cut(toks: Tokens): SplitPiece[] {
    const out: SplitPiece[] = [];
    let i = 0;
    while (i < toks.length) {
      if (this.inSplit >= this.sizes[this.k]) {
        throw new Error(`split cutter: more tokens than the splits hold (${this.sizes.join(' + ')})`);
      }
      const take = Math.min(toks.length - i, this.sizes[this.k] - this.inSplit);
      out.push({ split: this.k, tokens: toks.slice(i, i + take) });
      i += take;
      this.inSplit += take;
      this.placed[this.k] += take;
      this.skipFull();
    }
    return out;
  }
}

export function splitCut(sizes: readonly number[]): Transform & { cutter: SplitCutter } {
  const cutter = new SplitCutter(sizes);
  const t = new Transform({
    objectMode: true,
    transform(toks: Tokens, _enc, cb) {
      if (!Array.isArray(toks)) return cb(new TypeError('split cut: expected an array of tokens'));
      let pieces: SplitPiece[];
      try {
        pieces = cutter.cut(toks);
      } catch (e) {
        return cb(e as Error);
      }
      for (const p of pieces) this.push(p);
      cb();
    },
  }) as Transform & { cutter: SplitCutter };
  t.cutter = cutter;
  return t;
}
