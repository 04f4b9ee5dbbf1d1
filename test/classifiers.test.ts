import { CLASSIFIER_KINDS, createClassifier, FeatureMatrix, TrainOptions } from '../shared/evaluation/classifiers';
import { probabilitiesInChunks, thresholdProbabilities } from '../shared/evaluation/classifiers/minibatchTraining';
import { Rng } from '../shared/random';
import { initBackend, tf } from '../shared/tf';

beforeAll(async () => {
  await initBackend();
});

interface Dataset {
  x: FeatureMatrix;
  y: Uint8Array;
}

/** y = 1[w·x + noise > 0] with Gaussian features: linearly separable up to the label noise. */
function linearProblem(rows: number, cols: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const wRng = new Rng(1234); // the same w for the train and the test set
  const w = Array.from({ length: cols }, () => wRng.normal());
  const data = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = 0;
    for (let j = 0; j < cols; j++) {
      // Scaled and shifted columns: the classifier must cope with raw, unstandardised features.
      const v = rng.normal() * (1 + j) + 3 * j;
      data[i * cols + j] = v;
      z += w[j] * (v - 3 * j) / (1 + j);
    }
    y[i] = z + 0.3 * rng.normal() > 0 ? 1 : 0;
  }
  return { x: { data, rows, cols }, y };
}

/**
 * XOR: y = 1 when x1 and x2 have the same sign, uniform on [−1, 1]². The best linear boundary (cutting off one
 * corner) reaches only 2/3 accuracy; a network with hidden units can reach ~100 %.
 */
function xorProblem(rows: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * 2);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = 2 * rng.next() - 1;
    const b = 2 * rng.next() - 1;
    data[2 * i] = a;
    data[2 * i + 1] = b;
    y[i] = a * b > 0 ? 1 : 0;
  }
  return { x: { data, rows, cols: 2 }, y };
}

function accuracyOf(pred: Uint8Array, y: Uint8Array): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) correct++;
  return correct / y.length;
}

/** The kinds that read encoded table features. */
const TABLE_KINDS = CLASSIFIER_KINDS.filter((kind) => kind !== 'cnn');

const train: TrainOptions = { epochs: 30, batchSize: 64, learningRate: 0.01, seed: 1 };

describe('downstream classifiers', () => {
  test('CLASSIFIER_KINDS lists every kind and ids match (the cnn, which reads images, in classifiers.cnn.test.ts)', () => {
    expect([...CLASSIFIER_KINDS]).toEqual(['logistic', 'mlp', 'cnn']);
    for (const kind of TABLE_KINDS) {
      const c = createClassifier(kind);
      expect(c.id).toBe(kind);
      c.dispose();
    }
  });

  test.each(TABLE_KINDS)('%s reaches > 0.9 held-out accuracy on a linear problem', async (kind) => {
    const trainSet = linearProblem(1200, 8, 1);
    const testSet = linearProblem(800, 8, 2);
    const c = createClassifier(kind);
    await c.fit(trainSet.x, trainSet.y, { ...train, epochs: 15, batchSize: 128, learningRate: 0.02 });
    expect(accuracyOf(c.predict(testSet.x), testSet.y)).toBeGreaterThan(0.9);
    c.dispose();
  });

  test('the MLP fits XOR, logistic regression cannot', async () => {
    const trainSet = xorProblem(1500, 3);
    const testSet = xorProblem(600, 4);
    const logistic = createClassifier('logistic');
    const mlp = createClassifier('mlp', { hidden: [16, 16] });
    const xorTrain = { epochs: 30, batchSize: 100, learningRate: 0.03, seed: 1 };
    await logistic.fit(trainSet.x, trainSet.y, { ...xorTrain, epochs: 10 });
    await mlp.fit(trainSet.x, trainSet.y, xorTrain);
    expect(accuracyOf(logistic.predict(testSet.x), testSet.y)).toBeLessThan(0.7);
    expect(accuracyOf(mlp.predict(testSet.x), testSet.y)).toBeGreaterThan(0.9);
    logistic.dispose();
    mlp.dispose();
  });

  test('same seed → identical probabilities; another seed → different ones', async () => {
    const data = xorProblem(500, 5);
    const run = async (seed: number) => {
      const c = createClassifier('mlp', { hidden: [8] });
      await c.fit(data.x, data.y, { ...train, epochs: 5, seed });
      const p = c.predictProbability(data.x);
      c.dispose();
      return p;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  test('onEpoch reports every epoch and the loss decreases', async () => {
    const data = linearProblem(1000, 5, 6);
    const losses: number[] = [];
    const c = createClassifier('logistic');
    await c.fit(data.x, data.y, { ...train, epochs: 10, onEpoch: (epoch, loss) => losses.push(epoch, loss) });
    const epochs = losses.filter((_, i) => i % 2 === 0);
    const values = losses.filter((_, i) => i % 2 === 1);
    expect(epochs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values[9]).toBeLessThan(values[0]);
    c.dispose();
  });

  test("classWeight 'balanced' raises recall on an imbalanced problem", async () => {
    // 10 % positives, overlapping classes: unweighted training under-predicts the minority class.
    const rng = new Rng(9);
    const rows = 2000;
    const data = new Float32Array(rows * 2);
    const y = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      y[i] = rng.bernoulli(0.1) ? 1 : 0;
      data[2 * i] = rng.normal() + (y[i] ? 1 : 0);
      data[2 * i + 1] = rng.normal();
    }
    const x = { data, rows, cols: 2 };
    const recall = async (classWeight: 'balanced' | 'none') => {
      const c = createClassifier('logistic');
      await c.fit(x, y, { ...train, epochs: 8, batchSize: 128, learningRate: 0.02, classWeight });
      const pred = c.predict(x);
      c.dispose();
      let tp = 0;
      let pos = 0;
      for (let i = 0; i < rows; i++) if (y[i]) {
        pos++;
        tp += pred[i];
      }
      return tp / pos;
    };
    const plain = await recall('none');
    const balanced = await recall('balanced');
    expect(plain).toBeLessThan(0.3);
    expect(balanced).toBeGreaterThan(0.5);
  });

  test('fit, predict and dispose leave no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const data = linearProblem(300, 4, 10);
    const c = createClassifier('mlp', { l2: 1e-3 });
    await c.fit(data.x, data.y, { ...train, epochs: 2, classWeight: 'balanced', onEpoch: () => undefined });
    await c.fit(data.x, data.y, { ...train, epochs: 1 }); // refit replaces the old weights
    c.predict(data.x);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('clear errors for misuse', async () => {
    const data = linearProblem(50, 3, 11);
    const c = createClassifier('logistic');
    expect(() => c.predict(data.x)).toThrow(/before fit/);
    await expect(c.fit(data.x, data.y.subarray(0, 10), train)).rejects.toThrow(/50 feature rows but 10 labels/);
    await expect(c.fit(data.x, Uint8Array.from(data.y, () => 2), train)).rejects.toThrow(/expected 0 or 1/);
    const bad = Float32Array.from(data.x.data);
    bad[4] = NaN;
    await expect(c.fit({ ...data.x, data: bad }, data.y, train)).rejects.toThrow(/feature 1 of row 1 is NaN/);
    await c.fit(data.x, data.y, { ...train, epochs: 1 });
    expect(() => c.predict({ data: new Float32Array(4), rows: 2, cols: 2 })).toThrow(/trained on 3 features, got 2/);
    c.dispose();
    expect(() => createClassifier('logistic', { hidden: [4] })).toThrow(/no hidden layers/);
  });

  test('logistic on 10k × 100 for 20 epochs is fast', async () => {
    // Uniform features from an inline xorshift: 1M Rng calls are themselves slow under jest's vm context,
    // where every global lookup (Math.imul in Rng) is expensive.
    const rows = 10000;
    const cols = 100;
    const features = new Float32Array(rows * cols);
    let state = 12345;
    for (let k = 0; k < features.length; k++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      features[k] = (state >>> 0) / 4294967296;
    }
    const labels = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) labels[i] = features[i * cols] + features[i * cols + 1] > 1 ? 1 : 0;
    const data = { x: { data: features, rows, cols }, y: labels };
    const c = createClassifier('logistic');
    const start = Date.now();
    await c.fit(data.x, data.y, { epochs: 20, batchSize: 512, learningRate: 0.02, seed: 1 });
    const elapsedMs = Date.now() - start;
    expect(accuracyOf(c.predict(data.x), data.y)).toBeGreaterThan(0.95);
    c.dispose();
    // A couple of seconds in plain node; generous here because jest's vm context and parallel jobs slow it.
    expect(elapsedMs).toBeLessThan(15000);
  });
});

describe('probabilitiesInChunks / thresholdProbabilities (shared by every classifier\'s predict)', () => {
  test('visits every row once, in chunks of at most chunkRows, the last one the remainder', () => {
    const calls: [number, number][] = [];
    const p = probabilitiesInChunks(10, 4, (start, end) => {
      calls.push([start, end]);
      return Array.from({ length: end - start }, (_, i) => (start + i) / 10);
    });
    expect(calls).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(Array.from(p)).toEqual(Array.from({ length: 10 }, (_, i) => Math.fround(i / 10)));
  });

  test('thresholds with ≥', () => {
    expect(Array.from(thresholdProbabilities(Float32Array.from([0.2, 0.5, 0.7]), 0.5))).toEqual([0, 1, 1]);
    expect(Array.from(thresholdProbabilities(Float32Array.from([0.2, 0.5, 0.7]), 0.75))).toEqual([0, 0, 0]);
  });
});
