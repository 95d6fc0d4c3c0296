/**
 * Perplexity stage (an async-generator stage for `pipeline`).
 *
 *   input:  `RecordBatch<Tokens>` (string[][]: documents as token arrays, as
 *           the front end's tokenizer stage gives them), or single documents
 *           (string[], or a string split by the `kenlm` tokenizer)
 *   output: `RecordBatch<DocumentScore>`: per document its number (from 1),
 *           its totals as KenLM's `query` reports them per sentence (log10
 *           total with `</s>`, token count with `</s>`, OOVs) and, with
 *           `perToken`, each token's score. Stream mode: the final `</s>`
 *           comes as one last record (document 0).
 *
 * The running corpus totals are on `scorer` (`scorer.summary()` once the
 * pipeline has finished). Holds: one batch of scores (bounded memory).
 */
import type { NgramModel } from './api.js';
import type { MarkerMode } from '../types.js';
import { PplScorer, type TokenScore } from './ppl.js';
import { tokenizeKenlm } from '../text/tokenize-kenlm.js';

export interface DocumentScore {
  /** 1-based document (line) number; 0 for the final `</s>` of stream mode */
  doc: number;
  /** total log10 probability (zeroprobs left out, OOVs in), `</s>` included in sentence mode */
  log10: number;
  /** tokens scored, `</s>` included in sentence mode */
  tokens: number;
  oovs: number;
  /** tokens of probability 0 (left out of the log10 total and the perplexity) */
  zeroprobs: number;
  /** 10^(-log10 / (tokens - zeroprobs)) */
  ppl: number;
  /** each token's score (with `perToken`) */
  scores?: TokenScore[];
}

/** The totals of a document from its token scores. */
export function documentScore(doc: number, scores: readonly TokenScore[], keep: boolean): DocumentScore {
  let log10 = 0;
  let oovs = 0;
  let zeroprobs = 0;
  for (const s of scores) {
    if (s.oov) oovs++;
    if (s.zeroprob) zeroprobs++;
    else log10 += s.log10;
  }
  const d = documentTotals(doc, log10, scores.length, oovs, zeroprobs);
  if (keep) d.scores = scores as TokenScore[];
  return d;
}

/** A document's record from its totals (log10 summed in token order, zeroprobs left out). */
export function documentTotals(doc: number, log10: number, tokens: number, oovs: number, zeroprobs: number): DocumentScore {
  const n = tokens - zeroprobs;
  return { doc, log10, tokens, oovs, zeroprobs, ppl: n > 0 ? Math.pow(10, -log10 / n) : NaN };
}

export function pplStage(model: NgramModel, mode: MarkerMode = 'sentence', opts: { perToken?: boolean } = {}) {
  const scorer = new PplScorer(model, mode);
  const keep = opts.perToken ?? false;
  let n = 0;
  async function* score(source: AsyncIterable<readonly (readonly string[])[] | readonly string[] | string>): AsyncGenerator<DocumentScore[]> {
    for await (const rec of source) {
      let docs: readonly (readonly string[])[];
      if (typeof rec === 'string') docs = [tokenizeKenlm(rec)];
      else if (rec.length > 0 && Array.isArray(rec[0])) docs = rec as readonly (readonly string[])[];
      else if (rec.length === 0) docs = [[]];
      else docs = [rec as readonly string[]];
      const out: DocumentScore[] = new Array(docs.length);
      for (let i = 0; i < docs.length; i++) out[i] = documentScore(++n, scorer.document(docs[i]), keep);
      yield out;
    }
    const last = scorer.finish();
    if (last.length > 0) yield [documentScore(0, last, keep)];
  }
  return Object.assign(score, { scorer });
}
