/**
 * Tabular DDPM: schedule sanity, that training lowers the loss, that a trained model reproduces a known
 * class-conditional distribution (numeric means and category frequencies), determinism and save/load, and
 * the gray-box accessors the membership attacks will use. Small widths so the file runs in well under a
 * minute on the pure-JS cpu backend.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../shared/tf';
import { Rng } from '../shared/random';
import { makeSchedule, spacedTimesteps } from '../shared/diffusion/schedule';
import { TabularDdpm } from '../sharer/diffusion/tabularDdpm';
import { fillStandardNormal } from '../sharer/diffusion/standardNormal';
import { layersForTesting } from '../sharer/diffusion/tabularMlp';
import { snapOneHotBlocks } from '../sharer/diffusion/tabularData';

/** Class 0 → numeric N(−2, 0.5²) in both dims, class 1 → N(+2, 0.5²); then a 3-category one-hot block
 *  with class-dependent probabilities. Encoded width 5: [num0, num1, cat=a, cat=b, cat=c]. */
const CATEGORY_PROBS = [
  [0.7, 0.2, 0.1],
  [0.1, 0.3, 0.6],
];
const WIDTH = 5;
const ONE_HOT_BLOCKS: Array<[number, number]> = [[2, 5]];

function syntheticTable(n: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * WIDTH);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    labels[i] = y;
    const centre = y === 0 ? -2 : 2;
    x[i * WIDTH] = centre + 0.5 * rng.normal();
    x[i * WIDTH + 1] = centre + 0.5 * rng.normal();
    x[i * WIDTH + 2 + rng.categorical(CATEGORY_PROBS[y])] = 1;
  }
  return { x, labels };
}

function columnStats(x: Float32Array, labels: Int32Array, cls: number) {
  let count = 0;
  const mean = [0, 0];
  const sq = [0, 0];
  const cat = [0, 0, 0];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== cls) continue;
    count++;
    for (let j = 0; j < 2; j++) {
      mean[j] += x[i * WIDTH + j];
      sq[j] += x[i * WIDTH + j] ** 2;
    }
    for (let c = 0; c < 3; c++) cat[c] += x[i * WIDTH + 2 + c];
  }
  const m = mean.map((v) => v / count);
  return { mean: m, std: sq.map((v, j) => Math.sqrt(v / count - m[j] ** 2)), freq: cat.map((v) => v / count) };
}

function smallModel(seed: number, overrides: Partial<ConstructorParameters<typeof TabularDdpm>[0]> = {}) {
  return new TabularDdpm({
    dataWidth: WIDTH,
    numClasses: 2,
    oneHotBlocks: ONE_HOT_BLOCKS,
    timesteps: 50,
    schedule: 'cosine',
    hidden: [64, 64],
    timeEmbedding: 16,
    seed,
    ...overrides,
  });
}

beforeAll(async () => {
  await initBackend();
});

describe('schedule', () => {
  it.each([
    ['linear', 1000],
    ['linear', 50],
    ['cosine', 1000],
    ['cosine', 50],
  ] as const)('%s with T=%d: ᾱ decreasing in (0, 1), β in (0, 0.999], posterior variance ≥ 0', (kind, T) => {
    const s = makeSchedule(kind, T);
    expect(s.alphaBars).toHaveLength(T);
    const violations: string[] = [];
    for (let t = 0; t < T; t++) {
      if (!(s.alphaBars[t] > 0 && s.alphaBars[t] < 1)) violations.push(`alphaBars[${t}] = ${s.alphaBars[t]}`);
      if (t > 0 && !(s.alphaBars[t] < s.alphaBars[t - 1])) violations.push(`alphaBars not decreasing at ${t}`);
      if (!(s.betas[t] > 0 && s.betas[t] <= 0.999 + 1e-6)) violations.push(`betas[${t}] = ${s.betas[t]}`);
      if (!(s.posteriorVariance[t] >= 0 && s.posteriorVariance[t] <= s.betas[t] + 1e-7)) {
        violations.push(`posteriorVariance[${t}] = ${s.posteriorVariance[t]}`);
      }
      if (Math.abs(s.sqrtAlphaBars[t] ** 2 + s.sqrtOneMinusAlphaBars[t] ** 2 - 1) > 1e-5) violations.push(`√ᾱ² + √(1−ᾱ)² ≠ 1 at ${t}`);
    }
    expect(violations).toEqual([]);
    expect(s.posteriorVariance[0]).toBe(0);
    expect(s.alphaBarsPrev[0]).toBe(1);
    expect(Number.isFinite(s.posteriorLogVarianceClipped[0])).toBe(true);
  });

  it('linear: 1e-4 → 0.02 at T=1000, scaled by 1000/T otherwise (improved-diffusion)', () => {
    const s1000 = makeSchedule('linear', 1000);
    expect(s1000.betas[0]).toBeCloseTo(1e-4, 8);
    expect(s1000.betas[999]).toBeCloseTo(0.02, 7);
    const s100 = makeSchedule('linear', 100);
    expect(s100.betas[0]).toBeCloseTo(1e-3, 7);
    expect(s100.betas[99]).toBeCloseTo(0.2, 6);
  });

  it('cosine: ᾱ follows cos² with s = 0.008 and ends near 0', () => {
    const T = 1000;
    const s = makeSchedule('cosine', T);
    const f = (t: number) => Math.cos(((t / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(s.alphaBars[499]).toBeCloseTo(f(500) / f(0), 4);
    expect(s.alphaBars[T - 1]).toBeLessThan(1e-4);
  });

  it('spacedTimesteps: increasing, from 0 to T−1, distinct', () => {
    expect(spacedTimesteps(1000, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const s = spacedTimesteps(1000, 50);
    expect(s).toHaveLength(50);
    expect(s[0]).toBe(0);
    expect(s[49]).toBe(999);
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
    expect(() => spacedTimesteps(10, 11)).toThrow(/steps must be/);
    expect(() => makeSchedule('linear', 20)).toThrow(/timesteps > 20/);
  });
});

describe('helpers', () => {
  it('fillStandardNormal gives mean ≈ 0, variance ≈ 1, and is seeded', () => {
    const a = new Float32Array(20001);
    fillStandardNormal(a, 7);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const b = new Float32Array(20001);
    fillStandardNormal(b, 7);
    expect(b).toEqual(a);
  });

  it('snapOneHotBlocks replaces each block by the one-hot of its argmax', () => {
    const x = Float32Array.from([0.5, 0.25, 0.9, -0.1, 7, 1.5, 0.125, 0.2, 0.4, 0.3]);
    snapOneHotBlocks(x, 5, [[2, 5]]);
    expect(Array.from(x)).toEqual([0.5, 0.25, 0, 0, 1, 1.5, 0.125, 0, 1, 0]);
  });

  it.each(['silu', 'relu', 'linear'] as const)('hand-written %s layer gradients match autodiff', (act) => {
    tf.tidy(() => {
      const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
      const [x, W, b, r] = [rnd([6, 5], 1), rnd([5, 4], 2), rnd([4], 3), rnd([6, 4], 4)];
      const reference = (z: ReturnType<typeof rnd>) =>
        act === 'relu' ? tf.relu(z) : act === 'silu' ? tf.mul(z, tf.sigmoid(z)) : z;
      const custom = tf.grads((a, w, c) => tf.sum(tf.mul(layersForTesting.dense[act](a as never, w as never, c as never), r)));
      const auto = tf.grads((a, w, c) => tf.sum(tf.mul(reference(tf.add(tf.matMul(a as never, w as never), c)), r)));
      const gc = custom([x, W, b]);
      const ga = auto([x, W, b]);
      gc.forEach((g, k) => expect(tf.max(tf.abs(tf.sub(g, ga[k]))).dataSync()[0]).toBeLessThan(1e-4));

      if (act === 'linear') return;
      const [xt, oneHot, tfeat, Wx, Wt, E, b0] = [
        rnd([6, 3], 5),
        tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3, 1, 0, 'float32'),
        rnd([6, 2], 6),
        rnd([3, 4], 7),
        rnd([2, 4], 8),
        rnd([3, 4], 9),
        rnd([4], 10),
      ];
      const layer = layersForTesting.inputLayer(xt as never, oneHot as never, act);
      const customIn = tf.grads((t, a, w, e, c) => tf.sum(tf.mul(layer(t as never, a as never, w as never, e as never, c as never), r)));
      const autoIn = tf.grads((t, a, w, e, c) => {
        const z = tf.add(
          tf.add(tf.add(tf.matMul(xt as never, a as never), tf.matMul(t as never, w as never)), tf.matMul(oneHot as never, e as never)),
          c,
        );
        return tf.sum(tf.mul(reference(z), r));
      });
      const gci = customIn([tfeat, Wx, Wt, E, b0]);
      const gai = autoIn([tfeat, Wx, Wt, E, b0]);
      gci.forEach((g, k) => expect(tf.max(tf.abs(tf.sub(g, gai[k]))).dataSync()[0]).toBeLessThan(1e-4));
    });
  });

  it('rejects a bad config with the field named', () => {
    expect(() => smallModel(1, { oneHotBlocks: [[3, 6]] })).toThrow(/oneHotBlocks/);
    expect(() => smallModel(1, { timeEmbedding: 7 })).toThrow(/timeEmbedding/);
  });
});

describe('TabularDdpm', () => {
  it('training lowers the DDPM loss', async () => {
    const { x, labels } = syntheticTable(400, 11);
    const model = smallModel(1);
    const seen: number[] = [];
    const result = await model.train(x, labels, {
      steps: 300,
      batchSize: 32,
      learningRate: 2e-3,
      progressEvery: 50,
      onProgress: (step) => seen.push(step),
    });
    expect(seen).toEqual([50, 100, 150, 200, 250, 300]);
    expect(result.losses).toHaveLength(6);
    const first = result.losses[0];
    const last = result.losses[result.losses.length - 1];
    expect(last).toBeLessThan(0.8 * first);
    expect(model.stepsTrained).toBe(300);
    model.dispose();
  });

  describe('on a learned class-conditional distribution', () => {
    let model: TabularDdpm;
    const perClass = 400;
    const sampleLabels = Int32Array.from({ length: 2 * perClass }, (_, i) => (i < perClass ? 0 : 1));
    let tempDir = '';
    /** What the model should reproduce: the statistics of its training table (not the population's). */
    let trainingStats: Array<ReturnType<typeof columnStats>> = [];

    beforeAll(async () => {
      const { x, labels } = syntheticTable(2000, 5);
      trainingStats = [0, 1].map((cls) => columnStats(x, labels, cls));
      model = smallModel(2);
      await model.train(x, labels, {
        steps: 800,
        batchSize: 128,
        learningRate: 3e-3,
        warmupSteps: 50,
        lrDecay: 'cosine',
        progressEvery: 400,
      });
      tempDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'sharebox-diffusion-test-'));
    });

    afterAll(async () => {
      model?.dispose();
      if (tempDir) await fsp.rm(tempDir, { recursive: true, force: true });
    });

    it.each(['ddpm', 'ddim'] as const)('%s samples reproduce the class means and category frequencies', async (sampler) => {
      const samples = await model.sample(sampleLabels.length, sampleLabels, { seed: 3, sampler, steps: sampler === 'ddim' ? 25 : 50 });
      for (const cls of [0, 1]) {
        const stats = columnStats(samples, sampleLabels, cls);
        const truth = trainingStats[cls];
        stats.mean.forEach((m, j) => expect(Math.abs(m - truth.mean[j])).toBeLessThan(0.25));
        stats.std.forEach((s, j) => expect(Math.abs(s - truth.std[j])).toBeLessThan(0.2));
        stats.freq.forEach((f, c) => expect(Math.abs(f - truth.freq[c])).toBeLessThan(0.1));
      }
      // Snapped: every row has exactly one 1 in the categorical block.
      for (let i = 0; i < sampleLabels.length; i++) {
        expect(samples[i * WIDTH + 2] + samples[i * WIDTH + 3] + samples[i * WIDTH + 4]).toBe(1);
      }
    });

    it('unconditional sampling (null class, guidance 0) covers both clusters', async () => {
      const n = 200;
      const labels0 = new Int32Array(n);
      const samples = await model.sample(n, labels0, { seed: 4, sampler: 'ddim', steps: 25, guidanceScale: 0 });
      let positive = 0;
      for (let i = 0; i < n; i++) if (samples[i * WIDTH] > 0) positive++;
      expect(positive / n).toBeGreaterThan(0.3);
      expect(positive / n).toBeLessThan(0.7);
      const nullSamples = await model.sample(n, null, { seed: 4, sampler: 'ddim', steps: 25 });
      expect(nullSamples).toEqual(samples);
    });

    it('guidance > 1 keeps the classes apart', async () => {
      const labels = Int32Array.from({ length: 200 }, (_, i) => i % 2);
      const samples = await model.sample(200, labels, { seed: 5, sampler: 'ddim', steps: 25, guidanceScale: 2 });
      expect(columnStats(samples, labels, 0).mean[0]).toBeLessThan(-1.5);
      expect(columnStats(samples, labels, 1).mean[0]).toBeGreaterThan(1.5);
    });

    it('sampling is deterministic given the seed; save/load gives identical samples', async () => {
      const labels = sampleLabels.subarray(0, 50);
      const opts = { seed: 9, sampler: 'ddpm' as const, steps: 30, batchSize: 32 };
      const a = await model.sample(50, labels, opts);
      const b = await model.sample(50, labels, opts);
      expect(b).toEqual(a);
      const c = await model.sample(50, labels, { ...opts, seed: 10 });
      expect(c).not.toEqual(a);

      const dir = path.join(tempDir, 'model');
      await model.save(dir, { note: 'test' });
      await model.save(dir, { note: 'overwritten' }); // over an existing directory
      expect((await fsp.readdir(tempDir)).sort()).toEqual(['model']); // no temp or old siblings left
      expect((await fsp.readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
      const loaded = await TabularDdpm.load(dir);
      try {
        expect(loaded.config).toEqual(model.config);
        expect(loaded.stepsTrained).toBe(model.stepsTrained);
        expect(loaded.metadata).toEqual({ note: 'overwritten' });
        expect(await loaded.sample(50, labels, opts)).toEqual(a);
      } finally {
        loaded.dispose();
      }
    });

    it('load reports a missing or truncated model clearly', async () => {
      await expect(TabularDdpm.load(path.join(tempDir, 'nope'))).rejects.toThrow(/cannot read .*model\.json/);
      const dir = path.join(tempDir, 'truncated');
      await model.save(dir);
      const bin = path.join(dir, 'weights.bin');
      const bytes = await fsp.readFile(bin);
      await fsp.writeFile(bin, bytes.subarray(0, bytes.length - 8));
      await expect(TabularDdpm.load(dir)).rejects.toThrow(/truncated/);
    });

    it('predictX0, predictNoise, qSample and perTimestepLoss agree with each other', () => {
      const { x: x0, labels } = syntheticTable(6, 77);
      const D = WIDTH;
      const timesteps = [5, 30];
      const seed = 123;
      const losses = model.perTimestepLoss(x0, labels, timesteps, { seed, noiseDraws: 2 });
      expect(losses).toHaveLength(6 * 2);
      // Reproduce by hand: ε_{k,d} is row (k·draws + d) of the seeded noise stream.
      const noise = new Float32Array(timesteps.length * 2 * D);
      fillStandardNormal(noise, seed);
      for (let k = 0; k < timesteps.length; k++) {
        const sum = new Float64Array(6);
        for (let d = 0; d < 2; d++) {
          const eps = noise.subarray((k * 2 + d) * D, (k * 2 + d + 1) * D);
          const epsRows = new Float32Array(6 * D);
          for (let i = 0; i < 6; i++) epsRows.set(eps, i * D);
          const t = new Int32Array(6).fill(timesteps[k]);
          const xt = model.qSample(x0, t, epsRows);
          const epsHat = model.predictNoise(xt, t, labels);
          const x0Hat = model.predictX0(xt, t, labels);
          const s = model.schedule;
          for (let i = 0; i < 6; i++) {
            let l = 0;
            for (let j = 0; j < D; j++) {
              l += (epsHat[i * D + j] - eps[j]) ** 2;
              const expectX0 = (xt[i * D + j] - s.sqrtOneMinusAlphaBars[t[i]] * epsHat[i * D + j]) / s.sqrtAlphaBars[t[i]];
              expect(x0Hat[i * D + j]).toBeCloseTo(expectX0, 3);
            }
            sum[i] += l / D;
          }
        }
        for (let i = 0; i < 6; i++) expect(losses[i * 2 + k]).toBeCloseTo(sum[i] / 2, 4);
      }
      // Common random numbers: a record's loss does not depend on the other records in the call.
      const alone = model.perTimestepLoss(x0.subarray(3 * D, 4 * D), labels.subarray(3, 4), timesteps, { seed, noiseDraws: 2 });
      expect(alone[0]).toBeCloseTo(losses[3 * 2], 5);
      expect(alone[1]).toBeCloseTo(losses[3 * 2 + 1], 5);
      // At a low noise level the model recovers x₀ roughly.
      const t = new Int32Array(6).fill(2);
      const epsSmall = new Float32Array(6 * D);
      fillStandardNormal(epsSmall, 5);
      const x0Hat = model.predictX0(model.qSample(x0, t, epsSmall), t, labels);
      for (let i = 0; i < 6; i++) expect(Math.abs(x0Hat[i * D] - x0[i * D])).toBeLessThan(0.5);
    });
  });

  it('perTimestepLoss separates training records from fresh ones after overfitting (membership signal)', async () => {
    // 16 iid N(0, 1) columns: records are far apart, so memorising 20 of them is visible in the loss.
    const width = 16;
    const table = (seed: number) => {
      const x = new Float32Array(20 * width);
      fillStandardNormal(x, seed);
      return { x, labels: Int32Array.from({ length: 20 }, (_, i) => i % 2) };
    };
    const members = table(21);
    const fresh = table(22);
    const model = new TabularDdpm({
      dataWidth: width,
      numClasses: 2,
      oneHotBlocks: [],
      timesteps: 50,
      schedule: 'cosine',
      hidden: [64, 64],
      timeEmbedding: 16,
      condDropProb: 0,
      seed: 3,
    });
    await model.train(members.x, members.labels, { steps: 400, batchSize: 20, learningRate: 3e-3, progressEvery: 400 });
    const timesteps = [1, 5, 12, 25];
    const opts = { seed: 1, noiseDraws: 4 };
    const lm = model.perTimestepLoss(members.x, members.labels, timesteps, opts);
    const lf = model.perTimestepLoss(fresh.x, fresh.labels, timesteps, opts);
    const meanOf = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(meanOf(lm)).toBeLessThan(0.7 * meanOf(lf));
    // Score = −(mean loss over timesteps): AUC of members vs non-members.
    const perRecord = (a: Float32Array) => Array.from({ length: 20 }, (_, i) => meanOf(a.subarray(i * 4, i * 4 + 4)));
    const m = perRecord(lm);
    const f = perRecord(lf);
    let wins = 0;
    for (const a of m) for (const b of f) wins += a < b ? 1 : a === b ? 0.5 : 0;
    expect(wins / (m.length * f.length)).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('x̂₀-form steps (with clipping) equal ε-form steps (without) when the bounds are far away', async () => {
    const model = smallModel(6, { schedule: 'linear', timesteps: 40 });
    const data = syntheticTable(256, 6);
    await model.train(data.x, data.labels, { steps: 100, batchSize: 64, learningRate: 3e-3 });
    const labels = Int32Array.from({ length: 16 }, (_, i) => i % 2);
    const far = { min: new Array(WIDTH).fill(-1e30), max: new Array(WIDTH).fill(1e30) };
    for (const sampler of ['ddpm', 'ddim'] as const) {
      const opts = { seed: 8, sampler, steps: 10, snapOneHot: false, guidanceScale: 1.5 };
      const epsForm = await model.sample(16, labels, { ...opts, clipDenoised: false });
      const x0Form = await model.sample(16, labels, { ...opts, clipDenoised: far });
      // Same maths, different float32 rounding: compare relative to the values' scale.
      let maxDiff = 0;
      let scale = 0;
      for (let i = 0; i < epsForm.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(epsForm[i] - x0Form[i]));
        scale = Math.max(scale, Math.abs(epsForm[i]));
      }
      expect(maxDiff).toBeLessThan(1e-4 * (1 + scale));
      // Raw (unsnapped) categorical values are not all 0/1.
      expect(Array.from(epsForm).some((v, i) => i % WIDTH >= 2 && v !== 0 && v !== 1)).toBe(true);
    }
    model.dispose();
  });

  it('yields to the event loop while training (a server stays responsive)', async () => {
    const { x, labels } = syntheticTable(64, 2);
    const model = smallModel(7);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await model.train(x, labels, { steps: 40, batchSize: 16, learningRate: 1e-3, yieldEveryMs: 0 });
    } finally {
      clearInterval(timer);
      model.dispose();
    }
    expect(ticks).toBeGreaterThan(0);
    await expect(model.train(x, labels, { steps: 1, batchSize: 4, learningRate: 1e-3 })).rejects.toThrow(/disposed/);
  });

  it('disposes what it creates', async () => {
    const before = tf.memory().numTensors;
    const { x, labels } = syntheticTable(64, 1);
    const model = smallModel(4);
    await model.train(x, labels, { steps: 5, batchSize: 16, learningRate: 1e-3, emaDecay: 0.9, gradClipNorm: 1 });
    await model.sample(10, labels.subarray(0, 10), { seed: 1, sampler: 'ddim', steps: 5, guidanceScale: 2 });
    model.perTimestepLoss(x.subarray(0, 4 * WIDTH), labels.subarray(0, 4), [1, 2], { seed: 1, noiseDraws: 2 });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
