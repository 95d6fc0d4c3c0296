/**
 * A tiny count-based NeuralLM for testing the training stages without tfjs:
 * P(y | x) = (c[x][y] + 1) / (c[x] + V), where x is the previous token (the
 * last context token for window batches). trainStep adds `learningRate` to the
 * counts of the batch's bigrams after scoring them, so losses depend on the
 * data order and the learning rate. It carries one number per lane (tokens
 * seen since the last reset) that enters the training loss as 1e-3 · mean, so
 * that a resume that loses the carried state gives different losses.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Batch, NeuralConfig, NeuralLM, StepResult } from '../../src/neural/api.js';

export function fakeConfig(p: Partial<NeuralConfig> = {}): NeuralConfig {
  return {
    arch: 'lstm', vocabSize: 10, embed: 4, hidden: 4, layers: 1, order: 3, direct: false, tie: false,
    dropout: 0, softmax: 'full', classes: 0, init: 'uniform', initScale: 0.1, optimizer: 'sgd', lr: 1,
    l2: 0, clip: 0, seed: 1, ...p,
  };
}

export class FakeModel implements NeuralLM {
  counts: Float64Array;
  rows: Float64Array;
  carried = new Float32Array(0);
  learningRate: number;
  steps = 0;
  disposed = false;

  constructor(readonly config: NeuralConfig) {
    const V = config.vocabSize;
    this.counts = new Float64Array(V * V);
    this.rows = new Float64Array(V);
    this.learningRate = config.lr;
  }

  private pairs(batch: Batch): { x: number; y: number; lane: number }[] {
    const out: { x: number; y: number; lane: number }[] = [];
    if (batch.kind === 'window') {
      for (let b = 0; b < batch.B; b++) out.push({ x: batch.context[b * batch.N + batch.N - 1], y: batch.next[b], lane: -1 });
    } else {
      if (this.carried.length !== batch.B) this.carried = new Float32Array(batch.B);
      for (let b = 0; b < batch.B; b++) if (batch.reset[b]) this.carried[b] = 0;
      for (let i = 0; i < batch.B * batch.T; i++) {
        if (batch.mask && !batch.mask[i]) continue;
        out.push({ x: batch.x[i], y: batch.y[i], lane: Math.floor(i / batch.T) });
      }
    }
    return out;
  }

  private nats(x: number, y: number): number {
    const V = this.config.vocabSize;
    return -Math.log((this.counts[x * V + y] + 1) / (this.rows[x] + V));
  }

  async trainStep(batch: Batch): Promise<StepResult> {
    const ps = this.pairs(batch);
    let sum = 0;
    for (const p of ps) sum += this.nats(p.x, p.y);
    let extra = 0;
    if (batch.kind === 'seq') {
      for (let b = 0; b < batch.B; b++) extra += this.carried[b];
      extra = (1e-3 * extra) / batch.B;
    }
    for (const p of ps) {
      this.counts[p.x * this.config.vocabSize + p.y] += this.learningRate;
      this.rows[p.x] += this.learningRate;
      if (p.lane >= 0) this.carried[p.lane] += 1;
    }
    this.steps++;
    return { loss: ps.length ? sum / ps.length + extra : 0, tokens: ps.length };
  }

  async evaluate(batch: Batch): Promise<{ sumNats: number; tokens: number }> {
    const ps = this.pairs(batch);
    let sum = 0;
    for (const p of ps) {
      sum += this.nats(p.x, p.y);
      if (p.lane >= 0) this.carried[p.lane] += 1;
    }
    return { sumNats: sum, tokens: ps.length };
  }

  resetState(): void {
    this.carried.fill(0);
  }

  initialState(): unknown {
    return 1;
  }

  step(_state: unknown, token: number): { state: unknown; probs: Float32Array } {
    const V = this.config.vocabSize;
    const probs = new Float32Array(V);
    for (let y = 0; y < V; y++) probs[y] = Math.exp(-this.nats(token, y));
    return { state: token, probs };
  }

  async save(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(path.join(dir, 'fake-model.json'), JSON.stringify({
      config: this.config, counts: [...this.counts], rows: [...this.rows], lr: this.learningRate,
    }));
  }

  static async load(dir: string): Promise<FakeModel> {
    const o = JSON.parse(await fsp.readFile(path.join(dir, 'fake-model.json'), 'utf8'));
    const m = new FakeModel(o.config);
    m.counts = Float64Array.from(o.counts);
    m.rows = Float64Array.from(o.rows);
    m.learningRate = o.lr;
    return m;
  }

  getCarriedState(): Float32Array[] {
    return [this.carried.slice()];
  }

  setCarriedState(s: Float32Array[]): void {
    this.carried = s[0].slice();
  }

  dispose(): void {
    this.disposed = true;
  }
}
