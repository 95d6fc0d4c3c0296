/**
 * A corpus input as every corpus-reading command takes it (the same settings
 * for tokenize, vocab, train-stream, eval and the n-gram commands): where the
 * documents come from (files or stdin, text lines or JSON records, the
 * long-line guard) and how they are tokenized. Composition of the front end's
 * stages, not a stage itself:
 *
 *   files → openInput → reader (text | json) → tokenizer   → RecordBatch<Tokens>
 *
 * For the n-gram encoder, `ngramCorpusBytes` gives the bytes it reads: the
 * files themselves in the default case (plain text, `kenlm` tokenizer: the
 * encoder's fused fast path splits them), else the tokens of each document as
 * one line joined by spaces (the `kenlm` rule then gives the same tokens back,
 * NUL inside a token excepted, which KenLM also splits on).
 */
import { Readable } from 'node:stream';
import type { DocumentOptions } from './documents.js';
import { openInputs, plainInputBytes } from './open-input.js';
import type { LineOptions } from './lines.js';
import type { TokenizerName, TokenizerOptions } from '../text/tokenizers.js';

export interface CorpusInput extends DocumentOptions {
  tokenizer: TokenizerName;
  tokenizerOptions?: TokenizerOptions;
}

/** Documents of the files (stdin when none) tokenized: `RecordBatch<Tokens>` per chunk. */
export async function* corpusTokens(files: readonly string[], input: CorpusInput, stdin?: Readable): AsyncGenerator<string[][]> {
  // the readers and tokenizers load when a corpus is read this way (not for the byte paths)
  const [{ readDocuments }, { tokenizer }] = await Promise.all([import('./documents.js'), import('../text/tokenizers.js')]);
  const tok = tokenizer(input.tokenizer, { ...input.tokenizerOptions, batch: true });
  const docs = Readable.from(readDocuments([...files], input, stdin));
  docs.on('error', (e) => tok.destroy(e));
  docs.pipe(tok);
  try {
    yield* tok as AsyncIterable<string[][]>;
  } finally {
    docs.destroy();
  }
}

/** True when the n-gram encoder can read the files' bytes directly (plain text, kenlm tokenizer). */
export function isFastNgramInput(input: CorpusInput): boolean {
  return (input.format ?? 'text') === 'text' && input.tokenizer === 'kenlm';
}

/**
 * The bytes the n-gram encoder reads for this input (and how many, when known
 * before reading: plain files), and how it must cut them into lines (the long-line guard applies to the text as read; serialized
 * documents were guarded by their reader already).
 */
export function ngramCorpusBytes(files: readonly string[], input: CorpusInput, stdin?: Readable): { bytes: Readable; lines: LineOptions; size?: number } {
  if (isFastNgramInput(input)) {
    const size = plainInputBytes(files);
    const source = files.length === 0 || (files.length === 1 && files[0] === '-') ? '<stdin>' : files.length === 1 ? files[0] : `the input (${files.join(', ')})`;
    return {
      bytes: openInputs(files, { stdin }),
      lines: { maxLineLength: input.maxLineLength, onLongLine: input.onLongLine, warn: input.warn, source },
      size,
    };
  }
  async function* serialize(): AsyncGenerator<Buffer> {
    for await (const docs of corpusTokens(files, input, stdin)) {
      let s = '';
      for (const d of docs) s += d.join(' ') + '\n';
      yield Buffer.from(s, 'utf8');
    }
  }
  return { bytes: Readable.from(serialize(), { objectMode: false }), lines: { maxLineLength: Number.MAX_SAFE_INTEGER } };
}
