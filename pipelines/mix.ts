/**
 * `lmstream mix`: linear interpolation of language models. Tunes the weights
 * by EM on a validation text (src/corpus/mixture.ts), prints them with each
 * model's and the mixture's perplexity, saves them (--out) and scores texts
 * with the mixture, now or later (--weights). The saved file's format and the
 * mixture as a model (score, next, generate) live in src/mix/mixture-file.ts,
 * src/generate/mixture-source.ts and src/api/load.ts.
 */
import { UsageError, UserError, log, parseCommand, str } from '../src/cli/common.js';
import { atomicWriteFile } from '../src/util/atomic-write.js';
import { mixturePerplexityOf, tuneMixtureWeights } from '../src/eval/mixture.js';
import { lines as readLines } from '../src/io/lines.js';
import { openInput } from '../src/io/open-input.js';
import { modelTokenProbs, type TokenProbs } from '../src/mix/token-probs.js';
import { mixtureFile, readMixtureFile } from '../src/mix/mixture-file.js';
import { ProgressMeter } from '../src/train/progress.js';

export const HELP = `usage: lmstream mix --model M --model M [--model M…] --valid FILE [--out MIX.json] [FILE...]
       lmstream mix --weights MIX.json FILE...

Interpolates language models: P(w | h) = Σ_k λ_k P_k(w | h). Each M is an
ARPA or binary n-gram model or a neural checkpoint directory; they must
tokenize text alike (e.g. n-gram models of one corpus, or a word-level
checkpoint trained on that corpus). The weights λ are tuned by EM on the
validation text (one sentence per line; </s> counted), which is held in
memory. Prints each model's weight and validation perplexity, then the
mixture's; with FILEs, also their perplexity under each model and the
mixture.
  --model M        a model (repeat: two or more)
  --valid FILE     the text the weights are tuned on
  --out MIX.json   save the models and tuned weights (atomically) for reuse:
                   lmstream generate --model MIX.json, lmstream eval --model
                   MIX.json, load('MIX.json') in Node
  --weights MIX.json
                   reuse saved weights instead of tuning: score the FILEs
`;

async function fileLines(file: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const l of readLines(openInput(file))) out.push(l);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  return out;
}

async function scoreAll(models: string[], lines: string[], what: string): Promise<TokenProbs[]> {
  const out: TokenProbs[] = [];
  for (const m of models) {
    const meter = new ProgressMeter({ label: `mix: scoring ${what} with ${m}`, unit: 'lines', total: lines.length, firstLineSec: 10 });
    try {
      out.push(await modelTokenProbs(m, lines, (n) => meter.update(n)));
      meter.clear();
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }
  for (let k = 1; k < out.length; k++) {
    const a = out[0].perLine;
    const b = out[k].perLine;
    const i = a.findIndex((n, j) => n !== b[j]);
    if (i >= 0) throw new UserError(`${what}:${i + 1}: ${models[0]} and ${models[k]} tokenize this line differently (${a[i]} and ${b[i]} tokens): mix models that share a tokenization`);
  }
  if (out[0].probs.length === 0) throw new UserError(`${what}: no text to score`);
  return out;
}

const ppl1 = (p: Float64Array) => mixturePerplexityOf([p], [1]);
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));

async function score(models: string[], weights: number[], files: string[]): Promise<string> {
  let text = '';
  for (const f of files) {
    const s = await scoreAll(models, await fileLines(f), f);
    text += `${f}: ${s[0].probs.length} tokens\n`;
    models.forEach((m, k) => { text += `  ${m}\tppl ${fmt(ppl1(s[k].probs))}\n`; });
    text += `  mixture\tppl ${fmt(mixturePerplexityOf(s.map((x) => x.probs), weights))}\n`;
  }
  return text;
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, {
    model: { type: 'string', multiple: true }, valid: { type: 'string' }, out: { type: 'string' }, weights: { type: 'string' },
  }, HELP);
  if (!p) return 0;
  const saved = str(p, 'weights');
  if (saved) {
    if (p.values.model || p.values.valid) throw new UsageError('--weights reuses saved models and weights: give no --model or --valid');
    if (p.positionals.length === 0) throw new UsageError('--weights: name the FILEs to score');
    let savedMix;
    try {
      savedMix = await readMixtureFile(saved);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    const models = savedMix.models.map((m) => m.path);
    process.stdout.write(await score(models, savedMix.models.map((m) => m.weight), p.positionals));
    return 0;
  }
  const models = (p.values.model as string[] | undefined) ?? [];
  if (models.length < 2) throw new UsageError('give two or more --model');
  const valid = str(p, 'valid');
  if (!valid) throw new UsageError('--valid is required (the text the weights are tuned on)');
  const s = await scoreAll(models, await fileLines(valid), valid);
  const tuned = tuneMixtureWeights(s.map((x) => x.probs));
  let text = `weights tuned by EM on ${valid} (${s[0].probs.length} tokens, ${tuned.iterations} iterations)\nmodel\tweight\tvalid ppl\n`;
  models.forEach((m, k) => { text += `${m}\t${tuned.weights[k].toFixed(6)}\t${fmt(ppl1(s[k].probs))}\n`; });
  text += `mixture\t1\t${fmt(tuned.ppl)}\n`;
  process.stdout.write(text);
  const out = str(p, 'out');
  if (out) {
    const obj = mixtureFile(out, models, tuned.weights, { valid, tokens: s[0].probs.length, ppl: tuned.ppl, iterations: tuned.iterations });
    await atomicWriteFile(out, JSON.stringify(obj, null, 2) + '\n');
    log(`mix: weights saved to ${out}`);
  }
  if (p.positionals.length) process.stdout.write(await score(models, tuned.weights, p.positionals));
  return 0;
}
