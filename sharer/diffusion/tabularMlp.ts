/**
 * The tabular denoiser ε̂_θ(x_t, t, y): an MLP as in TabDDPM (Kotelnikov et al. 2023) over [x_t, time feature, class
 * embedding], with one variable per weight and dense layers that carry hand-written gradients.
 *
 * Traps avoided on wasm (shared stack.md §5): no tf.layers.embedding (class embedding = one-hot · matrix), no fused
 * matMul+bias (plain matMul + add). The dense layers' gradients (bias gradient as a matmul, activation derivative in
 * one chain) are checked against autodiff in test/diffusion.test.ts.
 */
import { tf } from '../../shared/tf';
import { DenoiserNetwork, createWeightVariables, type WeightSpec } from './denoiserWeights';

type Tensor = ReturnType<typeof tf.tensor>;
type Tensor1D = ReturnType<typeof tf.tensor1d>;
type Tensor2D = ReturnType<typeof tf.tensor2d>;

export type Activation = 'silu' | 'relu';

/** What the MLP's shape and initialisation depend on (fields of TabularDdpmConfig). */
export interface TabularMlpConfig {
  dataWidth: number;
  numClasses: number;
  /** Hidden layer widths. */
  hidden: number[];
  /** Width of the sinusoidal time embedding and of the time feature (one dense + SiLU). */
  timeEmbedding: number;
  activation: Activation;
  seed: number;
}

/** The denoiser's weights (the model's variables, typed by role). */
interface DenoiserWeights {
  timeW: Tensor2D;
  timeB: Tensor1D;
  /** First hidden layer: x_t part, time-feature part, class embedding (one row per class + null), bias. */
  inputWx: Tensor2D;
  inputWt: Tensor2D;
  classE: Tensor2D;
  inputB: Tensor1D;
  /** Hidden layers 1..L−1. */
  hiddenW: Tensor2D[];
  hiddenB: Tensor1D[];
  outW: Tensor2D;
  outB: Tensor1D;
}

export class TabularMlp extends DenoiserNetwork {
  /** Layout of the weights (names, shapes: the saved manifest's order) and one variable per weight. */
  readonly specs: WeightSpec[];
  readonly variables: tf.Variable[];
  /**
   * The weights in the order a backward pass shows them to a GradientTap, as indices into `variables`: the output
   * layer, the hidden layers from the last, the first layer (x_t, time feature, class embedding, bias), the time
   * layer. DP-SGD builds each weight's clipped gradient from its tapped rows with it (dpSgd.ts).
   */
  readonly tapOrder: number[];
  private readonly weights: DenoiserWeights;

  /** `initialWeights` (by save name) replace the seeded initialisation; `load` uses it. */
  constructor(
    private readonly config: TabularMlpConfig,
    initialWeights?: Map<string, Float32Array>,
  ) {
    super();
    const { dataWidth: D, timeEmbedding: E, numClasses: C, hidden } = config;
    const specs: WeightSpec[] = [];
    const add = (name: string, shape: number[], initStd: number) => specs.push({ name, shape, initStd });
    // The first hidden layer reads [x_t, time features, class embedding]; a dense layer on a concatenation
    // is the sum of one matmul per part, which is how it is stored and computed (no concat in the forward
    // pass, no split in the backward pass). The class part is onehot(y)·E with E of shape
    // (numClasses+1) × hidden[0]: the learned class embedding and its block of the first layer, merged.
    // He initialisation (std √(2/fan_in)) for layers followed by ReLU/SiLU; Glorot for the output layer;
    // zero biases.
    add('time/W', [E, E], Math.sqrt(2 / E));
    add('time/b', [E], 0);
    const inputStd = Math.sqrt(2 / (D + E + 1));
    add('input/Wx', [D, hidden[0]], inputStd);
    add('input/Wt', [E, hidden[0]], inputStd);
    add('class/E', [C + 1, hidden[0]], inputStd);
    add('input/b', [hidden[0]], 0);
    let fanIn = hidden[0];
    for (let i = 1; i < hidden.length; i++) {
      add(`hidden${i}/W`, [fanIn, hidden[i]], Math.sqrt(2 / fanIn));
      add(`hidden${i}/b`, [hidden[i]], 0);
      fanIn = hidden[i];
    }
    add('out/W', [fanIn, D], Math.sqrt(2 / (fanIn + D)));
    add('out/b', [D], 0);
    this.specs = specs;
    const indexOf = (name: string) => specs.findIndex((spec) => spec.name === name);
    this.tapOrder = [
      'out/W',
      'out/b',
      ...hidden
        .slice(1)
        .map((_, i) => hidden.length - 1 - i)
        .flatMap((i) => [`hidden${i}/W`, `hidden${i}/b`]),
      'input/Wx',
      'input/Wt',
      'class/E',
      'input/b',
      'time/W',
      'time/b',
    ].map(indexOf);
    // One variable per weight. (A single flat variable split in the forward pass would cut Adam's op count,
    // but wasm's Slice/SplitV copy the whole source buffer per piece, which costs more than it saves.)
    this.variables = createWeightVariables(specs, config.seed, initialWeights, 'TabularDdpm');
    const byName = new Map(specs.map((spec, k) => [spec.name, this.variables[k]]));
    const get = <R extends Tensor>(name: string) => byName.get(name) as unknown as R;
    this.weights = {
      timeW: get('time/W'),
      timeB: get('time/b'),
      inputWx: get('input/Wx'),
      inputWt: get('input/Wt'),
      classE: get('class/E'),
      inputB: get('input/b'),
      hiddenW: hidden.slice(1).map((_, i) => get(`hidden${i + 1}/W`)),
      hiddenB: hidden.slice(1).map((_, i) => get(`hidden${i + 1}/b`)),
      outW: get('out/W'),
      outB: get('out/b'),
    };
  }

  /**
   * ε̂_θ(x_t, t, y) = MLP([x_t, SiLU(W_t·emb(t) + b_t), onehot(y)·E]) (must be called inside a tidy).
   * The class embedding is a one-hot matmul rather than a gather, so its gradient is a matmul (wasm has no
   * UnsortedSegmentSum, which the gather gradient needs). The first layer is computed as
   * x_t·W_x + timeFeat·W_t + onehot(y)·E + b (see the constructor).
   */
  apply(xt: Tensor2D, timeEmb: Tensor2D, classOneHot: Tensor2D): Tensor2D {
    const w = this.weights;
    const act = this.config.activation;
    const timeFeat = DENSE.silu(timeEmb, w.timeW, w.timeB);
    let h = inputLayer(xt, classOneHot, act)(timeFeat, w.inputWx, w.inputWt, w.classE, w.inputB);
    for (let i = 0; i < w.hiddenW.length; i++) h = DENSE[act](h, w.hiddenW[i], w.hiddenB[i]);
    return DENSE.linear(h, w.outW, w.outB);
  }
}

// -----------------------------------------------------------------------------------------------------
// Dense layers with hand-written gradients. Autodiff of matMul + add + activation costs, per layer, a
// Sum over the batch for the bias gradient (slow on wasm: a transpose then a reduction) plus several
// element-wise ops and tape entries; here the bias gradient is a matmul with a row of ones and the
// activation derivative is one short chain. Checked against autodiff in test/diffusion.test.ts.

type LayerActivation = Activation | 'linear';
type SaveFn = (tensors: Tensor[]) => void;

/**
 * Sees, in each backward pass of a dense weight, the layer's input rows and its output gradient rows (null input for a
 * bias: a column of ones). DP-SGD's ghost clipping reads per-example gradient norms from these (dpSgd.ts): a dense
 * weight's per-example gradient is the outer product of the two rows. While a tap is installed the layers return
 * zeros for their weights' gradients: the tap's owner builds the gradients it needs from the rows it saw (DP-SGD's
 * clipped sum), so the batch's weight-gradient matmuls, which it would discard, are not computed. The gradients
 * that flow back through the layers (into their inputs) are computed as always. Null outside such a pass, so
 * ordinary training computes exactly what it did.
 */
export type GradientTap = (input: Tensor2D | null, outputGradient: Tensor2D) => void;
let gradientTap: GradientTap | null = null;

/** Runs `fn` (a backward pass) with `tap` seeing every dense weight's (input, output gradient); see GradientTap. */
export function withGradientTap<R>(tap: GradientTap, fn: () => R): R {
  if (gradientTap) throw new Error('withGradientTap: a gradient tap is already installed');
  gradientTap = tap;
  try {
    return fn();
  } finally {
    gradientTap = null;
  }
}

/** Applies the activation to z; returns y and the tensors its derivative needs. */
function activationForward(z: Tensor, act: LayerActivation): { y: Tensor; kept: Tensor[] } {
  if (act === 'linear') return { y: z, kept: [] };
  if (act === 'relu') {
    const y = tf.relu(z);
    return { y, kept: [y] };
  }
  const s = tf.sigmoid(z);
  return { y: tf.mul(z, s), kept: [z, s] };
}

/** dL/dz from dL/dy: ReLU' = step(z); SiLU(z) = z·σ(z), SiLU' = σ(z)·(1 + z·(1 − σ(z))). */
function activationBackward(dy: Tensor, act: LayerActivation, kept: Tensor[]): Tensor2D {
  if (act === 'linear') return dy as Tensor2D;
  if (act === 'relu') return tf.mul(dy, tf.step(kept[0])) as Tensor2D;
  const [z, s] = kept;
  return tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(z, tf.sub(1, s))))) as Tensor2D;
}

/** Σ over the batch as a matmul with a row of ones: [1, B] · [B, n] → [n]. */
function batchSum(dz: Tensor2D): Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, dz.shape[0]]) as Tensor2D, dz), [dz.shape[1]]) as Tensor1D;
}

type DenseFn = (x: Tensor2D, W: Tensor2D, b: Tensor1D) => Tensor2D;

/** y = act(xW + b). */
function makeDense(act: LayerActivation): DenseFn {
  const op = tf.customGrad(((x: Tensor2D, W: Tensor2D, b: Tensor1D, save: SaveFn) => {
    const { y, kept } = activationForward(tf.add(tf.matMul(x, W), b), act);
    save([x, W, ...kept]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, Ws, ...k] = saved as [Tensor2D, Tensor2D, ...Tensor[]];
        const dz = activationBackward(dy, act, k);
        const dx = tf.matMul(dz, Ws, false, true);
        if (gradientTap) {
          gradientTap(xs, dz);
          gradientTap(null, dz);
          return [dx, tf.zerosLike(Ws), tf.zeros([dz.shape[1]])];
        }
        return [dx, tf.matMul(xs, dz, true, false), batchSum(dz)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op as unknown as DenseFn;
}

const DENSE: Record<LayerActivation, DenseFn> = {
  silu: makeDense('silu'),
  relu: makeDense('relu'),
  linear: makeDense('linear'),
};

/**
 * The first hidden layer, act(x_t·W_x + timeFeat·W_t + onehot·E + b). x_t and the one-hot are inputs that
 * need no gradient, so they are closed over rather than passed (no dL/dx_t matmul is computed).
 */
function inputLayer(
  xt: Tensor2D,
  classOneHot: Tensor2D,
  act: Activation,
): (timeFeat: Tensor2D, Wx: Tensor2D, Wt: Tensor2D, E: Tensor2D, b: Tensor1D) => Tensor2D {
  const op = tf.customGrad(((timeFeat: Tensor2D, Wx: Tensor2D, Wt: Tensor2D, E: Tensor2D, b: Tensor1D, save: SaveFn) => {
    const z = tf.add(tf.add(tf.add(tf.matMul(xt, Wx), tf.matMul(timeFeat, Wt)), tf.matMul(classOneHot, E)), b);
    const { y, kept } = activationForward(z, act);
    save([timeFeat, Wt, ...kept]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [tfeat, Wts, ...k] = saved as [Tensor2D, Tensor2D, ...Tensor[]];
        const dz = activationBackward(dy, act, k);
        if (gradientTap) {
          for (const input of [xt, tfeat, classOneHot, null]) gradientTap(input, dz);
          return [tf.matMul(dz, Wts, false, true), tf.zeros([xt.shape[1], dz.shape[1]]), tf.zerosLike(Wts), tf.zeros([classOneHot.shape[1], dz.shape[1]]), tf.zeros([dz.shape[1]])];
        }
        return [
          tf.matMul(dz, Wts, false, true),
          tf.matMul(xt, dz, true, false),
          tf.matMul(tfeat, dz, true, false),
          tf.matMul(classOneHot, dz, true, false),
          batchSum(dz),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op as unknown as (timeFeat: Tensor2D, Wx: Tensor2D, Wt: Tensor2D, E: Tensor2D, b: Tensor1D) => Tensor2D;
}

/** The hand-written layers, exported only so that tests can compare their gradients with autodiff. */
export const layersForTesting = { dense: DENSE, inputLayer };
