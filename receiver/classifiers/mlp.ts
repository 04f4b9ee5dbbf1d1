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
import { deriveSeed, Rng } from '../../shared/random';
import { tf } from '../../shared/tf';
import type { BinaryClassifier, FeatureMatrix, TrainOptions } from './index';

export interface FeedForwardConfig {
  id: string;
  /** Hidden widths; [] is logistic regression. */
  hidden: number[];
  /** λ in loss += λ · Σ‖W‖² over weight matrices (not biases). */
  l2: number;
}

/** Rows per tensor when predicting, to bound memory on large test sets. */
const PREDICT_CHUNK_ROWS = 8192;

function checkMatrix(where: string, x: FeatureMatrix): void {
  if (!Number.isInteger(x.rows) || x.rows < 0 || !Number.isInteger(x.cols) || x.cols < 1) {
    throw new Error(`${where}: bad shape rows=${x.rows}, cols=${x.cols}`);
  }
  if (x.data.length !== x.rows * x.cols) {
    throw new Error(`${where}: data has ${x.data.length} values but rows·cols = ${x.rows}·${x.cols} = ${x.rows * x.cols}`);
  }
  for (let k = 0; k < x.data.length; k++) {
    if (!Number.isFinite(x.data[k])) {
      const row = Math.floor(k / x.cols);
      throw new Error(`${where}: feature ${k % x.cols} of row ${row} is ${x.data[k]}; encode missing values before training`);
    }
  }
}

function checkTrainOptions(opts: TrainOptions): void {
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new Error(`fit: epochs must be an integer ≥ 0, got ${opts.epochs}`);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new Error(`fit: batchSize must be an integer ≥ 1, got ${opts.batchSize}`);
  }
  if (!(opts.learningRate > 0) || !Number.isFinite(opts.learningRate)) {
    throw new Error(`fit: learningRate must be a positive number, got ${opts.learningRate}`);
  }
}

/** Uniform(−limit, limit) values from our Rng, so initial weights do not depend on tfjs's seeding. */
function uniformInit(rng: Rng, fanIn: number, fanOut: number, limit: number): Float32Array {
  const values = new Float32Array(fanIn * fanOut);
  for (let k = 0; k < values.length; k++) values[k] = (2 * rng.next() - 1) * limit;
  return values;
}

/** Column means and 1/std of the training features (1 for constant columns, which then stay centred at 0). */
function columnStandardisation(x: FeatureMatrix): { mean: Float32Array; invStd: Float32Array } {
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
    if (y.length !== x.rows) throw new Error(`${this.id}.fit: ${x.rows} feature rows but ${y.length} labels`);
    if (x.rows === 0) throw new Error(`${this.id}.fit: no training records`);
    let positives = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 0 && y[i] !== 1) throw new Error(`${this.id}.fit: label ${i} is ${y[i]}, expected 0 or 1`);
      positives += y[i];
    }

    this.disposeTensors();
    this.cols = x.cols;
    const { mean, invStd } = columnStandardisation(x);
    this.mean = mean;
    this.invStd = invStd;
    this.initialiseWeights(new Rng(deriveSeed(opts.seed, 'classifier/init')));

    // Per-record weights: 'balanced' gives each class half of the total weight (rows / (2·count)). With one
    // class absent the weighting is undefined; every record then keeps weight 1, which is the same objective.
    const negatives = x.rows - positives;
    const balanced = opts.classWeight === 'balanced' && positives > 0 && negatives > 0;
    const positiveWeight = balanced ? x.rows / (2 * positives) : 1;
    const negativeWeight = balanced ? x.rows / (2 * negatives) : 1;

    // Standardise once in JS and assemble each minibatch by copying rows: the wasm gather kernel is slow
    // (it dominated a profile), and gather on the tape would also clone the whole matrix at every step.
    const cols = x.cols;
    const standardised = this.standardise(x.data);
    const optimizer = tf.train.adam(opts.learningRate);
    const variables = [...this.weights, ...this.biases];
    const shuffleRng = new Rng(deriveSeed(opts.seed, 'classifier/shuffle'));
    const order = new Int32Array(x.rows);
    for (let i = 0; i < x.rows; i++) order[i] = i;

    try {
      for (let epoch = 0; epoch < opts.epochs; epoch++) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = shuffleRng.int(i + 1);
          const tmp = order[i];
          order[i] = order[j];
          order[j] = tmp;
        }
        const costs: tf.Scalar[] = [];
        const sizes: number[] = [];
        for (let start = 0; start < x.rows; start += opts.batchSize) {
          const batch = order.subarray(start, Math.min(start + opts.batchSize, x.rows));
          // Fresh buffers per batch: the cpu backend keeps a reference to the array a tensor is made from.
          const xData = new Float32Array(batch.length * cols);
          const yData = new Float32Array(batch.length);
          const wData = balanced ? new Float32Array(batch.length) : null;
          for (let k = 0; k < batch.length; k++) {
            const r = batch[k];
            xData.set(standardised.subarray(r * cols, (r + 1) * cols), k * cols);
            yData[k] = y[r];
            if (wData) wData[k] = y[r] === 1 ? positiveWeight : negativeWeight;
          }
          const xb = tf.tensor2d(xData, [batch.length, cols]);
          const yb = tf.tensor2d(yData, [batch.length, 1]);
          const wb = wData ? tf.tensor2d(wData, [batch.length, 1]) : null;
          const cost = optimizer.minimize(
            () => this.loss(this.logits(xb), yb, wb),
            opts.onEpoch !== undefined,
            variables,
          );
          tf.dispose([xb, yb]);
          if (wb) wb.dispose();
          if (cost) {
            costs.push(cost);
            sizes.push(batch.length);
          }
        }
        if (opts.onEpoch) {
          const values = tf.tidy(() => tf.stack(costs).dataSync());
          tf.dispose(costs);
          let total = 0;
          for (let b = 0; b < values.length; b++) total += values[b] * sizes[b];
          opts.onEpoch(epoch, total / x.rows);
        }
        // Yield to the event loop between epochs so a party's gRPC server stays responsive while training.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      optimizer.dispose();
    }
  }

  predictProbability(x: FeatureMatrix): Float32Array {
    if (!this.mean) throw new Error(`${this.id}: predictProbability called before fit (or after dispose)`);
    checkMatrix(`${this.id}.predictProbability`, x);
    if (x.cols !== this.cols) throw new Error(`${this.id}: trained on ${this.cols} features, got ${x.cols}`);
    const out = new Float32Array(x.rows);
    for (let start = 0; start < x.rows; start += PREDICT_CHUNK_ROWS) {
      const end = Math.min(start + PREDICT_CHUNK_ROWS, x.rows);
      const probabilities = tf.tidy(() => {
        const chunk = this.standardise(x.data.subarray(start * x.cols, end * x.cols));
        return tf.sigmoid(this.logits(tf.tensor2d(chunk, [end - start, x.cols]))).dataSync();
      });
      out.set(probabilities, start);
    }
    return out;
  }

  predict(x: FeatureMatrix, threshold = 0.5): Uint8Array {
    const probabilities = this.predictProbability(x);
    const out = new Uint8Array(probabilities.length);
    for (let i = 0; i < probabilities.length; i++) out[i] = probabilities[i] >= threshold ? 1 : 0;
    return out;
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
      const initial = uniformInit(rng, fanIn, fanOut, limit);
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

  /** mean_i w_i · CE(z_i, y_i) + λ Σ‖W‖² (w_i = 1 without class weighting). */
  private loss(z: tf.Tensor2D, y: tf.Tensor2D, w: tf.Tensor2D | null): tf.Scalar {
    const ce = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    const data = tf.mean(w ? tf.mul(ce, w) : ce) as tf.Scalar;
    if (this.l2 === 0) return data;
    const penalty = tf.addN(this.weights.map((W) => tf.sum(tf.square(W))));
    return tf.add(data, tf.mul(this.l2, penalty)) as tf.Scalar;
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
