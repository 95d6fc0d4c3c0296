#!/usr/bin/env node
/**
 * `lmstream COMMAND [options]`: dispatches to the ready-made pipelines in
 * pipelines/. Each pipeline module exports `main(argv: string[])`.
 */
import { nearestOption, runMain, UsageError, version } from './common.js';

interface Command {
  summary: string;
  load: () => Promise<{ main: (argv: string[]) => Promise<number | void> }>;
}

export const COMMANDS: Record<string, Command> = {
  tokenize: { summary: 'split text or JSON corpora into tokens (one line of tokens per document)', load: () => import('../../pipelines/tokenize.js') },
  vocab: { summary: 'build a vocabulary (JSON) from a corpus', load: () => import('../../pipelines/vocab.js') },
  ngram: { summary: 'n-gram models: count, merge, build (ARPA), ppl', load: () => import('../../pipelines/ngram/index.js') },
  train: { summary: 'train any model from a corpus on stdin (same as train-stream)', load: () => import('../../pipelines/train-stream.js') },
  eval: { summary: 'perplexity of a trained model on a corpus', load: () => import('../../pipelines/eval.js') },
  mix: { summary: 'interpolate n-gram and neural models: weights tuned by EM on a validation text', load: () => import('../../pipelines/mix.js') },
  generate: { summary: 'sample text from a model, streamed to stdout', load: () => import('../../pipelines/generate.js') },
  export: { summary: 'write a neural checkpoint as a tfjs Layers model for the browser', load: () => import('../../pipelines/export.js') },
  plot: { summary: 'draw training curves (loss, perplexity, learning rate) from a metrics file as SVG', load: () => import('../../pipelines/plot.js') },
  web: { summary: 'serve a page that generates text from an exported model', load: () => import('../../pipelines/web.js') },
  reproduce: { summary: 'reproduce published results (bengio2003)', load: () => import('../../pipelines/reproduce.js') },
  demo: { summary: 'train a small model on the bundled corpus and stream generated text', load: () => import('../../pipelines/demo.js') },
};

export const HELP = `usage: lmstream COMMAND [options]   (lmstream COMMAND --help, or lmstream help COMMAND, for each)
       lmstream --version

Language modelling as a pipeline of Node.js streams.

commands:
${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`).join('\n')}

Data goes to stdout; logs and progress go to stderr.
`;

await runMain('lmstream', async () => {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    process.stdout.write(`lmstream ${version()}\n`);
    return 0;
  }
  if (cmd === 'help' && rest.length > 0) {
    // `lmstream help tokenize` = `lmstream tokenize --help` (and `help ngram build`)
    const c = COMMANDS[rest[0]];
    if (!c) throw new UsageError(unknownCommand(rest[0]));
    return (await c.load()).main([...rest.slice(1), '--help']);
  }
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd === undefined ? 2 : 0;
  }
  const c = COMMANDS[cmd];
  if (!c) throw new UsageError(unknownCommand(cmd));
  const mod = await c.load();
  return mod.main(rest);
});

function unknownCommand(cmd: string): string {
  const near = cmd.startsWith('-') ? undefined : nearestOption(cmd, Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, { type: 'boolean' as const }])));
  const what = cmd.startsWith('-') ? `unknown option ${cmd}` : `unknown command '${cmd}'`;
  return `${what}${near ? ` (did you mean ${near}?)` : ''} (lmstream --help lists the commands)`;
}
