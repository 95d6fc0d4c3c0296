/**
 * Seeded random numbers for the neural models (initialisation, dropout
 * masks): mulberry32, whose single 32-bit state word can be saved and
 * restored exactly so that a resumed run draws the same dropout masks.
 * Pure logic.
 */
export class NeuralRng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }

  static fromSeed(seed: number, stream = 0): NeuralRng {
    // mix the seed and the stream id so different streams do not overlap
    let s = (Math.trunc(seed) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    return new NeuralRng((s ^ (s >>> 16)) >>> 0);
  }

  /** uniform in [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
