/**
 * The wasm kernel fixes (shared/tf, stack.md §3) checked against the pure-JS cpu backend on random inputs:
 * forward values and gradients of matMul (all transposes, batched, fused with bias and activations) and of conv2d.
 * stack.md §5: "compare every gradient you rely on against a second backend on random inputs".
 */
import { BACKEND_NAMES, backendOrder, describeBackend, initBackend, installedWasmFixes, tf } from '../shared/tf';
import { installConv2DBackpropFilter, uninstallConv2DBackpropFilter } from '../shared/tf/conv2dBackpropFilter';
import { randomValues } from './helpers/randomValues';
import { relativeMaxDiff } from './helpers/relativeMaxDiff';

type Tensor = tf.Tensor;

/** A random input spec: created afresh on whichever backend is active. */
interface InputSpec {
  shape: number[];
  values: Float32Array;
}

let nextSeed = 1;
function input(shape: number[]): InputSpec {
  const size = shape.reduce((p, d) => p * d, 1);
  return { shape, values: randomValues(size, nextSeed++) };
}

/** Runs `compute` on `backendName` with its inputs created there, returning the outputs' values. */
async function runOn(
  backendName: string,
  specs: InputSpec[],
  compute: (...xs: Tensor[]) => Tensor[],
): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  await tf.setBackend(backendName);
  const outputs = tf.tidy(() => compute(...specs.map((s) => tf.tensor(s.values, s.shape))));
  const values = outputs.map((t) => t.dataSync() as Float32Array);
  const shapes = outputs.map((t) => t.shape);
  tf.dispose(outputs);
  return { values, shapes };
}


const TOLERANCE = 1e-4;

/** Computes on wasm (fixed) and cpu (reference) and expects every output to agree. */
async function expectWasmMatchesCpu(specs: InputSpec[], compute: (...xs: Tensor[]) => Tensor[]): Promise<void> {
  const wasm = await runOn('wasm', specs, compute);
  const cpu = await runOn('cpu', specs, compute);
  expect(wasm.shapes).toEqual(cpu.shapes);
  const diffs = wasm.values.map((v, i) => relativeMaxDiff(v, cpu.values[i]));
  for (const d of diffs) expect(d).toBeLessThan(TOLERANCE);
}

/** Shape of f's output for inputs of these shapes (computed on zeros). */
function outputShape(f: (...xs: Tensor[]) => Tensor, specs: InputSpec[]): number[] {
  return tf.tidy(() => f(...specs.map((s) => tf.zeros(s.shape))).shape);
}

/** Value and gradients wrt every input of sum(f(xs) ⊙ w) for a random w (so dy is not all ones). */
function valueAndGrads(f: (...xs: Tensor[]) => Tensor, dyWeights: InputSpec): (...xs: Tensor[]) => Tensor[] {
  return (...xs) => {
    const w = tf.tensor(dyWeights.values, dyWeights.shape);
    const y = f(...xs);
    const grads = tf.grads((...ys: Tensor[]) => tf.sum(tf.mul(f(...ys), w)))(xs);
    return [y, ...grads];
  };
}

beforeAll(async () => {
  const name = await initBackend({ prefer: 'wasm', quiet: true });
  expect(name).toBe('wasm');
  await tf.setBackend('cpu'); // initialise the reference backend too
  await tf.setBackend('wasm');
});

describe('initBackend', () => {
  it('selects wasm with the fixes, and is idempotent', async () => {
    expect(await initBackend({ prefer: 'cpu' })).toBe('wasm');
    await tf.setBackend('wasm');
    expect(describeBackend()).toMatch(/^wasm \(SIMD, 1 thread, matmul fix, conv-filter-grad fix/);
    expect(installedWasmFixes()).toEqual(expect.arrayContaining(['matmul fix', 'conv-filter-grad fix']));
  });

  it('orders backends: prefer, else SHAREBOX_TF_BACKEND, else tensorflow → wasm → cpu', () => {
    expect(backendOrder(undefined, undefined).order).toEqual([...BACKEND_NAMES]);
    expect(backendOrder(undefined, 'cpu').order).toEqual(['cpu', 'tensorflow', 'wasm']);
    expect(backendOrder('wasm', 'cpu').order).toEqual(['wasm', 'tensorflow', 'cpu']);
    expect(() => backendOrder(undefined, 'gpu')).toThrow(/SHAREBOX_TF_BACKEND='gpu'/);
  });

  it('drops only the tfjs-node banner from console.warn', () => {
    jest.isolateModules(() => {
      const original = console.warn;
      const fakeWarn = jest.fn();
      console.warn = fakeWarn;
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { suppressTfjsNodeBanner } = require('../shared/tf/quietConsole');
        suppressTfjsNodeBanner();
        console.warn(
          '\n============================\nHi, looks like you are running TensorFlow.js in Node.js. To speed things ' +
            'up dramatically, install our node backend, visit https://github.com/tensorflow/tfjs-node for more details. ' +
            '\n============================',
        );
        console.warn('something else');
      } finally {
        console.warn = original;
      }
      expect(fakeWarn).toHaveBeenCalledTimes(1);
      expect(fakeWarn).toHaveBeenCalledWith('something else');
    });
  });
});

// 70 > 48: the stock slow path works in 48-wide blocks of the inner dimension; its bias bug shows only then.
const M = 33;
const K = 70;
const N = 21;
const TRANSPOSES: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** Shape an operand is stored in for `matMul(…, transpose)`: the last two dims swapped when transposed. */
function stored(batch: number[], rows: number, cols: number, transposed: boolean): number[] {
  return transposed ? [...batch, cols, rows] : [...batch, rows, cols];
}

describe('matMul on wasm (fixed) vs cpu', () => {
  it.each(TRANSPOSES)('rank 2, transposeA=%s transposeB=%s: value and gradients', async (tA, tB) => {
    const a = input(stored([], M, K, tA));
    const b = input(stored([], K, N, tB));
    const f = (x: Tensor, y: Tensor) => tf.matMul(x, y, tA, tB);
    await expectWasmMatchesCpu([a, b], valueAndGrads(f, input([M, N])));
  });

  const batchCases: Array<[string, number[], number[]]> = [
    ['batch 1 × batch 1', [1], [1]],
    ['batch 3 × batch 3', [3], [3]],
    ['batch 3 × shared b', [3], []],
    ['shared a × batch 3', [], [3]],
    ['batch 1 × batch 3', [1], [3]],
  ];
  for (const [tA, tB] of TRANSPOSES) {
    it.each(batchCases)(`%s, transposeA=${tA} transposeB=${tB}: value and gradients`, async (_, batchA, batchB) => {
      const a = input(stored(batchA, 9, K, tA));
      const b = input(stored(batchB, K, 7, tB));
      const f = (x: Tensor, y: Tensor) => tf.matMul(x, y, tA, tB);
      await expectWasmMatchesCpu([a, b], valueAndGrads(f, input(outputShape(f, [a, b]))));
    });
  }

  it('gradient of a broadcast batch matmul equals that of the explicitly tiled product', async () => {
    const a = input([3, 9, K]);
    const b = input([K, 7]);
    const dy = input([3, 9, 7]);
    const broadcast = await runOn('wasm', [a, b], valueAndGrads((x, y) => tf.matMul(x, y), dy));
    const tiled = await runOn('cpu', [a, b], valueAndGrads((x, y) => tf.matMul(x, tf.tile(tf.expandDims(y, 0), [3, 1, 1])), dy));
    broadcast.values.forEach((v, i) => expect(relativeMaxDiff(v, tiled.values[i])).toBeLessThan(TOLERANCE));
  });

  it('broadcasts leading dims [2,1] × [1,3] like numpy (the stock kernels do not)', async () => {
    const a = input([2, 1, 5, K]);
    const b = input([1, 3, K, 4]);
    await tf.setBackend('wasm');
    const [product, reference] = tf.tidy(() => {
      const at = tf.tensor(a.values, a.shape);
      const bt = tf.tensor(b.values, b.shape);
      const pairs: Tensor[] = [];
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          const ai = at.slice([i, 0, 0, 0], [1, 1, 5, K]).reshape([5, K]);
          const bj = bt.slice([0, j, 0, 0], [1, 1, K, 4]).reshape([K, 4]);
          pairs.push(tf.matMul(ai, bj));
        }
      }
      return [tf.matMul(at, bt), tf.stack(pairs).reshape([2, 3, 5, 4])];
    });
    expect(product.shape).toEqual([2, 3, 5, 4]);
    expect(relativeMaxDiff(product.dataSync() as Float32Array, reference.dataSync() as Float32Array)).toBeLessThan(TOLERANCE);
    tf.dispose([product, reference]);
  });

  it('reuses one weight buffer with two shapes correctly (XNNPACK caches packed weights by buffer id)', async () => {
    const w = input([4, 6]);
    const x1 = input([3, 4]);
    const x2 = input([5, 6]);
    await expectWasmMatchesCpu([w, x1, x2], (wt, a1, a2) => [tf.matMul(a1, wt), tf.matMul(a2, wt.reshape([6, 4]))]);
  });

  it('handles degenerate sizes (inner dim 0, single row/column)', async () => {
    await expectWasmMatchesCpu([input([3, 1]), input([1, 4])], (a, b) => [tf.matMul(a, b), tf.matMul(b, a, true, true)]);
    await tf.setBackend('wasm');
    const empty = tf.tidy(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4])));
    expect(Array.from(empty.dataSync())).toEqual(new Array(12).fill(0));
    empty.dispose();
  });
});

describe('fused matMul on wasm (fixed) vs cpu', () => {
  it.each(TRANSPOSES)('bias + relu, transposeA=%s transposeB=%s: value', async (tA, tB) => {
    const specs = [input(stored([], M, K, tA)), input(stored([], K, N, tB)), input([N])];
    await expectWasmMatchesCpu(specs, (a, b, bias) => [
      tf.fused.matMul({ a, b, bias, activation: 'relu', transposeA: tA, transposeB: tB }),
    ]);
  });

  // In gradient mode tfjs fuses only 'linear' (so bias + transpose reaches the kernel: the stock wasm bug) and
  // runs relu unfused; both are checked.
  for (const activation of ['linear', 'relu'] as const) {
    it.each(TRANSPOSES)(`bias + ${activation}, transposeA=%s transposeB=%s: gradients`, async (tA, tB) => {
      const specs = [input(stored([], M, K, tA)), input(stored([], K, N, tB)), input([N])];
      const f = (a: Tensor, b: Tensor, bias: Tensor) =>
        tf.fused.matMul({ a, b, bias, activation, transposeA: tA, transposeB: tB });
      await expectWasmMatchesCpu(specs, valueAndGrads(f, input([M, N])));
    });
  }

  it.each(['relu6', 'sigmoid', 'elu', 'leakyrelu', 'prelu'] as const)('activation %s with transposes', async (activation) => {
    const specs = [input([K, M]), input([N, K]), input([N]), input([N])];
    await expectWasmMatchesCpu(specs, (a, b, bias, alpha) => [
      tf.fused.matMul({
        a,
        b,
        bias,
        activation,
        transposeA: true,
        transposeB: true,
        preluActivationWeights: activation === 'prelu' ? alpha : undefined,
        leakyreluAlpha: 0.1,
      }),
    ]);
  });

  it('batched with a full-shape bias and relu (applied after XNNPACK)', async () => {
    const specs = [input([2, K, 9]), input([2, 7, K]), input([9, 7])];
    await expectWasmMatchesCpu(specs, (a, b, bias) => [
      tf.fused.matMul({ a, b, bias, activation: 'relu', transposeA: true, transposeB: true }),
    ]);
  });

  it('a small Dense model trains on wasm (loss falls)', async () => {
    await tf.setBackend('wasm');
    const xs = input([128, 12]);
    const losses = tf.tidy(() => {
      const x = tf.tensor(xs.values, xs.shape);
      const y = tf.sum(tf.sin(tf.mul(x, 2)), 1, true);
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [12], units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
          tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        ],
      });
      const optimizer = tf.train.adam(0.01);
      const history: number[] = [];
      for (let step = 0; step < 150; step++) {
        const loss = optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as Tensor) as tf.Scalar, true);
        if (loss === null) throw new Error('minimize returned no loss');
        history.push(loss.dataSync()[0]);
      }
      optimizer.dispose();
      return history;
    });
    expect(losses[losses.length - 1]).toBeLessThan(0.3 * losses[0]);
  });
});

describe('fixed kernels release their intermediates', () => {
  it('leaves no wasm buffers behind (matmul paths, fused epilogue, conv gradients)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const a = tf.randomNormal([3, K, 9]);
    const b = tf.randomNormal([3, 7, K]);
    const shared = tf.randomNormal([7, K]);
    const bias = tf.randomNormal([9, 7]);
    const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
    const filter = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const run = (): void =>
      tf.tidy(() => {
        tf.matMul(a, b, true, true);
        tf.matMul(a, shared, true, true);
        tf.fused.matMul({ a, b, bias, activation: 'relu', transposeA: true, transposeB: true });
        tf.grads((xt: Tensor, ft: Tensor) => tf.sum(tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 2, 'valid')))([x, filter]);
        tf.grads((xt: Tensor, ft: Tensor) => tf.sum(tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'same')))([x, filter]);
      });
    run();
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = backend.numDataIds();
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(backend.numDataIds()).toBe(buffersBefore);
    tf.dispose([a, b, shared, bias, x, filter]);
  });
});

describe('conv2d gradients on wasm (fixed) vs cpu', () => {
  const cases: Array<[number, 'same' | 'valid', number]> = [];
  for (const stride of [1, 2]) for (const pad of ['same', 'valid'] as const) for (const k of [1, 2, 3, 4]) cases.push([stride, pad, k]);

  it.each(cases)('stride %s, pad %s, kernel %s×%s: value, input and filter gradients', async (stride, pad, k) => {
    // 9×9 with stride 2 leaves an unused row/column for some kernels ('valid'): the crop branch is exercised.
    const x = input([2, 9, 9, 3]);
    const filter = input([k, k, 3, 4]);
    const f = (xt: Tensor, ft: Tensor) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, stride, pad);
    await expectWasmMatchesCpu([x, filter], valueAndGrads(f, input(outputShape(f, [x, filter]))));
  });

  it.each([
    [1, 'same'],
    [2, 'valid'],
  ] as const)('the same rewrite on cpu (its fallback use) matches the stock cpu kernel: stride %s, pad %s', async (stride, pad) => {
    const x = input([2, 9, 9, 3]);
    const filter = input([3, 3, 3, 4]);
    const f = (xt: Tensor, ft: Tensor) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, stride, pad);
    const compute = valueAndGrads(f, input(outputShape(f, [x, filter])));
    installConv2DBackpropFilter('cpu');
    let rewritten: Float32Array[];
    try {
      rewritten = (await runOn('cpu', [x, filter], compute)).values;
    } finally {
      uninstallConv2DBackpropFilter('cpu');
    }
    const stock = (await runOn('cpu', [x, filter], compute)).values;
    rewritten.forEach((v, i) => expect(relativeMaxDiff(v, stock[i])).toBeLessThan(TOLERANCE));
  });

  it('explicit asymmetric padding, non-square kernel and stride', async () => {
    const x = input([3, 8, 11, 2]);
    const filter = input([3, 2, 2, 5]);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 2], [0, 1], [0, 0]];
    const f = (xt: Tensor, ft: Tensor) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, [2, 3], pad);
    await expectWasmMatchesCpu([x, filter], valueAndGrads(f, input(outputShape(f, [x, filter]))));
  });
});
