/** Finite-difference gradient checks for the hand-written backward passes. */
import type { Param } from '../../src/neural/params.js';
import { NeuralRng } from '../../src/neural/rng.js';

export interface CheckResult {
  name: string;
  analytic: number;
  numeric: number;
}

/**
 * For each param: the directional derivative along a random ±1 direction and
 * a few single coordinates (the largest gradients and random ones), analytic
 * (from `grads`) against central differences of `loss`.
 */
export function gradCheck(params: Param[], grads: Map<Param, Float32Array>, loss: () => number, eps = 1e-2, coords = 3, seed = 5): CheckResult[] {
  const rng = new NeuralRng(seed);
  const out: CheckResult[] = [];
  const fd = (apply: (sign: number) => void): number => {
    apply(1);
    const lp = loss();
    apply(-2);
    const lm = loss();
    apply(1);
    return (lp - lm) / (2 * eps);
  };
  for (const p of params) {
    const g = grads.get(p)!;
    const dir = new Float32Array(p.size);
    for (let i = 0; i < p.size; i++) dir[i] = rng.next() < 0.5 ? -1 : 1;
    let an = 0;
    for (let i = 0; i < p.size; i++) an += g[i] * dir[i];
    const orig = Float32Array.from(p.data);
    const num = fd((s) => {
      for (let i = 0; i < p.size; i++) p.data[i] += s * eps * dir[i];
      p.changed();
    });
    p.data.set(orig);
    p.changed();
    out.push({ name: `${p.name} (direction)`, analytic: an, numeric: num });
    const idx = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a])).slice(0, coords);
    for (let k = 0; k < coords; k++) idx.push(Math.floor(rng.next() * p.size));
    for (const i of idx) {
      const n = fd((s) => {
        p.data[i] += s * eps;
        p.changed();
      });
      p.data.set(orig);
      p.changed();
      out.push({ name: `${p.name}[${i}]`, analytic: g[i], numeric: n });
    }
  }
  return out;
}

/** relative agreement with an absolute floor */
export function close(a: number, b: number, rel = 1e-2, abs = 2e-4): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + abs;
}
