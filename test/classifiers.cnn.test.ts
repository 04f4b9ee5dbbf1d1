/**
 * The convolutional classifier (shared/evaluation/classifiers/cnn.ts) on the real MNIST digits (shared/data/mnist.ts) and
 * on small synthetic multi-channel images: held-out accuracy, determinism by seed, shapes of any size, clear
 * errors, and no tensors left behind.
 */
import { CLASSIFIER_KINDS, CnnClassifier, createClassifier, FeatureMatrix, TrainOptions } from '../shared/evaluation/classifiers';
import { ImageSet, loadMnist, MnistTask, selectImages } from '../shared/data/mnist';
import { Rng } from '../shared/random';
import { initBackend, tf } from '../shared/tf';

beforeAll(async () => {
  await initBackend();
});

const MNIST_SHAPE = { height: 28, width: 28, channels: 1 };

/** Disjoint train and held-out images of a task, chosen by one seeded shuffle of all its images. */
function mnistSplit(task: MnistTask, trainCount: number, testCount: number, seed: number): { train: ImageSet; test: ImageSet } {
  const all = loadMnist(task);
  const order = new Rng(seed).shuffle(Array.from({ length: all.n }, (_, i) => i));
  return {
    train: selectImages(all, order.slice(0, trainCount)),
    test: selectImages(all, order.slice(trainCount, trainCount + testCount)),
  };
}

function matrixOf(set: ImageSet): FeatureMatrix {
  return { data: set.data, rows: set.n, cols: set.height * set.width * set.channels };
}

function accuracyOf(pred: Uint8Array, y: Uint8Array): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) correct++;
  return correct / y.length;
}

/**
 * 8×8×3 images: faint noise plus one bright bar of length 4-8 in a random channel at a random place; y = 1 for
 * a vertical bar, 0 for a horizontal one. Orientation is a spatial property: neither the channel, the position
 * nor the amount of ink tells the classes apart.
 */
function barImages(rows: number, seed: number): { x: FeatureMatrix; y: Uint8Array } {
  const H = 8;
  const W = 8;
  const C = 3;
  const rng = new Rng(seed);
  const data = new Float32Array(rows * H * W * C);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const base = i * H * W * C;
    for (let k = 0; k < H * W * C; k++) data[base + k] = 0.2 * rng.next();
    const vertical = rng.bernoulli(0.5);
    const length = 4 + rng.int(5);
    const channel = rng.int(C);
    const along = rng.int((vertical ? H : W) - length + 1);
    const across = rng.int(vertical ? W : H);
    for (let t = 0; t < length; t++) {
      const r = vertical ? along + t : across;
      const c = vertical ? across : along + t;
      data[base + (r * W + c) * C + channel] = 0.8 + 0.2 * rng.next();
    }
    y[i] = vertical ? 1 : 0;
  }
  return { x: { data, rows, cols: H * W * C }, y };
}

const train: TrainOptions = { epochs: 3, batchSize: 64, learningRate: 3e-3, seed: 1 };

describe('cnn classifier', () => {
  test('is registered: CLASSIFIER_KINDS, createClassifier with an image shape, and an error without one', () => {
    expect(CLASSIFIER_KINDS).toContain('cnn');
    const c = createClassifier('cnn', { image: MNIST_SHAPE, l2: 1e-4 });
    expect(c).toBeInstanceOf(CnnClassifier);
    expect(c.id).toBe('cnn');
    c.dispose();
    expect(() => createClassifier('cnn')).toThrow(/cnn' classifier needs image records \(a dataset whose schema has an image shape/);
    expect(() => createClassifier('cnn', { image: MNIST_SHAPE, hidden: [8] })).toThrow(/takes no hidden widths/);
  });

  test('0 vs 1: ≥ 0.95 held-out accuracy after 3 epochs on 600 digits, and the loss falls', async () => {
    const { train: trainSet, test: testSet } = mnistSplit({ digits: [0, 1] }, 600, 1000, 1);
    const losses: number[] = [];
    const c = new CnnClassifier(MNIST_SHAPE);
    await c.fit(matrixOf(trainSet), trainSet.labels, { ...train, onEpoch: (epoch, loss) => losses[epoch] = loss });
    const accuracy = accuracyOf(c.predict(matrixOf(testSet)), testSet.labels);
    c.dispose();
    expect(losses).toHaveLength(3);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[2]).toBeLessThan(losses[0]);
    // Measured 0.997-1.000 over 5 split/training seeds (native kernels and stock wasm alike).
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  test('parity of all ten digits (odd vs even): ≥ 0.88 held-out accuracy from 600 digits', async () => {
    // Ten digit shapes mapped onto two classes; logistic regression on the same 600 digits reached 0.86-0.89.
    // Measured for the CNN: 0.902-0.940 over 8 split/training seeds (seed 1: 0.923 native, 0.924 stock wasm).
    const { train: trainSet, test: testSet } = mnistSplit({ parity: true }, 600, 1000, 1);
    const c = new CnnClassifier(MNIST_SHAPE);
    await c.fit(matrixOf(trainSet), trainSet.labels, { ...train, epochs: 8 });
    const accuracy = accuracyOf(c.predict(matrixOf(testSet)), testSet.labels);
    c.dispose();
    expect(accuracy).toBeGreaterThanOrEqual(0.88);
  });

  test('multi-channel 8×8 images: learns the orientation of a bar (a spatial task logistic regression cannot do)', async () => {
    // Measured over 6 data/training seeds: CNN 0.996-1.000, logistic regression 0.54-0.59 (chance: 0.5).
    const trainSet = barImages(800, 1);
    const testSet = barImages(500, 2);
    const c = new CnnClassifier({ height: 8, width: 8, channels: 3 });
    const logistic = createClassifier('logistic');
    const options = { ...train, epochs: 6, batchSize: 32 };
    await c.fit(trainSet.x, trainSet.y, options);
    await logistic.fit(trainSet.x, trainSet.y, options);
    const accuracy = accuracyOf(c.predict(testSet.x), testSet.y);
    const linear = accuracyOf(logistic.predict(testSet.x), testSet.y);
    c.dispose();
    logistic.dispose();
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
    expect(linear).toBeLessThan(0.7);
  });

  test('any image size: odd, non-square, tiny, one or many stages', async () => {
    const shapes = [
      { height: 1, width: 1, channels: 1 },
      { height: 5, width: 7, channels: 2, filters: [4] },
      { height: 9, width: 3, channels: 4, filters: [4, 4, 4], dense: 8 },
      { height: 28, width: 28, channels: 1 },
    ];
    for (const shape of shapes) {
      const size = shape.height * shape.width * shape.channels;
      const rows = 5;
      const rng = new Rng(size);
      const data = Float32Array.from({ length: rows * size }, () => rng.next());
      const x = { data, rows, cols: size };
      const c = new CnnClassifier(shape);
      await c.fit(x, Uint8Array.from([0, 1, 0, 1, 1]), { ...train, epochs: 1, batchSize: 2 });
      const p = c.predictProbability(x);
      c.dispose();
      expect(p).toHaveLength(rows);
      for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
    }
  });

  test('same seed → identical probabilities; another seed → different ones', async () => {
    const data = barImages(200, 3);
    const run = async (seed: number) => {
      const c = new CnnClassifier({ height: 8, width: 8, channels: 3, filters: [8, 8], dense: 16 });
      await c.fit(data.x, data.y, { ...train, epochs: 2, batchSize: 32, seed });
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

  test('clear errors for misuse', async () => {
    const c = new CnnClassifier(MNIST_SHAPE);
    const images = { data: new Float32Array(4 * 784), rows: 4, cols: 784 };
    const labels = Uint8Array.from([0, 1, 0, 1]);
    expect(() => c.predict(images)).toThrow(/before fit/);
    const wrong = { data: new Float32Array(4 * 100), rows: 4, cols: 100 };
    await expect(c.fit(wrong, labels, train)).rejects.toThrow(/expected images of shape 28×28×1 .*784 values per row.*got 100 columns/);
    await expect(c.fit(images, labels.subarray(0, 2), train)).rejects.toThrow(/4 feature rows but 2 labels/);
    await expect(c.fit(images, Uint8Array.from([0, 1, 2, 1]), train)).rejects.toThrow(/expected 0 or 1/);
    const bad = new Float32Array(4 * 784);
    bad[784 + 3] = NaN;
    await expect(c.fit({ ...images, data: bad }, labels, train)).rejects.toThrow(/feature 3 of row 1 is NaN/);
    await c.fit(images, labels, { ...train, epochs: 1 });
    expect(() => c.predict(wrong)).toThrow(/expected images of shape 28×28×1/);
    c.dispose();
    expect(() => c.predictProbability(images)).toThrow(/after dispose/);
    expect(() => new CnnClassifier({ height: 0, width: 28, channels: 1 })).toThrow(/positive integers/);
    expect(() => new CnnClassifier({ ...MNIST_SHAPE, filters: [] })).toThrow(/filters/);
    expect(() => new CnnClassifier({ ...MNIST_SHAPE, dense: 0 })).toThrow(/dense/);
    expect(() => new CnnClassifier({ ...MNIST_SHAPE, l2: -1 })).toThrow(/l2/);
  });

  test('fit, refit, predict and dispose leave no tensors behind', async () => {
    const data = barImages(100, 4);
    const before = tf.memory().numTensors;
    const c = new CnnClassifier({ height: 8, width: 8, channels: 3, filters: [4, 8], dense: 8, l2: 1e-3 });
    await c.fit(data.x, data.y, { ...train, epochs: 2, batchSize: 32, classWeight: 'balanced', onEpoch: () => undefined });
    await c.fit(data.x, data.y, { ...train, epochs: 1, batchSize: 32 }); // refit replaces the old weights
    c.predict(data.x);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
