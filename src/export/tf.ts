/**
 * The TensorFlow.js the Layers export needs: tfjs-core (lmstream's, with the
 * backend src/backend.ts selected) plus tfjs-layers, together as
 * `@tensorflow/tfjs` bundles them (a web page's `tf`). lmstream depends on
 * these two packages, not on the whole @tensorflow/tfjs (converter, data,
 * webgl). Types: `import type * as TF from './tf.js'` gives `TF.Tensor`,
 * `TF.LayersModel`, … as from @tensorflow/tfjs.
 *
 * Chained ops: tfjs-layers calls tensor methods (`x.flatten()`, `x.add(y)`)
 * that @tensorflow/tfjs installs on the Tensor class from tfjs-core's
 * `dist/public/chained_ops/*` modules (ES modules Node cannot load from that
 * CommonJS package). `layersTf` installs the same methods, each delegating to
 * the tfjs-core op it names, as those modules do: the list is read from the
 * installed tfjs-core, so every chained op of that version is covered.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Core from '@tensorflow/tfjs-core';
import type * as Layers from '@tensorflow/tfjs-layers';

export type * from '@tensorflow/tfjs-core';
export type * from '@tensorflow/tfjs-layers';

/** the namespace: tfjs-core's and tfjs-layers' exports */
export type Tf = typeof Core & typeof Layers;

type AnyTensor = Core.Tensor;
type Method = (this: AnyTensor, ...args: unknown[]) => unknown;

/** the chained ops whose method name is not the name of their tfjs-core op */
function specialOps(tf: typeof Core): Record<string, Method> {
  const reshape = (shape: number[]): Method => function (this: AnyTensor) { return tf.reshape(this, shape); };
  return {
    flatten: function () { return tf.reshape(this, [this.size]); },
    as1d: function () { return tf.reshape(this, [this.size]); },
    as2d: function (...s) { return tf.reshape(this, s as number[]); },
    as3d: function (...s) { return tf.reshape(this, s as number[]); },
    as4d: function (...s) { return tf.reshape(this, s as number[]); },
    as5d: function (...s) { return tf.reshape(this, s as number[]); },
    asScalar: function () { return reshape([]).call(this); },
    asType: function (dtype) { return tf.cast(this, dtype as Core.DataType); },
    toBool: function () { return tf.cast(this, 'bool'); },
    toFloat: function () { return tf.cast(this, 'float32'); },
    toInt: function () { return tf.cast(this, 'int32'); },
    reshapeAs: function (x) { return tf.reshape(this, (x as AnyTensor).shape); },
    isNan: function () { return tf.isNaN(this); },
    batchnorm: function (...a) { return (tf.batchNorm as (...b: unknown[]) => unknown)(this, ...a); },
    batchToSpaceNd: function (...a) { return (tf.batchToSpaceND as (...b: unknown[]) => unknown)(this, ...a); },
    spaceToBatchNd: function (...a) { return (tf.spaceToBatchND as (...b: unknown[]) => unknown)(this, ...a); },
    resizeBilinear: function (...a) { return (tf.image.resizeBilinear as (...b: unknown[]) => unknown)(this, ...a); },
    resizeNearestNeighbor: function (...a) { return (tf.image.resizeNearestNeighbor as (...b: unknown[]) => unknown)(this, ...a); },
  };
}

const installed = new WeakSet<object>();

/** Install tfjs-core's chained ops on its Tensor class (idempotent; see the file comment). */
export function installChainedOps(tf: typeof Core): void {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  if (installed.has(proto)) return;
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist', 'public', 'chained_ops');
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.js') && !f.startsWith('register_all'))
    .map((f) => f.slice(0, -3).replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()));
  const special = specialOps(tf);
  const ns = tf as unknown as Record<string, unknown>;
  for (const name of names) {
    if (typeof proto[name] === 'function') continue;
    const op = ns[name];
    const impl = special[name] ?? (typeof op === 'function' ? function (this: AnyTensor, ...a: unknown[]) { return (op as (...b: unknown[]) => unknown)(this, ...a); } : undefined);
    if (!impl) throw new Error(`tfjs-core chained op '${name}' has no op of that name`);
    proto[name] = function (this: AnyTensor, ...a: unknown[]) {
      (this as unknown as { throwIfDisposed(): void }).throwIfDisposed();
      return impl.apply(this, a);
    };
  }
  installed.add(proto);
}

/** one namespace of both packages (tfjs-layers runs on the same tfjs-core instance) */
export function layersTf(core: typeof Core, layers: typeof Layers): Tf {
  installChainedOps(core);
  return { ...core, ...layers } as Tf;
}
