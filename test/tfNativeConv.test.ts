/**
 * The native convolution kernels (Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter: the forward conv read straight
 * from x by the SGEMM's register tile, the gradients by im2col + the native SGEMM, shared/tf/native/conv.ts) against the pure-JS cpu backend on random inputs: strides 1 and 2 (and mixed),
 * 'same', 'valid' and explicit padding, kernels 1×1 to 4×4 (non-square too), dilation, shapes large enough to be
 * cut into several im2col chunks, the pointwise shortcut, and the addon's range checks. Skipped (title says why)
 * when the addon is not built.
 */
import { initBackend, tf } from '../shared/tf';
import { installConv2DBackpropFilter } from '../shared/tf/conv2dBackpropFilter';
import { installNativeKernels } from '../shared/tf/native/install';
import { loadNativeAddon, nativeAddonUnavailableReason, NativeAddon } from '../shared/tf/native/load';
import { randomValues } from './helpers/randomValues';
import { relativeMaxDiff } from './helpers/relativeMaxDiff';

const addon = loadNativeAddon();
const describeNative = addon !== null ? describe : describe.skip;
const title =
  addon !== null
    ? 'native conv2d kernels vs the cpu backend'
    : `native conv2d kernels: SKIPPED, addon unavailable (${nativeAddonUnavailableReason()}); run \`node native/build.js\``;

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dilations?: number;
}

let seed = 5000;

/** y = conv(x, w), and the gradients of Σ y·r (r fixed random) with respect to x and w. */
function convWithGrads(c: ConvCase, xv: Float32Array, wv: Float32Array, rv: Float32Array | null): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, c.filter);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, c.strides, c.pad, 'NHWC', c.dilations ?? 1);
    const y = conv(x, w);
    if (rv === null) return [y.dataSync() as Float32Array];
    const r = tf.tensor(rv, y.shape);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, w]);
    return [y, gx, gw].map((t) => t.dataSync() as Float32Array);
  });
}

function outSize(c: ConvCase): number {
  return tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations ?? 1).size);
}


/** Runs the case on wasm (native kernels) and cpu; every output must agree and each native mode must run. */
async function expectMatchesCpu(c: ConvCase, withGrads = true): Promise<void> {
  const xv = randomValues(c.x.reduce((a, b) => a * b, 1), seed++);
  const wv = randomValues(c.filter.reduce((a, b) => a * b, 1), seed++);
  await tf.setBackend('wasm');
  const rv = withGrads ? randomValues(outSize(c), seed++) : null;
  const spy = jest.spyOn(addon as NativeAddon, 'conv2d');
  let wasm: Float32Array[];
  try {
    wasm = convWithGrads(c, xv, wv, rv);
    const modes = new Set(spy.mock.calls.map((call) => call[1]));
    expect([...modes].sort()).toEqual(withGrads ? [0, 1, 2] : [0]);
  } finally {
    spy.mockRestore();
  }
  await tf.setBackend('cpu');
  const cpu = convWithGrads(c, xv, wv, rv);
  await tf.setBackend('wasm');
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((values, i) => expect(relativeMaxDiff(values, cpu[i])).toBeLessThan(1e-4));
}

describeNative(title, () => {
  beforeAll(async () => {
    expect(await initBackend({ prefer: 'wasm', quiet: true })).toBe('wasm');
    expect(installNativeKernels()).toBe(true);
    // The cpu reference's own filter gradient is ~100× slower than its Conv2D; the Conv2D rewrite (checked against
    // it in tfBackend.test.ts) keeps this file fast.
    installConv2DBackpropFilter('cpu');
  });

  const cases: ConvCase[] = [];
  for (const strides of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const k of [1, 2, 3]) {
        cases.push({ x: [2, 7, 9, 3], filter: [k, k, 3, 5], strides, pad });
      }
    }
  }
  it.each(cases.map((c) => [`x [${c.x}] filter [${c.filter}] stride ${c.strides} ${c.pad}`, c] as const))('%s', async (_name, c) => {
    await expectMatchesCpu(c);
  });

  it('non-square kernel, mixed strides, explicit asymmetric padding', async () => {
    await expectMatchesCpu({ x: [3, 8, 7, 4], filter: [3, 2, 4, 6], strides: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] });
    await expectMatchesCpu({ x: [1, 10, 10, 2], filter: [4, 4, 2, 3], strides: 2, pad: 'same' });
  });

  it('shapes cut into several im2col chunks (the filter gradient sums chunks)', async () => {
    // Kd = 3·3·64 = 576 columns: 455 rows per chunk; M = 2·16·16 = 512 rows, and 2·12·12 = 288 for 2×2 chunks of 96+.
    await expectMatchesCpu({ x: [2, 16, 16, 64], filter: [3, 3, 64, 4], strides: 1, pad: 'same' });
    await expectMatchesCpu({ x: [2, 32, 32, 64], filter: [3, 3, 64, 3], strides: 2, pad: 'same' });
  });

  it('the pointwise (1×1, stride 1) shortcut and a U-Net-like first layer (1 input channel)', async () => {
    await expectMatchesCpu({ x: [3, 14, 14, 24], filter: [1, 1, 24, 40], strides: 1, pad: 'valid' });
    await expectMatchesCpu({ x: [2, 28, 28, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' });
  });

  it('dilated forward conv', async () => {
    await expectMatchesCpu({ x: [2, 11, 11, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same', dilations: 2 }, false);
  });

  it('with the native convs off, the previous kernels run and agree', async () => {
    installNativeKernels({ conv: false });
    const spy = jest.spyOn(addon as NativeAddon, 'conv2d');
    try {
      const c: ConvCase = { x: [2, 6, 6, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' };
      const xv = randomValues(2 * 6 * 6 * 3, 1);
      const wv = randomValues(3 * 3 * 3 * 4, 2);
      const rv = randomValues(2 * 6 * 6 * 4, 3);
      const fallback = convWithGrads(c, xv, wv, rv);
      expect(spy).not.toHaveBeenCalled();
      installNativeKernels({ conv: true });
      const native = convWithGrads(c, xv, wv, rv);
      expect(spy).toHaveBeenCalled();
      native.forEach((values, i) => expect(relativeMaxDiff(values, fallback[i])).toBeLessThan(1e-4));
    } finally {
      spy.mockRestore();
      installNativeKernels({ conv: true });
    }
  });

  it('leaves no buffers behind', () => {
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    convWithGrads({ x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' }, randomValues(486, 9), randomValues(108, 10), randomValues(2 * 5 * 5 * 4, 11));
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
  });

  it('refuses operands outside the heap and bad geometry', () => {
    const heap = new ArrayBuffer(1024);
    const geometry = Float64Array.from([1, 4, 4, 1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1]);
    expect(() => (addon as NativeAddon).conv2d(heap, 0, 0, 64, 2000, geometry)).toThrow(/outside the heap/);
    expect(() => (addon as NativeAddon).conv2d(heap, 3, 0, 64, 128, geometry)).toThrow(/unknown mode/);
    const badStride = Float64Array.from(geometry);
    badStride[9] = 0;
    expect(() => (addon as NativeAddon).conv2d(heap, 0, 0, 64, 128, badStride)).toThrow(/strides/);
    expect(() => (addon as NativeAddon).conv2d(heap, 0, 0, 64, 128, new Float64Array(3))).toThrow(/Float64Array of 15/);
    // In range: a 4×4 image, 3×3 filter of ones, same padding → neighbourhood sums.
    const f = new Float32Array(heap);
    f.fill(0);
    f.fill(1, 0, 16);
    f.fill(1, 16, 25);
    (addon as NativeAddon).conv2d(heap, 0, 0, 64, 128, geometry);
    expect(Array.from(f.subarray(32, 48))).toEqual([4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4]);
  });
});
