/**
 * A small known table for the VAE and GAN tests (test/generators.vae.test.ts, test/generators.gan.test.ts), and
 * the tests both networks must pass on it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../../shared/tf';
import { Rng } from '../../shared/random';
import type { TabularGenerativeNetwork, NetworkTrainOptions, TabularNetworkConfig } from '../../sharer/generative/network';

/** Encoded width 7: [num0, cat=a, cat=b, cat=c, num1, flag]; a 3-category block at [1, 4) between the two
 *  numeric columns (so the grouped layout must permute) and a 2-category block at [5, 7). */
export const WIDTH = 7;
export const BLOCKS: Array<[number, number]> = [
  [1, 4],
  [5, 7],
];
export const CATEGORY_PROBS = [
  [0.7, 0.2, 0.1],
  [0.1, 0.3, 0.6],
];
export const FLAG_PROBS = [0.2, 0.8];

export function syntheticTable(n: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * WIDTH);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    labels[i] = y;
    const centre = y === 0 ? -1 : 1;
    x[i * WIDTH] = centre + 0.5 * rng.normal();
    x[i * WIDTH + 1 + rng.categorical(CATEGORY_PROBS[y])] = 1;
    x[i * WIDTH + 4] = -centre + 0.5 * rng.normal();
    x[i * WIDTH + 5 + (rng.next() < FLAG_PROBS[y] ? 1 : 0)] = 1;
  }
  return { x, labels };
}

/** Class-conditional statistics: means of the two numeric columns, frequencies of the 3 categories, P(flag). */
export function stats(x: Float32Array, labels: Int32Array, cls: number) {
  let count = 0;
  const mean = [0, 0];
  const freq = [0, 0, 0];
  let flag = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== cls) continue;
    count++;
    mean[0] += x[i * WIDTH];
    mean[1] += x[i * WIDTH + 4];
    for (let c = 0; c < 3; c++) freq[c] += x[i * WIDTH + 1 + c];
    flag += x[i * WIDTH + 6];
  }
  return { mean: mean.map((v) => v / count), freq: freq.map((v) => v / count), flag: flag / count };
}

/** Largest deviation of a sample's class-conditional statistics from the true ones. */
export function worstDeviation(x: Float32Array, labels: Int32Array): number {
  let worst = 0;
  for (const cls of [0, 1]) {
    const s = stats(x, labels, cls);
    const centre = cls === 0 ? -1 : 1;
    worst = Math.max(worst, Math.abs(s.mean[0] - centre), Math.abs(s.mean[1] + centre), Math.abs(s.flag - FLAG_PROBS[cls]));
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(s.freq[c] - CATEGORY_PROBS[cls][c]));
  }
  return worst;
}

/** Every record has exactly one 1 in each block and nothing else there; numerics are finite. */
export function wellFormed(x: Float32Array): boolean {
  for (let r = 0; r < x.length; r += WIDTH) {
    for (const [s, e] of BLOCKS) {
      let ones = 0;
      for (let j = s; j < e; j++) {
        if (x[r + j] === 1) ones++;
        else if (x[r + j] !== 0) return false;
      }
      if (ones !== 1) return false;
    }
    if (!Number.isFinite(x[r]) || !Number.isFinite(x[r + 4])) return false;
  }
  return true;
}

export const balanced = (n: number) => Int32Array.from({ length: n }, (_, i) => i % 2);

type Network = TabularGenerativeNetwork<TabularNetworkConfig>;

/**
 * Trains `make()` on the table and checks: training moves the class-conditional statistics from far off to within
 * `trainedWithin` of the truth, leaks no tensor but the optimisers' state, samples are well-formed,
 * class-conditional and deterministic, sampling leaks nothing, save → load gives the same samples, bad labels and a
 * disposed model are refused. Returns the window losses (for kind-specific checks).
 */
export function describeGenerativeNetwork(
  name: string,
  make: () => Network,
  load: (dir: string) => Promise<Network>,
  trainOptions: NetworkTrainOptions & { progressEvery: number },
  expected: { trainedWithin: number; optimizerTensors: (trainable: number) => number },
): { losses: () => number[] } {
  const data = syntheticTable(2000, 5);
  let tmp: string;
  let model: Network;
  let losses: number[];
  let untrainedDeviation: number;

  beforeAll(async () => {
    await initBackend();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-generators-'));
    model = make();
    const labels = balanced(2000);
    untrainedDeviation = worstDeviation(await model.sample(2000, labels, 1), labels);
    const before = tf.memory().numTensors;
    ({ losses } = await model.train(data.x, data.labels, trainOptions));
    // Adam's moments are created on the first step and kept; nothing else may stay.
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(expected.optimizerTensors(model['params'].trainable().length));
  }, 120_000);
  afterAll(() => {
    model.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('training makes the class-conditional statistics match the data', async () => {
    const labels = balanced(4000);
    const trained = worstDeviation(await model.sample(4000, labels, 2), labels);
    expect(untrainedDeviation).toBeGreaterThan(1);
    expect(trained).toBeLessThan(expected.trainedWithin);
    expect(losses.length).toBe(trainOptions.steps / trainOptions.progressEvery);
    expect(losses.every(Number.isFinite)).toBe(true);
  });

  it('samples are well-formed, class-conditional and deterministic in the seed', async () => {
    const ones = new Int32Array(500).fill(1);
    const a = await model.sample(500, ones, 7);
    expect(wellFormed(a)).toBe(true);
    expect(stats(a, ones, 1).mean[0]).toBeGreaterThan(0.5);
    const zeros = new Int32Array(500);
    expect(stats(await model.sample(500, zeros, 7), zeros, 0).mean[0]).toBeLessThan(-0.5);
    expect(Array.from(await model.sample(500, ones, 7))).toEqual(Array.from(a));
    expect(Array.from(await model.sample(500, ones, 8))).not.toEqual(Array.from(a));
  });

  it('sampling leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    await model.sample(5000, balanced(5000), 3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('save → load gives the same samples', async () => {
    const dir = path.join(tmp, name);
    await model.save(dir);
    const again = await load(dir);
    try {
      const labels = balanced(300);
      expect(Array.from(await again.sample(300, labels, 9))).toEqual(Array.from(await model.sample(300, labels, 9)));
    } finally {
      again.dispose();
    }
  });

  it('refuses a label outside the classes and a disposed model', async () => {
    await expect(model.sample(2, Int32Array.from([0, 2]), 1)).rejects.toThrow(/label 2 is outside \[0, 2\)/);
    const other = make();
    other.dispose();
    await expect(other.sample(1, Int32Array.from([0]), 1)).rejects.toThrow(/disposed/);
  });

  return { losses: () => losses };
}
