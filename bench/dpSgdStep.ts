/**
 * The cost of DP-SGD against a plain step on the same tabular MLP denoiser (issue 16's goal: ≤ 2× a plain step).
 * Both train TabularDdpm on random records of the bench's MLP shape (MLP_SHAPE: 110 features, 3 × 256 hidden): the
 * plain step on fixed batches of 256, the DP step on Poisson batches of expected size 256 (q = 256/N), K = 1: one
 * backward pass that taps each dense layer's rows (per-record norms and the clipped sum from them), and the noise, drawn
 * on a worker thread while the step computes (sharer/diffusion/dpNoise.ts).
 */
import { Rng } from '../shared/random';
import { TabularDdpm } from '../sharer/diffusion/tabularDdpm';
import { MLP_SHAPE } from './tfjsMlpDdpm';

const RECORDS = 10_000;

async function stepsPerSecond(dp: boolean, warmupSteps: number, timedSteps: number): Promise<number> {
  const rng = new Rng(1);
  const x = Float32Array.from({ length: RECORDS * MLP_SHAPE.features }, () => rng.normal());
  const labels = Int32Array.from({ length: RECORDS }, (_, i) => i % 2);
  const model = new TabularDdpm({
    dataWidth: MLP_SHAPE.features,
    numClasses: 2,
    oneHotBlocks: [],
    timesteps: 1000,
    schedule: 'cosine',
    hidden: Array.from({ length: MLP_SHAPE.hiddenLayers }, () => MLP_SHAPE.hidden),
    timeEmbedding: MLP_SHAPE.timeEmbedding,
    seed: 2,
  });
  const options = {
    batchSize: MLP_SHAPE.batch,
    learningRate: 1e-3,
    ...(dp ? { dp: { samplingRate: MLP_SHAPE.batch / RECORDS, clipNorm: 1, noiseMultiplier: 1, noiseDraws: 1 } } : {}),
  };
  try {
    await model.train(x, labels, { ...options, steps: warmupSteps });
    return (await model.train(x, labels, { ...options, steps: timedSteps })).stepsPerSecond;
  } finally {
    model.dispose();
  }
}

/** Plain and DP-SGD steps per second on the same model shape, and their ratio. */
export async function measureDpSgdCost(warmupSteps: number, timedSteps: number): Promise<{ plain: number; dp: number; slowdown: number }> {
  const plain = await stepsPerSecond(false, warmupSteps, timedSteps);
  const dp = await stepsPerSecond(true, warmupSteps, timedSteps);
  return { plain, dp, slowdown: plain / dp };
}
