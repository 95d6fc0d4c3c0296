/**
 * Record types that flow between lmstream's stages. Every stage states at the
 * top of its file which of these it reads and writes.
 */

/** One line of text, without its line terminator (text reader output). */
export type Line = string;

/** One document of text: a line, or the selected field of a JSON record. */
export type Doc = string;

/** The tokens of one document (tokenizer output, markers input/output). */
export type Tokens = string[];

/**
 * Token ids. From `encode`: one Int32Array per document (sentence mode), or
 * chunks of a continuous stream (stream mode).
 */
export type Ids = Int32Array;

/** Reserved tokens, named as KenLM and SRILM name them. */
export const UNK = '<unk>';
export const BOS = '<s>';
export const EOS = '</s>';

/**
 * How documents become a token stream:
 * - `sentence`: each document is wrapped as `<s> … </s>` and models condition
 *   only within it (KenLM/SRILM convention);
 * - `stream`: no markers; context flows from one line into the next.
 */
export type MarkerMode = 'sentence' | 'stream';
