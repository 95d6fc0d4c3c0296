/**
 * `lmstream ngram ppl`: perplexity of an ARPA model on text, as KenLM's query.
 */
import { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { UsageError, UserError, inputBytes, parseCommand, str } from '../../src/cli/common.js';
import { loadNgramModel } from '../../src/ngram/load.js';
import type { HashedModel } from '../../src/ngram/hashed-model.js';
import { PplScorer, formatSummary } from '../../src/ngram/ppl.js';
import { formatLog10 } from '../../src/ngram/arpa-write.js';
import { lines } from '../../src/io/lines.js';
import { tokenizeKenlm } from '../../src/text/tokenize-kenlm.js';
import { ORDER_OPTIONS, markerMode } from './options.js';
import { writeOut } from './output.js';

export const HELP = `usage: lmstream ngram ppl --model M [--per-token] [--mode sentence|stream] [FILE...]

Scores text (files or stdin) with an ARPA or binary model (lmstream ngram
binary) as KenLM's query does and
prints the summary: perplexity including and excluding OOVs, OOVs, tokens
(</s> counted). Tokens of probability 0 (possible with mle and katz; -99 in
an ARPA file) are zeroprobs, as in SRILM: counted on a "Zeroprobs:" line and
left out of both perplexities. With --per-token, first one line per token:
"token<TAB>log10 p<TAB>n-gram length" (log10 p is -inf for a zeroprob).
`;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { model: { type: 'string' }, 'per-token': { type: 'boolean' }, mode: ORDER_OPTIONS.mode }, HELP);
  if (!p) return 0;
  const modelPath = str(p, 'model');
  if (!modelPath) throw new UsageError('--model is required');
  const mode = markerMode(p);
  let model: HashedModel;
  try {
    await fsp.access(modelPath);
  } catch {
    throw new UserError(`${modelPath}: no such file`);
  }
  try {
    model = await loadNgramModel(modelPath);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const sc = new PplScorer(model, mode);
  const perToken = Boolean(p.values['per-token']);
  async function* out(): AsyncGenerator<string> {
    let buf = '';
    const emit = (scores: { token: string; log10: number; ngramLength: number }[]) => {
      if (!perToken) return;
      for (const s of scores) buf += `${s.token}\t${s.log10 === -Infinity ? '-inf' : formatLog10(s.log10)}\t${s.ngramLength}\n`;
    };
    for await (const line of lines(inputBytes(p!.positionals) as Readable)) {
      const toks = tokenizeKenlm(line);
      emit(sc.document(toks));
      if (buf.length > 1 << 16) { yield buf; buf = ''; }
    }
    emit(sc.finish());
    if (sc.tokens === 0) throw new UserError('no text to score');
    yield buf + formatSummary(sc.summary());
  }
  await writeOut(out());
  return 0;
}
