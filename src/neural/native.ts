/**
 * The optional native addon (src/native/, built by `node src/native/build.mjs`,
 * the npm "install" script): sgemm through an installed BLAS (OpenBLAS) or a
 * C kernel compiled for this machine, the fused Adam update and the LSTM gate
 * math. Loaded once per thread (worker threads too) with createRequire from
 * the package root; when it is missing the wasm matmul and the JavaScript
 * loops are used.
 *
 * LMSTREAM_MATMUL=wasm skips the addon; LMSTREAM_MATMUL=native requires it
 * (an error when it is not built); unset (or auto) uses it when it loads.
 * LMSTREAM_BLAS=builtin (or a library path) is read by the addon itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeInfo {
  /** 'openblas' | 'blis' | 'mkl' | 'atlas' (a dlopen'ed BLAS) or 'builtin' (the addon's C kernel) */
  sgemm: string;
  /** the BLAS library loaded ('' for builtin) */
  library: string;
  /** why no BLAS is used, when it is not */
  note: string;
}

export interface NativeAddon {
  /** C = alpha·op(A)·op(B) + beta·C, row-major; op(A) M×K, op(B) K×N, C M×N */
  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: Float32Array, B: Float32Array, beta: number, C: Float32Array): void;
  /** the fused Adam/AdamW update of w[i0, i1) (see optim.ts for the constants) */
  adam(
    w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, i0: number, i1: number,
    a: number, ib2: number, scale: number, coupled: number, decay: number, b1: number, b2: number, omb1: number, omb2: number, eps: number,
  ): void;
  /** one LSTM step forward: z (B×4H) pre-activations → gates in place; writes c, tanh(c), h */
  lstmForward(z: Float32Array, bias: Float32Array, cPrev: Float32Array, cOut: Float32Array, tc: Float32Array, h: Float32Array, B: number, H: number): void;
  /** one LSTM step backward: writes dz (B×4H), updates dcNext in place */
  lstmBackward(gates: Float32Array, tc: Float32Array, cPrev: Float32Array, dOut: Float32Array, dhNext: Float32Array, dcNext: Float32Array, dz: Float32Array, B: number, H: number): void;
  /**
   * bias + log-softmax + cross-entropy of the rows of `logits` (N×V) against
   * y; returns Σ −log P over the counted rows (all when `counted` is null),
   * writes each one's −log P into `nats` when given; with gradScale > 0 each
   * row becomes its gradient gradScale·(softmax − onehot(y)) (0 when not counted).
   */
  softmaxXent(logits: Float32Array, bias: Float32Array, N: number, V: number, y: Int32Array, counted: Uint8Array | null, gradScale: number, nats: Float32Array | null): number;
  /** g[i] += e[i] on [i0, i1) (e may be null); returns Σ g² there (float64) when `norm`, else 0 */
  addSumSq(g: Float32Array, e: Float32Array | null, i0: number, i1: number, norm: boolean): number;
  /** the BLAS's own thread count (1 at load); false when it has none to set */
  setThreads(n: number): boolean;
  info(): NativeInfo;
}

export type MatmulRequest = 'auto' | 'native' | 'wasm';

export interface NativeStatus {
  /** the addon, when loaded and allowed */
  addon: NativeAddon | undefined;
  /** LMSTREAM_MATMUL */
  requested: MatmulRequest;
  /** one line: what runs and why, e.g. `native (openblas libopenblas.so.0)` or `wasm (native addon not built: …)` */
  description: string;
  /** why the addon is not used ('' when it is) */
  reason: string;
}

export const ADDON_FILE = 'lmstream_native.node';

/** where the built addon may be: src/native/build/Release of the package root, from dist/src/neural or src/neural */
export function addonCandidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const rel = path.join('src', 'native', 'build', 'Release', ADDON_FILE);
  const out: string[] = [];
  let dir = here;
  for (let i = 0; i < 5; i++) {
    out.push(path.join(dir, rel));
    dir = path.dirname(dir);
  }
  return out;
}

/** the CPU model and instruction-set flags (the same text as cpuSignature() in src/native/build.mjs) */
export function cpuSignature(): string {
  let flags = '';
  try {
    const m = /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) flags = m[1].trim().split(/\s+/).sort().join(' ');
  } catch {
    // not Linux: the model name only
  }
  return `${os.arch()} ${os.cpus()[0]?.model ?? ''} ${flags}`.trim();
}

/** '' when the addon was built for this CPU (or nothing was recorded), else why not to load it */
export function cpuMismatch(addonFile: string): string {
  const rec = addonFile.replace(/\.node$/, '.cpu');
  if (!existsSync(rec)) return '';
  return readFileSync(rec, 'utf8').trim() === cpuSignature() ? '' : 'native addon built for another CPU: rebuild with `node src/native/build.mjs`';
}

function requested(env: NodeJS.ProcessEnv): MatmulRequest {
  const v = (env.LMSTREAM_MATMUL ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'native' || v === 'wasm') return v;
  throw new Error(`LMSTREAM_MATMUL must be wasm, native or auto, got '${env.LMSTREAM_MATMUL}'`);
}

let status: NativeStatus | undefined;

let reported = false;
/**
 * True the first time it is called in this thread: the compute setup (tfjs
 * backend and matmul) is reported once per process, by whichever comes first.
 */
export function firstComputeReport(): boolean {
  if (reported) return false;
  reported = true;
  return true;
}

/** load the addon (once per thread) and describe the choice; throws when LMSTREAM_MATMUL=native and it cannot load */
export function nativeStatus(): NativeStatus {
  if (!status) status = resolveNative(process.env);
  return status;
}

/** the choice for these environment variables (uncached; the addon itself is loaded once by Node) */
export function resolveNative(env: NodeJS.ProcessEnv): NativeStatus {
  let status: NativeStatus;
  const req = requested(env);
  if (req === 'wasm') {
    status = { addon: undefined, requested: req, reason: 'LMSTREAM_MATMUL=wasm', description: 'wasm (LMSTREAM_MATMUL=wasm)' };
    return status;
  }
  let addon: NativeAddon | undefined;
  let reason = '';
  const file = addonCandidates().find((f) => existsSync(f));
  if (!file) {
    reason = 'native addon not built: run `node src/native/build.mjs`';
  } else if ((reason = cpuMismatch(file))) {
    // compiled with -march=native elsewhere: loading it could die on an illegal instruction
  } else {
    try {
      addon = createRequire(import.meta.url)(file) as NativeAddon;
      if (typeof addon.sgemm !== 'function') throw new Error('no sgemm export');
    } catch (e) {
      addon = undefined;
      reason = `native addon failed to load: ${((e as Error)?.message ?? String(e)).split('\n')[0]}`;
    }
  }
  if (!addon) {
    if (req === 'native') throw new Error(`LMSTREAM_MATMUL=native but the ${reason}`);
    status = { addon: undefined, requested: req, reason, description: `wasm (${reason})` };
    return status;
  }
  const info = addon.info();
  const how = info.sgemm === 'builtin' ? `builtin C kernel${info.note ? `: ${info.note}` : ''}` : `${info.sgemm} ${info.library}`;
  status = { addon, requested: req, reason: '', description: `native (${how})` };
  return status;
}

/** the addon when it is loaded and allowed, else undefined (never throws unless LMSTREAM_MATMUL=native cannot be met) */
export function nativeAddon(): NativeAddon | undefined {
  return nativeStatus().addon;
}
