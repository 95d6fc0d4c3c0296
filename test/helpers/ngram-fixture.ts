/**
 * A tiny, obviously-correct n-gram counter for smoothing tests (strings and
 * Maps, not for real data): sentence mode wraps each line as `<s> … </s>`
 * and counts n-grams within the line only; stream mode counts over the
 * concatenation of all lines (with `streamMarkers`, wrapped once as
 * `<s> … </s>`, as KenLM counts one long line). Unigram `<s>` is counted (as
 * KenLM does); smoothing must ignore it as a predicted word.
 */
import { readFileSync } from 'node:fs';
import type { CountTable, NgramCounts } from '../../src/ngram/api.js';
import type { MarkerMode } from '../../src/types.js';
import { Vocabulary } from '../../src/vocab/vocabulary.js';

export function readLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
}

export function countLines(lines: string[], order: number, mode: MarkerMode, vocab?: Vocabulary, streamMarkers = false): NgramCounts {
  const docs = lines.map((l) => l.split(/\s+/).filter(Boolean));
  if (!vocab) {
    const tc = new Map<string, number>();
    for (const d of docs) for (const t of d) tc.set(t, (tc.get(t) ?? 0) + 1);
    vocab = Vocabulary.fromCounts(tc);
  }
  const seqs =
    mode === 'sentence' ? docs.map((d) => ['<s>', ...d, '</s>']) : streamMarkers ? [['<s>', ...docs.flat(), '</s>']] : [docs.flat()];
  const tables: CountTable[] = [];
  for (let k = 1; k <= order; k++) {
    const m = new Map<string, number>();
    for (const s of seqs) {
      const ids = s.map((t) => vocab!.id(t));
      for (let i = 0; i + k <= ids.length; i++) {
        const key = ids.slice(i, i + k).join(' ');
        m.set(key, (m.get(key) ?? 0) + 1);
      }
    }
    const rows = [...m.entries()].map(([key, c]) => ({ ids: key.split(' ').map(Number), c }));
    rows.sort((a, b) => {
      for (let q = 0; q < k; q++) if (a.ids[q] !== b.ids[q]) return a.ids[q] - b.ids[q];
      return 0;
    });
    tables.push({
      order: k,
      n: rows.length,
      ids: Uint32Array.from(rows.flatMap((r) => r.ids)),
      counts: Float64Array.from(rows.map((r) => r.c)),
    });
  }
  return { order, vocab, mode, tables };
}
