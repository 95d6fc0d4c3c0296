import t from 'tap';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { atomicWrite, atomicWriteFile, atomicReplaceDir } from '../src/util/atomic-write.js';
import { liveTemps } from '../src/util/temp.js';
import { UserError } from '../src/util/errors.js';

t.test('atomicWriteFile: content in place, parents created, no temp left, nothing registered', async (t) => {
  const dir = t.testdir({});
  const target = path.join(dir, 'a', 'b', 'x.json');
  await atomicWriteFile(target, '{"n":1}\n');
  t.equal(readFileSync(target, 'utf8'), '{"n":1}\n');
  t.same(readdirSync(path.dirname(target)), ['x.json']);
  await atomicWriteFile(target, new Uint8Array([1, 2, 3]));
  t.same([...readFileSync(target)], [1, 2, 3], 'replaces the old content');
  t.same(liveTemps(), []);
});

t.test('a failing writer leaves the target as it was and no temp file', async (t) => {
  const dir = t.testdir({ 'x.txt': 'old\n' });
  const target = path.join(dir, 'x.txt');
  let seen = '';
  await t.rejects(atomicWrite(target, async (tmp) => {
    seen = tmp;
    await fsp.writeFile(tmp, 'half');
    throw new Error('parse failed at line 3');
  }), { message: 'parse failed at line 3' }, 'errors that are not about the temp file pass unchanged');
  t.equal(path.dirname(seen), dir, 'the temp file is beside the target');
  t.equal(readFileSync(target, 'utf8'), 'old\n');
  t.same(readdirSync(dir), ['x.txt']);
  t.same(liveTemps(), []);
});

t.test('system errors about the temp file name the target and the cause, never the temp name', async (t) => {
  const dir = t.testdir({});
  const target = path.join(dir, 'lm.arpa');
  const err = await atomicWrite(target, async (tmp) => {
    const e = Object.assign(new Error(`ENOSPC: no space left on device, write '${tmp}'`), { code: 'ENOSPC', syscall: 'write', path: tmp });
    throw e;
  }).catch((e) => e);
  t.ok(err instanceof UserError);
  t.equal(err.message, `cannot write ${target}: no space left on device`);
  t.same(readdirSync(dir), []);
  // a write through a file descriptor carries no path
  const fdErr = await atomicWrite(target, async () => {
    throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO', syscall: 'write' });
  }).catch((e) => e);
  t.equal(fdErr.message, `cannot write ${target}: input/output error`);
  // an error about another file (the input) is not restated
  const other = await atomicWrite(target, async () => {
    throw Object.assign(new Error("ENOENT: no such file or directory, open 'in.txt'"), { code: 'ENOENT', syscall: 'open', path: 'in.txt' });
  }).catch((e) => e);
  t.match(other.message, /in\.txt/);
});

t.test('a regular file in the way of the directory: "cannot create DIR: …"', async (t) => {
  const dir = t.testdir({ file: 'x' });
  const target = path.join(dir, 'file', 'sub', 'out.json');
  const err = await atomicWriteFile(target, 'x').catch((e) => e);
  t.ok(err instanceof UserError);
  t.match(err.message, new RegExp(`^cannot create ${path.join(dir, 'file', 'sub').replace(/[/.]/g, '\\$&')}: (not a directory|already exists)$`));
});

t.test('atomicReplaceDir replaces a directory whole; a failure keeps the old one', async (t) => {
  const dir = t.testdir({ ck: { 'state.json': 'old' } });
  const ck = path.join(dir, 'ck');
  await atomicReplaceDir(ck, async (tmp) => {
    writeFileSync(path.join(tmp, 'state.json'), 'new');
    mkdirSync(path.join(tmp, 'sub'));
    writeFileSync(path.join(tmp, 'sub', 'w.bin'), 'w');
  });
  t.equal(readFileSync(path.join(ck, 'state.json'), 'utf8'), 'new');
  t.equal(readFileSync(path.join(ck, 'sub', 'w.bin'), 'utf8'), 'w');
  t.same(readdirSync(dir), ['ck'], 'no DIR.tmp-/DIR.old- left');
  await t.rejects(atomicReplaceDir(ck, async (tmp) => {
    writeFileSync(path.join(tmp, 'state.json'), 'half');
    throw new Error('interrupted');
  }), { message: 'interrupted' });
  t.equal(readFileSync(path.join(ck, 'state.json'), 'utf8'), 'new');
  t.same(readdirSync(dir), ['ck']);
  t.notOk(existsSync(path.join(dir, 'ck.tmp')));
});
