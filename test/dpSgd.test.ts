/**
 * DP-SGD for the tabular denoiser (sharer/diffusion/dpSgd.ts): the per-record gradient norms from the dense layers'
 * rows against a brute-force loop that backpropagates each record alone, the clipped sum against the same loop,
 * the noise scale, the Poisson sampler, and a DP training run (deterministic, and refused where it cannot hold).
 */
import { tf, initBackend } from '../shared/tf';
import { Rng } from '../shared/random';
import { TabularMlp } from '../sharer/diffusion/tabularMlp';
import { dpSgdGradients, poissonSample, type DpSgdOptions } from '../sharer/diffusion/dpSgd';
import { TabularDdpm } from '../sharer/diffusion/tabularDdpm';
import { DpNoiseWorker, drawDpNoise, InlineDpNoise } from '../sharer/diffusion/dpNoise';

/** σ = 0: the noise is never asked for. */
const noNoise = (): Float32Array[] => {
  throw new Error('noise asked for at σ = 0');
};

beforeAll(async () => {
  await initBackend();
});

const D = 5;
const E = 8;
const C = 2;

function randomRows(rows: number, width: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: rows * width }, () => rng.normal());
}

/** A small MLP and a batch of m records with K rows each: inputs, time embeddings, one-hots and targets. */
function setting(m: number, K: number, seed: number) {
  const net = new TabularMlp({ dataWidth: D, numClasses: C, hidden: [16, 12], timeEmbedding: E, activation: 'silu', seed });
  const rng = new Rng(seed + 1);
  const rows = m * K;
  const xt = randomRows(rows, D, rng);
  const emb = randomRows(rows, E, rng);
  const target = randomRows(rows, D, rng);
  const oneHot = new Float32Array(rows * (C + 1));
  for (let r = 0; r < rows; r++) oneHot[r * (C + 1) + (Math.floor(r / K) % (C + 1))] = 1;
  /**
   * Each row's loss for rows [from, to): the mean over coordinates of (ε̂ − ε)², as the training loop computes it. The
   * input tensors are made before the returned function runs (call inside a tidy), as the loop makes its batch before
   * the gradient tape: the first layer reads x_t and the one-hots in its backward pass.
   */
  const rowLosses = (from = 0, to = rows) => {
    const xtT = tf.tensor2d(xt.subarray(from * D, to * D), [to - from, D]);
    const embT = tf.tensor2d(emb.subarray(from * E, to * E), [to - from, E]);
    const oneHotT = tf.tensor2d(oneHot.subarray(from * (C + 1), to * (C + 1)), [to - from, C + 1]);
    const targetT = tf.tensor2d(target.subarray(from * D, to * D), [to - from, D]);
    return () => tf.mean(tf.squaredDifference(net.apply(xtT, embT, oneHotT), targetT), 1) as tf.Tensor1D;
  };
  return { net, rowLosses };
}

/** Each record's gradient, backpropagated alone: its loss is the mean of its K rows' losses. */
function bruteForceGradients(s: ReturnType<typeof setting>, m: number, K: number): Float32Array[] {
  return Array.from({ length: m }, (_, i) =>
    tf.tidy(() => {
      const losses = s.rowLosses(i * K, (i + 1) * K);
      const { grads } = tf.variableGrads(() => tf.mean(losses()) as tf.Scalar, s.net.variables);
      return Float32Array.from(s.net.variables.flatMap((v) => Array.from(grads[v.name].dataSync())));
    }),
  );
}

const norm = (g: Float32Array) => Math.sqrt(g.reduce((a, x) => a + x * x, 0));

describe.each([1, 3])('ghost clipping with K = %d noise draws per record', (K) => {
  const m = 7;
  test('per-record gradient norms equal the brute-force loop, and the clipped sum is Σ min(1, C/‖g_i‖)·g_i', () => {
    const s = setting(m, K, 11 + K);
    const perRecord = bruteForceGradients(s, m, K);
    const bruteNorms = perRecord.map(norm);
    // A bound between the norms, so that some records are clipped and some are not.
    const clipNorm = [...bruteNorms].sort((a, b) => a - b)[Math.floor(m / 2)];
    const dp: DpSgdOptions = { samplingRate: 0.5, clipNorm, noiseMultiplier: 0, noiseDraws: K };
    const { norms, flat } = tf.tidy(() => {
      const out = dpSgdGradients(s.net.variables, s.net.tapOrder, s.rowLosses(), m, dp, 1, noNoise);
      return { norms: Array.from(out.norms.dataSync()), flat: Float32Array.from(out.grads.flatMap((g) => Array.from(g.tensor.dataSync()))) };
    });
    norms.forEach((n, i) => expect(Math.abs(n - bruteNorms[i]) / bruteNorms[i]).toBeLessThan(1e-4));
    const expected = new Float32Array(flat.length);
    perRecord.forEach((g, i) => {
      const c = Math.min(1, clipNorm / bruteNorms[i]);
      for (let j = 0; j < g.length; j++) expected[j] += c * g[j];
    });
    let maxDiff = 0;
    for (let j = 0; j < flat.length; j++) maxDiff = Math.max(maxDiff, Math.abs(flat[j] - expected[j]));
    expect(maxDiff / norm(expected)).toBeLessThan(1e-4);
    // The clipped records really were clipped: each contributes at most C.
    expect(bruteNorms.filter((n) => n > clipNorm).length).toBeGreaterThan(0);
    s.net.variables.forEach((v) => v.dispose());
  });
});

test('the noise: σ·C per coordinate over the expected batch, from the step seed alone', () => {
  const s = setting(1, 1, 5);
  const dp: DpSgdOptions = { samplingRate: 0.1, clipNorm: 0.5, noiseMultiplier: 2, noiseDraws: 1 };
  // An empty Poisson sample: the update is the noise alone.
  const draw = (seed: number) => tf.tidy(() => Float32Array.from(dpSgdGradients(s.net.variables, s.net.tapOrder, null, 0, dp, 10, () => drawDpNoise(s.net.variables.map((v) => v.size), seed)).grads.flatMap((g) => Array.from(g.tensor.dataSync()))));
  const a = draw(123);
  const mean = a.reduce((x, y) => x + y, 0) / a.length;
  const std = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / a.length);
  expect(a.length).toBeGreaterThan(500);
  expect(Math.abs(std - 0.1) / 0.1).toBeLessThan(0.1); // σ·C / (q·N) = 2 · 0.5 / 10
  expect(Math.abs(mean)).toBeLessThan(4 * 0.1 / Math.sqrt(a.length));
  expect(draw(123)).toEqual(a);
  expect(draw(124)).not.toEqual(a);
  s.net.variables.forEach((v) => v.dispose());
});

test('the noise worker draws exactly what the training thread would, step after step, and each stream is N(0, 1)', () => {
  const sizes = [1000, 37, 4096, 1];
  const worker = new DpNoiseWorker(sizes);
  const inline = new InlineDpNoise(sizes);
  try {
    for (const seed of [1, 2, 99, 0xffffffff]) {
      worker.request(seed);
      inline.request(seed);
      const [a, b] = [worker.take(), inline.take()];
      expect(a.map((x) => x.length)).toEqual(sizes);
      expect(a).toEqual(b);
    }
    worker.request(7);
    const draws = worker.take()[2];
    const mean = draws.reduce((x, y) => x + y, 0) / draws.length;
    const variance = draws.reduce((x, y) => x + (y - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(draws.length));
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
    // Two weights never share a stream.
    expect(drawDpNoise([50, 50], 3)[0]).not.toEqual(drawDpNoise([50, 50], 3)[1]);
    expect(() => worker.take()).toThrow(/no noise was requested/);
  } finally {
    worker.close();
  }
});

test('the Poisson sampler: each record independently with probability q, from the seed', () => {
  const sizes = Array.from({ length: 40 }, (_, k) => poissonSample(5000, 0.04, new Rng(k)).length);
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  const variance = sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / (sizes.length - 1);
  // Binomial(5000, 0.04): mean 200, variance 192 (a fixed-size batch would have variance 0).
  expect(Math.abs(mean - 200)).toBeLessThan(4 * Math.sqrt(192 / sizes.length));
  expect(variance).toBeGreaterThan(192 / 2);
  expect(variance).toBeLessThan(192 * 2);
  expect(poissonSample(5000, 0.04, new Rng(3))).toEqual(poissonSample(5000, 0.04, new Rng(3)));
});

describe('training the tabular DDPM with DP-SGD', () => {
  const n = 240;
  const rng = new Rng(9);
  const x = randomRows(n, D, rng);
  const labels = Int32Array.from({ length: n }, (_, i) => i % C);
  const model = (seed: number) => new TabularDdpm({ dataWidth: D, numClasses: C, oneHotBlocks: [], timesteps: 50, schedule: 'cosine', hidden: [32, 32], timeEmbedding: E, seed });
  const dp: DpSgdOptions = { samplingRate: 0.1, clipNorm: 1, noiseMultiplier: 0.8, noiseDraws: 2 };

  test('runs, keeps its loss finite, and one seed gives the same weights', async () => {
    const weights = async () => {
      const m = model(4);
      const result = await m.train(x, labels, { steps: 25, batchSize: 1, learningRate: 1e-3, dp, progressEvery: 5 });
      expect(result.losses.every(Number.isFinite)).toBe(true);
      const w = m.getWeights();
      m.dispose();
      return w;
    };
    const [a, b] = [await weights(), await weights()];
    for (const [name, values] of a) expect(b.get(name)).toEqual(values);
  });

  test('refuses a second clipping and bad options, naming the field', async () => {
    const m = model(5);
    await expect(m.train(x, labels, { steps: 1, batchSize: 1, learningRate: 1e-3, dp, gradClipNorm: 1 })).rejects.toThrow(/gradClipNorm and dp both clip/);
    await expect(m.train(x, labels, { steps: 1, batchSize: 1, learningRate: 1e-3, dp: { ...dp, samplingRate: 0 } })).rejects.toThrow(/dp\.samplingRate must be in \(0, 1\]/);
    m.dispose();
  });
});
