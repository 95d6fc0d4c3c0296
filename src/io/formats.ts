/**
 * The corpus input formats (a module of its own so that option parsing does
 * not load the readers): text lines, or JSON records (json-reader.ts).
 */
export const FORMATS = ['text', 'json', 'jsonl'] as const;
export type InputFormat = (typeof FORMATS)[number];
