import t from 'tap';
import { addMarkers, markers } from '../src/text/markers.js';
import { collect } from './helpers/streams.js';

t.test('sentence and stream modes', async (t) => {
  const toks = ['a', 'b'];
  t.same(addMarkers(toks, 'sentence'), ['<s>', 'a', 'b', '</s>']);
  t.same(toks, ['a', 'b'], 'input not modified');
  t.same(addMarkers([], 'sentence'), ['<s>', '</s>']);
  t.same(addMarkers(toks, 'stream'), ['a', 'b']);
  t.same(await collect([['x'], []], markers('sentence')), [['<s>', 'x', '</s>'], ['<s>', '</s>']]);
  t.same(await collect([[['x'], []]], markers('sentence', { batch: true })), [[['<s>', 'x', '</s>'], ['<s>', '</s>']]]);
  t.same(await collect([['x'], []], markers('stream')), [['x'], []]);
  t.throws(() => markers('none' as never), { message: /unknown marker mode 'none'/ });
});
