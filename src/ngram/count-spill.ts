/**
 * A corpus read in parts of bounded size (what every bounded count starts
 * from): lines are encoded into one `CorpusEncoder` (ids stay global, in
 * order of first appearance) and each part that reaches the size is handed
 * over (sentence mode: at a line boundary; stream mode: with the last N-1 ids
 * carried as context). Users: table-runs.ts (`ngram count`, `build` for the
 * smoothings other than Kneser-Ney) and stream-kn.ts (Kneser-Ney).
 */
import type { MarkerMode } from '../types.js';
import { CorpusEncoder, type PaddedCorpus } from './corpus.js';
import { lineBatches, type LineOptions } from '../io/lines.js';

/** how a corpus is counted in parts */
export interface SpillOptions {
  order: number;
  mode?: MarkerMode;
  /** cap in bytes for one part's tables (default: no cap) */
  memory?: number;
  tempDir?: string;
  unk?: 'word' | 'skip';
  warn?: (msg: string) => void;
  /** how the text is cut into lines (the long-line guard) */
  lines?: LineOptions;
}

/** the encoder that cuts a corpus into parts */
export function partEncoder(o: SpillOptions): { enc: CorpusEncoder } {
  const enc = new CorpusEncoder(o.order, o.mode ?? 'sentence', 1 << 16, o.warn);
  enc.unkAsWord = (o.unk ?? 'word') === 'word';
  return { enc };
}

/**
 * Read the corpus line by line into the encoder, handing each part that
 * reaches `maxIds` to `spill`; returns the last part, or undefined for an
 * empty corpus.
 */
export async function readParts(
  src: AsyncIterable<Buffer | string>,
  enc: CorpusEncoder,
  maxIds: number,
  spill: (part: PaddedCorpus) => Promise<void>,
  lineOptions?: LineOptions,
): Promise<PaddedCorpus | undefined> {
  let any = false;
  for await (const batch of lineBatches(src, lineOptions)) {
    any = true;
    for (const line of batch) {
      enc.addLine(line);
      if (enc.size > maxIds) await spill(enc.takePart());
    }
  }
  return any ? enc.finish() : undefined;
}

