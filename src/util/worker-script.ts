/**
 * Where a worker_thread's compiled entry script is: beside the calling module
 * in dist, or under dist/ when the caller runs from the TypeScript sources
 * (tests). Undefined when it is not built.
 *
 * Example: `workerScript(import.meta.url, 'ngram', 'sort-worker.js')`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function workerScript(callerUrl: string, srcDir: string, file: string): string | undefined {
  const here = path.dirname(fileURLToPath(callerUrl));
  const local = path.join(here, file);
  if (existsSync(local)) return local;
  let dir = here;
  for (let i = 0; i < 4; i++) {
    const cand = path.join(dir, 'dist', 'src', srcDir, file);
    if (existsSync(cand)) return cand;
    dir = path.dirname(dir);
  }
  return undefined;
}
