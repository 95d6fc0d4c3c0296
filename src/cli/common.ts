/**
 * Shared plumbing for the command-line programs: argument parsing with
 * `--help`, clear one-line errors with a non-zero exit, and quiet handling of
 * a closed stdout (`| head`). Logic lives in src/ (atomic writes and errors in
 * src/util/, input bytes in src/io/open-input.ts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Readable } from 'node:stream';
import { openInputs } from '../io/open-input.js';
import { UserError, UsageError } from '../util/errors.js';

export { UserError, UsageError } from '../util/errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * Parse argv strictly. Returns undefined after printing `help` to stdout when
 * --help/-h is given. Unknown options raise a UsageError naming the option.
 */
export function parseCommand(argv: string[], options: Options, help: string): Parsed | undefined {
  const all: Options = { help: { type: 'boolean', short: 'h' }, ...options };
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, options: all, allowPositionals: true, strict: true }) as Parsed;
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}\n${firstUsageLine(help)}`);
  }
  if (parsed.values.help) {
    process.stdout.write(help.endsWith('\n') ? help : help + '\n');
    return undefined;
  }
  return parsed;
}

function firstUsageLine(help: string): string {
  const line = help.split('\n').find((l) => l.trim().startsWith('usage:')) ?? help.split('\n')[0];
  return `${line.trim()} (see --help)`;
}

/** Read a string option. */
export function str(p: Parsed, name: string): string | undefined;
export function str(p: Parsed, name: string, dflt: string): string;
export function str(p: Parsed, name: string, dflt?: string): string | undefined {
  const v = p.values[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  return v;
}

/** Read a numeric option, with bounds, naming the option in the error. */
export function num(
  p: Parsed,
  name: string,
  dflt: number,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const raw = str(p, name);
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name}: '${raw}' is not a number`);
  if (opts.integer && !Number.isInteger(v)) throw new UsageError(`--${name}: '${raw}' is not a whole number`);
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name}: ${v} is below the minimum ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name}: ${v} is above the maximum ${opts.max}`);
  return v;
}

/** Read one of a fixed set of values. */
export function oneOf<T extends string>(p: Parsed, name: string, choices: readonly T[], dflt: T): T {
  const v = str(p, name, dflt);
  if (!choices.includes(v as T)) throw new UsageError(`--${name}: '${v}' is not one of ${choices.join(', ')}`);
  return v as T;
}

/**
 * The bytes of the named files, one after another, or of stdin when there are
 * none (or the name is `-`), each decompressed when it is gzip, bzip2 or xz
 * (src/io/open-input.ts). A missing file is reported by name.
 */
export function inputBytes(files: string[]): Readable {
  return openInputs(files);
}

/** True for the error a write to a closed pipe raises (reader went away). */
export function isBrokenPipe(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ERR_STREAM_DESTROYED';
}

/** Log a line to stderr (never stdout: stdout carries data only). */
export function log(msg: string): void {
  process.stderr.write(msg + '\n');
}

/**
 * Run a command's main function as a program: user errors become one line on
 * stderr and a non-zero exit code; a closed stdout ends the program quietly.
 */
export async function runMain(prog: string, main: () => Promise<number | void>): Promise<void> {
  process.stdout.on('error', (e) => {
    if (isBrokenPipe(e)) process.exit(0);
    throw e;
  });
  try {
    const code = await main();
    process.exitCode = code ?? 0;
  } catch (e) {
    if (isBrokenPipe(e)) {
      process.exitCode = 0;
    } else if (e instanceof UserError) {
      process.stderr.write(`${prog}: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else {
      const err = e as Error;
      process.stderr.write(`${prog}: ${err?.message ?? String(e)}\n`);
      if (process.env.LMSTREAM_DEBUG) process.stderr.write(`${err?.stack}\n`);
      process.exitCode = 1;
    }
  }
}
