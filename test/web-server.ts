import t from 'tap';
import { mkdtempSync, rmSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startWebServer, modelFileName, type WebServer } from '../src/export/web-server.js';
import { root, cliPath } from './helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lmstream-web-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const modelDir = path.join(dir, 'model');
const secret = path.join(dir, 'secret.txt');

/** one raw HTTP/1.1 exchange (the path exactly as given, no client normalisation) */
function raw(port: number, request: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let data = '';
    s.setEncoding('latin1');
    s.on('data', (d) => { data += d; });
    s.on('error', reject);
    s.on('close', () => {
      const i = data.indexOf('\r\n\r\n');
      resolve({ status: Number(data.split(' ')[1]), head: data.slice(0, i), body: data.slice(i + 4) });
    });
  });
}
const get = (port: number, p: string, extra = '') => raw(port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n`);

let web: WebServer;
let port: number;
t.before(async () => {
  await fsp.mkdir(path.join(modelDir, 'sub'), { recursive: true });
  await fsp.writeFile(path.join(modelDir, 'model.json'), '{"ok":1}\n');
  await fsp.writeFile(path.join(modelDir, 'lmstream.json'), '{}\n');
  await fsp.writeFile(path.join(modelDir, '.hidden'), 'x');
  await fsp.writeFile(secret, 'SECRET\n');
  await fsp.symlink(secret, path.join(modelDir, 'link.json'));
  await fsp.symlink('/etc/passwd', path.join(modelDir, 'passwd'));
  await fsp.symlink(path.join(modelDir, 'model.json'), path.join(modelDir, 'inner.json'));
  web = await startWebServer({ modelDir, pageDir: path.join(root, 'pipelines/web'), moduleFile: path.join(root, 'dist/browser/lmstream.js'), port: 0 });
  port = Number(new URL(web.url).port);
});
t.teardown(() => web?.close());

t.test('serves the page, the module and the model files', async (t) => {
  t.match(web.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'binds 127.0.0.1 by default');
  const home = await get(port, '/');
  t.equal(home.status, 200);
  t.match(home.head, /content-type: text\/html/i);
  t.match(home.body, /<script type="module" src="app.js">/);
  t.equal((await get(port, '/app.js')).status, 200);
  const mod = await get(port, '/lmstream.js');
  t.equal(mod.status, 200);
  t.match(mod.head, /content-type: text\/javascript/i);
  const mj = await get(port, '/model/model.json?x=1');
  t.equal(mj.status, 200);
  t.equal(mj.body, '{"ok":1}\n');
  t.match(mj.head, /x-content-type-options: nosniff/i);
  t.match(mj.head, /content-security-policy: [^\r]*script-src 'self' 'wasm-unsafe-eval'/i, 'the page may compile the wasm kernel');
  const pj = await get(port, '/page.json');
  t.equal(pj.status, 200);
  t.same(JSON.parse(pj.body), { model: 'export' });
  t.equal((await get(port, '/model/ngram')).status, 404, 'no n-gram route for an export');
  t.equal((await get(port, '/model/inner.json')).status, 200, 'a symlink that stays inside the model directory');
  const head = await raw(port, 'HEAD /model/model.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.equal(head.status, 200);
  t.equal(head.body, '');
});

t.test('nothing outside: traversals, symlinks out, dotfiles, directories → 404', async (t) => {
  for (const p of [
    '/..%2f..%2fetc/passwd', '/../../etc/passwd', '/etc/passwd', '/model/..%2f..%2fetc%2fpasswd', '/model/../secret.txt',
    '/model/%2e%2e', '/model/..', '/model/%2e%2e%2fsecret.txt', '/model/..%5csecret.txt', '/model/link.json', '/model/passwd',
    '/model/.hidden', '/model/sub', '/model/sub/', '/model/', '/model', '/model/a%00b', '/model/%', '/pipelines/web/index.html',
    '/dist/browser/lmstream.js', '/package.json', '//etc/passwd',
  ]) {
    const r = await get(port, p);
    t.equal(r.status, 404, p);
    t.notMatch(r.body, /SECRET|root:/, `${p}: no content leaked`);
  }
  t.equal(modelFileName('/model/model.json'), 'model.json');
  t.equal(modelFileName('/model/..%2fx'), undefined);
  t.equal(modelFileName('/model/%E0%A4%A'), undefined, 'bad percent-encoding');
});

t.test('request limits and methods', async (t) => {
  const post = await raw(port, 'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello');
  t.equal(post.status, 405);
  t.match(post.head, /allow: GET, HEAD/i);
  t.equal((await get(port, '/', 'Content-Length: 10\r\n')).status, 413, 'a GET with a body');
  t.equal((await get(port, '/', 'Transfer-Encoding: chunked\r\n')).status, 413, 'a chunked body');
  t.equal((await get(port, '/model/' + 'a'.repeat(3000))).status, 414, 'long URL');
  t.equal((await get(port, '/', `X-Big: ${'b'.repeat(20000)}\r\n`)).status, 431, 'headers over 16 KiB');
});

t.test('CLI: lmstream web serves on 127.0.0.1 and stops cleanly on SIGTERM and SIGINT', async (t) => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    const child = spawn(process.execPath, [cliPath, 'web', '--model', modelDir, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        err += d;
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`exited early: ${err}`)));
    });
    const r = await get(Number(new URL(url).port), '/model/model.json');
    t.equal(r.status, 200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill(sig);
    });
    t.equal(code, 0, `${sig}: exit 0`);
    t.match(err, new RegExp(`${sig}, stopping`));
    t.equal(out, '', 'nothing on stdout');
  }
  const missing = spawn(process.execPath, [cliPath, 'web', '--model', dir], { cwd: root });
  let e = '';
  missing.stderr.on('data', (d) => { e += d; });
  const c = await new Promise((r) => missing.on('exit', r));
  t.equal(c, 1);
  t.match(e, /no lmstream\.json \(make it with lmstream export/);
});

t.test('an n-gram model file: /model/ngram and page.json, nothing else of its directory', async (t) => {
  const lm = path.join(dir, 'lm.arpa');
  await fsp.writeFile(lm, '\\data\\\nngram 1=3\n\n\\1-grams:\n-1\t<unk>\n-99\t<s>\n-1\t</s>\n\n\\end\\\n');
  await fsp.writeFile(path.join(dir, 'other.json'), '{}');
  const w = await startWebServer({ ngramFile: lm, mode: 'stream', pageDir: path.join(root, 'pipelines/web'), moduleFile: path.join(root, 'dist/browser/lmstream.js'), port: 0 });
  t.teardown(() => w.close());
  const p = Number(new URL(w.url).port);
  const m = await get(p, '/model/ngram');
  t.equal(m.status, 200);
  t.equal(m.body, await fsp.readFile(lm, 'latin1'));
  t.same(JSON.parse((await get(p, '/page.json')).body), { model: 'ngram', mode: 'stream', name: 'lm.arpa' });
  for (const q of ['/model/lm.arpa', '/model/other.json', '/model/', '/model/ngram/x', '/model/..%2fother.json', '/lm.arpa']) {
    t.equal((await get(p, q)).status, 404, q);
  }
  await t.rejects(startWebServer({ pageDir: dir, moduleFile: lm }), /give modelDir or ngramFile/);
});
