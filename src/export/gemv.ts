/**
 * Matrix × vector products for the exported-model runtime (./runtime.ts):
 * y = b + Wᵀ·x with W given transposed (n×k, row-major: one row per output).
 *
 * Two implementations, the same interface:
 * - `wasm`: a 128-bit SIMD WebAssembly kernel (f32x4 multiply-add over four
 *   rows at a time, assembled below from its bytes: no toolchain, no file to
 *   fetch), weights copied once into its memory, rows padded to a multiple of
 *   4 floats and their number to a multiple of 4;
 *   float32 partial sums in 4 lanes. Used when the engine supports wasm SIMD
 *   (Chromium ≥ 91, Firefox ≥ 89, Safari ≥ 16.4, Node ≥ 16).
 * - `js`: plain loops, float64 sums; the fallback.
 * Both agree with lmstream's own products to float32 rounding.
 * Memory: the weights once (in the wasm memory, or the caller's arrays).
 */

/** the little of the WebAssembly JS API used here (not in this project's TypeScript libs) */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

export interface Gemv {
  readonly kind: 'wasm' | 'js';
  /** register Wt (n×k) and its bias b (n); returns the product x (k) → y (n), y valid until the next call of it */
  matrix(Wt: Float32Array, n: number, k: number, b: Float32Array): (x: Float32Array) => Float32Array;
}

export function jsGemv(): Gemv {
  return {
    kind: 'js',
    matrix(Wt, n, k, b) {
      const y = new Float32Array(n);
      const k4 = k - (k % 4);
      return (x) => {
        for (let j = 0; j < n; j++) {
          const o = j * k;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          let i = 0;
          for (; i < k4; i += 4) {
            s0 += x[i] * Wt[o + i];
            s1 += x[i + 1] * Wt[o + i + 1];
            s2 += x[i + 2] * Wt[o + i + 2];
            s3 += x[i + 3] * Wt[o + i + 3];
          }
          for (; i < k; i++) s0 += x[i] * Wt[o + i];
          y[j] = b[j] + (s0 + s1) + (s2 + s3);
        }
        return y;
      };
    },
  };
}

const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
};
const str = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

/**
 * The module: memory "mem" (exported), and
 *   gemv(x, w, b, y, n, kb): for j < n: y[j] = b[j] + Σ lanes of Σ_i x[i..i+4]·w[j][i..i+4]
 * (byte addresses; kb = bytes per row, a positive multiple of 16; n a
 * positive multiple of 4). Four rows at a time: each x vector is loaded once
 * for four rows, and the four accumulators are independent chains (one
 * accumulator would wait on its own add every step). Each row's sums are
 * formed in the same order as one row at a time: the same float32 results.
 */
export function gemvModuleBytes(): Uint8Array {
  const I32 = 0x7f, V128 = 0x7b;
  const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i], tee = (i: number) => [0x22, i];
  const i32c = (v: number) => [0x41, ...uleb(v)]; // small non-negative constants only
  const add = 0x6a, sub = 0x6b;
  const simd = (op: number, ...rest: number[]) => [0xfd, ...uleb(op), ...rest];
  const v128load = simd(0x00, 4, 0); // align 2^4, offset 0
  const f32x4add = simd(0xe4), f32x4mul = simd(0xe6);
  const lane = (l: number) => simd(0x1f, l);
  const f32add = 0x92;
  const [x, w, b, y, n, kb, i] = [0, 1, 2, 3, 4, 5, 6];
  const acc = [7, 8, 9, 10];
  const xv = 11;
  const wr = [w, 12, 13, 14]; // the four rows' addresses
  const zero = [...simd(0x0c, ...new Array(16).fill(0))];
  const body = [
    3, 1, I32, 5, V128, 3, I32, // locals: i (i32); acc0..3, xv (v128); w1..w3 (i32)
    0x03, 0x40, // loop over blocks of 4 rows
    ...acc.flatMap((a) => [...zero, ...set(a)]),
    ...i32c(0), ...set(i),
    ...get(w), ...get(kb), add, ...tee(wr[1]), ...get(kb), add, ...tee(wr[2]), ...get(kb), add, ...set(wr[3]),
    0x03, 0x40, // loop over the rows, 4 floats at a time
    ...get(x), ...get(i), add, ...v128load, ...set(xv),
    ...[0, 1, 2, 3].flatMap((r) => [
      ...get(acc[r]), ...get(xv), ...get(wr[r]), ...get(i), add, ...v128load, ...f32x4mul, ...f32x4add, ...set(acc[r]),
    ]),
    ...get(i), ...i32c(16), add, ...tee(i), ...get(kb), 0x49, // i32.lt_u
    0x0d, 0, // br_if inner
    0x0b,
    ...[0, 1, 2, 3].flatMap((r) => [
      ...get(y),
      ...get(b), 0x2a, 2, ...uleb(4 * r), // f32.load offset 4r
      ...get(acc[r]), ...lane(0), f32add, ...get(acc[r]), ...lane(1), f32add,
      ...get(acc[r]), ...lane(2), f32add, ...get(acc[r]), ...lane(3), f32add,
      0x38, 2, ...uleb(4 * r), // f32.store offset 4r
    ]),
    ...get(wr[3]), ...get(kb), add, ...set(w),
    ...get(b), ...i32c(16), add, ...set(b),
    ...get(y), ...i32c(16), add, ...set(y),
    ...get(n), ...i32c(4), sub, ...tee(n),
    0x0d, 0, // br_if outer
    0x0b, // end loop
    0x0b, // end function
  ];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]), // type: (i32 ×6) → ()
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0, 1]), // memory: min 1 page, no max
    ...section(7, [2, ...str('gemv'), 0, 0, ...str('mem'), 2, 0]), // exports
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return new Uint8Array(bytes);
}

interface GemvExports {
  gemv(x: number, w: number, b: number, y: number, n: number, kb: number): void;
  mem: WasmMemory;
}

/** The wasm SIMD kernel, or undefined when this engine has no wasm SIMD. */
export function wasmGemv(): Gemv | undefined {
  let ex: GemvExports;
  try {
    const bytes = gemvModuleBytes();
    if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return undefined;
    ex = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as GemvExports;
  } catch {
    return undefined;
  }
  let top = 16;
  const alloc = (floats: number): number => {
    const at = top;
    top += Math.ceil((floats * 4) / 16) * 16;
    const need = Math.ceil(top / 65536) - ex.mem.buffer.byteLength / 65536;
    if (need > 0) ex.mem.grow(need);
    return at;
  };
  return {
    kind: 'wasm',
    matrix(Wt, n, k, b) {
      const k4 = Math.max(4, Math.ceil(k / 4) * 4);
      // rows padded to a multiple of 4 with zero rows (fresh memory is zero; their outputs are not returned)
      const n4 = Math.max(4, Math.ceil(n / 4) * 4);
      const pw = alloc(n4 * k4), pb = alloc(n4), px = alloc(k4), py = alloc(n4);
      let f = new Float32Array(ex.mem.buffer);
      for (let j = 0; j < n; j++) f.set(Wt.subarray(j * k, j * k + k), pw / 4 + j * k4);
      f.set(b, pb / 4);
      return (x) => {
        if (f.buffer !== ex.mem.buffer) f = new Float32Array(ex.mem.buffer); // grown since
        f.set(x, px / 4);
        ex.gemv(px, pw, pb, py, n4, k4 * 4);
        return f.subarray(py / 4, py / 4 + n);
      };
    },
  };
}

/** the fastest available: wasm SIMD, else JavaScript */
export function bestGemv(): Gemv {
  return wasmGemv() ?? jsGemv();
}
