/**
 * Errors meant for the user. A `UserError` is printed as one line
 * (`PROG: message`) with no stack trace and exits with `exitCode`; a
 * `UsageError` is a wrong command line (exit code 2).
 */

/** An error whose message is meant for the user as it is (no stack trace). */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}

/** Exit code 2: the command line itself is wrong. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** Node's system error: `code` (ENOENT, ENOSPC, …), `syscall`, `path`. */
export type SysError = NodeJS.ErrnoException;

const CAUSES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EBADF: 'bad file descriptor',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EFBIG: 'file too large',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EXDEV: 'cross-device link',
  EPIPE: 'broken pipe',
  EBUSY: 'device or resource busy',
  ETXTBSY: 'text file busy',
};

/**
 * The cause of a system error in plain words (`no space left on device`),
 * without Node's code, syscall and path decorations; other errors give their
 * first line.
 */
export function errorCause(e: unknown): string {
  const code = (e as SysError | undefined)?.code;
  if (code && CAUSES[code]) return CAUSES[code];
  const msg = e instanceof Error ? e.message : String(e);
  // "ENOSPC: no space left on device, write" → "no space left on device"
  const m = /^[A-Z0-9_]+: ([^,]+)(,|$)/.exec(msg);
  return (m ? m[1] : msg).split('\n')[0];
}

/** True for a Node system error with one of `codes`. */
export function hasCode(e: unknown, ...codes: string[]): boolean {
  const code = (e as SysError | undefined)?.code;
  return code !== undefined && codes.includes(code);
}

/**
 * A user error for a failed filesystem operation on the user's `path`:
 * `cannot create out/: read-only file system`. `what` is the verb phrase
 * (`cannot write`, `cannot create`, `cannot read`).
 */
export function fsError(what: string, path: string, e: unknown): UserError {
  if (e instanceof UserError) return e;
  const err = new UserError(`${what} ${path}: ${errorCause(e)}`);
  const code = (e as SysError | undefined)?.code;
  if (code) (err as SysError).code = code;
  return err;
}
