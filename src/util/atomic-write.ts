/**
 * Atomic, durable file writes: the one way lmstream writes a result file.
 *
 * The content goes to a temp name beside the target (same directory, so the
 * rename stays on one filesystem), the temp file is fsynced, renamed over the
 * target, and the directory is fsynced so the rename itself survives a crash.
 * On any error the temp file is removed; on a signal or exit the temp registry
 * (temp.ts) removes it. Errors name the user's target and the real cause
 * (`cannot write lm.arpa: no space left on device`), never the temp name.
 *
 * Directories (checkpoints) use atomicReplaceDir: DIR.tmp-TAG is written and
 * fsynced, an existing DIR is renamed to DIR.old-TAG, DIR.tmp-TAG to DIR, the
 * parent fsynced and DIR.old-TAG removed. A crash between the two renames
 * leaves DIR.old-TAG, which readers can fall back to (OLD_DIR_INFIX).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsError, hasCode, UserError, type SysError } from './errors.js';
import { registerTemp, tempNameBeside, type TempHandle } from './temp.js';

/** `DIR.old-TAG`: an older checkpoint kept by a crash between the two renames. */
export const OLD_DIR_INFIX = '.old-';
/** `DIR.tmp-TAG`: a directory being written. */
export const TMP_DIR_INFIX = '.tmp-';

/** fsync a file or directory by path. Filesystems that cannot fsync a directory are tolerated. */
export async function fsyncPath(p: string): Promise<void> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(p, 'r');
  } catch (e) {
    if (hasCode(e, 'EISDIR', 'EACCES', 'EPERM')) return;
    throw e;
  }
  try {
    await fh.sync();
  } catch (e) {
    if (!hasCode(e, 'EINVAL', 'ENOTSUP', 'EBADF', 'EISDIR')) throw e;
  } finally {
    await fh.close();
  }
}

/** fsync every file under `dir`, then the directories bottom-up. */
export async function fsyncTree(dir: string): Promise<void> {
  for (const ent of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) await fsyncTree(p);
    else if (ent.isFile()) await fsyncPath(p);
  }
  await fsyncPath(dir);
}

/** Create `dir` (and its parents); a failure names `dir` and the cause. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (e) {
    throw fsError('cannot create', dir, hasCode(e, 'ENOENT') ? await realMkdirError(dir, e) : e);
  }
}

/**
 * Node's recursive mkdir reports ENOENT when a component cannot be created
 * on a read-only or unwritable filesystem; the real cause comes from creating
 * the first missing component alone.
 */
async function realMkdirError(dir: string, fallback: unknown): Promise<unknown> {
  let missing = path.resolve(dir);
  for (;;) {
    const parent = path.dirname(missing);
    if (parent === missing) return fallback;
    if (await exists(parent)) break;
    missing = parent;
  }
  try {
    await fsp.mkdir(missing);
    await fsp.rmdir(missing);
    return fallback;
  } catch (e) {
    return e;
  }
}

function inside(p: string | undefined, tmp: string): boolean {
  return p !== undefined && (p === tmp || p.startsWith(tmp + path.sep));
}

const WRITE_SYSCALLS = new Set(['write', 'writev', 'fsync', 'fdatasync', 'close', 'ftruncate', 'open', 'rename', 'mkdir']);

/**
 * An error raised while writing `tmp` for `target`, restated for the user:
 * system errors about the temp path (or about an fd being written) name the
 * target; anything else (a parse error, an input file) passes unchanged.
 */
function restate(e: unknown, tmp: string, target: string): unknown {
  if (e instanceof UserError) return e;
  const se = e as SysError;
  if (!se || typeof se !== 'object' || typeof se.code !== 'string') return e;
  const aboutTmp = inside(se.path, tmp) || inside((se as { dest?: string }).dest, tmp);
  const anonymousWrite = se.path === undefined && se.syscall !== undefined && WRITE_SYSCALLS.has(se.syscall);
  return aboutTmp || anonymousWrite ? fsError('cannot write', target, e) : e;
}

/**
 * Move a finished temp file or directory into place: fsync it, rename it to
 * `target`, fsync the target's directory, and release it from the registry.
 */
export async function commitTemp(tmp: TempHandle, target: string): Promise<void> {
  const abs = path.resolve(target);
  try {
    const st = await fsp.stat(tmp.path);
    if (st.isDirectory()) await fsyncTree(tmp.path);
    else await fsyncPath(tmp.path);
    await fsp.rename(tmp.path, abs);
  } catch (e) {
    throw restate(e, tmp.path, target);
  }
  tmp.release();
  await fsyncPath(path.dirname(abs)).catch(() => undefined);
}

/** A registered temp name beside `target` (its directory is created), for writers that commit themselves. */
export async function tempBeside(target: string): Promise<TempHandle> {
  await ensureDir(path.dirname(path.resolve(target)));
  return registerTemp(tempNameBeside(target));
}

/**
 * Write `target` atomically and durably: `write(tmpPath)` creates the content
 * at `tmpPath`; then it is fsynced and renamed over `target`. A failure leaves
 * `target` as it was and no temp file behind.
 */
export async function atomicWrite(target: string, write: (tmpPath: string) => Promise<void>): Promise<void> {
  const tmp = await tempBeside(target);
  try {
    await write(tmp.path);
    await commitTemp(tmp, target);
  } catch (e) {
    await tmp.remove().catch(() => undefined);
    throw restate(e, tmp.path, target);
  }
}

/** atomicWrite of a string or bytes. */
export function atomicWriteFile(target: string, data: string | Uint8Array): Promise<void> {
  return atomicWrite(target, (tmp) => fsp.writeFile(tmp, data));
}

async function exists(p: string): Promise<boolean> {
  return fsp.lstat(p).then(() => true, () => false);
}

/**
 * Write the directory `dir` atomically: `write(tmpDir)` fills a fresh
 * DIR.tmp-TAG, which replaces `dir` (see the module comment). The caller
 * checks that an existing `dir` may be replaced.
 */
export async function atomicReplaceDir(dir: string, write: (tmpDir: string) => Promise<void>): Promise<void> {
  dir = path.resolve(dir);
  const tag = randomBytes(6).toString('hex');
  await ensureDir(path.dirname(dir));
  const tmp = registerTemp(`${dir}${TMP_DIR_INFIX}${tag}`);
  const old = `${dir}${OLD_DIR_INFIX}${tag}`;
  try {
    try {
      await fsp.mkdir(tmp.path);
    } catch (e) {
      throw fsError('cannot create', dir, e);
    }
    await write(tmp.path);
    await fsyncTree(tmp.path);
    const had = await exists(dir);
    if (had) await fsp.rename(dir, old);
    await fsp.rename(tmp.path, dir);
    tmp.release();
    await fsyncPath(path.dirname(dir)).catch(() => undefined);
    if (had) await fsp.rm(old, { recursive: true, force: true });
  } catch (e) {
    await tmp.remove().catch(() => undefined);
    throw restate(e, tmp.path, dir);
  }
}
