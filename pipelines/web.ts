/**
 * `lmstream web --model OUT/|LM`: serve the page that generates text from an
 * exported model or an n-gram model in the browser (src/export/web-server.ts).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand, str, num, oneOf, UsageError, UserError, log } from '../src/cli/common.js';
import { plainInputBytes } from '../src/io/open-input.js';
import { startWebServer } from '../src/export/web-server.js';

export const HELP = `usage: lmstream web --model OUT/|LM [--mode M] [--port N] [--host ADDR]

Serve a web page that loads a model exported with \`lmstream export\` (or an
n-gram model: an ARPA file or a binary model) and generates text in the
browser as soon as it opens, token by token, with controls for the prompt,
temperature, top-p and seed (also from the URL:
?prompt=…&temperature=0.8&top_p=0.95&seed=1&max_tokens=200), and the model's
training curve. Serves only the page, its module and the model's files.
Stop with Ctrl-C.

options:
  --model PATH    the export directory (model.json, lmstream.json), or an
                  n-gram model file (uncompressed ARPA or binary; required)
  --mode M        n-gram models: sentence (default: start after <s>) or stream
  --port N        port (default 8000; 0 = any free port)
  --host ADDR     address to listen on (default 127.0.0.1: this machine only)
  -h, --help      this help

example:
  lmstream export --format tfjs-layers ckpt/ web-model/
  lmstream web --model web-model/ --port 8000    # then open http://127.0.0.1:8000/
`;

const OPTIONS = {
  model: { type: 'string' },
  mode: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, OPTIONS, HELP);
  if (!p) return 0;
  if (p.positionals.length) throw new UsageError(`unexpected argument '${p.positionals[0]}' (see --help)`);
  const modelPath = str(p, 'model');
  if (!modelPath) throw new UsageError('--model is required (a directory written by lmstream export, or an n-gram model file)');
  const port = num(p, 'port', 8000, { min: 0, max: 65535, integer: true });
  const host = str(p, 'host', '127.0.0.1');
  const mode = oneOf(p, 'mode', ['sentence', 'stream'] as const, 'sentence');
  let isDir: boolean;
  try {
    isDir = statSync(modelPath).isDirectory();
  } catch {
    throw new UserError(`${modelPath}: no such file or directory`);
  }
  if (isDir) {
    if (p.values.mode !== undefined) throw new UsageError('--mode applies to n-gram models (an export records its mode)');
    for (const f of ['lmstream.json', 'model.json']) {
      if (!existsSync(path.join(modelPath, f))) throw new UserError(`${modelPath}: no ${f} (make it with lmstream export --format tfjs-layers CKPT ${modelPath})`);
    }
  } else {
    // the page reads ARPA text or the binary format; it does not decompress
    if (plainInputBytes([modelPath]) === undefined) throw new UserError(`${modelPath}: compressed or unreadable: the page reads an uncompressed ARPA file or a binary model`);
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const moduleFile = path.join(root, 'dist/browser/lmstream.js');
  if (!existsSync(moduleFile)) throw new UserError(`${moduleFile}: the browser module is not built (npm run build)`);
  let web;
  try {
    web = await startWebServer({
      ...(isDir ? { modelDir: modelPath } : { ngramFile: modelPath, mode }), pageDir: path.join(root, 'pipelines/web'), moduleFile, host, port,
    });
  } catch (e) {
    throw new UserError(`--host ${host} --port ${port}: ${(e as Error).message}`);
  }
  log(`lmstream web: serving ${modelPath} at ${web.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      log(`lmstream web: ${sig}, stopping`);
      void web.close().then(resolve);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  return 0;
}
