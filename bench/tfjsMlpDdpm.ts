/**
 * The tabular DDPM denoiser of stack.md §2 as a bench workload, on whichever tfjs backend is active:
 * MLP (110 features + 64-dim time embedding) → 3 × 256 ReLU → 110, batch 256, Adam, MSE.
 * bench/torch_mlp_ddpm.py builds the same model for the PyTorch peer; keep the two in step.
 */
import { tf } from '../shared/tf';

export const MLP_SHAPE = { features: 110, timeEmbedding: 64, hidden: 256, hiddenLayers: 3, batch: 256 } as const;

function buildDenoiser(): tf.Sequential {
  const { features, timeEmbedding, hidden, hiddenLayers } = MLP_SHAPE;
  const model = tf.sequential();
  for (let i = 0; i < hiddenLayers; i++) {
    model.add(
      tf.layers.dense({
        units: hidden,
        activation: 'relu',
        inputShape: i === 0 ? [features + timeEmbedding] : undefined,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 100 + i }),
      }),
    );
  }
  model.add(tf.layers.dense({ units: features, kernelInitializer: tf.initializers.glorotUniform({ seed: 200 }) }));
  return model;
}

function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/**
 * Train steps per second: `warmupSteps` untimed steps (kernel setup, XNNPACK operator creation), then
 * `timedSteps` timed ones. Each step is one Adam update on a fixed random batch (the data pipeline is not timed).
 */
export function measureTrainStepsPerSecond(warmupSteps: number, timedSteps: number): number {
  const { features, timeEmbedding, batch } = MLP_SHAPE;
  const model = buildDenoiser();
  const optimizer = tf.train.adam(1e-3);
  const inputs = tf.randomNormal([batch, features + timeEmbedding], 0, 1, 'float32', 1);
  const noise = tf.randomNormal([batch, features], 0, 1, 'float32', 2);
  const step = (): void => {
    const loss = optimizer.minimize(
      () => tf.losses.meanSquaredError(noise, model.apply(inputs) as tf.Tensor) as tf.Scalar,
      true,
    );
    loss?.dispose();
  };
  try {
    for (let i = 0; i < warmupSteps; i++) step();
    const start = process.hrtime.bigint();
    for (let i = 0; i < timedSteps; i++) step();
    // wasm and cpu run kernels synchronously; reading a weight makes sure nothing is pending on other backends.
    model.getWeights()[0].dataSync();
    return timedSteps / secondsSince(start);
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([inputs, noise]);
  }
}

/**
 * A DDPM-style sampling loop: 256 records, forward passes each feeding the next (x ← x − c·ε̂(x, t)), after one
 * untimed warm-up pass. `measuredPasses` are timed; records/s is then given for a chain of `chainSteps` passes
 * (256 records finished per chain), so a slow backend can be measured on fewer passes than the chain has.
 */
export function measureSampling(
  measuredPasses: number,
  chainSteps: number,
): { recordsPerSecond: number; forwardPassesPerSecond: number } {
  const { features, timeEmbedding, batch } = MLP_SHAPE;
  const model = buildDenoiser();
  const timeFeatures = tf.randomNormal([batch, timeEmbedding], 0, 1, 'float32', 3);
  let x = tf.randomNormal([batch, features], 0, 1, 'float32', 4);
  const denoise = (current: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const eps = model.apply(tf.concat([current, timeFeatures], 1)) as tf.Tensor;
      return tf.sub(current, tf.mul(eps, 0.01));
    });
  try {
    tf.dispose(denoise(x));
    const start = process.hrtime.bigint();
    for (let i = 0; i < measuredPasses; i++) {
      const next = denoise(x);
      x.dispose();
      x = next;
    }
    x.dataSync();
    const forwardPassesPerSecond = measuredPasses / secondsSince(start);
    return { recordsPerSecond: (batch * forwardPassesPerSecond) / chainSteps, forwardPassesPerSecond };
  } finally {
    x.dispose();
    timeFeatures.dispose();
    model.dispose();
  }
}

/** GFLOP/s of one [n×n]·[n×n] matmul with the given transposes (the shapes a training step's gradient uses). */
export function measureMatMulGflops(n: number, transposeA: boolean, transposeB: boolean, repeats: number): number {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 5);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 6);
  try {
    tf.tidy(() => tf.matMul(a, b, transposeA, transposeB)).dispose();
    const start = process.hrtime.bigint();
    for (let i = 0; i < repeats; i++) tf.tidy(() => tf.matMul(a, b, transposeA, transposeB)).dispose();
    return (2 * n * n * n * repeats) / secondsSince(start) / 1e9;
  } finally {
    tf.dispose([a, b]);
  }
}

/** Milliseconds for one conv2d filter gradient (the kernel stack.md §2 found ~100× slower than Conv2D on cpu). */
export function measureConvFilterGradMs(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  repeats: number,
  warmup = 1,
): number {
  const x = tf.randomNormal(xShape, 0, 1, 'float32', 7) as tf.Tensor4D;
  const dy = tf.randomNormal([xShape[0], xShape[1], xShape[2], filterShape[3]], 0, 1, 'float32', 8) as tf.Tensor4D;
  // The op is not exported by tfjs, so the kernel is called through the engine, as conv2d's gradient does.
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape };
  const run = (): void =>
    tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor).dispose();
  try {
    for (let i = 0; i < warmup; i++) run();
    const start = process.hrtime.bigint();
    for (let i = 0; i < repeats; i++) run();
    return (secondsSince(start) * 1000) / repeats;
  } finally {
    tf.dispose([x, dy]);
  }
}

/** Milliseconds for one conv2d input gradient (stack.md §5: stock wasm's is ~10× slower than its forward conv). */
export function measureConvInputGradMs(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  repeats: number,
): number {
  const filter = tf.randomNormal(filterShape, 0, 1, 'float32', 9) as tf.Tensor4D;
  const dy = tf.randomNormal([xShape[0], xShape[1], xShape[2], filterShape[3]], 0, 1, 'float32', 10) as tf.Tensor4D;
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: xShape };
  const run = (): void =>
    tf.tidy(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs) as tf.Tensor).dispose();
  try {
    run();
    const start = process.hrtime.bigint();
    for (let i = 0; i < repeats; i++) run();
    return (secondsSince(start) * 1000) / repeats;
  } finally {
    tf.dispose([filter, dy]);
  }
}
