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
import type { LineOptions } from '../io/lines.js';

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
 * Read the corpus' bytes into the encoder (`bytesReader`), handing each part
 * that reaches `maxIds` to `spill` (after the line that filled it); returns
 * the last part, or undefined for an empty corpus.
 */
export async function readParts(
  src: AsyncIterable<Buffer | string>,
  enc: CorpusEncoder,
  maxIds: number,
  spill: (part: PaddedCorpus) => Promise<void>,
  lineOptions?: LineOptions,
): Promise<PaddedCorpus | undefined> {
  // lines cut and tokens looked up on the bytes; the reader stops after the line that fills a part
  const reader = enc.bytesReader(lineOptions);
  enc.partLimit = maxIds;
  for await (const chunk of src) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let off = 0;
    while (off < b.length) {
      off += reader.push(off === 0 ? b : b.subarray(off));
      if (enc.size > maxIds) await spill(enc.takePart());
    }
  }
  reader.end();
  return reader.lines > 0 ? enc.finish() : undefined;
}

