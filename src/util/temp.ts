/**
 * Temporary files and directories that do not outlive the process.
 *
 * Every temp path is registered in one process-wide registry. Whatever is
 * still registered when the process ends — normally, through an error, through
 * `process.exit`, or by SIGINT/SIGTERM/SIGHUP — is removed (synchronously, in
 * the `exit` hook or in the signal handler). A path marked `keep()` stays (a
 * resumable cache after an interrupted run); `release()` forgets a path that
 * has become the real thing (an atomic write renamed into place).
 *
 * Signals: when the registry's handler is the only listener for the signal,
 * it removes the temps and re-raises the signal, so the process ends as it
 * would have by default (exit status 128+n). When the program has its own
 * handler (train-stream checkpoints on SIGINT/SIGTERM/SIGHUP), the registry
 * leaves the signal to it and cleans up in the `exit` hook.
 *
 * Memory: one Map entry per live temp path.
 */
import { rmSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { fsError } from './errors.js';

export interface TempHandle {
  /** absolute path of the temp file or directory */
  readonly path: string;
  /** true once keep() was called */
  readonly kept: boolean;
  /** leave it in place when the process ends (and say so in the program's message) */
  keep(): void;
  /** forget it without removing it (it was renamed into place, or someone else owns it now) */
  release(): void;
  /** remove it now (file or directory, recursively) and forget it */
  remove(): Promise<void>;
}

const live = new Map<string, TempHandle>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

/** Remove every registered temp path that is not kept (synchronously). */
export function removeTempsSync(): void {
  for (const [p, h] of live) {
    if (h.kept) continue;
    try { rmSync(p, { recursive: true, force: true }); } catch { /* best effort at exit */ }
    live.delete(p);
  }
}

/**
 * signal-exit (used by test runners and many tools) installs a listener that
 * re-raises the signal when it is the last one; it waits for others. It is
 * passive, like ours, so it does not count as the program owning the signal.
 */
function passive(fn: unknown): boolean {
  return fn === onSignal || String(fn).includes('__signal_exit_emitter__');
}

function onSignal(sig: NodeJS.Signals): void {
  // Another handler owns this signal (e.g. a checkpoint on SIGINT): it decides
  // when to exit, and the exit hook cleans up then.
  if (process.listeners(sig).some((f) => !passive(f))) return;
  removeTempsSync();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, sig);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeTempsSync);
  if (isMainThread) for (const s of SIGNALS) process.on(s, onSignal);
}

/** The temp paths currently registered (for tests and diagnostics). */
export function liveTemps(): string[] {
  return [...live.keys()];
}

/** Register an existing or future temp path for removal at the end of the process. */
export function registerTemp(p: string): TempHandle {
  install();
  const abs = path.resolve(p);
  let kept = false;
  const h: TempHandle = {
    path: abs,
    get kept() { return kept; },
    keep() { kept = true; },
    release() { if (live.get(abs) === h) live.delete(abs); },
    async remove() {
      await fsp.rm(abs, { recursive: true, force: true });
      h.release();
    },
  };
  live.set(abs, h);
  return h;
}

/** A fresh unique name (not created) for a temp file beside `target`: DIR/.BASE.PID.RAND.tmp */
export function tempNameBeside(target: string): string {
  const abs = path.resolve(target);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Create a registered temp directory `PREFIX-XXXXXX` under `parent` (default:
 * the OS temp dir). A failure names `parent` and the cause.
 */
export async function makeTempDir(prefix: string, parent: string = os.tmpdir()): Promise<TempHandle> {
  let dir: string;
  try {
    dir = await fsp.mkdtemp(path.join(parent, `${prefix}-`));
  } catch (e) {
    throw fsError('cannot create a temporary directory in', parent, e);
  }
  return registerTemp(dir);
}

/**
 * Run `fn` with a registered temp directory, removed afterwards whether `fn`
 * succeeds or throws.
 */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>, parent?: string): Promise<T> {
  const t = await makeTempDir(prefix, parent);
  try {
    return await fn(t.path);
  } finally {
    if (!t.kept) await t.remove().catch(() => undefined);
  }
}
