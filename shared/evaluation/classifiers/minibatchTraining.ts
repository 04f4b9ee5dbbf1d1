/**
 * What every downstream binary classifier shares (mlp.ts, cnn.ts): the input checks, the weighted and
 * L2-penalised stable cross-entropy, and the seeded minibatch Adam loop. One loop, so a fix to how classifiers
 * train (batching, class weights, the epoch loss, yielding to the event loop) reaches every kind.
 */
import { Rng, deriveSeed } from '../../random';
import { tf } from '../../tf';
import type { FeatureMatrix, TrainOptions } from './binaryClassifier';

// Bound once at module level: jest runs modules in a vm sandbox where every global lookup in a hot loop is slow
// (shared/random.ts), and checkMatrix visits every value.
const { isFinite } = Number;

export function checkMatrix(where: string, x: FeatureMatrix): void {
  if (!Number.isInteger(x.rows) || x.rows < 0 || !Number.isInteger(x.cols) || x.cols < 1) {
    throw new Error(`${where}: bad shape rows=${x.rows}, cols=${x.cols}`);
  }
  if (x.data.length !== x.rows * x.cols) {
    throw new Error(`${where}: data has ${x.data.length} values but rows·cols = ${x.rows}·${x.cols} = ${x.rows * x.cols}`);
  }
  for (let k = 0; k < x.data.length; k++) {
    if (!isFinite(x.data[k])) {
      const row = Math.floor(k / x.cols);
      throw new Error(`${where}: feature ${k % x.cols} of row ${row} is ${x.data[k]}; encode missing values before training`);
    }
  }
}

export function checkTrainOptions(opts: TrainOptions): void {
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new Error(`fit: epochs must be an integer ≥ 0, got ${opts.epochs}`);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new Error(`fit: batchSize must be an integer ≥ 1, got ${opts.batchSize}`);
  }
  if (!(opts.learningRate > 0) || !Number.isFinite(opts.learningRate)) {
    throw new Error(`fit: learningRate must be a positive number, got ${opts.learningRate}`);
  }
}

/**
 * Checks `sampleWeights` against the rows: one finite weight ≥ 0 per row, and a positive sum (all-zero weights leave
 * nothing to fit). Throws naming the field and the first bad index.
 */
export function checkSampleWeights(where: string, rows: number, weights: Float64Array): void {
  if (weights.length !== rows) throw new Error(`${where}: sampleWeights has ${weights.length} values but there are ${rows} training rows`);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!isFinite(w) || w < 0) throw new Error(`${where}: sampleWeights[${i}] is ${w}; every weight must be a finite number ≥ 0`);
    sum += w;
  }
  if (!(sum > 0)) throw new Error(`${where}: sampleWeights sum to 0; at least one training row needs a positive weight`);
}

/** Checks the labels against the rows (0/1, one per row, at least one row); returns the count of positives. */
export function checkLabels(where: string, x: FeatureMatrix, y: Uint8Array): number {
  if (y.length !== x.rows) throw new Error(`${where}: ${x.rows} feature rows but ${y.length} labels`);
  if (x.rows === 0) throw new Error(`${where}: no training records`);
  let positives = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new Error(`${where}: label ${i} is ${y[i]}, expected 0 or 1`);
    positives += y[i];
  }
  return positives;
}

/** Uniform(−limit, limit) values from our Rng, so initial weights do not depend on tfjs's seeding. */
export function uniformInit(rng: Rng, size: number, limit: number): Float32Array {
  const values = new Float32Array(size);
  for (let k = 0; k < size; k++) values[k] = (2 * rng.next() - 1) * limit;
  return values;
}

/**
 * mean_i w_i · CE(z_i, y_i) + λ Σ‖W‖² over `penalised` (w_i = 1 without class weighting), with the numerically
 * stable logit form CE(z, y) = max(z, 0) − z·y + log(1 + exp(−|z|)): no sigmoid inside the loss, no log(0).
 */
export function weightedCrossEntropy(z: tf.Tensor2D, y: tf.Tensor2D, w: tf.Tensor2D | null, l2: number, penalised: tf.Variable[]): tf.Scalar {
  const ce = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  const data = tf.mean(w ? tf.mul(ce, w) : ce) as tf.Scalar;
  if (l2 === 0 || penalised.length === 0) return data;
  const penalty = tf.addN(penalised.map((W) => tf.sum(tf.square(W))));
  return tf.add(data, tf.mul(l2, penalty)) as tf.Scalar;
}

export interface MinibatchProblem {
  /** Inputs already transformed (standardised, scaled), rows × cols row-major. */
  inputs: Float32Array;
  rows: number;
  cols: number;
  y: Uint8Array;
  positives: number;
  /** The shape of a batch of n input rows as the network takes it ([n, cols], or [n, H, W, C]). */
  batchShape: (n: number) => number[];
  variables: tf.Variable[];
  /** The loss of a batch (inside optimizer.minimize). */
  loss: (x: tf.Tensor, y: tf.Tensor2D, w: tf.Tensor2D | null) => tf.Scalar;
}

/**
 * The weight of each record in the loss, or null when every record weighs 1 (the unweighted mean, kept as its own
 * path so that training without weights stays bit-identical to what it was before sample weights existed).
 *
 * With `sampleWeights` w and class weights c, record i weighs v_i = w_i · c(y_i) · n / Σ_j w_j, so the minibatch mean of
 * v_i · CE_i estimates Σ w_i c(y_i) CE_i / Σ w_i: the loss is normalised by the weight sum, not by the row count. That
 * is what makes a weight of 2 the same objective as the row twice (sklearn's sample_weight semantics: its losses are
 * sums, so duplicating a row and weighting it 2 coincide, L2 penalty included) and a weight of 0 the same as the row
 * removed; normalising by n instead would rescale the data term against the L2 penalty and Adam's step whenever the
 * weights do not average 1. Normalising once by the global sum (not per batch) keeps each batch's loss an unbiased
 * estimate of the full objective.
 *
 * 'balanced' class weights give each class half of the total weight: c(y) = W / (2·W_y) with W_y the (sample-)weighted
 * count of class y (rows / (2·count) without sample weights), so duplicating a row changes them exactly as weighting it
 * does. With one class absent (or weighing 0) the class weighting is undefined and every class keeps weight 1, which is
 * the same objective.
 */
export function recordWeights(y: Uint8Array, positives: number, opts: Pick<TrainOptions, 'classWeight' | 'sampleWeights'>): Float32Array | null {
  const rows = y.length;
  const sample = opts.sampleWeights;
  if (!sample) {
    const negatives = rows - positives;
    if (!(opts.classWeight === 'balanced' && positives > 0 && negatives > 0)) return null;
    const positiveWeight = rows / (2 * positives);
    const negativeWeight = rows / (2 * negatives);
    const out = new Float32Array(rows);
    for (let i = 0; i < rows; i++) out[i] = y[i] === 1 ? positiveWeight : negativeWeight;
    return out;
  }
  let total = 0;
  let positiveTotal = 0;
  for (let i = 0; i < rows; i++) {
    total += sample[i];
    if (y[i] === 1) positiveTotal += sample[i];
  }
  const negativeTotal = total - positiveTotal;
  const balanced = opts.classWeight === 'balanced' && positiveTotal > 0 && negativeTotal > 0;
  const positiveWeight = balanced ? total / (2 * positiveTotal) : 1;
  const negativeWeight = balanced ? total / (2 * negativeTotal) : 1;
  const scale = rows / total;
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = sample[i] * scale * (y[i] === 1 ? positiveWeight : negativeWeight);
  return out;
}

/**
 * Adam over seeded shuffled minibatches, each record's loss weighted by recordWeights (class and sample weights). Each
 * minibatch is assembled by copying rows in JS: the wasm gather kernel is slow (it dominated a profile), and gather on
 * the tape would also clone the whole matrix at every step.
 */
export async function fitMinibatches(problem: MinibatchProblem, opts: TrainOptions): Promise<void> {
  const { inputs, rows, cols, y, positives } = problem;
  const weights = recordWeights(y, positives, opts);
  const optimizer = tf.train.adam(opts.learningRate);
  const shuffleRng = new Rng(deriveSeed(opts.seed, 'classifier/shuffle'));
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
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
      for (let start = 0; start < rows; start += opts.batchSize) {
        const batch = order.subarray(start, Math.min(start + opts.batchSize, rows));
        // Fresh buffers per batch: the cpu backend keeps a reference to the array a tensor is made from.
        const xData = new Float32Array(batch.length * cols);
        const yData = new Float32Array(batch.length);
        const wData = weights ? new Float32Array(batch.length) : null;
        for (let k = 0; k < batch.length; k++) {
          const r = batch[k];
          xData.set(inputs.subarray(r * cols, (r + 1) * cols), k * cols);
          yData[k] = y[r];
          if (wData) wData[k] = weights![r];
        }
        const xb = tf.tensor(xData, problem.batchShape(batch.length), 'float32');
        const yb = tf.tensor2d(yData, [batch.length, 1]);
        const wb = wData ? tf.tensor2d(wData, [batch.length, 1]) : null;
        const cost = optimizer.minimize(() => problem.loss(xb, yb, wb), opts.onEpoch !== undefined, problem.variables);
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
        opts.onEpoch(epoch, total / rows);
      }
      // Yield to the event loop between epochs so a party's gRPC server stays responsive while training.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
  }
}

/**
 * P(y = 1 | x) for `rows` rows, computed `chunkRows` rows at a time (`probabilities(start, end)` for rows
 * [start, end)), so the tensors of one call stay bounded however large the test set.
 */
export function probabilitiesInChunks(rows: number, chunkRows: number, probabilities: (start: number, end: number) => ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows);
  for (let start = 0; start < rows; start += chunkRows) {
    const end = Math.min(start + chunkRows, rows);
    out.set(probabilities(start, end), start);
  }
  return out;
}

/** 1 where the probability is ≥ threshold. */
export function thresholdProbabilities(probabilities: Float32Array, threshold: number): Uint8Array {
  const out = new Uint8Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) out[i] = probabilities[i] >= threshold ? 1 : 0;
  return out;
}
