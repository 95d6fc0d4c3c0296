import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import path from 'node:path';
import { makeTempDir, withTempDir, liveTemps } from '../src/util/temp.js';

const tempJs = fileURLToPath(new URL('../dist/src/util/temp.js', import.meta.url));

t.test('withTempDir removes its directory on success and on error', async (t) => {
  const parent = t.testdir({});
  let seen = '';
  const n = await withTempDir('job', async (d) => { seen = d; return 7; }, parent);
  t.equal(n, 7);
  t.match(path.basename(seen), /^job-/);
  t.notOk(existsSync(seen));
  await t.rejects(withTempDir('job', async () => { throw new Error('boom'); }, parent), { message: 'boom' });
  t.same(readdirSync(parent), []);
  t.same(liveTemps(), []);
});

t.test('makeTempDir in a missing parent names the parent and the cause', async (t) => {
  const parent = path.join(t.testdir({}), 'nope');
  await t.rejects(makeTempDir('x', parent), { message: `cannot create a temporary directory in ${parent}: no such file or directory` });
});

/** A child that makes two temp dirs (the second kept), prints them, then waits or ends as told. */
function child(how: 'exit' | 'throw' | 'wait' | 'wait-own-handler', parent: string) {
  const src = `
    const { makeTempDir } = await import(${JSON.stringify(tempJs)});
    const a = await makeTempDir('spill', ${JSON.stringify(parent)});
    const b = await makeTempDir('cache', ${JSON.stringify(parent)});
    b.keep();
    console.log(JSON.stringify([a.path, b.path]));
    const how = ${JSON.stringify(how)};
    if (how === 'exit') process.exit(3);
    if (how === 'throw') throw new Error('crash');
    if (how === 'wait-own-handler') process.on('SIGTERM', () => { console.log('own handler'); setTimeout(() => process.exit(143), 50); });
    setInterval(() => {}, 1000);
  `;
  // (under tap the child also carries tap's signal-exit listener: the
  // registry must not wait for it)
  const c = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'pipe'] });
  setTimeout(() => c.kill('SIGKILL'), 20_000).unref();
  return c;
}

/** The child's stdout so far (kept reading), and its first line parsed. */
async function firstLine(c: ReturnType<typeof child>, out: { text: string } = { text: '' }): Promise<string[]> {
  c.stdout!.setEncoding('utf8');
  c.stdout!.on('data', (d: string) => { out.text += d; });
  while (!out.text.includes('\n')) await once(c.stdout!, 'data');
  return JSON.parse(out.text.split('\n')[0]);
}

for (const how of ['exit', 'throw'] as const) {
  t.test(`temps are removed on ${how}; a kept one stays`, async (t) => {
    const parent = t.testdir({});
    const c = child(how, parent);
    const [a, b] = await firstLine(c);
    const [code] = await once(c, 'exit');
    t.equal(code, how === 'exit' ? 3 : 1);
    t.notOk(existsSync(a), 'spill dir removed');
    t.ok(existsSync(b), 'kept dir stays');
  });
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  t.test(`temps are removed on ${sig} and the process still dies by the signal`, async (t) => {
    const parent = t.testdir({});
    const c = child('wait', parent);
    const [a, b] = await firstLine(c);
    c.kill(sig);
    const [code, signal] = await once(c, 'exit');
    t.equal(code, null);
    t.equal(signal, sig);
    t.notOk(existsSync(a));
    t.ok(existsSync(b));
  });
}

t.test("a program's own signal handler decides; the exit hook cleans up after it", async (t) => {
  const parent = t.testdir({});
  const c = child('wait-own-handler', parent);
  const out = { text: '' };
  const [a, b] = await firstLine(c, out);
  c.kill('SIGTERM');
  const [code] = await once(c, 'exit');
  t.equal(code, 143);
  t.match(out.text, /own handler/);
  t.notOk(existsSync(a));
  t.ok(existsSync(b));
});
