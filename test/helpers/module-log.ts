/**
 * Run a script in a child Node and list the modules it loaded (a resolve hook
 * appends every resolved URL to a log file): for "loads no TensorFlow.js" checks.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export interface ModuleRun {
  status: number | null;
  out: string;
  err: string;
  modules: string[];
}

/** `dir`: a scratch directory (e.g. `t.testdir({})`) inside the package, so that `import 'lmstream'` resolves */
export function moduleLogger(dir: string): (code: string) => ModuleRun {
  writeFileSync(path.join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(process.env.MODULE_LOG, r.url + '\\n'); return r; }
`);
  writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  let n = 0;
  return (code) => {
    n++;
    const log = path.join(dir, `modules-${n}.txt`);
    writeFileSync(log, '');
    const file = path.join(dir, `main-${n}.mjs`);
    writeFileSync(file, code);
    const r = spawnSync(process.execPath, ['--import', path.join(dir, 'register.mjs'), file], { encoding: 'utf8', cwd: dir, env: { ...process.env, MODULE_LOG: log } });
    return { status: r.status, out: r.stdout, err: r.stderr, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  };
}
