/**
 * The DDPM training loop both diffusion models run: the simple loss L = E_{x₀,t,ε} ‖ε − ε̂_θ(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t, y)‖²
 * (Ho et al. 2020, eq. 14; mean over coordinates), t uniform, y replaced by the null class with probability
 * condDropProb (Ho & Salimans 2022, Alg. 1), minibatches drawn with replacement by a seeded Rng, Adam with the
 * learning-rate schedule of learningRate.ts, optional global-norm gradient clipping and an EMA of the weights.
 * The model supplies how its data become x₀ and how its denoiser reads a batch; everything random is drawn here,
 * in one order, so a seed gives the same weights whichever model runs it.
 *
 * The batch (x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε, ε, time-embedding rows, class one-hots) is assembled on the JS side and
 * uploaded as tensors. Measured on wasm for the tabular model (batch 256 × 110): gathering the rows with tf.gather
 * from a tensor kept on the backend took 3-5 ms per step (its kernel copies element by element and reads the indices
 * back), against 0.2-0.5 ms for JS row copies plus the upload; the x_t loop adds ~0.05 ms and the noise
 * (fillStandardNormal) a few tenths of a ms, against 25-30 ms of tf work per step.
 */
import { tf } from '../../shared/tf';
import { Rng } from '../../shared/random';
import type { DiffusionSchedule } from '../../shared/diffusion/schedule';
import { LossWindow, PeriodicYield, WeightAverage } from '../../shared/tf/trainingBookkeeping';
import { learningRateAt, type LearningRateSchedule } from './learningRate';
import { fillStandardNormal } from './standardNormal';
import { checkDpSgdOptions, dpSgdGradients, poissonSample, type DpSgdOptions } from './dpSgd';
import { dpNoiseSource } from './dpNoise';

type Optimizer = ReturnType<typeof tf.train.adam>;

/** Steps, peak Adam learning rate, warm-up and decay: `LearningRateSchedule` (learningRate.ts). */
export interface TrainOptions extends LearningRateSchedule {
  batchSize: number;
  /** Clip gradients to this global L2 norm (default: no clipping). Costs a few ops per variable per step. */
  gradClipNorm?: number;
  /**
   * Train with DP-SGD (dpSgd.ts): Poisson batches of expected size q·N instead of batchSize, per-record clipping to C,
   * Gaussian noise σ·C. Only for a model whose denoiser is the tabular MLP (its dense layers give the per-record norms).
   */
  dp?: DpSgdOptions;
  /** Exponential moving average of the weights with this decay (e.g. 0.999); 0 or absent = off. When on, the EMA
   *  weights replace the trained weights at the end of train(); whether the average is warmed up is the model's
   *  choice (WeightAverage, shared/tf/trainingBookkeeping.ts). */
  emaDecay?: number;
  /** Seed of minibatches, timesteps, noise and label dropout; default derived from config.seed and the
   *  number of steps already trained. */
  seed?: number;
  onProgress?: (step: number, loss: number) => void;
  /** Read the loss back (one device→host sync) every this many steps (default 50). */
  progressEvery?: number;
  /** Yield to the event loop when this much wall time has passed since the last yield (default 50 ms). */
  yieldEveryMs?: number;
  /**
   * Fine-tuning (fineTuning/): which weights are differentiated and what Adam updates instead of every weight of the
   * denoiser. Absent for ordinary training, which then computes exactly what it always did.
   */
  fineTuning?: FineTuningStep;
}

/** One gradient with the name of the variable it updates (the form tfjs' optimisers take). */
export type NamedGradients = Array<{ name: string; tensor: tf.Tensor }>;

/**
 * What a fine-tuning run changes in a training step (fineTuning/ builds one per method). The loss is differentiated
 * with respect to the denoiser's weights at `weightIndices` only; `parameterGradients` turns those gradients into the
 * gradients of the parameters Adam updates (the weights themselves for full fine-tuning, LoRA's A and B by the chain
 * rule, the new class row); clipping applies to the latter; `afterUpdate` then writes the parameters back into the
 * weights (LoRA's W₀ + (α/r)·A·B). The run gets its own Adam, dropped at its end: its parameters may be variables
 * that do not outlive the run.
 */
export interface FineTuningStep {
  /** Indices into the denoiser's weights (spec order) whose gradients the step needs; fixed for the run. */
  weightIndices: readonly number[];
  /** Inside the step's tidy: the gradients of those weights (same order) → the parameters' gradients, same order every step. */
  parameterGradients(weightGradients: tf.Tensor[], weights: tf.Variable[]): NamedGradients;
  /** Inside the step's tidy, after Adam's update of the parameters. */
  afterUpdate?(weights: tf.Variable[]): void;
}

export interface TrainResult {
  /** Mean training loss over each window of progressEvery steps (the last window may be shorter). */
  losses: number[];
  /** Step number (1-based, within this call) at the end of each window. */
  lossSteps: number[];
  stepsPerSecond: number;
}

/** What the loop needs of a model: its weights and optimiser, its data, and its two model-specific parts. */
export interface DenoiserTraining {
  /** The model's name, the prefix of error messages (e.g. "TabularDdpm"). */
  who: string;
  variables: tf.Variable[];
  optimizer: Optimizer;
  schedule: DiffusionSchedule;
  /** Records in the training data and values per record. */
  n: number;
  size: number;
  /** Label per record, or null (an unconditional model: every row is of the null class). */
  labels: Int32Array | null;
  condDropProb: number;
  nullClass: number;
  /** Seed of the run when the options give none. */
  defaultSeed: number;
  /** Warm the EMA up (WeightAverage): the model says why or why not. */
  emaWarmUp: boolean;
  checkAlive(): void;
  /** Called after each optimiser step (the model counts the steps it has been trained). */
  stepDone(): void;
  /** Writes x_t = a·x₀ + sd·ε for the record at offset `src` of the data into xt at `dst` (the noise at `dst`). */
  writeNoisyRecord(xt: Float32Array, dst: number, src: number, a: number, sd: number, noise: Float32Array): void;
  /**
   * For DP-SGD: which weight each dense layer's tapped rows belong to, in backward order (TabularMlp.tapOrder); absent
   * for a denoiser whose per-record gradients cannot be read from its rows (the image U-Net).
   */
  dpTapOrder?: readonly number[];
  /** Inside the step's tidy: the batch as tensors, and ε̂ of it (called inside the gradient tape). */
  batchTensors(xt: Float32Array, noise: Float32Array, t: Int32Array, y: Int32Array, rows: number): { epsHat: () => tf.Tensor; noise: tf.Tensor };
}

/** Checks the options every model checks the same way (the model checks its data first). */
export function checkTrainOptions(who: string, opts: TrainOptions): void {
  for (const [name, value] of [['steps', opts.steps], ['batchSize', opts.batchSize]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${who}.train: ${name} must be a positive integer, got ${value}`);
  }
  if (opts.fineTuning) {
    // A fine-tune at learning rate 0 is the sham control (docs/fine-tuning.md): the same procedure, the same batches
    // and cost, weights bit-identical to the base. Training from scratch at 0 would only be a mistake.
    if (!(opts.learningRate >= 0 && Number.isFinite(opts.learningRate))) throw new Error(`${who}.train: learningRate must be ≥ 0 for fine-tuning, got ${opts.learningRate}`);
    if (opts.dp) throw new Error(`${who}.train: fine-tuning does not run under DP-SGD (dp)`);
    if (opts.emaDecay) throw new Error(`${who}.train: fine-tuning keeps no weight EMA (emaDecay)`);
    return;
  }
  if (!(opts.learningRate > 0)) throw new Error(`${who}.train: learningRate must be > 0, got ${opts.learningRate}`);
}

export async function runTrainingLoop(model: DenoiserTraining, opts: TrainOptions): Promise<TrainResult> {
  if (opts.dp) return runDpTraining(model, opts, opts.dp);
  const { n, size, labels, condDropProb, nullClass, variables } = model;
  const T = model.schedule.T;
  const B = opts.batchSize;
  const clip = opts.gradClipNorm ?? 0;
  const { sqrtAlphaBars, sqrtOneMinusAlphaBars } = model.schedule;
  const tIdx = new Int32Array(B);
  const yIdx = new Int32Array(B);
  const fineTuning = opts.fineTuning;
  const differentiated = fineTuning ? fineTuning.weightIndices.map((k) => variables[k]) : variables;
  return trainSteps(
    model,
    opts,
    (rng) => {
      const noise = new Float32Array(B * size);
      fillStandardNormal(noise, rng.seed());
      const xt = new Float32Array(B * size);
      for (let i = 0; i < B; i++) {
        const r = rng.int(n);
        const t = rng.int(T);
        tIdx[i] = t;
        yIdx[i] = labels === null || rng.next() < condDropProb ? nullClass : labels[r];
        // x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε (DDPM eq. 4)
        model.writeNoisyRecord(xt, i * size, r * size, sqrtAlphaBars[t], sqrtOneMinusAlphaBars[t], noise);
      }
      return { xt, noise };
    },
    ({ xt, noise }) => {
      const batch = model.batchTensors(xt, noise, tIdx, yIdx, B);
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(batch.epsHat(), batch.noise)) as tf.Scalar, differentiated);
      let named: NamedGradients = fineTuning
        ? fineTuning.parameterGradients(
            differentiated.map((w) => grads[w.name]),
            differentiated,
          )
        : variables.map((w) => ({ name: w.name, tensor: grads[w.name] }));
      if (clip > 0) {
        // Global-norm clipping: g ← g · min(1, c / ‖g‖).
        const norm = tf.sqrt(tf.addN(named.map((g) => tf.sum(tf.square(g.tensor)))));
        const factor = tf.minimum(1, tf.div(clip, tf.add(norm, 1e-12)));
        named = named.map((g) => ({ name: g.name, tensor: tf.mul(g.tensor, factor) }));
      }
      const afterUpdate = fineTuning?.afterUpdate ? () => fineTuning.afterUpdate!(differentiated) : undefined;
      return { grads: named, loss: value, afterUpdate };
    },
  );
}

/**
 * The loop itself: per step, `prepare` draws the batch on the JS side from the run's Rng (every random draw in one
 * order), then, inside one tidy, `gradients` computes the step's gradients and loss, Adam applies them with the
 * scheduled learning rate and the EMA follows. Losses are read back every progressEvery steps.
 */
async function trainSteps<P>(
  model: DenoiserTraining,
  opts: TrainOptions,
  prepare: (rng: Rng) => P,
  gradients: (prepared: P) => { grads: NamedGradients; loss: tf.Scalar; afterUpdate?: () => void },
): Promise<TrainResult> {
  const { optimizer, variables } = model;
  const progressEvery = Math.max(1, opts.progressEvery ?? 50);
  const emaDecay = opts.emaDecay ?? 0;
  const rng = new Rng(opts.seed ?? model.defaultSeed);
  // tfjs' Adam reads this.learningRate on every applyGradients, so a schedule can set it per step.
  const optimizerWithLr = optimizer as unknown as { learningRate: number };

  const lossWindow = new LossWindow(progressEvery, opts.steps);
  const ema = emaDecay > 0 ? new WeightAverage(variables, emaDecay, model.emaWarmUp) : null;
  const pause = new PeriodicYield(opts.yieldEveryMs ?? 50);
  const started = performance.now();
  try {
    for (let step = 0; step < opts.steps; step++) {
      // train() yields to the event loop, so other code may run (and even dispose the model) in between.
      model.checkAlive();
      const prepared = prepare(rng);
      optimizerWithLr.learningRate = learningRateAt(step, opts);
      tf.tidy(() => {
        const { grads, loss, afterUpdate } = gradients(prepared);
        optimizer.applyGradients(grads);
        afterUpdate?.();
        lossWindow.add(loss);
        ema?.update();
      });
      model.stepDone();
      const mean = lossWindow.endStep(step + 1);
      if (mean !== null) {
        if (!Number.isFinite(mean)) {
          throw new Error(`${model.who}.train: loss became ${mean} at step ${step + 1}; lower learningRate (${opts.learningRate}) or set gradClipNorm`);
        }
        opts.onProgress?.(step + 1, mean);
      }
      await pause.maybeYield();
    }
    // Polyak averaging: the EMA weights become the model's weights (see TrainOptions.emaDecay).
    ema?.commit();
  } finally {
    lossWindow.dispose();
    ema?.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const { losses, lossSteps } = lossWindow;
  return { losses, lossSteps, stepsPerSecond: opts.steps / seconds };
}

/**
 * The same loop under DP-SGD (dpSgd.ts): each step a Poisson sample of the records (rate q), K (t, ε) draws per record,
 * the clipped noisy gradient over the expected batch q·N, then Adam and the EMA as usual (post-processing of the
 * private gradients costs no privacy). Everything random comes from the run's seed in one order.
 */
async function runDpTraining(model: DenoiserTraining, opts: TrainOptions, dp: DpSgdOptions): Promise<TrainResult> {
  checkDpSgdOptions(`${model.who}.train`, dp);
  const tapOrder = model.dpTapOrder;
  if (!tapOrder) throw new Error(`${model.who}.train: DP-SGD needs per-record gradient norms, which only the tabular MLP denoiser gives`);
  if (opts.gradClipNorm) throw new Error(`${model.who}.train: gradClipNorm and dp both clip; DP-SGD clips per record (dp.clipNorm)`);
  const { n, size, labels, condDropProb, nullClass, variables } = model;
  const T = model.schedule.T;
  const K = dp.noiseDraws;
  const { sqrtAlphaBars, sqrtOneMinusAlphaBars } = model.schedule;
  // Each step's Gaussian noise is drawn on a worker while the step computes (dpNoise.ts); the same numbers as drawn here.
  // None at σ = 0: dpSgdGradients then asks for no noise.
  const noise = dp.noiseMultiplier > 0 ? dpNoiseSource(variables.map((v) => v.size)) : null;
  try {
    return await trainSteps(
      model,
      opts,
      (rng) => {
        const records = poissonSample(n, dp.samplingRate, rng);
        const rows = records.length * K;
        const diffusionNoise = new Float32Array(rows * size);
        fillStandardNormal(diffusionNoise, rng.seed());
        const xt = new Float32Array(rows * size);
        const tIdx = new Int32Array(rows);
        const yIdx = new Int32Array(rows);
        records.forEach((r, i) => {
          for (let k = 0; k < K; k++) {
            const row = i * K + k;
            const t = rng.int(T);
            tIdx[row] = t;
            yIdx[row] = labels === null || rng.next() < condDropProb ? nullClass : labels[r];
            model.writeNoisyRecord(xt, row * size, r * size, sqrtAlphaBars[t], sqrtOneMinusAlphaBars[t], diffusionNoise);
          }
        });
        const noiseSeed = rng.seed();
        noise?.request(noiseSeed);
        return { records: records.length, rows, xt, noise: diffusionNoise, tIdx, yIdx };
      },
      (p) => {
        const batch = p.rows > 0 ? model.batchTensors(p.xt, p.noise, p.tIdx, p.yIdx, p.rows) : null;
        // Each row's loss: the mean over coordinates of (ε̂ − ε)², the ordinary loop's loss per row.
        const rowLosses = batch ? () => tf.mean(tf.squaredDifference(batch.epsHat(), batch.noise), 1) as ReturnType<typeof tf.tensor1d> : null;
        const { grads, loss } = dpSgdGradients(variables, tapOrder, rowLosses, p.records, dp, dp.samplingRate * n, () => noise!.take());
        return { grads, loss };
      },
    );
  } finally {
    noise?.close();
  }
}
