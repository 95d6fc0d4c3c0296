#!/usr/bin/env node
/** `cat corpus | train-stream --model KIND [options] --out PATH`: the one training entry point. */
import { runMain, version } from './common.js';

await runMain('train-stream', async () => {
  if (process.argv[2] === '--version' || process.argv[2] === '-V') {
    process.stdout.write(`train-stream (lmstream) ${version()}\n`);
    return 0;
  }
  const mod = await import('../../pipelines/train-stream.js');
  return mod.main(process.argv.slice(2));
});
