import t from 'tap';
import { EMPTY_HS, finishTable, findSlot, homeOf, keyHs } from '../src/ngram/hashed-model.js';

function rng(seed: number): () => number {
  let s = seed;
  return () => { s = (Math.imul(s, 1103515245) + 12345) | 0; return Math.imul(s ^ (s >>> 15), 0x2c1b3c6d); };
}

t.test('finishTable: every key found at its slot, absent keys not found, slots in key order', async (t) => {
  for (const [n, S] of [[0, 4], [1, 3], [7, 4], [1000, 4], [50000, 3]] as const) {
    const r = rng(n + S);
    const ent = new Int32Array(n * S);
    const keys: [number, number, number][] = [];
    for (let i = 0; i < n; i++) {
      // some keys share the high lane (the same home), with different low words
      const hi = i % 10 === 1 ? ent[(i - 1) * S + 1] : r();
      const lo = r();
      ent[i * S] = lo;
      ent[i * S + 1] = hi;
      ent[i * S + 2] = i;
      if (S === 4) ent[i * S + 3] = -i;
      keys.push([lo, hi, i]);
    }
    // ent[i*S+1] of entry i-1 was read before finishTable changes it: keep the raw lanes
    const tab = finishTable(n, S, ent, () => 'duplicate');
    t.equal(tab.n, n);
    let misses = 0;
    for (const [lo, hi, i] of keys) {
      const o = findSlot(tab.ent, S, tab.homes, lo, keyHs(hi));
      if (o < 0 || tab.ent[o + 2] !== i || (S === 4 && tab.ent[o + 3] !== -i)) misses++;
    }
    t.equal(misses, 0, `n ${n}, stride ${S}: every key found with its values`);
    let found = 0;
    for (let i = 0; i < 2000; i++) if (findSlot(tab.ent, S, tab.homes, r(), keyHs(r())) >= 0) found++;
    t.equal(found, 0, 'random absent keys are not found');
    let prev = -Infinity;
    let ordered = true;
    let placed = 0;
    for (let i = 0; i < tab.slots; i++) {
      const hs = tab.ent[i * S + 1];
      if (hs === EMPTY_HS && tab.ent[i * S] === 0) continue;
      placed++;
      const key = hs * 2 ** 32 + (tab.ent[i * S] >>> 0);
      if (key <= prev || i < homeOf(hs, tab.homes)) ordered = false;
      prev = key;
    }
    t.ok(ordered, 'keys increase, none before its home');
    t.equal(placed, n);
  }
});

t.test('finishTable: a key twice throws', async (t) => {
  const ent = Int32Array.from([5, 77, 1, 0, 6, 77, 2, 0, 5, 77, 3, 0]);
  t.throws(() => finishTable(3, 4, ent, () => 'two 3-grams with the same key'), /two 3-grams with the same key/);
});
