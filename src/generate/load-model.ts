/**
 * Open a model for generation: an ARPA file (n-gram) or a neural checkpoint
 * directory, as a TokenSource plus how its text is tokenized and joined.
 *
 * Input: a path. Output: `LoadedModel`.
 * - ARPA file (src/ngram readArpa → ArpaModel) or binary n-gram model
 *   (src/ngram/load.ts → HashedModel): prompts split on whitespace,
 *   output detokenized at word level; sentence mode (`<s>` first) unless
 *   `mode: 'stream'`.
 * - checkpoint directory (src/train/checkpoint.ts): `vocab.json`,
 *   `config.json` (level, tokenizer and marker mode as training recorded
 *   them; tokenizer options as src/train/corpus.ts derives them) and the
 *   weights via `loadModel(dir)` of src/neural. Char models in stream mode
 *   start after a `\n` token when their vocabulary has one.
 * - saved mixture (`lmstream mix --out MIX.json`, src/mix/mixture-file.ts):
 *   each model loaded as above (n-gram models in `mode`), then mixed by
 *   ./mixture-source.ts with the saved weights; prompts are split and text
 *   joined as the first model does. The models must score in one marker
 *   mode and at one level.
 */
import { promises as fsp } from 'node:fs';
import { openInput } from '../io/open-input.js';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { readArpa } from '../ngram/arpa-read.js';
import { ArpaModel } from '../ngram/arpa-model.js';
import { loadNgramModel, ngramFileKind } from '../ngram/load.js';
import type { NgramModel } from '../ngram/api.js';
import type { NeuralLM } from '../neural/api.js';
import { readCheckpoint } from '../train/checkpoint.js';
import { corpusSpec } from '../train/front-end.js';
import { getTokenizer, TOKENIZERS, type TokenizerName } from '../text/tokenizers.js';
import { tokenizeKenlm } from '../text/tokenize-kenlm.js';
import { promptTokenizer, streamStartIds } from './prompt.js';
import { NgramSource } from './ngram-source.js';
import { NeuralSource } from './neural-source.js';
import type { MarkerMode } from '../types.js';
import type { TokenSource } from './source.js';
import type { DetokenizeLevel } from './detokenize-stage.js';
import { MixtureSource } from './mixture-source.js';
import { isMixtureFile, readMixtureFile } from '../mix/mixture-file.js';

export interface LoadedModel {
  kind: 'ngram' | 'neural' | 'mixture';
  source: TokenSource<unknown>;
  /** splits a prompt into tokens as the training corpus was split */
  tokenize: (text: string) => string[];
  /** splits one document (line) as the training corpus was split (for scoring; a prompt drops a char model's final `\n`) */
  corpusTokenize: (text: string) => string[];
  /** sentence (`<s> … </s>` per line) or stream (one text) */
  mode: MarkerMode;
  /** token → id (`<unk>`'s id when unknown) */
  id: (token: string) => number;
  level: DetokenizeLevel;
  /** a mixture's models, with their weights and paths */
  components?: { model: LoadedModel; weight: number; path: string }[];
  /** release resources (tensors) */
  dispose(): void;
}

export interface LoadOptions {
  /** ARPA models: marker mode (default sentence) */
  mode?: MarkerMode;
}

export async function loadForGeneration(path: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    throw new UserError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  if (st.isDirectory()) return loadNeural(path);
  if (await isMixtureFile(path)) return loadMixture(path, opts);
  return loadArpa(path, opts.mode ?? 'sentence');
}

async function loadMixture(file: string, opts: LoadOptions): Promise<LoadedModel> {
  let saved;
  try {
    saved = await readMixtureFile(file);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const parts: LoadedModel[] = [];
  try {
    for (const m of saved.models) parts.push(await loadForGeneration(m.path, opts));
    const [a, name] = [parts[0], saved.models[0].path];
    parts.forEach((b, k) => {
      const other = saved.models[k].path;
      if (b.mode !== a.mode) throw new UserError(`${file}: ${name} scores in ${a.mode} mode and ${other} in ${b.mode} mode (n-gram models take --mode)`);
      if (b.level !== a.level) throw new UserError(`${file}: ${name} is a ${a.level}-level model and ${other} a ${b.level}-level one: mix models that share a tokenization`);
    });
    const source = new MixtureSource(parts.map((p, k) => ({ source: p.source, weight: saved.models[k].weight })));
    return {
      kind: 'mixture',
      source,
      tokenize: a.tokenize,
      corpusTokenize: a.corpusTokenize,
      mode: a.mode,
      id: (t) => { const i = source.id(t); return i >= 0 ? i : source.unkId; },
      level: a.level,
      components: parts.map((model, k) => ({ model, weight: saved.models[k].weight, path: saved.models[k].path })),
      dispose: () => { for (const p of parts) p.dispose(); },
    };
  } catch (e) {
    for (const p of parts) p.dispose();
    throw e instanceof UserError ? e : new UserError(`${file}: ${(e as Error).message}`);
  }
}

async function loadArpa(file: string, mode: MarkerMode): Promise<LoadedModel> {
  let model: NgramModel;
  try {
    // a binary model loads in one read; an ARPA file keeps ArpaModel, whose next-word distributions are cheaper
    if ((await ngramFileKind(file)) === 'binary') model = await loadNgramModel(file);
    else model = new ArpaModel(await readArpa(openInput(file), file));
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const vocab = model.vocab;
  return {
    kind: 'ngram',
    source: new NgramSource(model, mode),
    tokenize: tokenizeKenlm,
    corpusTokenize: tokenizeKenlm,
    mode,
    id: (t) => vocab.id(t),
    level: 'word',
    dispose: () => {},
  };
}

async function loadNeural(dir: string): Promise<LoadedModel> {
  let ck;
  try {
    ck = await readCheckpoint(dir);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const { vocab, config } = ck;
  const level = config.level;
  const mode = config.mode;
  if (level !== 'char' && level !== 'word') throw new UserError(`${path.join(ck.dir, 'config.json')}: field "level" must be "char" or "word"`);
  if (mode !== 'sentence' && mode !== 'stream') throw new UserError(`${path.join(ck.dir, 'config.json')}: field "mode" must be "sentence" or "stream"`);
  if (!(TOKENIZERS as readonly string[]).includes(config.tokenizer)) {
    throw new UserError(`${path.join(ck.dir, 'config.json')}: unknown tokenizer '${config.tokenizer}'`);
  }
  // the tokenizer options training used for this level and mode
  const spec = corpusSpec(level, mode, config.tokenizer as TokenizerName);
  const tokenize = promptTokenizer(spec.tokenizer, spec.tokenizerOptions);
  let model: NeuralLM;
  try {
    // loaded here, not at the top: ARPA generation needs no TensorFlow.js
    const { loadModel } = await import('../neural/index.js');
    model = await loadModel(ck.dir);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  // stream-mode text starts as after a line break when the model knows one
  const source = new NeuralSource(model, vocab.tokens, {
    mode, startIds: streamStartIds((t) => vocab.has(t), (t) => vocab.id(t)), bosId: vocab.bosId, eosId: vocab.eosId, unkId: vocab.unkId,
  });
  return {
    kind: 'neural',
    source,
    tokenize,
    corpusTokenize: getTokenizer(spec.tokenizer, spec.tokenizerOptions),
    mode,
    id: (t) => vocab.id(t),
    level: level === 'char' ? 'char' : 'word',
    dispose: () => model.dispose(),
  };
}
