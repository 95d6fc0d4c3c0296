import t from 'tap';
import { TokenTally } from '../src/eval/token-tally.js';

t.test('TokenTally sums ln P, counts OOVs and zero probabilities apart', async (t) => {
  const tally = new TokenTally(false);
  tally.add([{ token: 'a', logprob: Math.log(0.5), oov: false }, { token: 'b', logprob: Math.log(0.25), oov: true }]);
  tally.add([{ token: 'c', logprob: -Infinity, oov: false }]);
  const s = tally.summary();
  t.equal(s.tokens, 3);
  t.equal(s.oov, 1);
  t.equal(s.zeroprobs, 2 - 1);
  t.ok(Math.abs(s.nats - Math.log(8)) < 1e-12);
  // perplexity over the two tokens of non-zero probability: exp(ln 8 / 2)
  t.ok(Math.abs(s.perplexity - Math.sqrt(8)) < 1e-9);
  t.ok(Math.abs(tally.logprob + Math.log(8)) < 1e-12);
  t.equal(s.bits_per_char, undefined);
});

t.test('TokenTally: bits per character at char level (markers count one character, <s> none)', async (t) => {
  const tally = new TokenTally(true);
  tally.add([{ token: 'é', logprob: Math.log(0.5), oov: false }, { token: '</s>', logprob: Math.log(0.5), oov: false }]);
  const s = tally.summary();
  t.equal(s.zeroprobs, undefined);
  t.ok(Math.abs(s.bits_per_char! - 1) < 1e-12, `${s.bits_per_char}`);
});
