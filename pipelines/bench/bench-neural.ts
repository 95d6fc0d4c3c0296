/**
 * Benchmark (not a test): training throughput of the neural models on the
 * shapes of ../shared/bench/torch_lm_peer.py, tokens/s of one training step
 * (forward + backward + Adam, lr 1e-3), best of --steps steps after one
 * warm-up step, random ids like the peer. When `python3 -c 'import torch'`
 * works the peer runs in the same invocation and the ratio is printed.
 * `--optimizer sgd` times plain SGD with L2 1e-5 on both sides instead (the
 * Bengio MLPs' training; lmstream updates embeddings and class-softmax rows
 * row-sparsely): the peer script then runs with torch.optim.Adam replaced by
 * torch.optim.SGD(lr 0.1, weight_decay 1e-5).
 *
 *   node dist/pipelines/bench/bench-neural.js [char-lstm|word-lstm|word-mlp|all] [--softmax full|class|both] [--optimizer adam|sgd] [--threads 1,2] [--steps N] [--no-peer]
 *
 * char-lstm uses the full softmax (V = 96). The word shapes run the class
 * softmax (≈√V frequency classes, the project's target setting) and, with
 * --softmax both (default) or full, the full softmax too. With the class
 * softmax the targets are drawn from a Zipf law over the ids — the
 * distribution the classes were cut for, as in real text (uniform targets
 * would put most tokens in the largest, rarest class); --ids uniform draws
 * them uniformly like the peer.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Batch, NeuralConfig, SoftmaxKind } from '../../src/neural/api.js';
import { createModel, defaultConfig } from '../../src/neural/index.js';
import { Mulberry32 } from '../../src/util/random.js';
import { num, oneOf, parseCommand, runMain, UsageError } from '../../src/cli/common.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
const PEER = path.resolve(root, '../shared/bench/torch_lm_peer.py');

interface Shape {
  kind: 'lstm' | 'mlp';
  V: number;
  E: number;
  H: number;
  /** bptt (lstm) or context n−1 (mlp) */
  T: number;
  B: number;
}

const SHAPES: Record<string, Shape> = {
  'char-lstm': { kind: 'lstm', V: 96, E: 64, H: 256, T: 64, B: 32 },
  'word-lstm': { kind: 'lstm', V: 17905, E: 128, H: 256, T: 35, B: 20 },
  'word-mlp': { kind: 'mlp', V: 17905, E: 30, H: 100, T: 4, B: 64 },
};

const TARGET: Record<string, number> = { 'char-lstm': 0.5, 'word-lstm': 1, 'word-mlp': 1 };

const HELP = `usage: node dist/pipelines/bench/bench-neural.js [char-lstm|word-lstm|word-mlp|all] [options]

Training tokens/s (forward+backward+update, best of N steps) on the PyTorch
peer's shapes; runs the peer too when python3 has torch.

options:
  --softmax full|class|both   output layer for the word shapes (default both)
  --optimizer adam|sgd        adam (lr 1e-3, the peer's; default) or sgd (lr 0.1,
                              L2 1e-5, the peer switched to torch.optim.SGD)
  --ids zipf|uniform          target ids for the class softmax (default zipf)
  --steps N                   timed steps (default 5)
  --threads LIST              1, 2 or 1,2 (default): data-parallel worker threads
  --no-peer                   do not run the PyTorch peer
`;

function sampler(V: number, dist: 'zipf' | 'uniform', rng: Mulberry32): () => number {
  if (dist === 'uniform') return () => Math.floor(rng.next() * V);
  const cdf = new Float64Array(V);
  let s = 0;
  for (let i = 0; i < V; i++) cdf[i] = s += 1 / (i + 1);
  return () => {
    const u = rng.next() * s;
    let lo = 0;
    let hi = V - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

type BenchOptimizer = 'adam' | 'sgd';
const OPTIM: Record<BenchOptimizer, Partial<NeuralConfig>> = {
  adam: { optimizer: 'adam', lr: 1e-3 },
  sgd: { optimizer: 'sgd', lr: 0.1, l2: 1e-5 },
};
/** run the shared peer script with Adam swapped for SGD */
const SGD_PEER = "import runpy, sys, torch; torch.optim.Adam = lambda params, lr: torch.optim.SGD(params, lr=0.1, weight_decay=1e-5); runpy.run_path(sys.argv[0], run_name='__main__')";

async function benchOne(name: string, softmax: SoftmaxKind, ids: 'zipf' | 'uniform', steps: number, threads: number, optim: BenchOptimizer): Promise<number> {
  const s = SHAPES[name];
  const partial: Partial<NeuralConfig> & { vocabSize: number } = {
    vocabSize: s.V, embed: s.E, hidden: s.H, softmax, ...OPTIM[optim], seed: 0,
    init: 'uniform', initScale: 0.1,
  };
  const cfg = defaultConfig(s.kind === 'mlp' ? { ...partial, arch: 'mlp', order: s.T + 1 } : { ...partial, arch: 'lstm', layers: 1 });
  const model = await createModel(cfg);
  if (threads > 1) await (model as unknown as { setThreads(n: number): Promise<void> }).setThreads(threads);
  const rng = new Mulberry32(1);
  const draw = sampler(s.V, softmax === 'class' ? ids : 'uniform', rng);
  const uni = sampler(s.V, 'uniform', rng);
  const batch: Batch = s.kind === 'mlp'
    ? { kind: 'window', B: s.B, N: s.T, context: Int32Array.from({ length: s.B * s.T }, uni), next: Int32Array.from({ length: s.B }, draw) }
    : { kind: 'seq', B: s.B, T: s.T, x: Int32Array.from({ length: s.B * s.T }, uni), y: Int32Array.from({ length: s.B * s.T }, draw), reset: new Uint8Array(s.B) };
  const ntok = s.kind === 'mlp' ? s.B : s.B * s.T;
  await model.trainStep(batch);
  let best = Infinity;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await model.trainStep(batch);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  model.dispose();
  return ntok / best;
}

/**
 * The first python with torch: `$PYTHON`, then `python3` on the PATH, then
 * Debian's /usr/bin/python3 (where `apt-get install python3-torch` puts it even
 * when another python3 comes first on the PATH).
 */
function pythonWithTorch(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

function peer(name: string, optim: BenchOptimizer): number | undefined {
  const python = pythonWithTorch();
  if (!python) return undefined;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // with -c, sys.argv is ['-c', PEER, name]: the wrapper shifts it to [PEER, name]
  const args = optim === 'sgd' ? ['-c', `import sys; sys.argv = sys.argv[1:]; ${SGD_PEER}`, PEER, name] : [PEER, name];
  const r = spawnSync(python, args, { env, encoding: 'utf8' });
  const m = /:\s*([\d.]+) tokens\/s/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) {
    process.stderr.write(`bench-neural: peer failed: ${(r.stderr ?? '').split('\n').slice(-2).join(' ')}\n`);
    return undefined;
  }
  return Number(m[1]);
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, {
    softmax: { type: 'string' },
    ids: { type: 'string' },
    steps: { type: 'string' },
    'no-peer': { type: 'boolean' },
    threads: { type: 'string' },
    optimizer: { type: 'string' },
  }, HELP);
  if (!p) return 0;
  const which = p.positionals[0] ?? 'all';
  if (which !== 'all' && !(which in SHAPES)) throw new UsageError(`unknown shape '${which}' (char-lstm, word-lstm, word-mlp or all)`);
  const names = which === 'all' ? Object.keys(SHAPES) : [which];
  const sm = oneOf(p, 'softmax', ['full', 'class', 'both'] as const, 'both');
  const ids = oneOf(p, 'ids', ['zipf', 'uniform'] as const, 'zipf');
  const steps = num(p, 'steps', 5, { min: 1, integer: true });
  const optim = oneOf(p, 'optimizer', ['adam', 'sgd'] as const, 'adam');
  const withPeer = !p.values['no-peer'];
  const threadList = (typeof p.values.threads === 'string' ? p.values.threads : '1,2').split(',').map((v) => {
    const n = Number(v);
    if (n !== 1 && n !== 2) throw new UsageError(`--threads: '${v}' is not 1 or 2`);
    return n;
  });
  process.stderr.write(`bench-neural: node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0].toFixed(2)}\n`);
  const rows: Record<string, unknown>[] = [];
  for (const name of names) {
    const kinds: SoftmaxKind[] = name === 'char-lstm' ? ['full'] : sm === 'both' ? ['class', 'full'] : [sm];
    const peerTps = withPeer ? peer(name, optim) : undefined;
    for (const k of kinds) for (const threads of threadList) {
      const tps = await benchOne(name, k, ids, steps, threads, optim);
      const ratio = peerTps ? tps / peerTps : undefined;
      const target = k === 'class' || name === 'char-lstm' ? TARGET[name] : undefined;
      const idsNote = k === 'class' ? `, ${ids} targets` : '';
      console.log(
        `${name.padEnd(10)} ${optim} softmax ${k.padEnd(5)} threads ${threads} ${tps.toFixed(0).padStart(6)} tokens/s` +
          (peerTps ? `   PyTorch (full) ${peerTps.toFixed(0)} tokens/s   ratio ${ratio!.toFixed(2)}x` : '   (PyTorch peer not available)') +
          (target !== undefined ? `   target >= ${target}x` : '') + idsNote,
      );
      rows.push({ name, optimizer: optim, softmax: k, threads, tokensPerSecond: Math.round(tps), peerTokensPerSecond: peerTps, ratio, ids: k === 'class' ? ids : 'uniform' });
    }
  }
  console.log(JSON.stringify(rows));
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void runMain('bench-neural', () => main(process.argv.slice(2)));
}
