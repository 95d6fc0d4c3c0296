/**
 * run-lock: one training run per output directory. The lock is the file
 * `PATH.lock` beside the locked path (the path itself is replaced atomically
 * at each checkpoint), holding the owner's pid. It is created with one
 * atomic link(2), so two runs starting together cannot both win.
 *
 * A lock whose pid is no longer running (a run killed with SIGKILL, a
 * crash) is stale: it is taken over, and `onStale` says so. The lock is
 * released by `release()` and, should the process exit without it (a second
 * Ctrl-C), by an exit hook.
 */
import { promises as fsp, unlinkSync, readFileSync } from 'node:fs';
import path from 'node:path';

export class LockHeld extends Error {
  constructor(readonly lockFile: string, readonly pid: number, readonly target: string) {
    super(`${target} is in use by another run (pid ${pid}, lock ${lockFile}); wait for it to end or choose another path`);
    this.name = 'LockHeld';
  }
}

export interface RunLock {
  file: string;
  release(): Promise<void>;
}

/** Whether process `pid` exists (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(file: string): Promise<number> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  return Number.parseInt(text.trim(), 10);
}

/** Take the lock of `target` (`target.lock`), or throw LockHeld naming the running holder. */
export async function acquireRunLock(target: string, onStale?: (msg: string) => void): Promise<RunLock> {
  target = path.resolve(target);
  const file = `${target}.lock`;
  const mine = `${file}.${process.pid}`;
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.writeFile(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await fsp.link(mine, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const pid = await readPid(file);
      if (pidAlive(pid) && pid !== process.pid) throw new LockHeld(file, pid, target);
      if (attempt > 0) throw new LockHeld(file, pid, target);
      onStale?.(`warning: taking over the lock ${file} of process ${Number.isNaN(pid) ? '(unreadable)' : pid}, which is no longer running`);
      await fsp.rm(file, { force: true });
    }
  } finally {
    await fsp.rm(mine, { force: true });
  }
  const onExit = () => {
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
    } catch { /* already gone */ }
  };
  process.on('exit', onExit);
  return {
    file,
    async release() {
      process.off('exit', onExit);
      if ((await readPid(file)) === process.pid) await fsp.rm(file, { force: true });
    },
  };
}
