/**
 * Vocabulary counting stage (a sink): `Tokens` (string[]) in, or
 * `RecordBatch<Tokens>` with `{ batch: true }`; nothing out. When the stream
 * finishes, `vocabulary` holds the Vocabulary built from the counts with
 * `minCount` / `maxSize` (see Vocabulary.fromCounts for the order of ids).
 * The markers `<s>`/`</s>`, when present in the tokens, are counted on their
 * reserved entries.
 */
import { Writable } from 'node:stream';
import { Vocabulary, type VocabularyOptions } from './vocabulary.js';
import { ownString } from '../text/own-string.js';
import { BATCH_HWM, type BatchOption } from '../io/record-stage.js';

/**
 * Pure: add the tokens of one document to `counts`. A new entry stores its own
 * copy of the token (`ownString`), so the counts never keep input chunks alive.
 */
export function countTokens(counts: Map<string, number>, tokens: readonly string[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const c = counts.get(t);
    if (c === undefined) counts.set(ownString(t), 1);
    else counts.set(t, c + 1);
  }
}

export interface VocabCounter extends Writable {
  /** token → count so far */
  readonly counts: Map<string, number>;
  /** tokens counted so far */
  readonly tokens: number;
  /** documents counted so far */
  readonly documents: number;
  /** the vocabulary, once the stream has finished (undefined before) */
  readonly vocabulary: Vocabulary | undefined;
}

export function vocabCount(opts: VocabularyOptions & BatchOption = {}): VocabCounter {
  const counts = new Map<string, number>();
  let tokens = 0;
  let documents = 0;
  let vocabulary: Vocabulary | undefined;
  const add = (t: string[]) => {
    countTokens(counts, t);
    tokens += t.length;
    documents++;
  };
  const w = new Writable({
    objectMode: true,
    highWaterMark: opts.batch ? BATCH_HWM : 16,
    write(chunk: string[] | string[][], _enc, cb) {
      if (opts.batch) for (const t of chunk as string[][]) add(t);
      else add(chunk as string[]);
      cb();
    },
    final(cb) {
      try {
        vocabulary = Vocabulary.fromCounts(counts, opts);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  }) as VocabCounter;
  Object.defineProperty(w, 'counts', { get: () => counts });
  Object.defineProperty(w, 'tokens', { get: () => tokens });
  Object.defineProperty(w, 'documents', { get: () => documents });
  Object.defineProperty(w, 'vocabulary', { get: () => vocabulary });
  return w;
}
