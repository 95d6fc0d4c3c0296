/**
 * `lmstream ngram ppl`: perplexity of an ARPA model on text, as KenLM's query.
 */
import { promises as fsp } from 'node:fs';
import { UsageError, UserError, log, parseCommand, str } from '../../src/cli/common.js';
import { loadNgramModel, ngramFileKind, openBinaryModel } from '../../src/ngram/load.js';
import type { ByteIndex } from '../../src/vocab/byte-index.js';
import type { HashedModel } from '../../src/ngram/hashed-model.js';
import { formatSummary, type PplTotals } from '../../src/ngram/ppl.js';
import { BytePpl } from '../../src/ngram/ppl-bytes.js';
import { openInput } from '../../src/io/open-input.js';
import type { DocumentScore } from '../../src/ngram/ppl-stage.js';
import { isFastNgramInput } from '../../src/io/corpus-input.js';
import { CORPUS_OPTIONS, MODE_OPTION, NGRAM_CORPUS_HELP, corpusInput, markerMode } from '../corpus-options.js';
import { writeAll } from '../../src/util/output.js';
import { inputFileSize } from '../../src/io/open-input.js';
import { ProgressMeter } from '../../src/train/progress.js';

export const HELP = `usage: lmstream ngram ppl --model M [--per-token | --per-sentence [--json]] [--mode sentence|stream] [options] [FILE...]

Scores text (files or stdin) with an ARPA or binary model (lmstream ngram
binary; ARPA files may be gzip, bzip2 or xz) as KenLM's query does and
prints the summary: perplexity including and excluding OOVs, OOVs, tokens
(</s> counted). Tokens of probability 0 (possible with mle and katz; -99 in
an ARPA file) are zeroprobs, as in SRILM: counted on a "Zeroprobs:" line and
left out of both perplexities.
  --per-token      first one line per token: "token<TAB>log10 p<TAB>n-gram
                   length" (log10 p is -inf for a zeroprob)
  --per-sentence   first one line per input line (document): "log10<TAB>
                   tokens<TAB>OOVs<TAB>perplexity", the total log10
                   probability and the token count with </s> (KenLM query's
                   per-sentence "Total:" and "OOV:"); sentence mode only
  --json           with --per-sentence: JSON Lines {"line", "log10",
                   "tokens", "oovs", "zeroprobs", "ppl"} (ppl null for an
                   all-zeroprob line); the summary goes to stderr
  --mode M         sentence (default): each line is <s> … </s>; stream: the
                   whole text is one stream
corpus:
${NGRAM_CORPUS_HELP}`;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, {
    model: { type: 'string' }, 'per-token': { type: 'boolean' }, 'per-sentence': { type: 'boolean' }, json: { type: 'boolean' },
    ...MODE_OPTION, ...CORPUS_OPTIONS,
  }, HELP);
  if (!p) return 0;
  const modelPath = str(p, 'model');
  if (!modelPath) throw new UsageError('--model is required');
  const mode = markerMode(p);
  const perToken = Boolean(p.values['per-token']);
  const perSentence = Boolean(p.values['per-sentence']);
  const json = Boolean(p.values.json);
  if (perToken && perSentence) throw new UsageError('--per-token and --per-sentence exclude each other');
  if (json && !perSentence) throw new UsageError('--json applies to --per-sentence');
  if (perSentence && mode !== 'sentence') throw new UsageError('--per-sentence needs --mode sentence (in stream mode the text is one sentence)');
  const input = corpusInput(p, 'kenlm', log);
  const fast = !perToken && isFastNgramInput(input);
  const asUserError = (e: unknown) => new UserError((e as Error).message);
  // the model: a binary one for the byte path loads in the background while the input is
  // tokenized (its vocabulary comes first), any other at once
  let pending: Promise<HashedModel>;
  let early: ByteIndex | undefined;
  try {
    if (fast && (await ngramFileKind(modelPath)) === 'binary') {
      const opened = await openBinaryModel(modelPath);
      early = opened.index;
      pending = opened.model;
    } else pending = Promise.resolve(await loadNgramModel(modelPath));
  } catch (e) {
    throw asUserError(e);
  }
  const docLine = (d: DocumentScore): string => json
    ? `{"line":${d.doc},"log10":${round(d.log10, 6)},"tokens":${d.tokens},"oovs":${d.oovs},"zeroprobs":${d.zeroprobs},"ppl":${Number.isFinite(d.ppl) ? round(d.ppl, 4) : 'null'}}\n`
    : `${d.log10.toFixed(6)}\t${d.tokens}\t${d.oovs}\t${Number.isFinite(d.ppl) ? d.ppl.toFixed(4) : 'nan'}\n`;
  // files: fraction and ETA from the bytes read; stdin: tokens and rate only
  const meter = new ProgressMeter({ label: 'ngram ppl', unit: 'tokens', bytes: inputFileSize(p.positionals) });
  const summary = (sc: PplTotals): string => {
    meter.clear();
    if (sc.tokens === 0) throw new UserError('no text to score');
    meter.finish();
    if (json) { log(formatSummary(sc.summary()).trimEnd()); return ''; }
    return formatSummary(sc.summary());
  };
  if (fast) {
    // the byte path: no string or object per token (src/ngram/ppl-bytes.ts)
    let buf = '';
    const onDocument = perSentence ? (d: DocumentScore) => { buf += docLine(d); } : undefined;
    const bp = new BytePpl(early ?? (await pending), mode, onDocument);
    const ready = async () => { if (!bp.hasModel) bp.setModel(await pending.catch((e) => { throw asUserError(e); })); };
    if (early) pending.then((m) => bp.setModel(m), () => {});
    const files = p.positionals.length === 0 ? ['-'] : p.positionals;
    async function* run(): AsyncGenerator<string> {
      for (const f of files) {
        const source = f === '-' ? '<stdin>' : f;
        const reader = bp.input({ maxLineLength: input.maxLineLength, onLongLine: input.onLongLine, warn: input.warn, source });
        for await (const chunk of openInput(f, { name: source, highWaterMark: 1 << 20, onBytes: (n) => meter.addBytes(n) }) as AsyncIterable<Buffer>) {
          reader.push(chunk);
          // ids waiting for the model: at most 16M (64 MB)
          if (bp.queuedIds > 1 << 24) await ready();
          meter.update(bp.scorer.tokens);
          if (buf.length > 1 << 16) { yield buf; buf = ''; }
        }
        reader.end();
      }
      await ready();
      bp.finish();
      meter.update(bp.scorer.tokens);
      yield buf + summary(bp.scorer);
    }
    await writeAll(process.stdout, run());
    return 0;
  }
  // the general path (other formats and tokenizers, --per-token): token strings through ppl-stage
  const [{ pplStage }, { corpusTokens }, { formatLog10 }] = await Promise.all([
    import('../../src/ngram/ppl-stage.js'), import('../../src/io/corpus-input.js'), import('../../src/ngram/arpa-write.js'),
  ]);
  const model = await pending;
  const stage = pplStage(model, mode, { perToken });
  const sc = stage.scorer;
  async function* format(batches: AsyncIterable<DocumentScore[]>): AsyncGenerator<string> {
    let buf = '';
    for await (const docs of batches) {
      meter.update(sc.tokens);
      for (const d of docs) {
        if (perToken) {
          for (const s of d.scores!) buf += `${s.token}\t${s.log10 === -Infinity ? '-inf' : formatLog10(s.log10)}\t${s.ngramLength}\n`;
        } else if (perSentence) buf += docLine(d);
      }
      if (buf.length > 1 << 16) { yield buf; buf = ''; }
    }
    yield buf + summary(sc);
  }
  await writeAll(process.stdout, format(stage(corpusTokens(p.positionals, { ...input, onBytes: (n) => meter.addBytes(n) }))));
  return 0;
}

/** x rounded to d decimals, as a JSON number */
function round(x: number, d: number): string {
  return String(Number(x.toFixed(d)));
}
