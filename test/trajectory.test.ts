/**
 * The gray-box generation trajectory at the sampler level (TabularDdpm.sampleTrajectory and
 * ImageDdpm.sampleTrajectory; served as GrayBox.Trajectory, docs/mia.md): keeping the intermediate states leaves the
 * samples unchanged, the states come back in the order asked for, x̂₀ is the model's prediction at each kept state,
 * and only timesteps on the sampler's schedule are accepted. Untrained models are enough: these are properties of
 * the chain, not of what it learned.
 */
import { tf, initBackend } from '../shared/tf';
import { Rng } from '../shared/random';
import { TabularDdpm } from '../sharer/diffusion/tabularDdpm';
import { fillStandardNormal } from '../sharer/diffusion/standardNormal';
import { ImageDdpm, type ImageSampleOptions } from '../sharer/diffusion/imageDdpm';

const D = 4;
const T = 20;

function model(): TabularDdpm {
  const m = new TabularDdpm({ dataWidth: D, numClasses: 2, oneHotBlocks: [], timesteps: T, schedule: 'cosine', hidden: [16, 16], timeEmbedding: 8, seed: 3 });
  // Bounds as a trained model has them, so that the sampler clips x̂₀ (the default path of a trained model).
  m.dataBounds = { min: new Float32Array(D).fill(-1), max: new Float32Array(D).fill(1) };
  return m;
}

/** Row k of record i of an n × K × D trajectory buffer. */
function state(buffer: Float32Array, K: number, i: number, k: number): number[] {
  return Array.from(buffer.subarray((i * K + k) * D, (i * K + k + 1) * D));
}

let ddpm: TabularDdpm;
const labels = Int32Array.from([0, 1, 1, 0, 1, 0, 0]);

beforeAll(async () => {
  await initBackend();
  ddpm = model();
});

afterAll(() => ddpm.dispose());

test.each([
  ['ddpm, every step, several batches', { sampler: 'ddpm' as const, batchSize: 3 }],
  ['ddim, 6 steps, guidance 2', { sampler: 'ddim' as const, steps: 6, guidanceScale: 2 }],
  ['ddpm respaced to 5 steps, unclipped', { sampler: 'ddpm' as const, steps: 5, clipDenoised: false }],
])('the final samples equal sample() with the same seed (%s)', async (_name, opts) => {
  const seq = ddpm.samplerTimesteps(opts);
  const plain = await ddpm.sample(labels.length, labels, { seed: 41, ...opts });
  const tensorsBefore = tf.memory().numTensors;
  const traced = await ddpm.sampleTrajectory(labels.length, labels, {
    seed: 41,
    ...opts,
    trajectory: { timesteps: [seq[seq.length - 1], seq[0]], predictedX0: true },
  });
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  expect(Array.from(traced.samples)).toEqual(Array.from(plain));
  expect(traced.states).toHaveLength(labels.length * 2 * D);
  expect(traced.predictedX0).toHaveLength(labels.length * 2 * D);
});

test('states come back in the order asked for; the first state of the chain is the initial noise; x̂₀ is the model prediction there', async () => {
  const seq = ddpm.samplerTimesteps({ sampler: 'ddpm' });
  expect(seq).toEqual(Array.from({ length: T }, (_, t) => t));
  const n = labels.length;
  const asked = [5, T - 1, 0, 12];
  const a = await ddpm.sampleTrajectory(n, labels, { seed: 9, trajectory: { timesteps: asked, predictedX0: true } });
  const sorted = [...asked].sort((x, y) => x - y);
  const b = await ddpm.sampleTrajectory(n, labels, { seed: 9, trajectory: { timesteps: sorted, predictedX0: false } });
  expect(b.predictedX0).toBeNull();
  for (let i = 0; i < n; i++) {
    asked.forEach((t, k) => expect(state(a.states, asked.length, i, k)).toEqual(state(b.states, sorted.length, i, sorted.indexOf(t))));
  }
  // x_{T−1} is the chain's starting noise: the first normals of the request's first batch seed.
  const noise = new Float32Array(n * D);
  fillStandardNormal(noise, new Rng(9).seed());
  for (let i = 0; i < n; i++) expect(state(a.states, asked.length, i, 1)).toEqual(Array.from(noise.subarray(i * D, (i + 1) * D)));
  // With guidance scale 1, x̂₀ at a kept step is GrayBox.PredictX0(x_t, t, class) (before the sampler clips it).
  for (const [k, t] of asked.entries()) {
    const xt = new Float32Array(n * D);
    for (let i = 0; i < n; i++) xt.set(state(a.states, asked.length, i, k), i * D);
    const expected = ddpm.predictX0(xt, new Int32Array(n).fill(t), labels);
    for (let i = 0; i < n; i++) {
      // float32 on the device against float64 in JS: equal to a relative 1e-5 (x̂₀ is large at t = 0 for an untrained model).
      state(a.predictedX0!, asked.length, i, k).forEach((v, j) => {
        const e = expected[i * D + j];
        expect(Math.abs(v - e)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(e)));
      });
    }
  }
});

test('a timestep off the sampler schedule, or asked twice, is refused naming `timesteps`', async () => {
  const opts = { seed: 1, sampler: 'ddim' as const, steps: 5 };
  const seq = ddpm.samplerTimesteps(opts);
  expect(seq).toEqual([0, 5, 10, 14, 19]);
  await expect(ddpm.sampleTrajectory(2, labels.subarray(0, 2), { ...opts, trajectory: { timesteps: [7], predictedX0: false } })).rejects.toThrow(
    /^timesteps: 7 is not on the sampler's schedule \(5 of T = 20: 0, 5, 10, 14, 19\)/,
  );
  await expect(ddpm.sampleTrajectory(2, labels.subarray(0, 2), { ...opts, trajectory: { timesteps: [5, 5], predictedX0: false } })).rejects.toThrow(
    /^timesteps: 5 is asked for twice/,
  );
});

describe('the image DDPM (tiny untrained U-Net)', () => {
  const S = 28 * 28;
  const imageLabels = Int32Array.from([1, 0, 1, 1, 0]);
  let images: ImageDdpm;
  /** Row k of image i of an n × K × 784 trajectory buffer. */
  const at = (buffer: Float32Array, K: number, i: number, k: number) => buffer.subarray((i * K + k) * S, (i * K + k + 1) * S);

  beforeAll(() => {
    images = new ImageDdpm({ height: 28, width: 28, channels: 1, numClasses: 2, seed: 5, baseChannels: 8, channelMults: [1, 2], timeFeatures: 16, groups: 2, timesteps: 40, schedule: 'linear' });
  });
  afterAll(() => images.dispose());

  test.each<[string, ImageSampleOptions]>([
    ['ddpm, 6 steps, two batches', { seed: 13, steps: 6, batchSize: 3 }],
    ['ddim, 5 steps, η = 0.5, guidance 2', { seed: 13, sampler: 'ddim', steps: 5, eta: 0.5, guidanceScale: 2 }],
  ])('the final images equal sample() with the same seed, and no tensors leak (%s)', async (_name, opts) => {
    const seq = images.samplerTimesteps(opts);
    const plain = await images.sample(imageLabels.length, imageLabels, opts);
    const tensorsBefore = tf.memory().numTensors;
    const traced = await images.sampleTrajectory(imageLabels.length, imageLabels, { ...opts, trajectory: { timesteps: [seq[0], seq[seq.length - 1]], predictedX0: true } });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(traced.images).toEqual(plain);
    expect(traced.states).toHaveLength(imageLabels.length * 2 * S);
    expect(traced.predictedX0).toHaveLength(imageLabels.length * 2 * S);
    // Another seed gives other images: the comparison above can fail.
    expect(await images.sample(imageLabels.length, imageLabels, { ...opts, seed: 14 })).not.toEqual(plain);
  });

  test('states in the order asked for, the first the initial noise; x̂₀ at a kept state is the model prediction there', async () => {
    const opts = { seed: 21, steps: 6, batchSize: 3 };
    const seq = images.samplerTimesteps(opts);
    expect(seq).toEqual([0, 8, 16, 23, 31, 39]);
    const n = imageLabels.length;
    const asked = [16, 39, 0];
    const a = await images.sampleTrajectory(n, imageLabels, { ...opts, trajectory: { timesteps: asked, predictedX0: true } });
    const b = await images.sampleTrajectory(n, imageLabels, { ...opts, trajectory: { timesteps: [0, 16, 39], predictedX0: false } });
    expect(b.predictedX0).toBeNull();
    for (let i = 0; i < n; i++) {
      expect(at(a.states, 3, i, 0)).toEqual(at(b.states, 3, i, 1));
      expect(at(a.states, 3, i, 1)).toEqual(at(b.states, 3, i, 2));
      expect(at(a.states, 3, i, 2)).toEqual(at(b.states, 3, i, 0));
    }
    // x_{T−1} is the chain's starting noise: the first normals of each batch's seed (batches of 3, then 2).
    const rng = new Rng(21);
    const first = new Float32Array(3 * S);
    fillStandardNormal(first, rng.seed());
    for (let i = 0; i < 3; i++) expect(at(a.states, 3, i, 1)).toEqual(first.subarray(i * S, (i + 1) * S));
    // x̂₀ = (x_t − √(1−ᾱ_t) ε̂(x_t, t, y))/√ᾱ_t at the kept state, unclipped (guidance scale 1): the image model's PredictX0.
    const ab = images.schedule.alphaBars;
    for (const [k, t] of asked.entries()) {
      const xt = new Float32Array(n * S);
      for (let i = 0; i < n; i++) xt.set(at(a.states, 3, i, k), i * S);
      const eps = images.predictNoise(xt, new Int32Array(n).fill(t), imageLabels);
      let largest = 0;
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const got = at(a.predictedX0!, 3, i, k);
        for (let j = 0; j < S; j++) {
          const expected = (xt[i * S + j] - Math.sqrt(1 - ab[t]) * eps[i * S + j]) / Math.sqrt(ab[t]);
          largest = Math.max(largest, Math.abs(expected));
          worst = Math.max(worst, Math.abs(got[j] - expected) / Math.max(1, Math.abs(expected)));
        }
      }
      // float32 state and ε̂ on both sides; the sampler divides in float64, the check too: equal to a relative 1e-5.
      expect({ t, worst: worst <= 1e-5 ? 'within 1e-5' : worst }).toEqual({ t, worst: 'within 1e-5' });
      // At the noisiest kept step x̂₀ leaves [−1, 1]: it is kept before the sampler clips it.
      if (t === 39) expect(largest).toBeGreaterThan(1);
    }
  });

  test('a timestep off the sampler schedule, or asked twice, is refused naming `timesteps`', async () => {
    const opts = { seed: 1, steps: 6 };
    await expect(images.sampleTrajectory(2, imageLabels.subarray(0, 2), { ...opts, trajectory: { timesteps: [7], predictedX0: false } })).rejects.toThrow(
      /^timesteps: 7 is not on the sampler's schedule \(6 of T = 40: 0, 8, 16, 23, 31, 39\)/,
    );
    await expect(images.sampleTrajectory(2, imageLabels.subarray(0, 2), { ...opts, trajectory: { timesteps: [8, 8], predictedX0: false } })).rejects.toThrow(
      /^timesteps: 8 is asked for twice/,
    );
  });
});
