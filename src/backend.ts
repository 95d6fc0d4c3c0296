/**
 * TensorFlow.js backend selection.
 *
 * Order of preference: `tensorflow` (tfjs-node, native libtensorflow) when it
 * loads, else `wasm` (SIMD WebAssembly, ships inside the npm package), else the
 * pure-JS `cpu` backend. `--backend NAME` on the command line or the
 * `LMSTREAM_BACKEND` environment variable override the choice. The backend in
 * use is reported once on stderr, in one line with the matmul in use and why
 * (`lmstream: tfjs backend wasm (the optional @tensorflow/tfjs-node is not
 * installed), matmul native (openblas libopenblas.so.0)`); a fall back to
 * `cpu` is never silent.
 */
import * as tf from '@tensorflow/tfjs-core';
// registers the pure-JS 'cpu' backend (the wasm one is imported on demand)
import '@tensorflow/tfjs-backend-cpu';
import { firstComputeReport, nativeStatus } from './neural/native.js';

import { BACKENDS, type BackendName } from './backend-names.js';

export { BACKENDS, type BackendName };

export interface BackendChoice {
  name: BackendName;
  /** why other backends were passed over (empty when the first choice loaded) */
  skipped: string[];
}

let chosen: Promise<BackendChoice> | undefined;

async function tryTensorflow(): Promise<typeof tf | undefined> {
  // tfjs-node registers the 'tensorflow' backend on import; it brings its own
  // copy of tfjs-core, so we only use it when the versions match.
  const mod = '@tensorflow/tfjs-node';
  await import(mod);
  return tf.findBackend('tensorflow') ? tf : undefined;
}

async function load(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    await tryTensorflow();
    if (!tf.findBackend('tensorflow')) throw new Error('tfjs-node did not register the tensorflow backend');
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

/** Why a backend was passed over, in plain words (an absent optional package is no error). */
export function skipReason(name: BackendName, e: unknown): string {
  const msg = firstLine(e);
  if (name === 'tensorflow' && /Cannot find (package|module)|ERR_MODULE_NOT_FOUND/.test(msg)) {
    return 'the optional @tensorflow/tfjs-node is not installed';
  }
  return `${name === 'tensorflow' ? '@tensorflow/tfjs-node' : name} did not load: ${msg}`;
}

/** One line: which tfjs backend and which matmul run, and why. */
function computeLine(name: BackendName, why: string): string {
  let matmul: string;
  try {
    matmul = nativeStatus().description;
  } catch (e) {
    matmul = `unavailable (${firstLine(e)})`;
  }
  firstComputeReport();
  const warn = name === 'cpu' ? ' WARNING: the pure-JS cpu backend is 20-50x slower than wasm' : '';
  return `lmstream: tfjs backend ${name}${why ? ` (${why})` : ''}, matmul ${matmul}${warn}`;
}

/**
 * Select and initialise the backend once per process. `requested` (or
 * LMSTREAM_BACKEND) forces one backend: if it cannot load, this rejects rather
 * than falling back. The choice is reported once, as one line, with the
 * matmul in use (src/neural/native.ts).
 */
export function initBackend(
  requested: string | undefined = process.env.LMSTREAM_BACKEND,
  log: (msg: string) => void = (m) => process.stderr.write(m + '\n'),
): Promise<BackendChoice> {
  if (chosen) return chosen;
  chosen = (async () => {
    if (requested) {
      if (!BACKENDS.includes(requested as BackendName)) {
        throw new Error(`unknown backend '${requested}' (expected one of ${BACKENDS.join(', ')})`);
      }
      const name = requested as BackendName;
      await load(name);
      log(computeLine(name, 'requested'));
      return { name, skipped: [] };
    }
    const skipped: string[] = [];
    for (const name of BACKENDS) {
      try {
        await load(name);
        log(computeLine(name, skipped.join('; ')));
        return { name, skipped };
      } catch (e) {
        skipped.push(skipReason(name, e));
      }
    }
    throw new Error(`no tfjs backend could be loaded: ${skipped.join('; ')}`);
  })();
  chosen.catch(() => { chosen = undefined; });
  return chosen;
}

export { tf };
