#!/usr/bin/env node
/**
 * Builds the optional native addon (src/native/build/Release/lmstream_native.node)
 * with node-gyp. Never fails an install: on any problem it prints one warning
 * line on stderr and exits 0 (lmstream then uses the wasm matmul).
 *
 *   node src/native/build.mjs          (npm runs it as the "install" script)
 *   LMSTREAM_NATIVE=0 npm ci           skips the build
 *
 * node-gyp: $npm_config_node_gyp (set by npm), else node_modules/.bin/node-gyp,
 * else the copy bundled with npm. Node's headers: the installation's own
 * include/node when present (no download), else node-gyp's default.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

function warn(msg) {
  process.stderr.write(`lmstream: native addon not built (${msg}); the wasm matmul will be used\n`);
  process.exit(0);
}

function findNodeGyp() {
  const env = process.env.npm_config_node_gyp;
  if (env && existsSync(env)) return env;
  const local = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(local)) return local;
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(path.resolve(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const npm = path.join(dir, 'npm');
    if (!dir || !existsSync(npm)) continue;
    let real = npm;
    try {
      real = realpathSync(npm);
    } catch {}
    // …/lib/node_modules/npm/bin/npm-cli.js or …/bin/npm
    candidates.push(path.resolve(path.dirname(real), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
    candidates.push(path.resolve(dir, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  return candidates.find((c) => existsSync(c));
}

/** the CPU model and instruction-set flags (the same text as cpuSignature() in src/neural/native.ts) */
function cpuSignature() {
  let flags = '';
  try {
    const m = /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) flags = m[1].trim().split(/\s+/).sort().join(' ');
  } catch {}
  return `${os.arch()} ${os.cpus()[0]?.model ?? ''} ${flags}`.trim();
}

try {
  if (process.env.LMSTREAM_NATIVE === '0') warn('LMSTREAM_NATIVE=0');
  if (process.platform === 'win32') warn('not supported on Windows');
  const gyp = findNodeGyp();
  if (!gyp) warn('node-gyp not found');
  const args = [gyp, 'rebuild', '--directory', here];
  // the running Node's own headers, when installed: no download needed
  const nodedir = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(nodedir, 'include', 'node', 'node_api.h')) && existsSync(path.join(nodedir, 'include', 'node', 'common.gypi'))) {
    args.push(`--nodedir=${nodedir}`);
  }
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 });
  if (r.error) warn(`node-gyp: ${r.error.message}`);
  if (r.status !== 0) {
    const lines = `${r.stderr ?? ''}`.split('\n').filter((l) => /error|not found|ERR!/i.test(l));
    warn(`node-gyp exited with ${r.status ?? r.signal}${lines.length ? `: ${lines[0].trim().slice(0, 200)}` : ''}`);
  }
  const out = path.join(here, 'build', 'Release', 'lmstream_native.node');
  if (!existsSync(out)) warn(`${path.relative(root, out)} missing after the build`);
  // the kernels are compiled with -march=native: record the CPU they were built for
  writeFileSync(path.join(here, 'build', 'Release', 'lmstream_native.cpu'), cpuSignature() + '\n');
  process.stderr.write(`lmstream: native addon built (${path.relative(root, out)})\n`);
} catch (e) {
  warn(e?.message ?? String(e));
}
