/** Finite-difference gradient checks for the hand-written backward passes. */
import type { NeuralConfig, SeqBatch } from '../../src/neural/api.js';
import { defaultConfig } from '../../src/neural/index.js';
import type { ModelExtras } from '../../src/neural/make-output.js';
import type { Param } from '../../src/neural/params.js';
import { RecurrentLM } from '../../src/neural/recurrent.js';
import { Mulberry32 } from '../../src/util/random.js';

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
  const rng = new Mulberry32(seed);
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

/** a random lane-major batch over V ids: lane 1 resets, a repeated id, optionally a mask */
export function seqBatch(V: number, B: number, T: number, seed: number, withMask: boolean): SeqBatch {
  const r = new Mulberry32(seed);
  const x = Int32Array.from({ length: B * T }, () => Math.floor(r.next() * V));
  const y = Int32Array.from({ length: B * T }, () => Math.floor(r.next() * V));
  x[1] = x[0]; // a repeated id: the embedding scatter must add, not overwrite
  const reset = Uint8Array.from({ length: B }, (_, b) => (b === 1 ? 1 : 0));
  const mask = withMask ? Uint8Array.from({ length: B * T }, (_, i) => (i % 5 === 3 ? 0 : 1)) : undefined;
  return { kind: 'seq', B, T, x, y, reset, mask };
}

/**
 * Gradient check of a small recurrent model (2 layers by default) on a
 * masked batch with a reset lane, from a non-zero carried state.
 */
export function checkRecurrent(t: Tap.Test, V: number, partial: Partial<NeuralConfig>, extras: ModelExtras = {}): void {
  const cfg = defaultConfig({ vocabSize: V, embed: 5, hidden: 6, layers: 2, initScale: 0.5, seed: 3, ...partial });
  const m = new RecurrentLM(cfg, extras);
  // give the lanes a non-zero carried state first; lane 1 is then reset
  m.evaluateSync(seqBatch(V, 3, 4, 1, false));
  const state = m.snapshotState();
  const batch = seqBatch(V, 3, 4, 2, true);
  m.computeGradients(batch);
  const grads = new Map<Param, Float32Array>(m.params.map((p) => [p, Float32Array.from(p.grad)]));
  const loss = () => {
    m.restoreState(state);
    const r = m.evaluateSync(batch);
    return r.sumNats / r.tokens;
  };
  const res = gradCheck(m.params, grads, loss);
  t.same(res.filter((r) => !close(r.analytic, r.numeric)), [], `${cfg.arch} ${cfg.softmax}: ${res.length} checks agree`);
  t.ok(res.some((r) => Math.abs(r.analytic) > 1e-2), 'gradients are not trivially zero');
}
