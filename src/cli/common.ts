/**
 * Shared plumbing for the command-line programs: argument parsing with
 * `--help`, clear one-line errors with a non-zero exit, and quiet handling of
 * a closed stdout (`| head`). Logic lives in src/ (atomic writes and errors in
 * src/util/, input bytes in src/io/open-input.ts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { openInputs } from '../io/open-input.js';
import { UserError, UsageError, errorCause } from '../util/errors.js';
import { flushed, fullWrites } from '../util/output.js';

export { UserError, UsageError } from '../util/errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * Parse argv strictly. Returns undefined after printing `help` to stdout when
 * --help/-h is given. An unknown option raises a UsageError naming it, with
 * the nearest known option and the usage line. A negative number after an
 * option that takes a value is that value (`--lr -1`), as with getopt.
 */
export function parseCommand(argv: string[], options: Options, help: string): Parsed | undefined {
  const all: Options = { help: { type: 'boolean', short: 'h' }, ...options };
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, all), options: all, allowPositionals: true, strict: true }) as Parsed;
  } catch (e) {
    throw new UsageError(`${parseErrorMessage(e as Error & { code?: string }, all)}\n${firstUsageLine(help)}`);
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

const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$|inf$|nan$)/i;

/** `--lr -1` → `--lr=-1` (and `-x -1` → `-x=-1` is not needed: short options take no negative values here). */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.push(...argv.slice(i)); break; }
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) {
      out.push(`${a}=${argv[++i]}`);
    } else out.push(a);
  }
  return out;
}

/** Edit distance (for "did you mean"). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

/** The known option nearest to `name`, if it is near enough to be a typo. */
export function nearestOption(name: string, options: Options): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of Object.keys(options)) {
    const dd = o.startsWith(name) || name.startsWith(o) ? Math.min(1, distance(name, o)) : distance(name, o);
    if (dd < bestD) { bestD = dd; best = o; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** node:util parseArgs errors in our words (first line only, no Node hints). */
function parseErrorMessage(e: Error & { code?: string }, options: Options): string {
  const first = e.message.split('\n')[0];
  const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec(first);
  if (unknown) {
    const [, dashes, name] = unknown;
    const near = dashes === '--' ? nearestOption(name, options) : undefined;
    return `unknown option ${dashes}${name}${near ? ` (did you mean --${near}?)` : ''}`;
  }
  const missing = /^Option '(?:-\w, )?--([\w-]+) <value>' argument missing/.exec(first);
  if (missing) return `--${missing[1]} needs a value`;
  const ambiguous = /^Option '(?:-\w, )?--([\w-]+) <value>' argument is ambiguous/.exec(first);
  if (ambiguous) return `--${ambiguous[1]} needs a value (write --${ambiguous[1]}=VALUE for a value that starts with -)`;
  const noValue = /^Option '(?:-\w, )?--([\w-]+)' does not take an argument/.exec(first);
  if (noValue) return `--${noValue[1]} takes no value`;
  return first;
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

/**
 * Read a numeric option, with bounds, naming the option in the error.
 * `positive`: the value must be > 0 (`--lr must be > 0`); `min:
 * Number.MIN_VALUE` means the same.
 */
export function num(
  p: Parsed,
  name: string,
  dflt: number,
  opts: { min?: number; max?: number; integer?: boolean; positive?: boolean } = {},
): number {
  const raw = str(p, name);
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name}: '${raw}' is not a number`);
  if (opts.integer && !Number.isInteger(v)) throw new UsageError(`--${name}: '${raw}' is not a whole number`);
  if ((opts.positive || opts.min === Number.MIN_VALUE) && !(v > 0)) throw new UsageError(`--${name} must be > 0 (got ${raw})`);
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name}: ${v} is below the minimum ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name}: ${v} is above the maximum ${opts.max}`);
  return v;
}

/** Read an optional one of a fixed set of values (undefined when not given). */
export function maybeOneOf<T extends string>(p: Parsed, name: string, choices: readonly T[]): T | undefined {
  return p.values[name] === undefined ? undefined : oneOf(p, name, choices, choices[0]);
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

/** The version in package.json. */
export function version(): string {
  // src/cli/ when run from source, dist/src/cli/ when built: the first package.json up is ours
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'lmstream') return pkg.version;
    } catch { /* try the next */ }
  }
  return 'unknown';
}

/** stdout's write error, unless it is a closed pipe (EPIPE: the reader went away, which is no failure). */
function stdoutFailure(): Error | undefined {
  const e = process.stdout.errored;
  return e && (e as NodeJS.ErrnoException).code !== 'EPIPE' ? e : undefined;
}

/**
 * Run a command's main function as a program: user errors become one line on
 * stderr and a non-zero exit code. Standard output: a closed pipe (`| head`)
 * ends the program quietly with exit 0; any other write error (ENOSPC, EIO,
 * EBADF) prints `PROG: cannot write standard output: CAUSE` and exits 1 at
 * once; success is reported only after every byte reached the system
 * (util/output.ts: fullWrites, flushed). Temp files go with the process
 * (util/temp.ts).
 */
export async function runMain(prog: string, main: () => Promise<number | void>): Promise<void> {
  fullWrites(process.stdout);
  let reported = false;
  const failStdout = (e: unknown): void => {
    if (!reported) process.stderr.write(`${prog}: cannot write standard output: ${errorCause(e)}\n`);
    reported = true;
    process.exitCode = 1;
  };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    failStdout(e);
    process.exit(1);
  });
  try {
    const code = await main();
    await flushed(process.stdout);
    process.exitCode = code ?? 0;
  } catch (e) {
    const out = stdoutFailure();
    if (out) {
      failStdout(out);
    } else if (isBrokenPipe(e) && (process.stdout.destroyed || (e as NodeJS.ErrnoException).code === 'EPIPE')) {
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
