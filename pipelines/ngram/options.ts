/**
 * The n-gram options, parsed once for every command that builds or reads an
 * n-gram model (`lmstream ngram count|build|ppl`, `train-stream --model ngram`):
 * order, marker mode, smoothing and its parameters, memory sizes.
 */
import os from 'node:os';
import { UsageError, num, oneOf, str, type Options, type Parsed } from '../../src/cli/common.js';
import type { MarkerMode } from '../../src/types.js';
import type { Smoothing } from '../../src/ngram/api.js';
import { MAX_ORDER, SMOOTHINGS, type NgramBuildOptions } from '../../src/ngram/build.js';
import { ngramCorpusBytes } from '../../src/io/corpus-input.js';
import type { LineOptions } from '../../src/io/lines.js';
import type { Readable } from 'node:stream';
import { CORPUS_OPTIONS, MODE_OPTION, NGRAM_CORPUS_HELP, corpusInput, markerMode } from '../corpus-options.js';

export { CORPUS_OPTIONS, NGRAM_CORPUS_HELP, markerMode };

/**
 * The corpus of an n-gram command (FILEs or stdin, with the corpus options:
 * --format, --field, --tokenizer (default kenlm), --max-line-length,
 * --skip-long-lines): the bytes for the encoder and how to cut them into lines.
 */
export function ngramCorpus(p: Parsed, warn?: (msg: string) => void): { bytes: Readable; lines: LineOptions; size?: number } {
  return ngramCorpusBytes(p.positionals, corpusInput(p, 'kenlm', warn));
}


/** --order and --mode */
export const ORDER_OPTIONS = { order: { type: 'string' }, ...MODE_OPTION } as const satisfies Options;

/** --smoothing and its parameters */
export const SMOOTHING_OPTIONS = {
  smoothing: { type: 'string' }, delta: { type: 'string' }, alpha: { type: 'string' },
  'katz-k': { type: 'string' }, 'discount-fallback': { type: 'string' },
} as const satisfies Options;

/** --order N: 1…MAX_ORDER (required unless `required` is false; default 3). */
export function ngramOrder(p: Parsed, required = true): number {
  if (required && str(p, 'order') === undefined) throw new UsageError('--order is required');
  return num(p, 'order', 3, { min: 1, max: MAX_ORDER, integer: true });
}


function parseFallback(raw: string | undefined): [number, number, number] | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim().split(/[\s,]+/).map(Number);
  if (v.length !== 3 || v.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new UsageError(`--discount-fallback: '${raw}' must be three non-negative numbers "D1 D2 D3"`);
  }
  return [v[0], v[1], v[2]];
}

/** --smoothing (default mkn) with --delta, --alpha, --katz-k, --discount-fallback; each parameter only with its smoothing. */
export function smoothingOptions(p: Parsed): Pick<NgramBuildOptions, 'smoothing' | 'delta' | 'alpha' | 'katzK' | 'fallback'> {
  const smoothing = oneOf(p, 'smoothing', SMOOTHINGS, 'mkn') as Smoothing;
  const only = (opt: string, s: readonly Smoothing[]) => {
    if (p.values[opt] !== undefined && !s.includes(smoothing)) throw new UsageError(`--${opt} applies to --smoothing ${s.join(' or ')} only`);
  };
  only('delta', ['add-delta']);
  only('alpha', ['stupid-backoff']);
  only('katz-k', ['katz']);
  only('discount-fallback', ['mkn', 'kn']);
  return {
    smoothing,
    delta: num(p, 'delta', 1, { min: Number.MIN_VALUE }),
    alpha: num(p, 'alpha', 0.4, { min: Number.MIN_VALUE }),
    katzK: str(p, 'katz-k') === undefined ? undefined : num(p, 'katz-k', 5, { min: 0, max: 50, integer: true }),
    fallback: parseFallback(str(p, 'discount-fallback')),
  };
}

/** A size such as 500M, 2G, 50% (of the machine's memory), at least 1M. */
export function parseSize(raw: string, name = 'memory'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT%]?)[bB]?$/.exec(raw.trim());
  if (!m) throw new UsageError(`--${name}: '${raw}' is not a size (e.g. 500M, 2G, 50%)`);
  const v = Number(m[1]);
  const unit = m[2].toUpperCase();
  const mult: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
  const bytes = unit === '%' ? (os.totalmem() * v) / 100 : v * mult[unit];
  if (!(bytes >= 1 << 20)) throw new UsageError(`--${name}: ${raw} is below the minimum 1M`);
  return Math.floor(bytes);
}

/** --memory SIZE, or undefined. */
export function memoryOption(p: Parsed): number | undefined {
  const raw = str(p, 'memory');
  return raw === undefined ? undefined : parseSize(raw);
}
