import t from 'tap';
import { mkdtempSync, rmSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../src/backend.js';
import { exportTfjsLayers } from '../src/export/export.js';
import { registerLmstreamLayers } from '../src/export/custom-layers.js';
import { layersTf } from '../src/export/tf.js';
import { ExportedModel, decodeWeights } from '../src/export/runtime.js';
import { jsGemv } from '../src/export/gemv.js';
import { checkMeta } from '../src/export/meta.js';
import type { NeuralLM } from '../src/neural/api.js';
import { makeCheckpoint, type FixtureOptions } from './helpers/export-fixture.js';
import { lmstream } from './helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lmstream-export-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** what tf.loadLayersModel('http://…/model.json') does, from files: model.json + its shards */
function fileHandler(out: string): tfc.io.IOHandler {
  return {
    async load() {
      const mj = JSON.parse(await fsp.readFile(path.join(out, 'model.json'), 'utf8'));
      const bufs = [];
      for (const g of mj.weightsManifest) for (const p of g.paths) bufs.push(await fsp.readFile(path.join(out, p)));
      const all = Buffer.concat(bufs);
      return {
        modelTopology: mj.modelTopology,
        weightSpecs: mj.weightsManifest.flatMap((g: { weights: tfc.io.WeightsManifestEntry[] }) => g.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

/** P(next) after each prefix of `ids`, from the lmstream model itself */
function lmProbs(model: NeuralLM, ids: number[]): Float32Array[] {
  let st = model.initialState();
  return ids.map((id) => {
    const r = model.step(st, id);
    st = r.state;
    return r.probs;
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  if (a.length !== b.length) return Infinity;
  return m;
}

const CASES: [string, FixtureOptions][] = [
  ['mlp full', { arch: 'mlp', softmax: 'full' }],
  ['mlp class, direct', { arch: 'mlp', softmax: 'class', direct: true, order: 4 }],
  ['rnn full', { arch: 'rnn', softmax: 'full' }],
  ['rnn class', { arch: 'rnn', softmax: 'class' }],
  ['lstm full, 2 layers', { arch: 'lstm', softmax: 'full', layers: 2 }],
  ['lstm class, tied', { arch: 'lstm', softmax: 'class', tie: true, embed: 7 }],
  ['gru full, 2 layers', { arch: 'gru', softmax: 'full', layers: 2 }],
  ['gru class, word level', { arch: 'gru', softmax: 'class', level: 'word' }],
];

// a web page's tf (@tensorflow/tfjs = tfjs-core + tfjs-layers + …): plain tfjs-core, the one lmstream uses, and plain tfjs-layers
t.equal(tf, tfc, 'lmstream uses the plain @tensorflow/tfjs-core namespace');
const tfjs = layersTf(tfc, tfl);

for (const [name, o] of CASES) {
  t.test(`export round trip: ${name}`, async (t) => {
    const ck = path.join(dir, name.replace(/\W+/g, '-'));
    const out = ck + '-web';
    const { model, vocab, config } = await makeCheckpoint(ck, o);
    t.teardown(() => model.dispose());
    const r = await exportTfjsLayers(ck, out);
    const files = (await fsp.readdir(out)).sort();
    t.same(files, ['group1-shard1of1.bin', 'lmstream.json', 'metrics.json', 'model.json']);
    const meta = checkMeta(JSON.parse(await fsp.readFile(path.join(out, 'lmstream.json'), 'utf8')));
    t.same(meta.tokens, vocab.tokens);
    t.same(meta, r.meta);
    t.equal(meta.level, o.level ?? 'char');
    t.same(meta.startIds, meta.mode === 'stream' ? [vocab.id('\\n')] : []);
    const mj = JSON.parse(await fsp.readFile(path.join(out, 'model.json'), 'utf8'));
    t.equal(mj.format, 'layers-model');
    t.equal(mj.modelTopology.class_name, 'Model');

    // plain tfjs: loadLayersModel (custom layers registered first) gives lmstream's probabilities
    registerLmstreamLayers(tfjs);
    const lm = await tfjs.loadLayersModel(fileHandler(out));
    t.teardown(() => lm.dispose());
    const V = config.vocabSize;
    const ids = [...(meta.mode === 'stream' ? meta.startIds : [vocab.bosId]), 3, 4, 5, 3, 8, 6, 4];
    const want = lmProbs(model, ids);
    let d = 0;
    if (config.arch === 'mlp') {
      const N = config.order - 1;
      const ctx = Array(N).fill(1);
      ids.forEach((id, i) => {
        ctx.push(id);
        ctx.shift();
        const p = tfjs.tidy(() => (lm.predict(tfjs.tensor2d([ctx], [1, N], 'int32')) as tfc.Tensor).dataSync());
        d = Math.max(d, maxDiff(p, want[i]));
      });
    } else {
      const p = tfjs.tidy(() => (lm.predict(tfjs.tensor2d([ids], [1, ids.length], 'int32')) as tfc.Tensor).dataSync());
      t.equal(p.length, ids.length * V, 'one distribution per position');
      ids.forEach((_, i) => { d = Math.max(d, maxDiff(p.subarray(i * V, (i + 1) * V), want[i])); });
    }
    t.ok(d <= 1e-5, `tf.loadLayersModel probabilities equal lmstream's (max |diff| ${d.toExponential(2)})`);
    t.ok(want.every((p) => Math.abs(p.reduce((s, x) => s + x, 0) - 1) < 1e-5), 'they are distributions');
    t.ok(want.some((p) => Math.max(...p) - Math.min(...p) > 0.05), 'and not uniform ones');

    // the browser's runtime on the same files
    const bin = await fsp.readFile(path.join(out, 'group1-shard1of1.bin'));
    const weights = decodeWeights(mj.weightsManifest[0].weights, bin);
    const rt = new ExportedModel(meta, weights);
    t.equal(rt.gemv, 'wasm', 'Node has wasm SIMD: the kernel the browser uses');
    for (const m of [rt, new ExportedModel(meta, weights, jsGemv())]) {
      const got = lmProbs(m as unknown as NeuralLM, ids);
      const dr = Math.max(...got.map((p, i) => maxDiff(p, want[i])));
      t.ok(dr <= 1e-6, `runtime (${m.gemv}) probabilities equal lmstream's (max |diff| ${dr.toExponential(2)})`);
    }
  });
}

t.test('metrics: the curve from --metrics, else the validation history', async (t) => {
  const ck = path.join(dir, 'metrics-ck');
  const { model } = await makeCheckpoint(ck, { arch: 'rnn' });
  model.dispose();
  const mfile = path.join(dir, 'm.jsonl');
  await fsp.writeFile(mfile, [
    { kind: 'step', step: 1, loss: 2, tokens: 10 }, { kind: 'step', step: 2, loss: 1, tokens: 30 }, 'not json',
    { kind: 'epoch', epoch: 1, step: 2, validPpl: 3.5 },
  ].map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  await exportTfjsLayers(ck, path.join(dir, 'm1'), { metricsFile: mfile });
  t.same(JSON.parse(await fsp.readFile(path.join(dir, 'm1', 'metrics.json'), 'utf8')), { train: [[1, 2], [2, 1]], valid: [[2, 3.5]] });
  await exportTfjsLayers(ck, path.join(dir, 'm2'));
  t.same(JSON.parse(await fsp.readFile(path.join(dir, 'm2', 'metrics.json'), 'utf8')), { train: [], valid: [[1, 7.5]] });
});

t.test('CLI: export, and its errors', async (t) => {
  const ck = path.join(dir, 'cli-ck');
  const { model } = await makeCheckpoint(ck, { arch: 'lstm' });
  model.dispose();
  const out = path.join(dir, 'cli-out');
  const ok = lmstream(['export', '--format', 'tfjs-layers', ck, out]);
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stdout, '');
  t.match(ok.stderr, /exported lstm \(full softmax, V=12\)/);
  t.ok((await fsp.stat(path.join(out, 'model.json'))).size > 100);
  const noFormat = lmstream(['export', ck, out]);
  t.equal(noFormat.code, 2);
  t.match(noFormat.stderr, /--format is required/);
  const badFormat = lmstream(['export', '--format', 'onnx', ck, out]);
  t.match(badFormat.stderr, /--format: 'onnx' is not one of tfjs-layers/);
  const missing = lmstream(['export', '--format', 'tfjs-layers', path.join(dir, 'nope'), out]);
  t.equal(missing.code, 1);
  t.equal(missing.stderr.trim().split('\n').length, 1, 'one line');
  t.match(missing.stderr, /nope/);
});
