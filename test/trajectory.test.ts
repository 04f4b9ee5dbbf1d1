/**
 * The gray-box generation trajectory at the sampler level (TabularDdpm.sampleTrajectory; served as GrayBox.Trajectory,
 * docs/mia.md): keeping the intermediate states leaves the samples unchanged, the states come back in the order asked
 * for, x̂₀ is the model's prediction at each kept state, and only timesteps on the sampler's schedule are accepted.
 * An untrained model is enough: these are properties of the chain, not of what it learned.
 */
import { tf, initBackend } from '../shared/tf';
import { Rng } from '../shared/random';
import { TabularDdpm, fillStandardNormal } from '../shared/diffusion/tabularDdpm';

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
