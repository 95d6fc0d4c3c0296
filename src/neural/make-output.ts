/** Build the configured output layer (full or class softmax) for both model families. */
import type { NeuralConfig } from './api.js';
import { classBoundsFromCounts, defaultClassCount } from './classes.js';
import type { OutputLayer } from './output.js';
import { Param } from './params.js';
import { ClassSoftmax } from './softmax-class.js';
import { FullSoftmax } from './softmax-full.js';

/** Optional data for building a model beyond its config. */
export interface ModelExtras {
  /** unigram counts by id (vocabulary order) to cut frequency classes */
  unigramCounts?: ArrayLike<number>;
  /** explicit class boundaries [0, …, V] (wins over counts) */
  classBounds?: ArrayLike<number>;
  /** data-parallel training threads, 1 (default) or 2 (see setThreads) */
  threads?: number;
}

export function makeOutput(config: NeuralConfig, D: number, W: Param, extras: ModelExtras): OutputLayer {
  if (config.softmax === 'class') {
    const C = config.classes > 0 ? config.classes : defaultClassCount(config.vocabSize);
    const bounds = extras.classBounds ?? classBoundsFromCounts(extras.unigramCounts, config.vocabSize, C);
    return new ClassSoftmax(config.vocabSize, D, W, bounds);
  }
  return new FullSoftmax(config.vocabSize, D, W);
}
