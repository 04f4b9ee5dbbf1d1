/**
 * The forward-only fused kernels (shared/tf/fusedForward.ts, native/src: conv_region, the sub-pixel upsampled conv,
 * GroupNorm + activation, Sigmoid/SiLU, Concat, SplitV) against the pure-JS cpu backend computing the same function as
 * plain tf ops: every compiled GEMM variant this CPU runs, edge tiles and the dot-product path (few output
 * channels), strides, dilation, 'same'/'valid', upsampling by 2 and 3, each epilogue term, 2 threads; the image
 * U-Net's fused pass against its plain-ops pass on cpu; that a gradient tape turns the fused path off; the addon's
 * range checks. Skipped (title says why) when the addon is not built.
 */
import { initBackend, tf } from '../shared/tf';
import { conv2dFused, fusedForwardAvailable, groupNormAct, gradientRecording } from '../shared/tf/fusedForward';
import { groupNormOps } from '../shared/tf/groupNorm';
import { installNativeKernels } from '../shared/tf/native/install';
import { loadNativeAddon, nativeAddonUnavailableReason, NativeAddon } from '../shared/tf/native/load';
import { ImageUnet, ImageUnetConfig } from '../sharer/diffusion/imageUnet';
import { randomValues } from './helpers/randomValues';
import { relativeMaxDiff } from './helpers/relativeMaxDiff';

const addon = loadNativeAddon();
const describeNative = addon !== null ? describe : describe.skip;
const title =
  addon !== null
    ? 'fused forward kernels vs the cpu backend'
    : `fused forward kernels: SKIPPED, addon unavailable (${nativeAddonUnavailableReason()}); run \`node native/build.js\``;

/** The GEMM variants this CPU runs (the conv's register tile is compiled with each). */
const VARIANTS: Array<'avx512' | 'avx2' | 'wide16' | 'generic' | 'best'> = (['avx512', 'avx2', 'wide16', 'generic'] as const).filter((v) => {
  const ok = addon?.setVariant(v) ?? false;
  addon?.setVariant('best');
  return ok;
});


interface FusedCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides?: number | [number, number];
  pad?: 'same' | 'valid';
  dilations?: number;
  upsample?: number;
  bias?: boolean;
  rowBias?: boolean;
  residual?: boolean;
}

/** Nearest-neighbour upsampling by an integer factor, as plain ops (reshape and a broadcast multiply). */
function upsampleOps(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  if (factor === 1) return x;
  const [B, h, w, c] = x.shape;
  return tf.reshape(tf.mul(tf.reshape(x, [B, h, 1, w, 1, c]), tf.ones([1, 1, factor, 1, factor, 1])), [B, h * factor, w * factor, c]);
}

let seed = 9000;

/** The case's output on the current backend: the fused kernel on wasm, plain ops on cpu. */
function runCase(c: FusedCase, values: Record<string, Float32Array>, fused: boolean): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(values.x, c.x);
    const filter = tf.tensor4d(values.filter, c.filter);
    const bias = c.bias ? tf.tensor1d(values.bias) : null;
    const outShape = tf.conv2d(upsampleOps(tf.zeros(c.x) as tf.Tensor4D, c.upsample ?? 1), tf.zeros(c.filter) as tf.Tensor4D, c.strides ?? 1, c.pad ?? 'same', 'NHWC', c.dilations ?? 1).shape;
    const rowBias = c.rowBias ? tf.tensor2d(values.rowBias, [c.x[0], c.filter[3]]) : undefined;
    const residual = c.residual ? tf.tensor4d(values.residual, outShape) : undefined;
    if (fused) {
      return conv2dFused(x, filter, bias, { strides: c.strides, pad: c.pad, dilations: c.dilations, upsample: c.upsample, rowBias, residual }).dataSync() as Float32Array;
    }
    // dilations > 1 need strides 1 in tfjs' conv2d; the cases respect that.
    let y: tf.Tensor = tf.conv2d(upsampleOps(x, c.upsample ?? 1), filter, c.strides ?? 1, c.pad ?? 'same', 'NHWC', c.dilations ?? 1);
    if (bias !== null) y = tf.add(y, bias);
    if (rowBias !== undefined) y = tf.add(y, tf.reshape(rowBias, [c.x[0], 1, 1, c.filter[3]]));
    if (residual !== undefined) y = tf.add(residual, y);
    return y.dataSync() as Float32Array;
  });
}

async function expectFusedMatchesCpu(c: FusedCase): Promise<void> {
  const [B, , , Ci] = c.x;
  const Co = c.filter[3];
  expect(c.filter[2]).toBe(Ci);
  const outSize = tf.tidy(() => tf.conv2d(upsampleOps(tf.zeros(c.x) as tf.Tensor4D, c.upsample ?? 1), tf.zeros(c.filter) as tf.Tensor4D, c.strides ?? 1, c.pad ?? 'same', 'NHWC', c.dilations ?? 1).size);
  const values = {
    x: randomValues(c.x.reduce((a, b) => a * b, 1), seed++),
    filter: randomValues(c.filter.reduce((a, b) => a * b, 1), seed++),
    bias: randomValues(Co, seed++),
    rowBias: randomValues(B * Co, seed++),
    residual: randomValues(outSize, seed++),
  };
  await tf.setBackend('wasm');
  const fused = runCase(c, values, true);
  await tf.setBackend('cpu');
  const reference = runCase(c, values, false);
  await tf.setBackend('wasm');
  expect(fused.length).toBe(outSize);
  expect(relativeMaxDiff(fused, reference)).toBeLessThan(1e-4);
}

const CASES: FusedCase[] = [
  // The U-Net's forms, scaled down: bias + time embedding, bias + residual, strided, upsampled, 1×1 skip, output conv.
  { x: [2, 8, 8, 6], filter: [3, 3, 6, 8], bias: true, rowBias: true },
  { x: [3, 7, 5, 8], filter: [3, 3, 8, 8], bias: true, residual: true },
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 8], strides: 2, bias: true },
  { x: [2, 4, 4, 8], filter: [3, 3, 8, 8], upsample: 2, bias: true },
  { x: [2, 5, 3, 12], filter: [1, 1, 12, 4], bias: true },
  { x: [3, 6, 6, 16], filter: [3, 3, 16, 1], bias: true },
  { x: [2, 9, 9, 1], filter: [3, 3, 1, 16], bias: true },
  // Edge tiles (output channels not a multiple of any tile width, pixel counts not a multiple of its rows), the
  // dot-product path with a channel tail, and both paths with every epilogue term.
  { x: [1, 5, 7, 3], filter: [3, 3, 3, 17], bias: true, rowBias: true, residual: true },
  { x: [3, 3, 5, 19], filter: [2, 2, 19, 2], pad: 'valid', bias: true, rowBias: true, residual: true },
  { x: [2, 6, 6, 40], filter: [3, 3, 40, 33] },
  { x: [1, 11, 4, 9], filter: [3, 2, 9, 3], strides: [2, 1] },
  // Geometry: 'valid', dilation, even kernels, upsampling by 2 and 3 with strides and 'valid' (the plain pointer
  // path) and with 'same' stride 1 (the sub-pixel path), kernels larger than the upsampling.
  { x: [2, 9, 8, 5], filter: [4, 3, 5, 7], pad: 'valid', bias: true },
  { x: [2, 10, 10, 3], filter: [3, 3, 3, 6], dilations: 2, residual: true },
  { x: [2, 3, 4, 5], filter: [3, 3, 5, 6], upsample: 3, rowBias: true },
  { x: [2, 3, 3, 4], filter: [4, 4, 4, 5], upsample: 2, residual: true },
  { x: [2, 4, 3, 4], filter: [3, 3, 4, 5], upsample: 2, strides: 2 },
  { x: [2, 4, 4, 4], filter: [3, 3, 4, 5], upsample: 2, pad: 'valid', bias: true },
  { x: [1, 5, 4, 16], filter: [3, 3, 16, 1], upsample: 2, bias: true },
  { x: [2, 6, 6, 3], filter: [1, 1, 3, 4], upsample: 2, bias: true },
];

describeNative(title, () => {
  beforeAll(async () => {
    expect(await initBackend({ prefer: 'wasm', quiet: true })).toBe('wasm');
    expect(installNativeKernels()).toBe(true);
  });

  afterEach(async () => {
    (addon as NativeAddon).setVariant('best');
    (addon as NativeAddon).setThreads(1);
    await tf.setBackend('wasm');
  });

  describe.each(VARIANTS.length > 0 ? VARIANTS : (['best'] as const))('GEMM variant %s', (variant) => {
    it.each(CASES.map((c) => [`x [${c.x}] filter [${c.filter}] ${JSON.stringify({ ...c, x: undefined, filter: undefined })}`, c] as const))('conv2dFused %s', async (_name, c) => {
      expect((addon as NativeAddon).setVariant(variant)).toBe(true);
      await expectFusedMatchesCpu(c);
    });
  });

  it('conv2dFused split over 2 threads (U-Net-sized layers)', async () => {
    expect((addon as NativeAddon).setThreads(2)).toBe(2);
    await expectFusedMatchesCpu({ x: [4, 28, 28, 16], filter: [3, 3, 16, 16], bias: true, residual: true });
    await expectFusedMatchesCpu({ x: [4, 14, 14, 32], filter: [3, 3, 32, 32], upsample: 2, bias: true });
  });

  it('plain Conv2D (now read straight from x) matches the cpu backend on U-Net-sized layers', async () => {
    for (const c of [
      { x: [2, 28, 28, 16], filter: [3, 3, 16, 16] },
      { x: [2, 28, 28, 16], filter: [3, 3, 16, 1] },
      { x: [2, 14, 14, 64], filter: [1, 1, 64, 32] },
    ] as FusedCase[]) {
      const xv = randomValues(c.x.reduce((a, b) => a * b, 1), seed++);
      const wv = randomValues(c.filter.reduce((a, b) => a * b, 1), seed++);
      const run = () => tf.tidy(() => tf.conv2d(tf.tensor4d(xv, c.x), tf.tensor4d(wv, c.filter), 1, 'same').dataSync() as Float32Array);
      await tf.setBackend('wasm');
      const wasm = run();
      await tf.setBackend('cpu');
      const cpu = run();
      expect(relativeMaxDiff(wasm, cpu)).toBeLessThan(1e-4);
    }
  });

  it.each(['linear', 'relu', 'silu'] as const)('groupNormAct with %s matches act(GroupNorm) as tf ops on cpu', async (activation) => {
    const shape: [number, number, number, number] = [3, 5, 4, 12];
    const size = 3 * 5 * 4 * 12;
    const xv = randomValues(size, 41).map((v, i) => v * 4 + (i % 7) - 3);
    const gv = randomValues(12, 42).map((v) => 1 + v);
    const bv = randomValues(12, 43);
    await tf.setBackend('wasm');
    const fused = tf.tidy(() => groupNormAct(tf.tensor4d(xv, shape), tf.tensor1d(gv), tf.tensor1d(bv), 3, activation).dataSync() as Float32Array);
    await tf.setBackend('cpu');
    const reference = tf.tidy(() => {
      const y = groupNormOps(tf.tensor4d(xv, shape), tf.tensor1d(gv), tf.tensor1d(bv), 3);
      const act = activation === 'relu' ? tf.relu(y) : activation === 'silu' ? tf.mul(y, tf.sigmoid(y)) : y;
      return act.dataSync() as Float32Array;
    });
    expect(relativeMaxDiff(fused, reference)).toBeLessThan(1e-4);
  });

  it('Sigmoid (native, polynomial exp) matches the cpu backend, extremes and NaN included', async () => {
    const values = Float32Array.from([...randomValues(1000, 51).map((v) => v * 30), 0, -0, 88, -88, 100, -100, 1e30, -1e30, Infinity, -Infinity, NaN, 1e-8]);
    const run = () => tf.tidy(() => tf.sigmoid(tf.tensor1d(values)).dataSync() as Float32Array);
    await tf.setBackend('wasm');
    const wasm = run();
    await tf.setBackend('cpu');
    const cpu = run();
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(cpu[i])) expect(wasm[i]).toBeNaN();
      else expect(Math.abs(wasm[i] - cpu[i])).toBeLessThanOrEqual(5e-7 * Math.abs(cpu[i]) + 1e-37);
    }
  });

  it('Concat (native) along every axis, with an empty input; int32 goes to the wasm kernel', async () => {
    const a = randomValues(2 * 3 * 4 * 5, 61);
    const b = randomValues(2 * 3 * 4 * 5, 62);
    for (let axis = 0; axis < 4; axis++) {
      const run = () =>
        tf.tidy(() => {
          const shapeB = [2, 3, 4, 5];
          shapeB[axis] = axis === 0 ? 2 : axis + 1;
          const size = shapeB.reduce((p, q) => p * q, 1);
          const empty = [2, 3, 4, 5];
          empty[axis] = 0;
          return tf.concat([tf.tensor4d(a, [2, 3, 4, 5]), tf.zeros(empty), tf.tensor(b.subarray(0, size), shapeB)], axis).dataSync() as Float32Array;
        });
      await tf.setBackend('wasm');
      const wasm = run();
      await tf.setBackend('cpu');
      const cpu = run();
      expect(Array.from(wasm)).toEqual(Array.from(cpu));
    }
    await tf.setBackend('wasm');
    const ints = tf.tidy(() => Array.from(tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')]).dataSync()));
    expect(ints).toEqual([1, 2, 3]);
  });

  it('SplitV (native; the gradient of Concat) along every axis, with an empty part; int32 goes to the wasm kernel', async () => {
    const x = randomValues(2 * 6 * 4 * 5, 63);
    const r = randomValues(2 * 6 * 4 * 5, 64);
    for (let axis = 0; axis < 4; axis++) {
      const run = () =>
        tf.tidy(() => {
          const t = tf.tensor4d(x, [2, 6, 4, 5]);
          const d = t.shape[axis];
          const parts = tf.split(t, [1, 0, d - 1], axis).map((p) => Array.from(p.dataSync()));
          // The gradient of a concat is a split of dy.
          const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.concat([a, b], axis), tf.tensor4d(r, [2, 6, 4, 5]))))([
            tf.slice(t, 0, t.shape.map((n, i) => (i === axis ? 1 : n))),
            tf.slice(t, t.shape.map((_, i) => (i === axis ? 1 : 0)), t.shape.map((n, i) => (i === axis ? d - 1 : n))),
          ]);
          return [...parts, Array.from(ga.dataSync()), Array.from(gb.dataSync())];
        });
      await tf.setBackend('wasm');
      const wasm = run();
      await tf.setBackend('cpu');
      const cpu = run();
      expect(wasm).toEqual(cpu);
    }
    await tf.setBackend('wasm');
    const ints = tf.tidy(() => tf.split(tf.tensor1d([1, 2, 3], 'int32'), [2, 1]).map((t) => Array.from(t.dataSync())));
    expect(ints).toEqual([[1, 2], [3]]);
  });

  it('the U-Net: fused pass on wasm matches its plain-ops pass on cpu (SiLU and ReLU, GroupNorm on and off)', async () => {
    for (const variant of [
      { activation: 'silu' as const, groups: 2 },
      { activation: 'relu' as const, groups: 0 },
    ]) {
      const config: ImageUnetConfig = {
        height: 8,
        width: 8,
        channels: 1,
        numClasses: 2,
        seed: 4,
        baseChannels: 4,
        channelMults: [1, 2, 2],
        timeFeatures: 16,
        ...variant,
      };
      const probe = new ImageUnet(config);
      const weights = probe.getWeights();
      probe.dispose();
      // Every weight non-zero (the output conv starts at zero), so every layer shows in ε̂.
      for (const [name, w] of weights) weights.set(name, randomValues(w.length, 70 + name.length).map((v) => v * 0.5 + (name.endsWith('gamma') ? 1 : 0)));
      const B = 3;
      const x = randomValues(B * 64, 81);
      const time = randomValues(B * 16, 82);
      const onehot = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
      const run = (): Float32Array => {
        const net = new ImageUnet(config, weights);
        try {
          return tf.tidy(() => net.apply(tf.tensor4d(x, [B, 8, 8, 1]), tf.tensor2d(time, [B, 16]), tf.tensor2d(onehot, [B, 3])).dataSync() as Float32Array);
        } finally {
          net.dispose();
        }
      };
      await tf.setBackend('wasm');
      expect(fusedForwardAvailable()).toBe(true);
      const spy = jest.spyOn(addon as NativeAddon, 'conv2dFused');
      let fused: Float32Array;
      try {
        fused = run();
        expect(spy).toHaveBeenCalledTimes(24); // every conv of the net: in, 2 + 3 + 2 down, 2 strided, 2 mid, 3 × 3 up, 2 upsampling, out
      } finally {
        spy.mockRestore();
      }
      await tf.setBackend('cpu');
      expect(fusedForwardAvailable()).toBe(false);
      const reference = run();
      expect(relativeMaxDiff(fused, reference)).toBeLessThan(1e-4);
    }
  });

  it('a gradient tape turns the fused path off (and the fused ops refuse to run under one)', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([1, 4, 4, 2]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 2, 2]) as tf.Tensor4D;
    let seenInside: boolean | undefined;
    const grad = tf.grad((a: tf.Tensor) => {
      seenInside = fusedForwardAvailable();
      expect(gradientRecording()).toBe(true);
      expect(() => conv2dFused(a as tf.Tensor4D, w, null)).toThrow(/no gradient tape/);
      return tf.sum(tf.conv2d(a as tf.Tensor4D, w, 1, 'same'));
    })(x);
    expect(seenInside).toBe(false);
    expect(gradientRecording()).toBe(false);
    expect(fusedForwardAvailable()).toBe(true);
    tf.dispose([x, w, grad]);
  });

  it('with the native convs off, the fused path is unavailable', () => {
    installNativeKernels({ conv: false });
    try {
      expect(fusedForwardAvailable()).toBe(false);
    } finally {
      installNativeKernels({ conv: true });
    }
    expect(fusedForwardAvailable()).toBe(true);
  });

  it('leaves no tensors behind; checks shapes', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 6, 4]) as tf.Tensor4D;
      conv2dFused(x, tf.randomNormal([3, 3, 4, 5]) as tf.Tensor4D, tf.zeros([5]) as tf.Tensor1D, { upsample: 2 });
      groupNormAct(x, tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, 2, 'silu');
      expect(() => conv2dFused(x, tf.zeros([3, 3, 3, 5]) as tf.Tensor4D, null)).toThrow(/filter/);
      expect(() => conv2dFused(x, tf.zeros([3, 3, 4, 5]) as tf.Tensor4D, tf.zeros([4]) as tf.Tensor1D)).toThrow(/bias has shape \[4\]/);
      expect(() => conv2dFused(x, tf.zeros([3, 3, 4, 5]) as tf.Tensor4D, null, { rowBias: tf.zeros([1, 5]) as tf.Tensor2D })).toThrow(/rowBias/);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the addon refuses operands outside the heap and bad arguments', () => {
    const native = addon as NativeAddon;
    const heap = new ArrayBuffer(1024);
    const geometry = Float64Array.from([1, 4, 4, 1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1]);
    expect(() => native.conv2dFused(heap, Float64Array.from([0, 64, 2000, -1, -1, -1]), geometry)).toThrow(/outside the heap/);
    expect(() => native.conv2dFused(heap, Float64Array.from([0, 64, 128, 1024, -1, -1]), geometry)).toThrow(/outside the heap/);
    expect(() => native.conv2dFused(heap, Float64Array.from([0, 64, 128, -1, -1, -1]), geometry.subarray(0, 15))).toThrow(/Float64Array of 16/);
    const badUp = Float64Array.from(geometry);
    badUp[15] = 0;
    expect(() => native.conv2dFused(heap, Float64Array.from([0, 64, 128, -1, -1, -1]), badUp)).toThrow(/upsampling/);
    // In range: a 4×4 image of ones, 3×3 filter of ones, same padding, bias 1 → neighbourhood counts + 1.
    const f = new Float32Array(heap);
    f.fill(0);
    f.fill(1, 0, 16);
    f.fill(1, 16, 25);
    f[200] = 1;
    native.conv2dFused(heap, Float64Array.from([0, 64, 128, 800, -1, -1]), geometry);
    expect(Array.from(f.subarray(32, 48))).toEqual([5, 7, 7, 5, 7, 10, 10, 7, 7, 10, 10, 7, 5, 7, 7, 5]);
    expect(() => native.concat(heap, Float64Array.from([0, 64]), Float64Array.from([4, 4]), 2, 1000)).toThrow(/outside the heap/);
    expect(() => native.concat(heap, Float64Array.from([0, 64]), Float64Array.from([4]), 2, 128)).toThrow(/inners/);
    expect(() => native.groupNorm(heap, true, new Float64Array(8), 1, 4, 4, 2, 0, 2)).toThrow(/activation/);
  });
});
