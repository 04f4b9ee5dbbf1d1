/**
 * Small convolutional binary classifier for images, trained with plain tf ops on tf.variables (the style of
 * mlp.ts). Each input row is one image flattened NHWC (height · width · channels values, intensities in [0, 1]);
 * it is scaled globally to x·2 − 1 (no per-column standardisation: a pixel's scale is the image format's).
 *
 *   per filter count f:  conv3×3 (stride 1, same) + bias + ReLU → conv3×3 (stride 2, same) + bias + ReLU
 *   flatten → dense(`dense`) + ReLU → dense(1) = logit
 *
 * Each stride-2 conv halves the spatial size, rounding up ('same' padding: out = ⌈in / 2⌉), so any image size
 * works (28×28 → 14 → 7, 8×8 → 4 → 2, 5×5 → 3 → 2).
 *
 * The tfjs 4.22 traps on this stack (docs/images.md, stack.md §5) and how this file avoids them:
 * downsampling is a strided conv (maxPool's gradient is wrong on wasm), no tf.layers, no tf.fused.* ops (a fused
 * bias with a transpose is wrong on stock wasm), no upsampling at all.
 *
 * Training as in mlp.ts: He-uniform weights (Glorot-uniform for the output layer) and zero biases drawn in JS from
 * our seeded Rng, minibatch order shuffled in JS, Adam, the stable sigmoid cross-entropy in logit form
 *   CE(z, y) = max(z, 0) − z·y + log(1 + exp(−|z|)),
 * optional 'balanced' class weights and an L2 penalty λ Σ‖W‖² on the conv and dense weights (not the biases). So
 * the same seed gives bit-identical training on one backend.
 */
import { deriveSeed, Rng } from '../../random';
import { tf } from '../../tf';
import type { BinaryClassifier, FeatureMatrix, TrainOptions } from './binaryClassifier';
import { checkLabels, checkMatrix, checkSampleWeights, checkTrainOptions, fitMinibatches, probabilitiesInChunks, thresholdProbabilities, uniformInit, weightedCrossEntropy } from './minibatchTraining';

export interface CnnOptions {
  height: number;
  width: number;
  channels: number;
  /** Channels of each conv stage (each stage ends with a stride-2 conv); default [16, 32]. */
  filters?: number[];
  /** Width of the hidden dense layer; default 64. */
  dense?: number;
  /** λ in loss += λ · Σ‖W‖² over the conv and dense weights (not biases); default 0. */
  l2?: number;
}

export const DEFAULT_CNN_FILTERS = [16, 32];
export const DEFAULT_CNN_DENSE = 64;

/**
 * Bound on the values of the largest activation of one prediction chunk (rows · H · W · max(C, filters[0])),
 * ~16 MB of float32, so a large test set never builds one huge tensor.
 */
const PREDICT_CHUNK_VALUES = 1 << 22;

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** x · 2 − 1: intensities in [0, 1] to [−1, 1] (a fresh array: the cpu backend keeps the arrays it is given). */
function scalePixels(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = values[k] * 2 - 1;
  return out;
}

/** tf variable names must be unique in the engine; a counter avoids clashes between classifiers. */
let variableCounter = 0;

export class CnnClassifier implements BinaryClassifier {
  readonly id = 'cnn';
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly filters: number[];
  readonly dense: number;
  private readonly l2: number;
  /** Per stage: [stride-1 conv, stride-2 conv] kernels [3, 3, cin, cout] and biases [cout]. */
  private convWeights: tf.Variable[] = [];
  private convBiases: tf.Variable[] = [];
  /** Hidden dense [flat, dense] and output [dense, 1], biases [1, width]. */
  private denseWeights: tf.Variable[] = [];
  private denseBiases: tf.Variable[] = [];
  private trained = false;

  constructor(opts: CnnOptions) {
    const { height, width, channels } = opts;
    if (!isPositiveInteger(height) || !isPositiveInteger(width) || !isPositiveInteger(channels)) {
      throw new Error(`cnn: height, width and channels must be positive integers, got ${height}×${width}×${channels}`);
    }
    const filters = opts.filters ?? DEFAULT_CNN_FILTERS;
    if (!Array.isArray(filters) || filters.length === 0 || !filters.every(isPositiveInteger)) {
      throw new Error(`cnn: filters must list at least one positive integer channel count, got [${filters}]`);
    }
    const dense = opts.dense ?? DEFAULT_CNN_DENSE;
    if (!isPositiveInteger(dense)) throw new Error(`cnn: dense must be a positive integer, got ${dense}`);
    const l2 = opts.l2 ?? 0;
    if (!(l2 >= 0) || !Number.isFinite(l2)) throw new Error(`cnn: l2 must be ≥ 0, got ${l2}`);
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.filters = filters.slice();
    this.dense = dense;
    this.l2 = l2;
  }

  /** Values per image row: height · width · channels. */
  get inputSize(): number {
    return this.height * this.width * this.channels;
  }

  /** Spatial size after the last stage ('same' padding, stride 2: ⌈n / 2⌉ per stage) and the flattened width. */
  get flatSize(): number {
    let h = this.height;
    let w = this.width;
    for (let s = 0; s < this.filters.length; s++) {
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
    }
    return h * w * this.filters[this.filters.length - 1];
  }

  async fit(x: FeatureMatrix, y: Uint8Array, opts: TrainOptions): Promise<void> {
    this.checkImages('fit', x);
    checkTrainOptions(opts);
    const positives = checkLabels('cnn.fit', x, y);
    // Pixels are scaled by a constant (no data-dependent standardisation), so weights act through the shared loss alone.
    if (opts.sampleWeights) checkSampleWeights('cnn.fit', x.rows, opts.sampleWeights);
    this.disposeTensors();
    this.initialiseWeights(new Rng(deriveSeed(opts.seed, 'classifier/init')));
    this.trained = true;
    await fitMinibatches(
      {
        inputs: scalePixels(x.data),
        rows: x.rows,
        cols: x.cols,
        y,
        positives,
        batchShape: (n) => [n, this.height, this.width, this.channels],
        variables: [...this.convWeights, ...this.convBiases, ...this.denseWeights, ...this.denseBiases],
        loss: (xb, yb, wb) => weightedCrossEntropy(this.logits(xb as tf.Tensor4D), yb, wb, this.l2, [...this.convWeights, ...this.denseWeights]),
      },
      opts,
    );
  }

  predictProbability(x: FeatureMatrix): Float32Array {
    if (!this.trained) throw new Error('cnn: predictProbability called before fit (or after dispose)');
    this.checkImages('predictProbability', x);
    const size = x.cols;
    const perRow = this.height * this.width * Math.max(this.channels, this.filters[0]);
    const chunkRows = Math.max(1, Math.floor(PREDICT_CHUNK_VALUES / perRow));
    return probabilitiesInChunks(x.rows, chunkRows, (start, end) =>
      tf.tidy(() => {
        const chunk = scalePixels(x.data.subarray(start * size, end * size));
        const images = tf.tensor4d(chunk, [end - start, this.height, this.width, this.channels]);
        return tf.sigmoid(this.logits(images)).dataSync();
      }),
    );
  }

  predict(x: FeatureMatrix, threshold = 0.5): Uint8Array {
    return thresholdProbabilities(this.predictProbability(x), threshold);
  }

  dispose(): void {
    this.disposeTensors();
  }

  private checkImages(where: string, x: FeatureMatrix): void {
    if (x.cols !== this.inputSize) {
      throw new Error(
        `cnn.${where}: expected images of shape ${this.height}×${this.width}×${this.channels} (height×width×channels, ` +
          `flattened NHWC = ${this.inputSize} values per row), got ${x.cols} columns`,
      );
    }
    checkMatrix(`cnn.${where}`, x);
  }

  private disposeTensors(): void {
    tf.dispose([...this.convWeights, ...this.convBiases, ...this.denseWeights, ...this.denseBiases]);
    this.convWeights = [];
    this.convBiases = [];
    this.denseWeights = [];
    this.denseBiases = [];
    this.trained = false;
  }

  /** He-uniform (limit √(6 / fan-in)) for every ReLU layer, Glorot-uniform for the output layer; zero biases. */
  private initialiseWeights(rng: Rng): void {
    const id = variableCounter++;
    const variable = (values: Float32Array | null, shape: number[], name: string): tf.Variable =>
      // tidy frees the initial-value tensors; variables are not tracked by tidy and keep their data.
      tf.tidy(() => tf.variable(values ? tf.tensor(values, shape, 'float32') : tf.zeros(shape), true, `cnn${id}_${name}`));
    let cin = this.channels;
    this.filters.forEach((f, s) => {
      for (const [k, inCh] of [[0, cin], [1, f]] as const) {
        const fanIn = 9 * inCh;
        this.convWeights.push(variable(uniformInit(rng, 9 * inCh * f, Math.sqrt(6 / fanIn)), [3, 3, inCh, f], `conv${s}_${k}_w`));
        this.convBiases.push(variable(null, [f], `conv${s}_${k}_b`));
      }
      cin = f;
    });
    const flat = this.flatSize;
    this.denseWeights.push(variable(uniformInit(rng, flat * this.dense, Math.sqrt(6 / flat)), [flat, this.dense], 'dense_w'));
    this.denseBiases.push(variable(null, [1, this.dense], 'dense_b'));
    this.denseWeights.push(variable(uniformInit(rng, this.dense, Math.sqrt(6 / (this.dense + 1))), [this.dense, 1], 'out_w'));
    this.denseBiases.push(variable(null, [1, 1], 'out_b'));
  }

  private logits(x: tf.Tensor4D): tf.Tensor2D {
    let h = x;
    for (let c = 0; c < this.convWeights.length; c++) {
      const stride = c % 2 === 0 ? 1 : 2;
      h = tf.relu(tf.add(tf.conv2d(h, this.convWeights[c] as tf.Tensor4D, stride, 'same'), this.convBiases[c])) as tf.Tensor4D;
    }
    const flat = tf.reshape(h, [h.shape[0], this.flatSize]) as tf.Tensor2D;
    const hidden = tf.relu(tf.add(tf.matMul(flat, this.denseWeights[0] as tf.Tensor2D), this.denseBiases[0]));
    return tf.add(tf.matMul(hidden, this.denseWeights[1] as tf.Tensor2D), this.denseBiases[1]);
  }
}
