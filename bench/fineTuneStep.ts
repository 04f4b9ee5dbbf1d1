/**
 * `node dist/bench/fineTuneStep.js [--unet]`: what a fine-tuning step costs against a training step of the same model
 * (docs/fine-tuning.md, "Cost"): a census-sized tabular DDPM (110 features, hidden [256, 256], batch 256) trained from
 * scratch and fine-tuned by each method, and with --unet the MNIST-sized U-Net (bench/tfjsUnet.ts's config, batch 64).
 * Steps/s of whole runs (the loop's own figure: batch assembly, step, bookkeeping) after an untimed warm-up run, on the
 * backend initBackend picks. Each fine-tune's first step (Adam's moments, the adapters' first kernels) is in its figure.
 */
import { describeBackend, initBackend } from '../shared/tf';
import { Rng } from '../shared/random';
import { TabularDdpm } from '../sharer/diffusion/tabularDdpm';
import { ImageDdpm } from '../sharer/diffusion/imageDdpm';
import { FINE_TUNE_METHODS, fineTuneCopy } from '../sharer/diffusion/fineTune';
import { UNET_BENCH_BATCH, UNET_BENCH_CONFIG } from './tfjsUnet';

const TABULAR = { features: 110, hidden: [256, 256], batch: 256, steps: 300, records: 4096 };
const UNET = { steps: 6, records: 256 };

function randomData(n: number, size: number, seed: number, unit = false): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * size }, () => (unit ? rng.next() : rng.normal()));
  return { x, labels: Int32Array.from({ length: n }, (_, i) => i % 2) };
}

/** Steps/s of a training run and of a fine-tune by each method, on the census-sized tabular DDPM. */
export async function measureFineTuneTabular(steps: number = TABULAR.steps): Promise<{ train: number; parameters: number; methods: Array<{ method: string; stepsPerSecond: number; trainable: number }> }> {
  const { features, hidden, batch, records } = TABULAR;
  const base = new TabularDdpm({ dataWidth: features, numClasses: 2, oneHotBlocks: [], timesteps: 1000, schedule: 'cosine', hidden, timeEmbedding: 64, seed: 1 });
  const { x, labels } = randomData(records, features, 2);
  // Untimed warm-up (kernels, JIT), then a timed training run from where it left off.
  await base.train(x, labels, { steps: 30, batchSize: batch, learningRate: 1e-3, seed: 6 });
  const train = await base.train(x, labels, { steps, batchSize: batch, learningRate: 1e-3, seed: 3 });
  const tune = randomData(512, features, 4);
  tune.labels.fill(0);
  const methods = [];
  for (const method of FINE_TUNE_METHODS) {
    const { model, outcome } = await fineTuneCopy(base, tune.x, tune.labels, { method, steps, batchSize: batch, learningRate: 1e-4, seed: 5 });
    methods.push({ method, stepsPerSecond: outcome.stepsPerSecond, trainable: outcome.trainableParameters });
    model.dispose();
  }
  const parameters = base.numParameters;
  base.dispose();
  return { train: train.stepsPerSecond, parameters, methods };
}

async function benchTabular(): Promise<void> {
  const { hidden, batch, steps } = TABULAR;
  const m = await measureFineTuneTabular(steps);
  console.log(`tabular (110 features, hidden ${hidden.join('/')}, ${m.parameters} params, batch ${batch}, ${steps} steps)`);
  console.log(`  train            ${m.train.toFixed(1)} steps/s`);
  for (const { method, stepsPerSecond, trainable } of m.methods) console.log(`  fine-tune ${method.padEnd(16)} ${stepsPerSecond.toFixed(1)} steps/s (${trainable} trainable)`);
}

async function benchUnet(): Promise<void> {
  const { steps, records } = UNET;
  const base = new ImageDdpm({ ...UNET_BENCH_CONFIG, timesteps: 1000 });
  const size = base.imageSize;
  const { x, labels } = randomData(records, size, 2, true);
  await base.train(x, labels, { steps: 2, batchSize: UNET_BENCH_BATCH, learningRate: 1e-3, seed: 6 });
  const train = await base.train(x, labels, { steps, batchSize: UNET_BENCH_BATCH, learningRate: 1e-3, seed: 3 });
  console.log(`U-Net (28×28×1, base ${UNET_BENCH_CONFIG.baseChannels}, mults ${UNET_BENCH_CONFIG.channelMults.join('/')}, ${base.numParameters} params, batch ${UNET_BENCH_BATCH}, ${steps} steps)`);
  console.log(`  train            ${train.stepsPerSecond.toFixed(2)} steps/s`);
  labels.fill(0);
  for (const method of FINE_TUNE_METHODS) {
    const { model, outcome } = await fineTuneCopy(base, x, labels, { method, steps, batchSize: UNET_BENCH_BATCH, learningRate: 1e-4, seed: 5 });
    console.log(`  fine-tune ${method.padEnd(16)} ${outcome.stepsPerSecond.toFixed(2)} steps/s (${outcome.trainableParameters} trainable)`);
    model.dispose();
  }
  base.dispose();
}

async function main(): Promise<void> {
  await initBackend({ quiet: true });
  console.log(describeBackend());
  await benchTabular();
  if (process.argv.includes('--unet')) await benchUnet();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
