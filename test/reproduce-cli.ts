import t from 'tap';
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModelFromCorpus } from '../src/ngram/build.js';
import { PplScorer } from '../src/ngram/ppl.js';
import { NGRAM_UNK_WORD } from '../src/reproduce/bengio2003.js';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'lmstream.js');
const TINY = path.join(ROOT, 'fixtures', 'brown', 'tiny');

const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'reproduce', ...args], { encoding: 'utf8', cwd: ROOT });

async function tokens(file: string): Promise<string[]> {
  return (await fsp.readFile(path.join(TINY, file), 'utf8')).split(/\s+/).filter((x) => x !== '');
}

/** KenLM's `query` on a split joined into one line, with the n-gram API directly. */
async function directPpl(order: number, split: string, maxTokens = Infinity): Promise<number> {
  const rename = (w: string) => (w === '<unk>' ? NGRAM_UNK_WORD : w);
  const train = (await tokens('train.txt')).slice(0, maxTokens).map(rename);
  const model = await buildModelFromCorpus([train], { order, mode: 'stream' });
  const sc = new PplScorer(model, 'stream');
  sc.document((await tokens(split)).slice(0, maxTokens).map(rename));
  sc.finish();
  return sc.summary().pplIncludingOovs;
}

t.test('reproduce bengio2003 --models kn3 on a few thousand tokens', async (t) => {
  const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'repro-cli-'));
  t.teardown(() => fsp.rm(out, { recursive: true, force: true }));
  const r = run(['bengio2003', '--models', 'kn3', '--data', TINY, '--out', out, '--max-tokens', '2000']);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines.length, 3, 'header, rule, one row');
  t.equal(lines[0], '| model | valid ppl | test ppl | paper test ppl | train time |');
  const cells = lines[2].split('|').slice(1, -1).map((c) => c.trim());
  t.equal(cells.length, 5);
  t.equal(cells[0], 'Kneser-Ney 3-gram (modified, interpolated)');
  t.equal(cells[3], '323');
  t.match(cells[4], /^\d+\.\d s$/);
  const valid = await directPpl(3, 'valid.txt', 2000);
  const test = await directPpl(3, 'test.txt', 2000);
  t.equal(cells[1], valid.toFixed(2));
  t.equal(cells[2], test.toFixed(2));
  const json = JSON.parse(await fsp.readFile(path.join(out, 'results.json'), 'utf8'));
  t.equal(json.rows.length, 1);
  t.equal(json.rows[0].model, 'kn3');
  t.ok(Math.abs(json.rows[0].validPpl / valid - 1) < 1e-12, `${json.rows[0].validPpl} = ${valid}`);
  t.ok(Math.abs(json.rows[0].testPpl / test - 1) < 1e-12, `${json.rows[0].testPpl} = ${test}`);
  t.same(json.data, { dir: TINY, train: 2000, valid: 1082, test: 781, vocabEntries: json.data.vocabEntries });
  t.equal(await fsp.readFile(path.join(out, 'results.md'), 'utf8'), r.stdout, 'the same table in results.md');
  const svg = await fsp.readFile(path.join(out, 'results.svg'), 'utf8');
  t.same([...svg.matchAll(/<rect class="bar" data-series="([^"]*)" data-category="([^"]*)"/g)].map((m) => m[1]), ['valid ppl', 'test ppl', 'paper&apos;s test ppl'], 'results.svg: a bar per value of the table');
  t.match(svg, '>Kneser-Ney 3-gram (modified, interpolated)</text>');
  t.match(r.stderr, /kn3: valid ppl/, 'progress on stderr');
});

t.test('reproduce: usage errors and help', async (t) => {
  const h = run(['--help']);
  t.equal(h.status, 0);
  t.match(h.stdout, /^usage: lmstream reproduce bengio2003/);
  const a = run(['bengio2003', '--models', 'kn3,kn4']);
  t.equal(a.status, 2);
  t.match(a.stderr, /--models: unknown model 'kn4'/);
  const b = run(['mikolov2010']);
  t.equal(b.status, 2);
  t.match(b.stderr, /unknown result 'mikolov2010'/);
  const c = run(['bengio2003', '--models', 'kn3', '--data', path.join(TINY, 'nowhere'), '--out', path.join(os.tmpdir(), 'repro-none')]);
  t.equal(c.status, 1);
  t.match(c.stderr, /nowhere\/train\.txt: no such file/);
  const d = run(['bengio2003', '--time-budget', 'soon']);
  t.equal(d.status, 2);
  t.match(d.stderr, /--time-budget: 'soon' is not a duration/);
});

t.test('reproduce --reuse evaluates the saved checkpoint instead of training again', async (t) => {
  const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'repro-reuse-'));
  t.teardown(() => fsp.rm(out, { recursive: true, force: true }));
  const common = ['bengio2003', '--data', TINY, '--out', out, '--max-tokens', '1500', '--epochs', '1', '--batch', '32', '--softmax', 'class'];
  const first = run([...common, '--models', 'mlp9']);
  t.equal(first.status, 0, first.stderr);
  const row = (stdout: string, name: RegExp) => stdout.split('\n').find((l) => name.test(l))!.split('|').slice(1, -1).map((c) => c.trim());
  const trained = row(first.stdout, /^\| MLP9/);
  const again = run([...common, '--models', 'mlp9,mix', '--reuse']);
  t.equal(again.status, 0, again.stderr);
  t.match(again.stderr, /mlp9: reusing the checkpoint in/);
  t.notMatch(again.stderr, /mlp9: epoch 1/, 'no training');
  const reused = row(again.stdout, /^\| MLP9 .*reused checkpoint/);
  t.equal(reused[1], trained[1], 'same valid ppl');
  t.equal(reused[2], trained[2], 'same test ppl');
  t.equal(reused[4], '—', 'no train time for a reused model');
  t.ok(again.stdout.split('\n').some((l) => /^\| MLP9 \+ KN3, 0\.5\/0\.5/.test(l)), 'the mixture row is there');
});
