/**
 * Benchmark (not a test): tokens per second and peak RSS of the streaming
 * front end, read → tokenize → encode, on a 25M-token synthetic corpus made by
 * ../shared/bench/make-synth-corpus.mjs (cached under the OS temp directory).
 *
 *   node dist/pipelines/bench/bench-frontend.js [--tokens N] [--tokenizer whitespace,word]
 *
 * Each tokenizer runs in its own child process (so peak RSS is its own): a
 * counting pass builds the vocabulary, then the timed pass encodes the corpus
 * into chunks of 64Ki ids. Results go to stdout as a table and one JSON line.
 */
import { createReadStream, existsSync, openSync, closeSync, renameSync, statSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { textReader } from '../../src/io/text-reader.js';
import { tokenizer, type TokenizerName } from '../../src/text/tokenizers.js';
import { vocabCount } from '../../src/vocab/vocab-count.js';
import { encode } from '../../src/vocab/encode.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
const shared = path.resolve(root, '../shared');
const READ_CHUNK = Number(process.env.BENCH_READ_CHUNK) || 64 * 1024;

function corpusPath(tokens: number): string {
  const file = path.join(os.tmpdir(), `lmstream-bench-synth-${tokens}-1.txt`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  process.stderr.write(`bench: generating ${tokens} tokens into ${file} …\n`);
  const fd = openSync(tmp, 'w');
  const r = spawnSync(process.execPath, [
    path.join(shared, 'bench/make-synth-corpus.mjs'), String(tokens), '1',
    path.join(shared, 'reference/brown-sentences/train.txt'), path.join(shared, 'reference/brown-sentences/test.txt'),
  ], { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  if (r.status !== 0) throw new Error(`make-synth-corpus failed (exit ${r.status})`);
  renameSync(tmp, file);
  return file;
}

interface Result {
  tokenizer: string;
  tokens: number;
  types: number;
  countSeconds: number;
  encodeSeconds: number;
  tokensPerSecond: number;
  countTokensPerSecond: number;
  /** tokens per CPU second of this process in the encode pass (less sensitive to a shared machine) */
  tokensPerCpuSecond: number;
  peakRssMB: number;
}

/** One tokenizer, in this process: counting pass, then timed encode pass. */
async function runOne(file: string, name: TokenizerName): Promise<Result> {
  const t0 = performance.now();
  const counter = vocabCount({ batch: true });
  await pipeline(createReadStream(file, { highWaterMark: READ_CHUNK }), textReader({ batch: true }), tokenizer(name, { batch: true }), counter);
  const t1 = performance.now();
  const vocab = counter.vocabulary!;
  let ids = 0;
  const sink = new Writable({
    objectMode: true,
    write(chunk: Int32Array, _e, cb) { ids += chunk.length; cb(); },
  });
  const c2 = process.cpuUsage();
  const t2 = performance.now();
  await pipeline(createReadStream(file, { highWaterMark: READ_CHUNK }), textReader({ batch: true }), tokenizer(name, { batch: true }), encode(vocab, { chunkSize: 65536, batch: true }), sink);
  const t3 = performance.now();
  const c3 = process.cpuUsage(c2);
  if (ids !== counter.tokens) throw new Error(`encoded ${ids} ids, counted ${counter.tokens} tokens`);
  return {
    tokenizer: name,
    tokens: ids,
    types: counter.counts.size,
    countSeconds: (t1 - t0) / 1000,
    encodeSeconds: (t3 - t2) / 1000,
    tokensPerSecond: ids / ((t3 - t2) / 1000),
    countTokensPerSecond: counter.tokens / ((t1 - t0) / 1000),
    tokensPerCpuSecond: ids / ((c3.user + c3.system) / 1e6),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

function child(file: string, name: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', file, name], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Result) : reject(new Error(`bench child for ${name} exited ${code}`))));
  });
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--child') {
    process.stdout.write(JSON.stringify(await runOne(argv[1], argv[2] as TokenizerName)) + '\n');
    return 0;
  }
  const tokens = Number(argv[argv.indexOf('--tokens') + 1] ?? NaN) || 25_000_000;
  const names = argv.includes('--tokenizer') ? argv[argv.indexOf('--tokenizer') + 1].split(',') : ['whitespace', 'word'];
  const file = corpusPath(tokens);
  process.stderr.write(`bench: corpus ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB), node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0].toFixed(2)}\n`);
  const results: Result[] = [];
  for (const n of names) results.push(await child(file, n));
  const target: Record<string, string> = { whitespace: '≥ 3 M tok/s, RSS < 200 MB', word: '≥ 1 M tok/s' };
  console.log('tokenizer   tokens     types   count pass    read→tokenize→encode          per CPU s     peak RSS  target');
  for (const r of results) {
    const m = (x: number) => `${(x / 1e6).toFixed(2).padStart(5)} M tok/s`;
    console.log(`${r.tokenizer.padEnd(11)} ${String(r.tokens).padEnd(10)} ${String(r.types).padEnd(7)} ${m(r.countTokensPerSecond)}  ${m(r.tokensPerSecond)} (${r.encodeSeconds.toFixed(2).padStart(5)} s)  ${m(r.tokensPerCpuSecond)}  ${r.peakRssMB.toFixed(0).padStart(4)} MB  ${target[r.tokenizer] ?? ''}`);
  }
  console.log(JSON.stringify(results));
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((c) => { process.exitCode = c; }, (e) => { console.error(`bench-frontend: ${(e as Error).message}`); process.exitCode = 1; });
}
