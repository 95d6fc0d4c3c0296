/**
 * mulberry32: a small seeded pseudo-random generator whose whole state is one
 * uint32, so it can be saved in a checkpoint and restored exactly. Used by the
 * neural models (initialisation, dropout) and the training stages (held-out
 * selection, shuffling). Pure logic.
 */
export class Mulberry32 {
  /** current state (save it to resume the sequence exactly) */
  state: number;

  constructor(seedOrState: number) {
    this.state = seedOrState >>> 0;
  }

  /** a generator for `seed` and an independent `stream` id (seed and stream are mixed so streams do not overlap) */
  static fromSeed(seed: number, stream = 0): Mulberry32 {
    let s = (Math.trunc(seed) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    return new Mulberry32((s ^ (s >>> 16)) >>> 0);
  }

  /** uniform in [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** standard normal (Box-Muller) */
  normal(): number {
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
