/**
 * A small seeded pseudo-random generator, xoshiro128** (Blackman & Vigna),
 * seeded through splitmix32. Pure logic, no streams.
 *
 * The state is four 32-bit words and can be saved and restored exactly
 * (`getState` / `Rng.fromState`), so sampling and training runs that checkpoint
 * it continue with the same numbers. Shared by sampling (src/generate) and
 * usable by any part that needs reproducible randomness (shuffling,
 * initialisation, dropout masks).
 */

/** The serialisable state of an Rng: four uint32 words, not all zero. */
export type RngState = [number, number, number, number];

/** splitmix32: expands one 32-bit seed into well-mixed words. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * Seed with any finite number (integers up to 2^53 keep all their bits:
   * the high and low words are mixed separately).
   */
  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    const lo = Math.trunc(seed) >>> 0;
    const hi = Math.floor(Math.trunc(Math.abs(seed)) / 4294967296) >>> 0;
    const sm = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d) ^ (seed < 0 ? 0x5bd1e995 : 0));
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Restore a generator from `getState()`. */
  static fromState(state: readonly number[]): Rng {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new RangeError('rng state must be four unsigned 32-bit integers');
    }
    if (state.every((w) => w === 0)) throw new RangeError('rng state must not be all zero');
    const r = new Rng(0);
    [r.s0, r.s1, r.s2, r.s3] = state as RngState;
    return r;
  }

  /** A copy of the state, JSON-serialisable. */
  getState(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** An independent copy that continues with the same numbers. */
  clone(): Rng {
    return Rng.fromState(this.getState());
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (two draws). */
  random(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new RangeError(`int(n) needs 1 <= n <= 2^32, got ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal deviate (Box–Muller, one value per call). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffle an array in place (Fisher–Yates) and return it. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
