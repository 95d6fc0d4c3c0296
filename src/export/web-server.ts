/**
 * The server behind `lmstream web`: the page (pipelines/web/), the browser
 * module (dist/browser/lmstream.js) and the files of one exported model (or
 * one n-gram model file), nothing else.
 *
 * Routes (GET and HEAD only; anything else 405):
 *   /, /index.html, /app.js      the page
 *   /lmstream.js(.map)           the browser module
 *   /page.json                   what the page loads: {"model":"export"} or
 *                                {"model":"ngram","mode":…,"name":…}
 *   /model/ngram                 with `ngramFile`: that file (ARPA or binary),
 *                                and no other /model/ path
 *   /model/NAME                  the file NAME of the model directory: one
 *                                path segment of [A-Za-z0-9._-], not starting
 *                                with a dot, a regular file whose real path
 *                                (symlinks resolved) is inside the model
 *                                directory's real path
 * Everything else is 404, including encoded traversals (`/..%2f..%2fetc/passwd`,
 * `%2e%2e`, backslashes, NUL) and directories (no listings). Limits: request
 * line + headers 16 KiB (Node's maxHeaderSize), URL 2 KiB (414), no request
 * body (413), 10 s to receive a request. Files are streamed (backpressure);
 * memory per request is the stream's buffer.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface WebServerOptions {
  /** the exported model's directory (`lmstream export` output) */
  modelDir?: string;
  /** or an n-gram model file (ARPA text or binary), served as /model/ngram */
  ngramFile?: string;
  /** the n-gram model's marker mode for the page (default sentence) */
  mode?: 'sentence' | 'stream';
  /** the page's directory (index.html, app.js) */
  pageDir: string;
  /** the browser module file (its .map beside it) */
  moduleFile: string;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: any free port */
  port?: number;
}

export interface WebServer {
  readonly server: http.Server;
  /** http://host:port/ */
  readonly url: string;
  /** stop listening and end open connections */
  close(): Promise<void>;
}

export const MAX_URL = 2048;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml',
};
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** `/model/NAME` → NAME when it is one safe segment, else undefined (decoding errors too) */
export function modelFileName(pathname: string): string | undefined {
  if (!pathname.startsWith('/model/')) return undefined;
  const rest = pathname.slice('/model/'.length);
  if (rest.includes('/')) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  return SAFE_NAME.test(name) && name !== '..' ? name : undefined;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  if ((o.modelDir === undefined) === (o.ngramFile === undefined)) throw new Error('give modelDir or ngramFile');
  const ngramReal = o.ngramFile === undefined ? undefined : await fsp.realpath(o.ngramFile);
  const modelReal = o.modelDir === undefined ? undefined : await fsp.realpath(o.modelDir);
  const fixed = new Map<string, string>([
    ['/', path.join(o.pageDir, 'index.html')],
    ['/index.html', path.join(o.pageDir, 'index.html')],
    ['/app.js', path.join(o.pageDir, 'app.js')],
    ['/lmstream.js', o.moduleFile],
    ['/lmstream.js.map', o.moduleFile + '.map'],
  ]);
  const pageJson = JSON.stringify(ngramReal === undefined ? { model: 'export' }
    : { model: 'ngram', mode: o.mode ?? 'sentence', name: path.basename(o.ngramFile!) }) + '\n';

  async function resolve(pathname: string): Promise<string | undefined> {
    const page = fixed.get(pathname);
    if (page) return page;
    if (ngramReal !== undefined) return pathname === '/model/ngram' ? ngramReal : undefined;
    const name = modelFileName(pathname);
    if (!name || modelReal === undefined) return undefined;
    let real: string;
    try {
      real = await fsp.realpath(path.join(modelReal, name));
    } catch {
      return undefined;
    }
    return isInside(real, modelReal) ? real : undefined;
  }

  const server = http.createServer({ maxHeaderSize: 16384, requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    const send = (code: number, msg: string, extra: Record<string, string> = {}) => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(msg + '\n'), ...extra });
      res.end(req.method === 'HEAD' ? undefined : msg + '\n');
    };
    const url = req.url ?? '/';
    if (url.length > MAX_URL) return send(414, 'URI too long');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', { Allow: 'GET, HEAD' });
    const len = Number(req.headers['content-length'] ?? 0);
    if (req.headers['transfer-encoding'] || len > 0) {
      res.setHeader('Connection', 'close');
      return send(413, 'no request body accepted');
    }
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const headers = {
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      // 'wasm-unsafe-eval' lets the page compile the runtime's wasm SIMD kernel
      // (src/export/gemv.ts); without it the products fall back to plain JS, ~5× slower
      'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    };
    if (pathname === '/page.json') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.json'], 'Content-Length': Buffer.byteLength(pageJson) });
      return void res.end(req.method === 'HEAD' ? undefined : pageJson);
    }
    void (async () => {
      const file = await resolve(pathname);
      let st;
      try {
        st = file ? await fsp.stat(file) : undefined;
      } catch {
        st = undefined;
      }
      if (!file || !st || !st.isFile()) return send(404, 'not found');
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': st.size,
        ...headers,
      });
      if (req.method === 'HEAD') return void res.end();
      const s = createReadStream(file);
      s.on('error', () => res.destroy());
      s.pipe(res);
    })().catch(() => {
      if (!res.headersSent) send(500, 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    server,
    url: `http://${host}:${a.port}/`,
    close: () => new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    }),
  };
}
