/**
 * Feed-forward binary classifier trained with plain tf ops: standardised inputs → (dense + ReLU)* → dense →
 * logit. Inputs are standardised with the training set's column mean and std (constant columns are only
 * centred), so raw features of any scale train well with one learning rate. Trained by Adam on minibatches
 * with the numerically stable sigmoid cross-entropy
 *   CE(z, y) = max(z, 0) − z·y + log(1 + exp(−|z|))
 * (the logit form: no sigmoid is ever evaluated inside the loss, so large |z| cannot produce log(0)).
 *
 * Why not tf.layers: the model is three ops; a manual loop lets us seed every random choice from our own Rng
 * (initial weights drawn in JS, minibatch order shuffled in JS), which makes training bit-identical across
 * runs on one backend, and avoids the layers kernels that are broken on wasm.
 */
import { deriveSeed, Rng } from '../../random';
import { tf } from '../../tf';
import type { BinaryClassifier, FeatureMatrix, TrainOptions } from './binaryClassifier';
import { checkLabels, checkMatrix, checkSampleWeights, checkTrainOptions, fitMinibatches, probabilitiesInChunks, thresholdProbabilities, uniformInit, weightedCrossEntropy } from './minibatchTraining';

export interface FeedForwardConfig {
  id: string;
  /** Hidden widths; [] is logistic regression. */
  hidden: number[];
  /** λ in loss += λ · Σ‖W‖² over weight matrices (not biases). */
  l2: number;
}

/** Rows per tensor when predicting, to bound memory on large test sets. */
const PREDICT_CHUNK_ROWS = 8192;

/**
 * Column means and 1/std of the training features (1 for constant columns, which then stay centred at 0). With sample
 * weights they are the weighted mean and std, so that a row of weight 2 standardises like the row twice and a row of
 * weight 0 like no row: the whole fit, not only the loss, then matches the duplicated or reduced data (without
 * weights the unweighted code below runs unchanged).
 */
function columnStandardisation(x: FeatureMatrix, weights?: Float64Array): { mean: Float32Array; invStd: Float32Array } {
  if (weights) return weightedColumnStandardisation(x, weights);
  const mean = new Float64Array(x.cols);
  const sq = new Float64Array(x.cols);
  for (let i = 0; i < x.rows; i++) {
    const base = i * x.cols;
    for (let j = 0; j < x.cols; j++) mean[j] += x.data[base + j];
  }
  for (let j = 0; j < x.cols; j++) mean[j] /= x.rows;
  for (let i = 0; i < x.rows; i++) {
    const base = i * x.cols;
    for (let j = 0; j < x.cols; j++) {
      const d = x.data[base + j] - mean[j];
      sq[j] += d * d;
    }
  }
  const invStd = new Float32Array(x.cols);
  for (let j = 0; j < x.cols; j++) {
    const std = Math.sqrt(sq[j] / x.rows);
    invStd[j] = std > 1e-12 ? 1 / std : 1;
  }
  return { mean: Float32Array.from(mean), invStd };
}

function weightedColumnStandardisation(x: FeatureMatrix, weights: Float64Array): { mean: Float32Array; invStd: Float32Array } {
  const mean = new Float64Array(x.cols);
  const sq = new Float64Array(x.cols);
  let total = 0;
  for (let i = 0; i < x.rows; i++) {
    const w = weights[i];
    total += w;
    const base = i * x.cols;
    for (let j = 0; j < x.cols; j++) mean[j] += w * x.data[base + j];
  }
  for (let j = 0; j < x.cols; j++) mean[j] /= total;
  for (let i = 0; i < x.rows; i++) {
    const w = weights[i];
    const base = i * x.cols;
    for (let j = 0; j < x.cols; j++) {
      const d = x.data[base + j] - mean[j];
      sq[j] += w * d * d;
    }
  }
  const invStd = new Float32Array(x.cols);
  for (let j = 0; j < x.cols; j++) {
    const std = Math.sqrt(sq[j] / total);
    invStd[j] = std > 1e-12 ? 1 / std : 1;
  }
  return { mean: Float32Array.from(mean), invStd };
}

export class FeedForwardClassifier implements BinaryClassifier {
  readonly id: string;
  private readonly hidden: number[];
  private readonly l2: number;
  private weights: tf.Variable[] = [];
  private biases: tf.Variable[] = [];
  /** Training-set column means and 1/std, applied to every input (training and prediction alike). */
  private mean: Float32Array | null = null;
  private invStd: Float32Array | null = null;
  private cols = 0;

  constructor(config: FeedForwardConfig) {
    for (const width of config.hidden) {
      if (!Number.isInteger(width) || width < 1) {
        throw new Error(`${config.id}: hidden widths must be positive integers, got [${config.hidden}]`);
      }
    }
    if (!(config.l2 >= 0) || !Number.isFinite(config.l2)) throw new Error(`${config.id}: l2 must be ≥ 0, got ${config.l2}`);
    this.id = config.id;
    this.hidden = config.hidden.slice();
    this.l2 = config.l2;
  }

  async fit(x: FeatureMatrix, y: Uint8Array, opts: TrainOptions): Promise<void> {
    checkMatrix(`${this.id}.fit`, x);
    checkTrainOptions(opts);
    const positives = checkLabels(`${this.id}.fit`, x, y);
    if (opts.sampleWeights) checkSampleWeights(`${this.id}.fit`, x.rows, opts.sampleWeights);
    this.disposeTensors();
    this.cols = x.cols;
    const { mean, invStd } = columnStandardisation(x, opts.sampleWeights);
    this.mean = mean;
    this.invStd = invStd;
    this.initialiseWeights(new Rng(deriveSeed(opts.seed, 'classifier/init')));
    await fitMinibatches(
      {
        inputs: this.standardise(x.data),
        rows: x.rows,
        cols: x.cols,
        y,
        positives,
        batchShape: (n) => [n, x.cols],
        variables: [...this.weights, ...this.biases],
        loss: (xb, yb, wb) => weightedCrossEntropy(this.logits(xb as tf.Tensor2D), yb, wb, this.l2, this.weights),
      },
      opts,
    );
  }

  predictProbability(x: FeatureMatrix): Float32Array {
    if (!this.mean) throw new Error(`${this.id}: predictProbability called before fit (or after dispose)`);
    checkMatrix(`${this.id}.predictProbability`, x);
    if (x.cols !== this.cols) throw new Error(`${this.id}: trained on ${this.cols} features, got ${x.cols}`);
    return probabilitiesInChunks(x.rows, PREDICT_CHUNK_ROWS, (start, end) =>
      tf.tidy(() => {
        const chunk = this.standardise(x.data.subarray(start * x.cols, end * x.cols));
        return tf.sigmoid(this.logits(tf.tensor2d(chunk, [end - start, x.cols]))).dataSync();
      }),
    );
  }

  predict(x: FeatureMatrix, threshold = 0.5): Uint8Array {
    return thresholdProbabilities(this.predictProbability(x), threshold);
  }

  dispose(): void {
    this.disposeTensors();
  }

  private disposeTensors(): void {
    tf.dispose([...this.weights, ...this.biases]);
    this.weights = [];
    this.biases = [];
    this.mean = null;
    this.invStd = null;
  }

  /** He-uniform for ReLU layers, Glorot-uniform for the output layer; zero biases. */
  private initialiseWeights(rng: Rng): void {
    const widths = [this.cols, ...this.hidden, 1];
    for (let l = 0; l + 1 < widths.length; l++) {
      const fanIn = widths[l];
      const fanOut = widths[l + 1];
      const isOutput = l + 2 === widths.length;
      const limit = isOutput ? Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(6 / fanIn);
      const name = `${this.id}_${l}`;
      const initial = uniformInit(rng, fanIn * fanOut, limit);
      // tidy frees the initial-value tensors; variables are not tracked by tidy and keep their data.
      tf.tidy(() => {
        this.weights.push(tf.variable(tf.tensor2d(initial, [fanIn, fanOut]), true, `${name}_w_${nextVariableId()}`));
        this.biases.push(tf.variable(tf.zeros([1, fanOut]), true, `${name}_b_${nextVariableId()}`));
      });
    }
  }

  /** (x − mean) / std per column, for row-major values with `this.cols` columns. */
  private standardise(values: Float32Array): Float32Array {
    const mean = this.mean!;
    const invStd = this.invStd!;
    const cols = this.cols;
    const out = new Float32Array(values.length);
    for (let base = 0; base < values.length; base += cols) {
      for (let j = 0; j < cols; j++) out[base + j] = (values[base + j] - mean[j]) * invStd[j];
    }
    return out;
  }

  private logits(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (let l = 0; l < this.weights.length; l++) {
      h = tf.add(tf.matMul(h, this.weights[l]), this.biases[l]);
      if (l + 1 < this.weights.length) h = tf.relu(h);
    }
    return h;
  }
}

/** tf variable names must be unique in the engine; a counter avoids clashes between classifiers. */
let variableCounter = 0;
function nextVariableId(): number {
  return variableCounter++;
}

export const DEFAULT_MLP_HIDDEN = [32, 32];

/** Multi-layer perceptron with ReLU hidden layers (default widths [32, 32]). */
export class MlpClassifier extends FeedForwardClassifier {
  constructor(opts: { hidden?: number[]; l2?: number } = {}) {
    const hidden = opts.hidden ?? DEFAULT_MLP_HIDDEN;
    if (hidden.length === 0) throw new Error('mlp: hidden must list at least one layer width (use logistic for none)');
    super({ id: 'mlp', hidden, l2: opts.l2 ?? 0 });
  }
}
