/**
 * The two tfjs layers that standard Keras/tfjs layers cannot express, for
 * models exported with `lmstream export --format tfjs-layers`:
 *
 * - `LmstreamGRU`: lmstream's GRU is the reset-after (cuDNN/PyTorch) form,
 *   n = tanh(x·Wx_n + bx_n + r ⊙ (h·Wh_n + bh_n)), h' = (1 − z) ⊙ n + z ⊙ h;
 *   tfjs's GRU has only the reset-before form (it rejects reset_after).
 *   Weights: `kernel` [I, 3H], `recurrent_kernel` [H, 3H], `input_bias` [3H],
 *   `recurrent_bias` [3H], gate blocks in the order r, z, n (lmstream's
 *   order; Keras's is z, r, h). Input [B, T, I] → output [B, T, H] (all
 *   steps), zero initial state.
 * - `LmstreamClassSoftmax`: the class-factored softmax, P(w | h) =
 *   softmax(h·Kc + bc)[c(w)] · softmax over w's class of (h·K + b), classes
 *   being the contiguous id ranges [bounds[c], bounds[c+1]). Weights:
 *   `class_kernel` [D, C], `class_bias` [C], `kernel` [D, V], `bias` [V];
 *   config `bounds`. Input [..., D] → probabilities [..., V].
 *
 * `registerLmstreamLayers(tf)` defines and registers both with the given tfjs
 * namespace (so that this module does not pull TensorFlow.js into a bundle:
 * the caller passes the tf it already has), once per namespace. Call it before
 * `tf.loadLayersModel` on a GRU or class-softmax export.
 */
import type * as TF from './tf.js';

type Tf = TF.Tf;
type Tensor = TF.Tensor;
type Shape = (number | null)[];

const done = new WeakSet<object>();

/** Define and register LmstreamGRU and LmstreamClassSoftmax with `tf` (idempotent). */
export function registerLmstreamLayers(tf: Tf): { gru: string; classSoftmax: string } {
  const names = { gru: 'LmstreamGRU', classSoftmax: 'LmstreamClassSoftmax' };
  if (done.has(tf)) return names;
  const first = (x: Tensor | Tensor[]): Tensor => (Array.isArray(x) ? x[0] : x);
  const zeros = () => tf.initializers.zeros();

  class LmstreamGRU extends tf.layers.Layer {
    static className = names.gru;
    readonly units: number;
    private kernel!: TF.LayerVariable;
    private recurrentKernel!: TF.LayerVariable;
    private inputBias!: TF.LayerVariable;
    private recurrentBias!: TF.LayerVariable;

    constructor(args: { units: number; name?: string; trainable?: boolean }) {
      super(args);
      this.units = args.units;
    }

    override build(inputShape: Shape | Shape[]): void {
      const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      const I = s[s.length - 1] as number;
      const G = 3 * this.units;
      this.kernel = this.addWeight('kernel', [I, G], 'float32', zeros());
      this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, G], 'float32', zeros());
      this.inputBias = this.addWeight('input_bias', [G], 'float32', zeros());
      this.recurrentBias = this.addWeight('recurrent_bias', [G], 'float32', zeros());
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      return [s[0], s[1], this.units];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = first(inputs) as TF.Tensor3D;
        const [B, T, I] = x.shape;
        const H = this.units;
        const zx = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, I]), this.kernel.read()), this.inputBias.read()), [B, T, 3 * H]);
        const Wh = this.recurrentKernel.read();
        const bh = this.recurrentBias.read();
        let h: Tensor = tf.zeros([B, H]);
        const outs: Tensor[] = [];
        for (let t = 0; t < T; t++) {
          const xt = tf.squeeze(tf.slice(zx, [0, t, 0], [B, 1, 3 * H]), [1]);
          const zh = tf.add(tf.matMul(h as TF.Tensor2D, Wh), bh);
          const [xr, xz, xn] = tf.split(xt, 3, 1);
          const [hr, hz, hn] = tf.split(zh, 3, 1);
          const r = tf.sigmoid(tf.add(xr, hr));
          const z = tf.sigmoid(tf.add(xz, hz));
          const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
          h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
          outs.push(h);
        }
        return tf.stack(outs, 1);
      });
    }

    override getConfig(): TF.serialization.ConfigDict {
      return { ...super.getConfig(), units: this.units };
    }
  }

  class LmstreamClassSoftmax extends tf.layers.Layer {
    static className = names.classSoftmax;
    readonly bounds: number[];
    private classKernel!: TF.LayerVariable;
    private classBias!: TF.LayerVariable;
    private kernel!: TF.LayerVariable;
    private bias!: TF.LayerVariable;

    constructor(args: { bounds: number[]; name?: string; trainable?: boolean }) {
      super(args);
      this.bounds = Array.from(args.bounds);
      const b = this.bounds;
      if (b.length < 2 || b[0] !== 0 || b.some((v, i) => i > 0 && !(v > b[i - 1]))) throw new Error('LmstreamClassSoftmax: bounds must increase from 0');
    }

    get V(): number {
      return this.bounds[this.bounds.length - 1];
    }

    override build(inputShape: Shape | Shape[]): void {
      const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      const D = s[s.length - 1] as number;
      const C = this.bounds.length - 1;
      this.classKernel = this.addWeight('class_kernel', [D, C], 'float32', zeros());
      this.classBias = this.addWeight('class_bias', [C], 'float32', zeros());
      this.kernel = this.addWeight('kernel', [D, this.V], 'float32', zeros());
      this.bias = this.addWeight('bias', [this.V], 'float32', zeros());
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      return [...s.slice(0, -1), this.V];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = first(inputs);
        const D = x.shape[x.shape.length - 1];
        const lead = x.shape.slice(0, -1);
        const x2 = tf.reshape(x, [-1, D]) as TF.Tensor2D;
        const lc = tf.logSoftmax(tf.add(tf.matMul(x2, this.classKernel.read()), this.classBias.read()));
        const lw = tf.add(tf.matMul(x2, this.kernel.read()), this.bias.read());
        const parts: Tensor[] = [];
        for (let c = 0; c + 1 < this.bounds.length; c++) {
          const s = this.bounds[c];
          const K = this.bounds[c + 1] - s;
          const seg = tf.logSoftmax(tf.slice(lw, [0, s], [-1, K]));
          parts.push(tf.exp(tf.add(seg, tf.slice(lc, [0, c], [-1, 1]))));
        }
        return tf.reshape(tf.concat(parts, 1), [...lead, this.V]);
      });
    }

    override getConfig(): TF.serialization.ConfigDict {
      return { ...super.getConfig(), bounds: this.bounds };
    }
  }

  tf.serialization.registerClass(LmstreamGRU);
  tf.serialization.registerClass(LmstreamClassSoftmax);
  done.add(tf);
  return names;
}
