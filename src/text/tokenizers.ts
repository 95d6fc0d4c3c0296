/**
 * The tokenizers by name, for command lines and for models that must tokenize
 * prompts exactly as their training corpus was tokenized. Pure functions and
 * stream stages; `Doc` (string) → `Tokens` (string[]).
 */
import type { Transform } from 'node:stream';
import { tokenizeWhitespace, whitespaceTokenizer } from './tokenize-whitespace.js';
import { tokenizeWord, wordTokenizer } from './tokenize-word.js';
import { tokenizeKenlm, kenlmTokenizer } from './tokenize-kenlm.js';
import { tokenizeChar, charTokenizer, type CharTokenizerOptions } from './tokenize-char.js';
import type { BatchOption } from '../io/record-stage.js';

export const TOKENIZERS = ['whitespace', 'kenlm', 'word', 'char'] as const;
export type TokenizerName = (typeof TOKENIZERS)[number];

export type TokenizerOptions = CharTokenizerOptions;

/** The pure tokenizer function of that name. */
export function getTokenizer(name: TokenizerName, opts: TokenizerOptions = {}): (text: string) => string[] {
  switch (name) {
    case 'whitespace': return tokenizeWhitespace;
    case 'kenlm': return tokenizeKenlm;
    case 'word': return tokenizeWord;
    case 'char': return (text) => tokenizeChar(text, opts);
    default: throw new Error(`unknown tokenizer '${name as string}' (one of ${TOKENIZERS.join(', ')})`);
  }
}

/** The tokenizer stage of that name. */
export function tokenizer(name: TokenizerName, opts: TokenizerOptions & BatchOption = {}): Transform {
  switch (name) {
    case 'whitespace': return whitespaceTokenizer(opts);
    case 'kenlm': return kenlmTokenizer(opts);
    case 'word': return wordTokenizer(opts);
    case 'char': return charTokenizer(opts);
    default: throw new Error(`unknown tokenizer '${name as string}' (one of ${TOKENIZERS.join(', ')})`);
  }
}
