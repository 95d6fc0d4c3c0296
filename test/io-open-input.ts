import t from 'tap';
import { promises as fsp } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { openInput, openInputs, detectCompression } from '../src/io/open-input.js';
import { lmstream, root } from './helpers/cli.js';

const TEXT = 'the cat sat\non the mat\nthe cat ran\n'.repeat(50);

async function read(s: AsyncIterable<Buffer>): Promise<string> {
  const b: Buffer[] = [];
  for await (const c of s) b.push(c);
  return Buffer.concat(b).toString('utf8');
}

/** compress with a system tool when it is installed (bzip2, xz); undefined when it is not */
function tool(name: string, data: string): Buffer | undefined {
  const r = spawnSync(name, ['-c'], { input: data });
  return r.error || r.status !== 0 ? undefined : r.stdout;
}

t.test('detection by magic bytes', async (t) => {
  t.equal(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])), 'gzip');
  t.equal(detectCompression(Buffer.from('BZh91AY')), 'bzip2');
  t.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
  t.same(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])), { unsupported: 'zstd' });
  t.equal(detectCompression(Buffer.from('BZ')), 'none', 'too short to be bzip2');
  t.equal(detectCompression(Buffer.from('plain text')), 'none');
});

t.test('openInput: plain, gzip, bzip2, xz, short and empty files; errors name the file', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-open-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const f = (n: string) => path.join(dir, n);
  await fsp.writeFile(f('p.txt'), TEXT);
  await fsp.writeFile(f('p.gz'), Buffer.concat([gzipSync(TEXT.slice(0, 100)), gzipSync(TEXT.slice(100))]));
  await fsp.writeFile(f('s.txt'), 'ab');
  await fsp.writeFile(f('e.txt'), '');
  t.equal(await read(openInput(f('p.txt'))), TEXT);
  t.equal(await read(openInput(f('p.gz'))), TEXT, 'gzip, two concatenated members');
  t.equal(await read(openInput(f('s.txt'))), 'ab', 'shorter than any magic');
  t.equal(await read(openInput(f('e.txt'))), '');
  t.equal(await read(openInputs([f('p.gz'), f('s.txt')])), TEXT + 'ab');
  for (const name of ['bzip2', 'xz']) {
    const z = tool(name, TEXT);
    if (!z) { t.comment(`${name} is not installed here: its test is the message below`); continue; }
    await fsp.writeFile(f(`p.${name}`), z);
    t.equal(await read(openInput(f(`p.${name}`))), TEXT, name);
    await fsp.writeFile(f(`bad.${name}`), z.subarray(0, 40));
    await t.rejects(read(openInput(f(`bad.${name}`))), { code: 'EINPUT', message: new RegExp(`^${f(`bad.${name}`)}: corrupt ${name} data \\(`) });
  }
  await fsp.writeFile(f('bad.gz'), gzipSync(TEXT).subarray(0, 30));
  await t.rejects(read(openInput(f('bad.gz'))), { code: 'EINPUT', message: `${f('bad.gz')}: corrupt gzip data (unexpected end of file)` });
  await fsp.writeFile(f('x.zst'), Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4]));
  await t.rejects(read(openInput(f('x.zst'))), { message: `${f('x.zst')}: zstd-compressed input is not supported (gzip, bzip2 and xz are): decompress it first` });
  await t.rejects(read(openInput(f('missing'))), { code: 'EINPUT', message: `${f('missing')}: no such file` });
  // a missing file fails when it is read, not before: a caller may await other work first
  const late = openInput(f('missing'));
  await new Promise((r) => setTimeout(r, 20));
  await t.rejects(read(late), { code: 'EINPUT', message: `${f('missing')}: no such file` });
  await t.rejects(read(openInput(dir)), { message: `${dir}: is a directory` });
});

t.test('every command reads compressed corpora and ARPA files', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-open-cli-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const f = (n: string) => path.join(dir, n);
  await fsp.writeFile(f('c.txt'), TEXT);
  await fsp.writeFile(f('c.txt.gz'), gzipSync(TEXT));
  const plain = lmstream(['ngram', 'build', '--order', '2', '--quiet', f('c.txt')]);
  const gz = lmstream(['ngram', 'build', '--order', '2', '--quiet', f('c.txt.gz')]);
  t.equal(gz.code, 0, gz.stderr);
  t.equal(gz.stdout, plain.stdout, 'ngram build: the same ARPA file from the gzip corpus');
  const viaStdin = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/lmstream.js'), 'ngram', 'count', '--order', '2'], { input: gzipSync(TEXT), encoding: 'utf8' });
  t.equal(viaStdin.stdout, lmstream(['ngram', 'count', '--order', '2', f('c.txt')]).stdout, 'ngram count: gzip on stdin');
  await fsp.writeFile(f('m.arpa.gz'), gzipSync(plain.stdout));
  await fsp.writeFile(f('m.arpa'), plain.stdout);
  const p1 = lmstream(['ngram', 'ppl', '--model', f('m.arpa'), f('c.txt')]);
  const p2 = lmstream(['ngram', 'ppl', '--model', f('m.arpa.gz'), f('c.txt.gz')]);
  t.equal(p2.code, 0, p2.stderr);
  t.equal(p2.stdout, p1.stdout, 'ngram ppl: gzip model and gzip text');
  t.match(p1.stdout, /Perplexity including OOVs:/);
  t.equal(lmstream(['tokenize', f('c.txt.gz')]).stdout, TEXT, 'tokenize');
  t.equal(lmstream(['vocab', f('c.txt.gz')]).stdout, lmstream(['vocab', f('c.txt')]).stdout, 'vocab');
  await fsp.writeFile(f('x.zst'), Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4]));
  for (const args of [['tokenize', f('x.zst')], ['ngram', 'build', '--order', '2', f('x.zst')], ['ngram', 'ppl', '--model', f('x.zst'), f('c.txt')]]) {
    const r = lmstream(args);
    t.equal(r.code, 1, args.join(' '));
    t.equal(r.stderr, `lmstream: ${f('x.zst')}: zstd-compressed input is not supported (gzip, bzip2 and xz are): decompress it first\n`);
    t.equal(r.stdout, '');
  }
});
