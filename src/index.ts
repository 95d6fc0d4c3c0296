/**
 * lmstream's public API: every stage is a factory returning a standard Node
 * stream (or an async generator usable in `stream.pipeline`), plus the pure
 * logic behind them. Deep imports (`lmstream/io/text-reader`, …) also work.
 *
 * Importing this module loads no TensorFlow.js: the neural entry points
 * (`initBackend`, `loadTf`, `createModel`, `loadModel`) import it on first
 * call, so n-gram and text-processing users never pay for it.
 */

// record types and reserved tokens
export * from './types.js';
export type { BackendName, BackendChoice } from './backend.js';

// front end: read → tokenize → markers → vocabulary → encode / decode → detokenize
export { textReader, DEFAULT_MAX_LINE_LENGTH, type TextReaderOptions } from './io/text-reader.js';
export { jsonReader, type JsonReaderOptions } from './io/json-reader.js';
export { readDocuments, documentReader, FORMATS, type InputFormat } from './io/documents.js';
export { recordStage, unbatch, type RecordBatch } from './io/record-stage.js';
export { tokenizeWhitespace, whitespaceTokenizer } from './text/tokenize-whitespace.js';
export { tokenizeWord, wordTokenizer } from './text/tokenize-word.js';
export { tokenizeChar, charTokenizer, NEWLINE_TOKEN, SPACE_TOKEN } from './text/tokenize-char.js';
export { tokenizer, getTokenizer, TOKENIZERS, type TokenizerName } from './text/tokenizers.js';
export { addMarkers, markers } from './text/markers.js';
export { detokenize, detokenizer, type DetokenizeMode } from './text/detokenize.js';
export { Vocabulary, type VocabularyOptions, type VocabularyJSON } from './vocab/vocabulary.js';
export { vocabCount, countTokens } from './vocab/vocab-count.js';
export { encode, encodeTokens } from './vocab/encode.js';
export { decode, decodeIds } from './vocab/decode.js';

// n-gram models
export type { CountTable, NgramCounts, NgramModel, Smoothing } from './ngram/api.js';
export { countStage } from './ngram/count-stage.js';
export { mergeSortedCounts, parseCountLine } from './ngram/merge.js';
export {
  buildArpaFromCorpus, buildArpaFromCounts, buildModelFromCorpus, buildModel, countCorpus,
  SMOOTHINGS, MAX_ORDER, type NgramBuildOptions,
} from './ngram/build.js';
export { buildSmoothed, toBackoffEntries } from './ngram/smoothing/index.js';
export { readArpa, loadArpaModel } from './ngram/arpa-read.js';
export { writeArpa } from './ngram/arpa-write.js';
export { ArpaModel } from './ngram/arpa-model.js';
export { PplScorer, formatSummary, type PplSummary } from './ngram/ppl.js';
export { NgramLM, type FullScore, type NextWord, type SentenceOptions } from './ngram/ngram-lm.js';
export { loadNgram, loadNgramModel, writeBinaryModel } from './ngram/load.js';
export { HashedModel, type HashedData } from './ngram/hashed-model.js';
export { serializeBinary, deserializeBinary, isBinaryModel } from './ngram/binary.js';

// neural models and streaming training
export type { NeuralConfig, NeuralLM, SeqBatch, WindowBatch, Batch as NeuralBatch } from './neural/api.js';
export { defaultConfig, validateConfig } from './neural/config.js';

type Backend = typeof import('./backend.js');
type Neural = typeof import('./neural/index.js');

/** Choose and start the TensorFlow.js backend (loads TensorFlow.js). */
export async function initBackend(...args: Parameters<Backend['initBackend']>): ReturnType<Backend['initBackend']> {
  return (await import('./backend.js')).initBackend(...args);
}

/** TensorFlow.js itself, its backend started (loaded on first call). */
export async function loadTf(): Promise<Backend['tf']> {
  const b = await import('./backend.js');
  await b.initBackend();
  return b.tf;
}

/** A freshly initialised neural model (loads TensorFlow.js). */
export async function createModel(...args: Parameters<Neural['createModel']>): ReturnType<Neural['createModel']> {
  return (await import('./neural/index.js')).createModel(...args);
}

/** A neural model saved by `save(dir)` (loads TensorFlow.js). */
export async function loadModel(...args: Parameters<Neural['loadModel']>): ReturnType<Neural['loadModel']> {
  return (await import('./neural/index.js')).loadModel(...args);
}
export { windowBatches, createWindowStage } from './train/window.js';
export { sentenceLanes, streamLanes, arraySource } from './train/lanes.js';
export { trainer, createTrainer } from './train/trainer.js';
export { evaluator, evaluateBatches } from './eval/evaluator.js';
export { idCacheSink } from './train/id-cache.js';
export { writeCheckpoint, readCheckpoint } from './train/checkpoint.js';
export { runTraining } from './train/run.js';

// generation
export type { TokenSource } from './generate/source.js';
export { generateStream, type GenerateOptions } from './generate/generate.js';
export { detokenizeStage } from './generate/detokenize-stage.js';
export { sampleId, samplingDistribution } from './generate/sampling.js';
export { Mulberry32, Xoshiro128, deriveSeed } from './util/random.js';
/** the old name of Xoshiro128 (sampling) */
export { Xoshiro128 as Rng } from './util/random.js';
export { NgramSource } from './generate/ngram-source.js';
export { NeuralSource } from './generate/neural-source.js';
export { loadForGeneration } from './generate/load-model.js';
export { MixtureSource, type MixtureComponent } from './generate/mixture-source.js';

// one API for every model: load(path) → score, logprobs, next, generate (tfjs only for a checkpoint)
export {
  load, type LanguageModel, type LoadModelOptions, type TokenLogprob, type ScoreResult, type NextToken,
  type ModelGenerateOptions, type GenerationToken, type GenerationStream, type TokenScorer,
} from './api/load.js';
// mixtures (lmstream mix): EM-tuned weights, the saved file, per-token probabilities
export { tuneMixtureWeights, mixturePerplexityOf } from './eval/mixture.js';
export { readMixtureFile, mixtureFile, isMixtureFile, type MixtureFile } from './mix/mixture-file.js';
export { modelTokenProbs, type TokenProbs } from './mix/token-probs.js';

// corpora
export { brownSentences } from './corpus/brown.js';
