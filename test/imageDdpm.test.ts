/**
 * The image DDPM (sharer/diffusion/imageDdpm.ts, imageUnet.ts) on a tiny U-Net: its gradients on wasm (native
 * kernels when built) against the cpu backend, training on a handful of real digits, sampling shapes and ranges,
 * determinism, guidance, save/load, and no tensor leaks.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '../shared/tf';
import { installConv2DBackpropFilter } from '../shared/tf/conv2dBackpropFilter';
import { ImageDdpm, ImageDdpmOptions } from '../sharer/diffusion/imageDdpm';
import { ImageUnet, ImageUnetConfig, upsampleNearest2x, validateUnetConfig } from '../sharer/diffusion/imageUnet';
import { loadMnist, selectImages } from '../shared/data/mnist';
import { randomValues } from './helpers/randomValues';
import { groupNorm, groupNormOps, hasNativeGroupNorm } from '../shared/tf/groupNorm';
import { loadNativeAddon } from '../shared/tf/native/load';

const TINY: ImageDdpmOptions = {
  height: 28,
  width: 28,
  channels: 1,
  numClasses: 2,
  seed: 3,
  baseChannels: 8,
  channelMults: [1, 2],
  timeFeatures: 16,
  groups: 2,
  timesteps: 100,
  schedule: 'cosine',
};

function digits(count: number): { images: Float32Array; labels: Int32Array } {
  const set = loadMnist({ digits: [0, 1] });
  // alternate 0s (first in the set) and 1s (last)
  const picks = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? i : set.n - 1 - i));
  const chosen = selectImages(set, picks);
  return { images: chosen.data, labels: Int32Array.from(chosen.labels) };
}

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('image DDPM (tiny U-Net)', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', quiet: true });
    // The cpu reference's stock filter gradient is ~100× slower than its Conv2D (stack.md §2).
    installConv2DBackpropFilter('cpu');
  });

  afterEach(async () => {
    await tf.setBackend('wasm');
  });

  test('config validation names the field', () => {
    const base = { ...(TINY as ImageUnetConfig), activation: 'silu' as const };
    expect(() => validateUnetConfig({ ...base, channelMults: [1, 2, 2, 2] })).toThrow(/divisible by 8/);
    expect(() => validateUnetConfig({ ...base, groups: 3 })).toThrow(/groups/);
    expect(() => validateUnetConfig({ ...base, timeFeatures: 15 })).toThrow(/even/);
  });

  test.each(['wasm', 'cpu'])('nearest-neighbour upsampling and its gradient (batch 3) on %s', async (backend) => {
    await tf.setBackend(backend);
    const [B, h, w, c] = [3, 2, 3, 2];
    const x = randomValues(B * h * w * c, 31);
    const r = randomValues(B * 4 * h * w * c, 32);
    const [y, dx] = tf.tidy(() => {
      const xt = tf.tensor4d(x, [B, h, w, c]);
      const rt = tf.tensor4d(r, [B, 2 * h, 2 * w, c]);
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(upsampleNearest2x(a as tf.Tensor4D), rt)))(xt);
      return [upsampleNearest2x(xt).dataSync() as Float32Array, grad.dataSync() as Float32Array];
    });
    const at = (n: number, i: number, j: number, k: number, H: number, W: number) => ((n * H + i) * W + j) * c + k;
    let worst = 0;
    for (let n = 0; n < B; n++) {
      for (let i = 0; i < 2 * h; i++) {
        for (let j = 0; j < 2 * w; j++) {
          for (let k = 0; k < c; k++) worst = Math.max(worst, Math.abs(y[at(n, i, j, k, 2 * h, 2 * w)] - x[at(n, i >> 1, j >> 1, k, h, w)]));
        }
      }
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          for (let k = 0; k < c; k++) {
            let expected = 0;
            for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1]]) expected += r[at(n, 2 * i + a, 2 * j + b, k, 2 * h, 2 * w)];
            worst = Math.max(worst, Math.abs(dx[at(n, i, j, k, h, w)] - expected));
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-5);
  });

  test('U-Net gradients on wasm match the cpu backend (strided down, upsampling, GroupNorm, concat, class one-hot)', async () => {
    const config: ImageUnetConfig = { ...(TINY as ImageUnetConfig), activation: 'silu', height: 8, width: 8, baseChannels: 4, groups: 2, channelMults: [1, 2, 2] };
    // Non-zero output conv, so every weight gets a gradient.
    const probe = new ImageUnet(config);
    const weights = probe.getWeights();
    probe.dispose();
    weights.set('out/W', randomValues((weights.get('out/W') as Float32Array).length, 11));
    const B = 3;
    const x = randomValues(B * 8 * 8, 12);
    const time = randomValues(B * 16, 13);
    const onehot = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const r = randomValues(B * 8 * 8, 14);
    const run = (): Map<string, Float32Array> => {
      const net = new ImageUnet(config, weights);
      try {
        const values = tf.tidy(() => {
          const { grads } = tf.variableGrads(
            () => tf.sum(tf.mul(net.apply(tf.tensor4d(x, [B, 8, 8, 1]), tf.tensor2d(time, [B, 16]), tf.tensor2d(onehot, [B, 3])), tf.tensor4d(r, [B, 8, 8, 1]))) as tf.Scalar,
            net.variables,
          );
          return net.variables.map((v) => grads[v.name].dataSync() as Float32Array);
        });
        return new Map(net.specs.map((spec, k) => [spec.name, values[k]]));
      } finally {
        net.dispose();
      }
    };
    await tf.setBackend('wasm');
    const wasm = run();
    await tf.setBackend('cpu');
    const cpu = run();
    expect([...wasm.keys()]).toEqual([...cpu.keys()]);
    for (const [name, g] of cpu) {
      const w = wasm.get(name) as Float32Array;
      let scale = 1e-3;
      let diff = 0;
      for (let i = 0; i < g.length; i++) {
        scale = Math.max(scale, Math.abs(g[i]));
        diff = Math.max(diff, Math.abs(g[i] - w[i]));
      }
      if (diff / scale >= 2e-3) throw new Error(`gradient of ${name}: relative difference ${diff / scale}`);
    }
  });

  test('training on a handful of digits lowers the loss; no tensors leak', async () => {
    const { images, labels } = digits(16);
    const before = tf.memory().numTensors;
    const model = new ImageDdpm(TINY);
    const result = await model.train(images, labels, { steps: 60, batchSize: 8, learningRate: 3e-3, progressEvery: 15, seed: 1 });
    expect(result.losses).toHaveLength(4);
    expect(result.losses[3]).toBeLessThan(result.losses[0] * 0.7);
    expect(model.stepsTrained).toBe(60);
    const samples = await model.sample(2, Int32Array.from([0, 1]), { seed: 1, steps: 5 });
    expect(samples).toHaveLength(2 * 784);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('the weight EMA is warmed up: after a short run it holds the trained weights, not the initial ones', async () => {
    const { images, labels } = digits(8);
    const distance = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => {
      let sum = 0;
      for (const [name, w] of a) {
        const v = b.get(name)!;
        for (let i = 0; i < w.length; i++) sum += (w[i] - v[i]) ** 2;
      }
      return Math.sqrt(sum);
    };
    const initial = new ImageDdpm(TINY);
    const plain = new ImageDdpm(TINY);
    const averaged = new ImageDdpm(TINY);
    const options = { steps: 20, batchSize: 4, learningRate: 3e-3, seed: 1 };
    await plain.train(images, labels, options);
    await averaged.train(images, labels, { ...options, emaDecay: 0.999 });
    const w0 = initial.getWeights();
    const travelled = distance(plain.getWeights(), w0);
    const averagedTravelled = distance(averaged.getWeights(), w0);
    // A plain 0.999 average after 20 steps would sit ~2% of the way from the initial weights (0.999^20 ≈ 0.98 of
    // them); warmed up (min(decay, (1 + n)/(10 + n))) it sits near the recent iterates.
    expect(averagedTravelled).toBeGreaterThan(0.5 * travelled);
    expect(distance(averaged.getWeights(), plain.getWeights())).toBeGreaterThan(0);
    [initial, plain, averaged].forEach((m) => m.dispose());
  });

  test('sampling: shapes, [0, 1] range, both samplers, guidance, determinism by seed', async () => {
    const model = new ImageDdpm(TINY);
    const { images, labels } = digits(8);
    await model.train(images, labels, { steps: 5, batchSize: 4, learningRate: 1e-3 });
    const labelsOut = Int32Array.from([0, 1, 1]);
    for (const options of [
      { sampler: 'ddim' as const, steps: 6 },
      { sampler: 'ddim' as const, steps: 4, eta: 1 },
      { sampler: 'ddpm' as const, steps: 6 },
      { sampler: 'ddim' as const, steps: 4, guidanceScale: 2 },
    ]) {
      const a = await model.sample(3, labelsOut, { seed: 5, batchSize: 2, ...options });
      expect(a).toHaveLength(3 * 784);
      let inRange = true;
      for (let i = 0; i < a.length; i++) inRange &&= a[i] >= 0 && a[i] <= 1;
      expect(inRange).toBe(true);
      const again = await model.sample(3, labelsOut, { seed: 5, batchSize: 2, ...options });
      expect(sameBytes(a, again)).toBe(true);
      const other = await model.sample(3, labelsOut, { seed: 6, batchSize: 2, ...options });
      expect(sameBytes(a, other)).toBe(false);
    }
    const unconditional = await model.sample(2, null, { seed: 1, steps: 3 });
    expect(unconditional).toHaveLength(2 * 784);
    expect(await model.sample(0, Int32Array.from([]), { seed: 1 })).toHaveLength(0);
    await expect(model.sample(2, Int32Array.from([0, 2]), { seed: 1 })).rejects.toThrow(/outside \[0, 2\)/);
    const eps = model.predictNoise(new Float32Array(2 * 784), Int32Array.from([0, 99]), null);
    expect(eps).toHaveLength(2 * 784);
    expect(() => model.predictNoise(new Float32Array(784), Int32Array.from([100]), null)).toThrow(/timestep 100/);
    model.dispose();
    await expect(model.sample(1, null, { seed: 1 })).rejects.toThrow(/disposed/);
  });

  test('with the exact ε of a one-image data set, every sampler returns that image', async () => {
    const model = new ImageDdpm({ ...TINY, timesteps: 1000, schedule: 'linear' });
    // A bar in the model's [−1, 1] scale; the optimal ε̂ for a point mass x* is (x_t − √ᾱ_t x*)/√(1 − ᾱ_t).
    const target = Float32Array.from({ length: 784 }, (_, i) => (i % 28 > 10 && i % 28 < 16 ? 1 : -1));
    const alphaBars = model.schedule.alphaBars;
    (model as unknown as { epsBatch: (xt: Float32Array, t: ArrayLike<number>, c: unknown, b: number) => Float32Array }).epsBatch = (xt, t, _c, b) => {
      const out = new Float32Array(b * 784);
      for (let k = 0; k < b; k++) {
        const a = alphaBars[t[k]];
        for (let j = 0; j < 784; j++) out[k * 784 + j] = (xt[k * 784 + j] - Math.sqrt(a) * target[j]) / Math.sqrt(1 - a);
      }
      return out;
    };
    for (const options of [{ sampler: 'ddim' as const, steps: 10 }, { sampler: 'ddim' as const, steps: 10, eta: 1 }, { sampler: 'ddpm' as const, steps: 20 }]) {
      const images = await model.sample(2, Int32Array.from([0, 1]), { seed: 1, ...options });
      let worst = 0;
      for (let j = 0; j < 2 * 784; j++) worst = Math.max(worst, Math.abs(images[j] - (target[j % 784] + 1) / 2));
      expect(worst).toBeLessThan(1e-4);
    }
    model.dispose();
  });

  test('save and load round-trip: same weights, same samples; broken files are named', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-image-ddpm-'));
    try {
      const model = new ImageDdpm({ ...TINY, schedule: 'linear' });
      const { images, labels } = digits(8);
      await model.train(images, labels, { steps: 3, batchSize: 4, learningRate: 1e-3 });
      const target = path.join(dir, 'model');
      await model.save(target, { note: 'test' });
      await model.save(target); // over an existing model
      const loaded = await ImageDdpm.load(target);
      expect(loaded.config).toEqual(model.config);
      expect(loaded.stepsTrained).toBe(3);
      expect(loaded.metadata).toEqual({ note: 'test' });
      const options = { seed: 9, steps: 4, guidanceScale: 1.5 };
      const a = await model.sample(2, Int32Array.from([1, 0]), options);
      const b = await loaded.sample(2, Int32Array.from([1, 0]), options);
      expect(sameBytes(a, b)).toBe(true);
      model.dispose();
      loaded.dispose();
      expect(fs.readdirSync(dir)).toEqual(['model']);
      fs.truncateSync(path.join(target, 'weights.bin'), 100);
      await expect(ImageDdpm.load(target)).rejects.toThrow(/truncated/);
      await expect(ImageDdpm.load(path.join(dir, 'missing'))).rejects.toThrow(/cannot read .*model\.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GroupNorm: native kernels vs tf ops', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', quiet: true });
    await tf.setBackend('wasm');
  });

  // Decided when the tests are collected, before initBackend: ask the addon loader directly.
  const nativeOrSkip = loadNativeAddon() !== null ? test : test.skip;

  nativeOrSkip.each([
    [[2, 5, 3, 8], 4],
    [[3, 4, 4, 6], 1],
    [[1, 7, 7, 4], 4],
  ] as Array<[[number, number, number, number], number]>)('x %j, %i groups: values and gradients agree', async (shape, groups) => {
    expect(hasNativeGroupNorm()).toBe(true);
    const size = shape.reduce((a, b) => a * b, 1);
    const C = shape[3];
    const xv = randomValues(size, 21).map((v, i) => v * 3 + (i % 5)); // non-zero means, unequal scales
    const gv = randomValues(C, 22).map((v) => 1 + v);
    const bv = randomValues(C, 23);
    const rv = randomValues(size, 24);
    const run = (f: typeof groupNorm): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, shape);
        const gamma = tf.tensor1d(gv);
        const beta = tf.tensor1d(bv);
        const r = tf.tensor4d(rv, shape);
        const y = f(x, gamma, beta, groups);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, groups), r)))([x, gamma, beta]);
        return [y, ...grads].map((t) => t.dataSync() as Float32Array);
      });
    const native = run(groupNorm);
    const ops = run(groupNormOps);
    native.forEach((values, k) => {
      let diff = 0;
      let scale = 1;
      for (let i = 0; i < values.length; i++) {
        diff = Math.max(diff, Math.abs(values[i] - ops[k][i]));
        scale = Math.max(scale, Math.abs(ops[k][i]));
      }
      expect(diff / scale).toBeLessThan(1e-4);
    });
  });

  test('falls back to tf ops on the cpu backend, and no tensors leak', async () => {
    await tf.setBackend('cpu');
    expect(hasNativeGroupNorm()).toBe(false);
    const y = groupNorm(tf.ones([1, 2, 2, 4]) as tf.Tensor4D, tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, 2);
    expect(Array.from(y.dataSync())).toEqual(new Array(16).fill(0));
    y.dispose();
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal([2, 4, 4, 4]) as tf.Tensor4D;
      const gamma = tf.ones([4]) as tf.Tensor1D;
      const beta = tf.zeros([4]) as tf.Tensor1D;
      tf.grads((a: tf.Tensor) => tf.sum(groupNorm(a as tf.Tensor4D, gamma, beta, 2)))([x]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
