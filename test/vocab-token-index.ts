import t from 'tap';
import { TokenIndex } from '../src/vocab/token-index.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';

t.test('agrees with a Map on many tokens, hits and misses', async (t) => {
  // deterministic pseudo-random tokens over a small alphabet (many near-collisions)
  let state = 12345;
  const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const alphabet = ['a', 'b', 'é', '😀', '東', ' ', '\\', "'"];
  const make = () => Array.from({ length: 1 + Math.floor(rand() * 6) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
  const set = new Set<string>(['']);
  while (set.size < 5000) set.add(make());
  const tokens = [...set];
  const idx = new TokenIndex(tokens);
  const map = new Map(tokens.map((tok, i) => [tok, i]));
  let mismatches = 0;
  for (let i = 0; i < 20000; i++) {
    const probe = i < tokens.length ? tokens[i] : make() + (i % 3 === 0 ? 'x' : '');
    if (idx.get(probe) !== (map.get(probe) ?? -1)) mismatches++;
  }
  t.equal(mismatches, 0);
  t.equal(idx.get(''), 0);
  t.equal(idx.get('not there at all'), -1);
  // a sliced string equal to a key is found (content, not identity)
  const long = 'prefix-' + tokens[42] + '-suffix';
  t.equal(idx.get(long.slice(7, 7 + tokens[42].length)), 42);
});

t.test('duplicates are refused; empty index', async (t) => {
  t.throws(() => new TokenIndex(['a', 'b', 'a']), { message: 'vocabulary has a duplicated token "a"' });
  t.equal(new TokenIndex([]).get('a'), -1);
  t.throws(() => Vocabulary.fromJSON({ format: 'lmstream-vocab', version: 1, tokens: ['<unk>', '<s>', '</s>', 'x', 'x'] }), { message: /duplicated token "x"/ });
  const v = Vocabulary.fromTokens(['x']);
  t.equal(v.has('x'), true);
  t.equal(v.has('y'), false);
  t.equal(v.id('y'), 0);
});
