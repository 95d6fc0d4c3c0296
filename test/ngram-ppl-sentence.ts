import t from 'tap';
import { promises as fsp } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { lmstream, root, cliPath } from './helpers/cli.js';
import { pplStage } from '../src/ngram/ppl-stage.js';
import { loadNgramModel } from '../src/ngram/load.js';

const tiny = path.join(root, 'fixtures/ngram/tiny.txt');
const TEST = 'the cat sat on the mat\nzzz the dog\n\na b c\n';
// KenLM `query -v sentence` on the 3-gram of tiny.txt built by lmstream (the
// same ARPA file as lmplz's): per line "Total: log10 OOV: n"
const KENLM = [[-5.778642, 6], [-3.4310942, 3], [-1.083546, 0], [-1.2289947, 0]];
const TOKENS = [7, 4, 1, 4];

async function arpa(t: Tap.Test): Promise<{ dir: string; model: string }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ppl-sent-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const model = path.join(dir, 'm.arpa');
  const b = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--arpa', model, tiny]);
  if (b.code !== 0) throw new Error(b.stderr);
  return { dir, model };
}

t.test('--per-sentence: one line per input line, KenLM query\'s Total and OOV', async (t) => {
  const { model } = await arpa(t);
  const r = lmstream(['ngram', 'ppl', '--model', model, '--per-sentence'], TEST);
  t.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').slice(0, 4).map((l) => l.split('\t').map(Number));
  t.equal(rows.length, 4);
  rows.forEach(([log10, tokens, oovs, ppl], i) => {
    t.ok(Math.abs(log10 - KENLM[i][0]) < 1e-6, `line ${i + 1}: log10 ${log10} = KenLM ${KENLM[i][0]}`);
    t.equal(oovs, KENLM[i][1], `line ${i + 1}: OOVs`);
    t.equal(tokens, TOKENS[i], `line ${i + 1}: tokens with </s>`);
    t.ok(Math.abs(ppl - Math.pow(10, -KENLM[i][0] / TOKENS[i])) < 1e-4, `line ${i + 1}: perplexity`);
  });
  t.match(r.stdout.split('\n').slice(4).join('\n'), /^Perplexity including OOVs:\t5\.2498\nPerplexity excluding OOVs:\t3\.5805\nOOVs:\t9\nTokens:\t16\n$/);

  const j = lmstream(['ngram', 'ppl', '--model', model, '--per-sentence', '--json'], TEST);
  t.equal(j.code, 0, j.stderr);
  const recs = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.same(recs.map((x) => x.line), [1, 2, 3, 4]);
  t.same(recs.map((x) => x.oovs), [6, 3, 0, 0]);
  t.same(recs.map((x) => x.tokens), TOKENS);
  recs.forEach((x, i) => t.ok(Math.abs(x.log10 - KENLM[i][0]) < 1e-6));
  t.match(j.stderr, /Perplexity including OOVs:\t5\.2498/, 'the summary goes to stderr with --json');

  for (const [args, msg] of [
    [['--json'], '--json applies to --per-sentence'],
    [['--per-sentence', '--per-token'], '--per-token and --per-sentence exclude each other'],
    [['--per-sentence', '--mode', 'stream'], '--per-sentence needs --mode sentence'],
  ] as const) {
    const e = lmstream(['ngram', 'ppl', '--model', model, ...args], TEST);
    t.equal(e.code, 2);
    t.match(e.stderr, msg);
  }
});

t.test('--per-sentence is streamed: clean under | head', async (t) => {
  const { model } = await arpa(t);
  const r = spawnSync('bash', ['-c', `yes 'the cat sat' | head -n 300000 | "${process.execPath}" "${cliPath}" ngram ppl --model "${model}" --per-sentence | head -n 2; exit \${PIPESTATUS[2]}`], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /^(ngram ppl: [^\n]*, elapsed \d+s\n)*$/, 'no error: progress lines only');
  t.equal(r.stdout.split('\n').length, 3);
});

t.test('ppl stage: bounded, pulls its input only as its output is read', async (t) => {
  const m = await loadNgramModel(path.join((await arpa(t)).model));
  let made = 0;
  async function* docs(): AsyncGenerator<string[][]> {
    for (;;) { made++; yield [['the', 'cat'], ['a', 'b']]; }
  }
  const stage = pplStage(m, 'sentence');
  let seen = 0;
  for await (const batch of stage(docs())) {
    seen += batch.length;
    if (seen >= 6) break;
  }
  t.equal(seen, 6);
  t.ok(made <= 4, `only ${made} input batches were read`);
  t.equal(stage.scorer.tokens, 18);
});

t.test('the n-gram commands take the corpus options: --format json --field, --tokenizer', async (t) => {
  const { dir } = await arpa(t);
  const text = await fsp.readFile(tiny, 'utf8');
  const jsonl = text.trimEnd().split('\n').map((l) => JSON.stringify({ meta: { text: l } })).join('\n') + '\n';
  const jf = path.join(dir, 'c.jsonl');
  await fsp.writeFile(jf, jsonl);
  const plain = lmstream(['ngram', 'build', '--order', '3', '--quiet', tiny]);
  const viaJson = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--format', 'jsonl', '--field', 'meta.text', jf]);
  t.equal(viaJson.code, 0, viaJson.stderr);
  t.equal(viaJson.stdout, plain.stdout, 'build: JSON Lines with --field give the same ARPA file');
  t.equal(lmstream(['ngram', 'count', '--order', '2', '--format', 'jsonl', '--field', 'meta.text', jf]).stdout,
    lmstream(['ngram', 'count', '--order', '2', tiny]).stdout, 'count: the same counts');
  const nb = 'a\u00a0b c\n';
  const k = lmstream(['ngram', 'count', '--order', '1'], nb);
  const w = lmstream(['ngram', 'count', '--order', '1', '--tokenizer', 'whitespace'], nb);
  t.match(k.stdout, /^a\u00a0b\t1$/m, 'kenlm (default): NBSP is inside a token');
  t.match(w.stdout, /^b\t1$/m, 'whitespace: NBSP splits');
  const model = path.join(dir, 'm.arpa');
  const p1 = lmstream(['ngram', 'ppl', '--model', model, '--per-sentence'], TEST);
  const p2 = lmstream(['ngram', 'ppl', '--model', model, '--per-sentence', '--format', 'jsonl', '--field', 't'],
    TEST.trimEnd().split('\n').map((l) => JSON.stringify({ t: l })).join('\n'));
  t.equal(p2.stdout, p1.stdout, 'ppl: JSON input');
  const e = lmstream(['ngram', 'build', '--order', '2', '--counts', path.join(root, 'fixtures/ngram/tiny.counts3'), '--format', 'json']);
  t.equal(e.code, 2);
  t.match(e.stderr, '--format applies to a corpus, not to --counts');
});

t.test('progress on stderr, plain lines off a TTY: percentage and ETA for files, the rate for stdin', async (t) => {
  const { dir, model } = await arpa(t);
  const file = path.join(dir, 'test.txt');
  await fsp.writeFile(file, TEST);
  const f = lmstream(['ngram', 'ppl', '--model', model, file]);
  t.equal(f.code, 0, f.stderr);
  t.match(f.stdout, /^Perplexity including OOVs:/, 'stdout: data only');
  const lines = f.stderr.split('\n');
  t.equal(lines.length, 3, f.stderr);
  t.match(lines[0], /^ngram ppl: 100\.0% of 42 bytes, 16 tokens, elapsed \d+s$/);
  t.match(lines[1], /^ngram ppl: done, 16 tokens in \d+s$/);
  t.equal(lines[2], '');
  t.notMatch(f.stderr, /[\r\x1b]/, 'no bar redraws off a TTY');
  const s = lmstream(['ngram', 'ppl', '--model', model], TEST);
  t.equal(s.code, 0, s.stderr);
  t.match(s.stderr, /^ngram ppl: 16 tokens, elapsed \d+s\nngram ppl: done, 16 tokens in \d+s\n$/, 'stdin: no size known, no ETA');
});
