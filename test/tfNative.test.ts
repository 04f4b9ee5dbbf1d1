/**
 * The native matmul kernels (native/, shared/tf/native/matmul.ts) checked against the pure-JS cpu backend on random
 * inputs: all four transposes, odd sizes, batched and broadcast batches, fused bias + activations, gradients of a
 * small MLP loss, every compiled GEMM variant this CPU can run, 2 threads, wasm memory growth, and the addon's own
 * range checks. When the addon is not built (no compiler at install time) or SHAREBOX_TF_NATIVE=0, the suite is
 * skipped and its title says why.
 */
import { initBackend, installedWasmFixes, installWasmFixes, tf } from '../shared/tf';
import { isNativeKernelsInstalled } from '../shared/tf/native/install';
import { loadNativeAddon, nativeAddonUnavailableReason, nativeDisabledByEnv, NATIVE_THREADS_ENV_VAR, NativeAddon } from '../shared/tf/native/load';
import { randomValues } from './helpers/randomValues';
import { relativeMaxDiff } from './helpers/relativeMaxDiff';

type Tensor = tf.Tensor;

const addon = loadNativeAddon();
const describeNative = addon !== null ? describe : describe.skip;
const spyKernels = ['matmul', 'binary', 'unary', 'sum', 'adam'] as const;
const suiteTitle =
  addon !== null
    ? 'native matmul kernels vs the cpu backend'
    : `native matmul kernels: SKIPPED, addon unavailable (${nativeAddonUnavailableReason()}); run \`node native/build.js\``;

interface InputSpec {
  shape: number[];
  values: Float32Array;
}

let nextSeed = 1000;
function input(shape: number[]): InputSpec {
  return { shape, values: randomValues(shape.reduce((p, d) => p * d, 1), nextSeed++) };
}

async function runOn(backendName: string, specs: InputSpec[], compute: (...xs: Tensor[]) => Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backendName);
  const outputs = tf.tidy(() => compute(...specs.map((s) => tf.tensor(s.values, s.shape))));
  const values = outputs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outputs);
  return values;
}


const TOLERANCE = 1e-4;

/** Runs `compute` on wasm (native kernels) and on cpu; expects every output to agree and the addon to be called. */
async function expectNativeMatchesCpu(
  specs: InputSpec[],
  compute: (...xs: Tensor[]) => Tensor[],
  reference: (...xs: Tensor[]) => Tensor[] = compute,
  expectNativeCalls = true,
): Promise<void> {
  const spy = jest.spyOn(addon as NativeAddon, 'matmul');
  let wasm: Float32Array[];
  try {
    wasm = await runOn('wasm', specs, compute);
    if (expectNativeCalls) expect(spy).toHaveBeenCalled();
  } finally {
    spy.mockRestore();
  }
  // (spyKernels lists the addon's entry points; the element-wise tests spy on theirs.)
  const cpu = await runOn('cpu', specs, reference);
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((v, i) => expect(relativeMaxDiff(v, cpu[i])).toBeLessThan(TOLERANCE));
}

function stored(batch: number[], rows: number, cols: number, transposed: boolean): number[] {
  return transposed ? [...batch, cols, rows] : [...batch, rows, cols];
}

const TRANSPOSES: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** [M, K, N]: odd sizes around the register tiles (6×16, 12×32, 6×8), the 256-deep and 2048-wide blocks. */
const ODD_SIZES: Array<[number, number, number]> = [
  [1, 1, 1],
  [7, 33, 1],
  [1, 257, 33],
  [33, 7, 257],
  [257, 33, 7],
  [33, 257, 33],
  [3, 5, 2100], // more columns than one 2048-wide block
];

/** A matmul variant for the fused cases: value of act(op(a)·op(b) + bias). */
function fused(tA: boolean, tB: boolean, activation: tf.fused.Activation, alpha?: number) {
  return (a: Tensor, b: Tensor, bias?: Tensor, prelu?: Tensor): Tensor =>
    tf.fused.matMul({ a, b, bias, transposeA: tA, transposeB: tB, activation, preluActivationWeights: prelu, leakyreluAlpha: alpha });
}

/**
 * The compiled GEMM variants: 'best' (what runs by default), the AVX2+FMA and AVX-512 ones, the 128-bit generic
 * fallback, and 'wide16' (the AVX-512 tile shape compiled for AVX2, so its blocking is tested on any x86 CPU).
 */
const VARIANTS = ['best', 'avx512', 'avx2', 'generic', 'wide16'] as const;
const runnable = (v: (typeof VARIANTS)[number]): boolean => {
  const ok = addon?.setVariant(v) ?? false;
  addon?.setVariant('best');
  return ok;
};
const RUNNABLE_VARIANTS = VARIANTS.filter(runnable);
const UNRUNNABLE_VARIANTS = VARIANTS.filter((v) => !runnable(v));

describeNative(suiteTitle, () => {
  const nativeAddon = addon as NativeAddon;
  const defaultThreads = (): number => Number(process.env[NATIVE_THREADS_ENV_VAR] ?? '1') || 1;

  beforeAll(async () => {
    expect(await initBackend({ prefer: 'wasm', quiet: true })).toBe('wasm');
    await tf.setBackend('cpu');
    await tf.setBackend('wasm');
    expect(isNativeKernelsInstalled()).toBe(true);
  });

  afterEach(() => {
    nativeAddon.setVariant('best');
    nativeAddon.setThreads(defaultThreads());
  });

  it('is installed and named by describeBackend', async () => {
    const { describeBackend } = await import('../shared/tf');
    await tf.setBackend('wasm');
    expect(describeBackend()).toMatch(/native kernels \(matmul \S+/);
    const info = nativeAddon.info();
    expect(info.threads).toBeGreaterThanOrEqual(1);
    if (info.cpu.avx512f) expect(info.variant).toBe('AVX-512');
    else if (info.cpu.avx2 && info.cpu.fma) expect(info.variant).toBe('AVX2+FMA');
  });

  for (const variant of UNRUNNABLE_VARIANTS) {
    it(`GEMM variant ${variant}: this CPU cannot run it (not tested here)`, () => {
      expect(nativeAddon.setVariant(variant)).toBe(false);
    });
  }

  describe.each(RUNNABLE_VARIANTS.length > 0 ? RUNNABLE_VARIANTS : (['best'] as const))('GEMM variant %s', (variant) => {
    it.each(TRANSPOSES)('odd sizes, transposeA=%s transposeB=%s', async (tA, tB) => {
      expect(nativeAddon.setVariant(variant)).toBe(true);
      for (const [m, k, n] of ODD_SIZES) {
        const a = input(stored([], m, k, tA));
        const b = input(stored([], k, n, tB));
        await expectNativeMatchesCpu([a, b], (x, y) => [tf.matMul(x, y, tA, tB)]);
      }
    });

    it('fused bias + relu on the tile edges', async () => {
      expect(nativeAddon.setVariant(variant)).toBe(true);
      for (const [tA, tB] of TRANSPOSES) {
        const a = input(stored([], 37, 19, tA));
        const b = input(stored([], 19, 45, tB));
        const bias = input([45]);
        await expectNativeMatchesCpu([a, b, bias], (x, y, z) => [fused(tA, tB, 'relu')(x, y, z)]);
      }
    });
  });

  it('2 threads: split by rows and by columns', async () => {
    expect(nativeAddon.setThreads(2)).toBe(2);
    // Above the 2^20 multiply-adds below which one thread runs; 257 × 33 splits rows, 33 × 257 columns.
    for (const [m, k, n] of [
      [257, 257, 33],
      [33, 257, 257],
      [130, 300, 70],
    ]) {
      for (const [tA, tB] of TRANSPOSES) {
        const a = input(stored([], m, k, tA));
        const b = input(stored([], k, n, tB));
        const bias = input([n]);
        await expectNativeMatchesCpu([a, b, bias], (x, y, z) => [fused(tA, tB, 'relu')(x, y, z), tf.matMul(x, y, tA, tB)]);
      }
    }
  });

  describe('batches', () => {
    const batchCases: Array<[string, number[], number[]]> = [
      ['batch 3 × batch 3', [3], [3]],
      ['batch 3 × shared b', [3], []],
      ['shared a × batch 3', [], [3]],
      ['batch 1 × batch 3', [1], [3]],
      ['batch [2,3] × batch [2,3]', [2, 3], [2, 3]],
    ];
    it.each(batchCases)('%s, every transpose: value and gradients', async (_, batchA, batchB) => {
      for (const [tA, tB] of TRANSPOSES) {
        const a = input(stored(batchA, 9, 70, tA));
        const b = input(stored(batchB, 70, 7, tB));
        const f = (x: Tensor, y: Tensor): Tensor => tf.matMul(x, y, tA, tB);
        const outShape = tf.tidy(() => f(tf.zeros(a.shape), tf.zeros(b.shape)).shape);
        const w = input(outShape);
        const compute = (x: Tensor, y: Tensor, wt: Tensor): Tensor[] => [
          f(x, y),
          ...tf.grads((p: Tensor, q: Tensor) => tf.sum(tf.mul(f(p, q), wt)))([x, y]),
        ];
        await expectNativeMatchesCpu([a, b, w], compute);
      }
    });

    it('broadcasts leading dims [2,1] × [1,3] like numpy', async () => {
      const a = input([2, 1, 5, 70]);
      const b = input([1, 3, 70, 4]);
      // The cpu kernel mis-broadcasts this case: the reference broadcasts explicitly first.
      await expectNativeMatchesCpu(
        [a, b],
        (x, y) => [tf.matMul(x, y)],
        (x, y) => [tf.matMul(tf.broadcastTo(x, [2, 3, 5, 70]), tf.broadcastTo(y, [2, 3, 70, 4]))],
      );
    });
  });

  describe('fused matMul', () => {
    const activations: Array<[tf.fused.Activation, number | undefined]> = [
      ['linear', undefined],
      ['relu', undefined],
      ['relu6', undefined],
      ['leakyrelu', 0.3],
      ['sigmoid', undefined],
      ['elu', undefined],
    ];
    it.each(activations)('%s with a bias of shape [N] and [1, N], every transpose', async (activation, alpha) => {
      for (const [tA, tB] of TRANSPOSES) {
        const a = input(stored([], 13, 21, tA));
        const b = input(stored([], 21, 17, tB));
        // Scaled so relu6's upper clamp is reached too.
        const bias = { shape: [17], values: input([17]).values.map((v) => v * 8) };
        const bias2d = { shape: [1, 17], values: bias.values };
        await expectNativeMatchesCpu([a, b, bias, bias2d], (x, y, z, z2) => [
          fused(tA, tB, activation, alpha)(tf.mul(x, 2), y, z),
          fused(tA, tB, activation, alpha)(x, y, z2),
          fused(tA, tB, activation, alpha)(x, y),
        ]);
      }
    });

    it('prelu, and bias shapes other than [N] (applied after the native product)', async () => {
      const a = input([13, 21]);
      const b = input([17, 21]);
      const bias = input([13, 17]);
      const scalarBias = input([1]);
      const prelu = input([17]);
      await expectNativeMatchesCpu([a, b, bias, scalarBias, prelu], (x, y, z, z1, p) => [
        fused(false, true, 'relu')(x, y, z),
        fused(false, true, 'sigmoid')(x, y, z1),
        fused(false, true, 'prelu')(x, y, undefined, p),
        fused(true, false, 'prelu')(tf.transpose(x), tf.transpose(y), tf.slice(z, [0, 0], [1, 17]), p),
      ]);
    });

    it('batched with a bias, and a zero-sized inner dimension', async () => {
      const a = input([3, 13, 21]);
      const b = input([21, 17]);
      const bias = input([17]);
      await expectNativeMatchesCpu([a, b, bias], (x, y, z) => [
        fused(false, false, 'relu')(x, y, z),
        fused(true, false, 'elu')(tf.zeros([0, 5]), tf.zeros([0, 17]), z),
        tf.matMul(tf.zeros([4, 0]), tf.zeros([0, 6])),
        tf.matMul(tf.zeros([0, 3]), tf.zeros([3, 6])),
      ]);
    });
  });

  describe('element-wise kernels, Sum, Cast, Identity', () => {
    /** Runs on wasm and cpu, expecting `entry` of the addon to be called `calls` times (or at least once). */
    async function expectElementwise(entry: (typeof spyKernels)[number], specs: InputSpec[], compute: (...xs: Tensor[]) => Tensor[], exact = false): Promise<void> {
      const spy = jest.spyOn(addon as NativeAddon, entry);
      let wasm: Float32Array[];
      try {
        wasm = await runOn('wasm', specs, compute);
        expect(spy).toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
      const cpu = await runOn('cpu', specs, compute);
      wasm.forEach((v, i) => {
        if (exact) expect(Array.from(v)).toEqual(Array.from(cpu[i]));
        else expect(relativeMaxDiff(v, cpu[i])).toBeLessThan(1e-6);
      });
    }

    const binaryOps: Array<[string, (a: Tensor, b: Tensor) => Tensor]> = [
      ['add', tf.add],
      ['sub', tf.sub],
      ['mul', tf.mul],
      ['div', tf.div],
      ['squaredDifference', tf.squaredDifference],
    ];
    it.each(binaryOps)('%s: same shape, scalar either side, a row either side, [1, N] rows', async (name, op) => {
      const x = input([7, 33]);
      const y = input([7, 33]);
      const row = input([33]);
      const row2 = input([1, 33]);
      const scalar = input([]);
      await expectElementwise(
        'binary',
        [x, y, row, row2, scalar],
        (a, b, r, r2, c) => [op(a, b), op(a, c), op(c, a), op(a, r), op(r, a), op(a, r2), op(r2, b), op(tf.reshape(a, [7, 1, 33]), r)],
        // Bit for bit, but the cpu backend squares the difference in double precision before rounding.
        name !== 'squaredDifference',
      );
    });

    it('other broadcasts and int32 go to the wasm kernels, and stay correct', async () => {
      const x = input([7, 33]);
      const column = input([7, 1]);
      await runOn('wasm', [], () => []);
      const spy = jest.spyOn(addon as NativeAddon, 'binary');
      try {
        const values = await runOn('wasm', [x, column], (a, c) => [tf.mul(a, c), tf.cast(tf.add(tf.cast(a, 'int32'), tf.cast(a, 'int32')), 'float32')]);
        expect(spy).not.toHaveBeenCalled();
        const cpu = await runOn('cpu', [x, column], (a, c) => [tf.mul(a, c), tf.cast(tf.add(tf.cast(a, 'int32'), tf.cast(a, 'int32')), 'float32')]);
        values.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(cpu[i])));
      } finally {
        spy.mockRestore();
      }
    });

    it('unary ops, NaN and signed zeros included', async () => {
      const special = { shape: [9], values: new Float32Array([NaN, -0, 0, -1, 1, -2.5, 1e-30, -1e30, Infinity]) };
      const x = input([5, 37]);
      const compute = (s: Tensor, a: Tensor): Tensor[] => [
        ...[s, a].flatMap((t) => [tf.sqrt(tf.abs(t)), tf.square(t), tf.relu(t), tf.step(t), tf.step(t, 0.25), tf.neg(t), tf.abs(t)]),
      ];
      await expectElementwise('unary', [special, x], compute, true);
    });

    it.each([
      ['axis 0 of [7, 33]', [7, 33], 0, false],
      ['axis -1 of [7, 33], keepDims', [7, 33], -1, true],
      ['all axes of [3, 4, 5]', [3, 4, 5], undefined, false],
      ['axes [0, 1] of [3, 4, 5]', [3, 4, 5], [0, 1], true],
      ['axes [1, 2] of [3, 4, 5]', [3, 4, 5], [1, 2], false],
      ['axis 0 of [257, 3]', [257, 3], 0, false],
    ] as Array<[string, number[], number | number[] | undefined, boolean]>)('sum over %s', async (_, shape, axis, keepDims) => {
      await expectElementwise('sum', [input(shape)], (x) => [tf.sum(x, axis, keepDims)]);
    });

    it('sum over a middle axis goes to the wasm kernel and stays correct', async () => {
      const x = input([3, 4, 5]);
      const values = await runOn('wasm', [x], (t) => [tf.sum(t, 1)]);
      const cpu = await runOn('cpu', [x], (t) => [tf.sum(t, 1)]);
      expect(relativeMaxDiff(values[0], cpu[0])).toBeLessThan(1e-6);
    });

    it('Identity and same-dtype Cast share the buffer and free it with the last reference', async () => {
      await tf.setBackend('wasm');
      const backend = tf.backend();
      const x = tf.tensor(input([4, 5]).values, [4, 5]);
      const buffers = backend.numDataIds();
      const copy = tf.engine().runKernel('Identity', { x }) as Tensor;
      const cast = tf.cast(x, 'float32');
      expect(backend.numDataIds()).toBe(buffers);
      x.dispose();
      expect(Array.from(copy.dataSync())).toEqual(Array.from(cast.dataSync()));
      copy.dispose();
      cast.dispose();
      expect(backend.numDataIds()).toBe(buffers - 1);
    });

    it('fused Adam takes the same steps as the stock tfjs Adam on cpu', async () => {
      const x = input([32, 11]);
      const y = input([32, 5]);
      const w1 = input([11, 33]);
      const b1 = input([33]);
      const w2 = input([33, 5]);
      const train = (xt: Tensor, yt: Tensor, ...init: Tensor[]): Tensor[] => {
        const vars = init.map((t) => tf.variable(t));
        const optimizer = tf.train.adam(0.01, 0.8, 0.95, 1e-6);
        const losses: Tensor[] = [];
        for (let i = 0; i < 6; i++) {
          losses.push(
            optimizer.minimize(() => {
              const h = tf.relu(tf.add(tf.matMul(xt, vars[0]), vars[1]));
              return tf.mean(tf.square(tf.sub(tf.matMul(h, vars[2]), yt))) as tf.Scalar;
            }, true) as Tensor,
          );
          if (i === 2) (optimizer as unknown as { learningRate: number }).learningRate = 0.003; // as a schedule does
        }
        const state = optimizer as unknown as Record<'accumulatedFirstMoment' | 'accumulatedSecondMoment', Array<{ variable: Tensor }>>;
        const moments = [...state.accumulatedFirstMoment, ...state.accumulatedSecondMoment].map((m) => m.variable.clone());
        const result = [tf.stack(losses), ...vars.map((v) => v.clone())];
        optimizer.dispose();
        vars.forEach((v) => v.dispose());
        return [...result, ...moments];
      };
      await expectElementwise('adam', [x, y, w1, b1, w2], train);
    });
  });

  it('gradients of a small MLP loss (fused dense layers, Adam-free)', async () => {
    const x = input([32, 11]);
    const y = input([32, 5]);
    const w1 = input([11, 33]);
    const b1 = input([33]);
    const w2 = input([33, 33]);
    const b2 = input([33]);
    const w3 = input([33, 5]);
    const b3 = input([5]);
    const loss = (xt: Tensor, yt: Tensor, ...p: Tensor[]): Tensor => {
      const h1 = tf.fused.matMul({ a: xt, b: p[0], bias: p[1], activation: 'relu' });
      const h2 = tf.fused.matMul({ a: h1, b: p[2], bias: p[3], activation: 'relu' });
      const out = tf.fused.matMul({ a: h2, b: p[4], bias: p[5] });
      return tf.mean(tf.square(tf.sub(out, yt)));
    };
    await expectNativeMatchesCpu([x, y, w1, b1, w2, b2, w3, b3], (xt, yt, ...p) => {
      const { value, grads } = tf.valueAndGrads((...q: Tensor[]) => loss(xt, yt, ...q))(p);
      return [value, ...grads];
    });
  });

  it('a tf.layers model takes the same training steps as on cpu', async () => {
    const x = input([64, 20]);
    const y = input([64, 6]);
    const train = (xt: Tensor, yt: Tensor): Tensor[] => {
      const model = tf.sequential();
      model.add(tf.layers.dense({ units: 40, activation: 'relu', inputShape: [20], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
      model.add(tf.layers.dense({ units: 6, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
      const optimizer = tf.train.sgd(0.05);
      const losses: Tensor[] = [];
      for (let i = 0; i < 5; i++) {
        losses.push(optimizer.minimize(() => tf.losses.meanSquaredError(yt, model.apply(xt) as Tensor) as tf.Scalar, true) as Tensor);
      }
      const weights = model.getWeights().map((w) => w.clone());
      optimizer.dispose();
      model.dispose();
      return [tf.stack(losses), ...weights];
    };
    await expectNativeMatchesCpu([x, y], train);
  });

  it('reads the heap afresh after the wasm memory grows', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
    const a = tf.tensor(input([40, 30]).values, [40, 30]);
    const b = tf.tensor(input([30, 20]).values, [30, 20]);
    const before = tf.matMul(a, b);
    const heapBefore = backend.wasm.HEAPU8.buffer;
    // Larger than the whole heap: the next allocation must grow the memory (and detach the old buffer).
    const big = tf.zeros([Math.ceil(backend.wasm.HEAPU8.length / 4) + 1024]);
    const after = tf.matMul(a, b);
    expect(backend.wasm.HEAPU8.buffer).not.toBe(heapBefore);
    expect(relativeMaxDiff(after.dataSync() as Float32Array, before.dataSync() as Float32Array)).toBe(0);
    tf.dispose([a, b, before, big, after]);
  });

  it('leaves no buffers behind', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const a = tf.randomNormal([3, 9, 17]);
    const b = tf.randomNormal([17, 5]);
    const bias = tf.randomNormal([5]);
    const run = (): void =>
      tf.tidy(() => {
        tf.matMul(a, b);
        tf.fused.matMul({ a, b, bias, activation: 'relu' });
        tf.grads((p: Tensor, q: Tensor) => tf.sum(tf.matMul(p, q, true, false)))([tf.reshape(a, [27, 17]), tf.randomNormal([27, 4])]);
      });
    run();
    const buffers = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(backend.numDataIds()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([a, b, bias]);
  });

  it('refuses ranges outside the heap instead of touching them', () => {
    const heap = new ArrayBuffer(256);
    const idx = new Int32Array([0, 20]);
    // a: 4×4 at 0, b: 4×4 at 64, c: 4×4 at 128 fit; anything past 256 bytes must throw.
    expect(() => nativeAddon.matmul(heap, 0, 64, 128, null, null, 1, 4, 4, 4, false, false, -1, 0, 0)).not.toThrow();
    expect(() => nativeAddon.matmul(heap, 0, 64, 200, null, null, 1, 4, 4, 4, false, false, -1, 0, 0)).toThrow(/outside the heap/);
    expect(() => nativeAddon.matmul(heap, 0, 64, 128, idx, null, 2, 2, 2, 2, false, false, -1, 0, 0)).toThrow(/outside the heap/);
    expect(() => nativeAddon.matmul(heap, 0, 64, 128, null, null, 1, 4, 4, 4, false, false, 250, 0, 0)).toThrow(/bias lies outside/);
    expect(() => nativeAddon.matmul(heap, 2, 64, 128, null, null, 1, 4, 4, 4, false, false, -1, 0, 0)).toThrow(/multiples of 4/);
    expect(() => nativeAddon.matmul(heap, 0, 64, 128, null, null, 1, 4, 4, 4, false, false, -1, 9, 0)).toThrow(/activation/);
  });

  it('refuses malformed arguments (typed arrays, counts, the heap), naming the kernel and the argument', () => {
    const heap = new ArrayBuffer(1024);
    const asAny = nativeAddon as unknown as Record<string, (...args: unknown[]) => void>;
    // matmul's batch index: an Int32Array of `batch` entries.
    expect(() => asAny.matmul(heap, 0, 64, 128, new Float32Array([0, 0]), null, 2, 2, 2, 2, false, false, -1, 0, 0)).toThrow(/batch index must be an Int32Array/);
    expect(() => asAny.matmul(heap, 0, 64, 128, new Int32Array([0]), null, 2, 2, 2, 2, false, false, -1, 0, 0)).toThrow(/batch index length 1 != batch 2/);
    // adam's constants: a Float32Array of 8.
    expect(() => asAny.adam(heap, 0, 16, 32, 48, 64, 80, 96, 4, new Float64Array(8))).toThrow(/adam: constants must be a Float32Array of 8/);
    expect(() => asAny.adam(heap, 0, 16, 32, 48, 64, 80, 96, 4, new Float32Array(7))).toThrow(/adam: constants must be a Float32Array of 8/);
    // groupNorm's offsets: a Float64Array of 8.
    expect(() => asAny.groupNorm(heap, false, new Float32Array(8), 1, 4, 4, 2, 1e-5)).toThrow(/groupNorm: offsets must be a Float64Array of 8/);
    // concat / split: 1 to 4096 offsets, and inners as long as them.
    expect(() => asAny.concat(heap, new Float64Array(0), new Float64Array(0), 1, 0)).toThrow(/concat: offsets must be a Float64Array of 1 to 4096/);
    expect(() => asAny.concat(heap, new Float64Array([0, 16]), new Float64Array([4]), 1, 64)).toThrow(/concat: inners must be a Float64Array as long as offsets/);
    expect(() => asAny.split(heap, 0, 1, new Int32Array([0]), new Float64Array([4]))).toThrow(/split: offsets must be a Float64Array of 1 to 4096/);
    // Argument counts and the heap, read the same way by every kernel.
    expect(() => asAny.binary(heap, 0, 0, 4)).toThrow(/binary: expected 8 arguments/);
    expect(() => asAny.groupNorm(heap, false, new Float64Array(8), 1, 4, 4, 2)).toThrow(/groupNorm: expected 8 or 9 arguments/);
    expect(() => asAny.concat(new Float32Array(256), new Float64Array([0]), new Float64Array([4]), 1, 64)).toThrow(/concat: heap must be an ArrayBuffer/);
    // The well-formed calls go through.
    expect(() => asAny.concat(heap, new Float64Array([0, 16]), new Float64Array([4, 4]), 1, 64)).not.toThrow();
    expect(() => asAny.split(heap, 64, 1, new Float64Array([0, 16]), new Float64Array([4, 4]))).not.toThrow();
  });
});

describe('native kernels switch', () => {
  it('SHAREBOX_TF_NATIVE=0 disables the addon', () => {
    expect(nativeDisabledByEnv({ SHAREBOX_TF_NATIVE: '0' })).toBe(true);
    expect(nativeDisabledByEnv({ SHAREBOX_TF_NATIVE: '1' })).toBe(false);
    expect(nativeDisabledByEnv({})).toBe(false);
  });

  (addon !== null ? it : it.skip)('installWasmFixes({ native: false }) leaves the fixed wasm kernels, true puts native back', async () => {
    await initBackend({ prefer: 'wasm', quiet: true });
    await tf.setBackend('wasm');
    const spy = jest.spyOn(addon as NativeAddon, 'matmul');
    try {
      installWasmFixes({ native: false });
      expect(isNativeKernelsInstalled()).toBe(false);
      expect(installedWasmFixes().join()).not.toMatch(/native/);
      tf.tidy(() => tf.matMul(tf.ones([4, 3]), tf.ones([3, 2])).dataSync());
      expect(spy).not.toHaveBeenCalled();
      installWasmFixes({ native: true });
      expect(isNativeKernelsInstalled()).toBe(true);
      const product = tf.tidy(() => Array.from(tf.matMul(tf.ones([4, 3]), tf.ones([3, 2])).dataSync()));
      expect(spy).toHaveBeenCalledTimes(1);
      expect(product).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    } finally {
      spy.mockRestore();
      installWasmFixes();
    }
  });
});
