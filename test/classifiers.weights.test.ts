/**
 * TrainOptions.sampleWeights (minibatchTraining.ts recordWeights): the loss is normalised by the weight sum and the
 * feed-forward kinds standardise with weighted moments, so a weight of 2 is the row twice and a weight of 0 the row
 * removed (sklearn's sample_weight semantics); all-ones weights are bit-identical to none; bad weights are refused
 * naming the field.
 */
import { createClassifier, type ClassifierKind, type FeatureMatrix, type TrainOptions } from '../shared/evaluation/classifiers';
import { recordWeights, weightedCrossEntropy } from '../shared/evaluation/classifiers/minibatchTraining';
import { Rng } from '../shared/random';
import { initBackend, tf } from '../shared/tf';

beforeAll(async () => {
  await initBackend();
});

function problem(rows: number, cols: number, seed: number): { x: FeatureMatrix; y: Uint8Array } {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = 0;
    for (let j = 0; j < cols; j++) {
      const v = rng.normal() * (1 + j) + j;
      data[i * cols + j] = v;
      z += (j % 2 === 0 ? 1 : -1) * (v - j);
    }
    // Imbalanced classes, so 'balanced' class weights are not all 1.
    y[i] = z + rng.normal() > 1 ? 1 : 0;
  }
  return { x: { data, rows, cols }, y };
}

/** The rows in `order` (indices may repeat). */
function pick(x: FeatureMatrix, y: Uint8Array, order: number[]): { x: FeatureMatrix; y: Uint8Array } {
  const data = new Float32Array(order.length * x.cols);
  order.forEach((r, k) => data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), k * x.cols));
  return { x: { data, rows: order.length, cols: x.cols }, y: Uint8Array.from(order, (r) => y[r]) };
}

/** Full-batch training (one batch holds every row), so only the objective, not the batching, can differ. */
async function fitAndPredict(kind: ClassifierKind, x: FeatureMatrix, y: Uint8Array, opts: Partial<TrainOptions>, test: FeatureMatrix): Promise<{ p: Float32Array; losses: number[] }> {
  const c = createClassifier(kind, { l2: 0.01 });
  const losses: number[] = [];
  try {
    await c.fit(x, y, { epochs: 4, batchSize: 1000, learningRate: 0.05, seed: 7, onEpoch: (_e, loss) => losses.push(loss), ...opts });
    return { p: c.predictProbability(test), losses };
  } finally {
    c.dispose();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('sample weights', () => {
  const base = problem(60, 4, 1);
  const testX = problem(40, 4, 2).x;
  const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => i);

  test('the loss and its gradient: a weight of 2 equals the row duplicated, with and without balanced class weights', () => {
    const dup = pick(base.x, base.y, [...rowsOf(60), 3, 17]);
    const weights = new Float64Array(60).fill(1);
    weights[3] = 2;
    weights[17] = 2;
    for (const classWeight of ['none', 'balanced'] as const) {
      const lossAndGrad = (x: FeatureMatrix, y: Uint8Array, w: Float32Array | null) => {
        const W = tf.variable(tf.tensor2d(Float32Array.from({ length: x.cols }, (_, j) => 0.3 - 0.2 * j), [x.cols, 1]));
        const { value, grads } = tf.variableGrads(
          () => weightedCrossEntropy(tf.matMul(tf.tensor2d(x.data, [x.rows, x.cols]), W), tf.tensor2d(Float32Array.from(y), [x.rows, 1]), w ? tf.tensor2d(w, [x.rows, 1]) : null, 0.01, [W]),
          [W],
        );
        const out = { loss: value.dataSync()[0], grad: Array.from(grads[W.name].dataSync()) };
        tf.dispose([value, grads[W.name], W]);
        return out;
      };
      const positives = (y: Uint8Array) => y.reduce((a, v) => a + v, 0);
      const duplicated = lossAndGrad(dup.x, dup.y, recordWeights(dup.y, positives(dup.y), { classWeight }));
      const weighted = lossAndGrad(base.x, base.y, recordWeights(base.y, positives(base.y), { classWeight, sampleWeights: weights }));
      expect(weighted.loss).toBeCloseTo(duplicated.loss, 5);
      expect(maxAbsDiff(weighted.grad, duplicated.grad)).toBeLessThan(1e-5);
    }
  });

  test.each(['logistic', 'mlp'] as const)('%s: a weight of 2 fits like the row twice (same epoch losses, same predictions)', async (kind) => {
    const dup = pick(base.x, base.y, [...rowsOf(60), 5, 5, 40]); // row 5 three times, row 40 twice
    const weights = new Float64Array(60).fill(1);
    weights[5] = 3;
    weights[40] = 2;
    for (const classWeight of ['none', 'balanced'] as const) {
      const a = await fitAndPredict(kind, dup.x, dup.y, { classWeight }, testX);
      const b = await fitAndPredict(kind, base.x, base.y, { classWeight, sampleWeights: weights }, testX);
      expect(maxAbsDiff(a.losses, b.losses)).toBeLessThan(1e-5);
      expect(maxAbsDiff(a.p, b.p)).toBeLessThan(1e-4);
    }
  });

  test.each(['logistic', 'mlp'] as const)('%s: weights of zero remove the rows', async (kind) => {
    const kept = rowsOf(60).filter((i) => i % 3 !== 0);
    const reduced = pick(base.x, base.y, kept);
    const weights = Float64Array.from(rowsOf(60), (i) => (i % 3 === 0 ? 0 : 1));
    const a = await fitAndPredict(kind, reduced.x, reduced.y, { classWeight: 'balanced' }, testX);
    const b = await fitAndPredict(kind, base.x, base.y, { classWeight: 'balanced', sampleWeights: weights }, testX);
    expect(maxAbsDiff(a.losses, b.losses)).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.p, b.p)).toBeLessThan(1e-4);
  });

  test('weights all 1 are bit-identical to no weights (minibatches, both class weightings)', async () => {
    for (const classWeight of ['none', 'balanced'] as const) {
      const opts = { classWeight, batchSize: 16 };
      const a = await fitAndPredict('mlp', base.x, base.y, opts, testX);
      const b = await fitAndPredict('mlp', base.x, base.y, { ...opts, sampleWeights: new Float64Array(60).fill(1) }, testX);
      expect(Array.from(b.p)).toEqual(Array.from(a.p));
    }
  });

  test('bad weights are refused naming sampleWeights, before anything trains', async () => {
    const train = { epochs: 1, batchSize: 16, learningRate: 0.01, seed: 1 };
    const bad = (values: number[]) => Float64Array.from(values);
    const ones = Array.from({ length: 60 }, () => 1);
    for (const kind of ['logistic', 'mlp'] as const) {
      const c = createClassifier(kind);
      await expect(c.fit(base.x, base.y, { ...train, sampleWeights: bad(ones.slice(1)) })).rejects.toThrow(`${kind}.fit: sampleWeights has 59 values but there are 60 training rows`);
      await expect(c.fit(base.x, base.y, { ...train, sampleWeights: bad([...ones.slice(1), -0.5]) })).rejects.toThrow(`${kind}.fit: sampleWeights[59] is -0.5; every weight must be a finite number ≥ 0`);
      await expect(c.fit(base.x, base.y, { ...train, sampleWeights: bad([NaN, ...ones.slice(1)]) })).rejects.toThrow('sampleWeights[0] is NaN');
      await expect(c.fit(base.x, base.y, { ...train, sampleWeights: bad([Infinity, ...ones.slice(1)]) })).rejects.toThrow('sampleWeights[0] is Infinity');
      await expect(c.fit(base.x, base.y, { ...train, sampleWeights: new Float64Array(60) })).rejects.toThrow('sampleWeights sum to 0');
      c.dispose();
    }
    // The cnn shares the training loop (its pixels are scaled by a constant), so it takes weights and checks them alike.
    const cnn = createClassifier('cnn', { image: { height: 2, width: 2, channels: 1 } });
    await expect(cnn.fit({ data: new Float32Array(8).fill(0.5), rows: 2, cols: 4 }, Uint8Array.from([0, 1]), { ...train, sampleWeights: bad([1, -1]) })).rejects.toThrow(
      'cnn.fit: sampleWeights[1] is -1',
    );
    cnn.dispose();
  });
});
