/**
 * The image DDPM's U-Net (sharer/diffusion/imageUnet.ts) as a bench workload on whichever tfjs backend is active:
 * one Adam step on the ε-prediction loss for a fixed random batch of 28×28×1 images, class-conditioned.
 */
import { tf } from '../shared/tf';
import { DEFAULT_UNET_CONFIG, ImageUnet, ImageUnetConfig } from '../sharer/diffusion/imageUnet';
import { ImageDdpm } from '../sharer/diffusion/imageDdpm';

export const UNET_BENCH_BATCH = 64;

export const UNET_BENCH_CONFIG: ImageUnetConfig = { ...DEFAULT_UNET_CONFIG, height: 28, width: 28, channels: 1, numClasses: 2, seed: 1 };

export function unetBenchLabel(config: ImageUnetConfig = UNET_BENCH_CONFIG, batch = UNET_BENCH_BATCH): string {
  const net = new ImageUnet(config);
  const params = net.numParameters;
  net.dispose();
  return (
    `U-Net DDPM train (28×28×1, base ${config.baseChannels}, mults ${config.channelMults.join('/')}, ` +
    `GroupNorm ${config.groups}, ${config.activation}, ${(params / 1000).toFixed(0)}k params, batch ${batch}, Adam)`
  );
}

/** Train steps per second after `warmupSteps` untimed steps; the batch is fixed (the data pipeline is not timed). */
export function measureUnetTrainStepsPerSecond(
  warmupSteps: number,
  timedSteps: number,
  config: ImageUnetConfig = UNET_BENCH_CONFIG,
  batch = UNET_BENCH_BATCH,
): number {
  const net = new ImageUnet(config);
  const optimizer = tf.train.adam(1e-3);
  const { height, width, channels, timeFeatures, numClasses } = config;
  const xt = tf.randomNormal([batch, height, width, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const noise = tf.randomNormal([batch, height, width, channels], 0, 1, 'float32', 2) as tf.Tensor4D;
  const time = tf.randomNormal([batch, timeFeatures], 0, 1, 'float32', 3) as tf.Tensor2D;
  const classes = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % (numClasses + 1)), 'int32'), numClasses + 1).toFloat()) as tf.Tensor2D;
  const step = (): void => {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(net.apply(xt, time, classes), noise)) as tf.Scalar, net.variables);
      optimizer.applyGradients(net.variables.map((v) => ({ name: v.name, tensor: grads[v.name] })));
    });
  };
  try {
    for (let i = 0; i < warmupSteps; i++) step();
    const start = process.hrtime.bigint();
    for (let i = 0; i < timedSteps; i++) step();
    net.variables[0].dataSync();
    return timedSteps / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    optimizer.dispose();
    net.dispose();
    tf.dispose([xt, noise, time, classes]);
  }
}

/**
 * Sampling throughput of the image DDPM (untrained weights: the cost does not depend on them): images per second
 * for a `chainSteps`-step chain, from `passes` timed DDIM denoising passes over a batch of `batch` images. A DDIM
 * step and an ancestral step both cost one U-Net pass, so the figure holds for either sampler.
 */
export async function measureUnetSamplingImagesPerSecond(passes: number, chainSteps: number, batch = UNET_BENCH_BATCH): Promise<number> {
  const { height, width, channels, numClasses, seed } = UNET_BENCH_CONFIG;
  const model = new ImageDdpm({ ...UNET_BENCH_CONFIG, height, width, channels, numClasses, seed });
  try {
    const labels = Int32Array.from({ length: batch }, (_, i) => i % numClasses);
    await model.sample(batch, labels, { seed: 1, sampler: 'ddim', steps: 1 });
    const start = process.hrtime.bigint();
    await model.sample(batch, labels, { seed: 2, sampler: 'ddim', steps: passes, batchSize: batch });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return (batch * passes) / seconds / chainSteps;
  } finally {
    model.dispose();
  }
}
