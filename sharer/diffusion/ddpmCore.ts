/**
 * What a class-conditional Gaussian DDPM is apart from its denoiser, shared by the tabular model (tabularDdpm.ts,
 * an MLP) and the image model (imageDdpm.ts, a U-Net): the noise schedule (shared/diffusion/schedule.ts), the time
 * features and the null class of classifier-free guidance (Ho & Salimans 2022), training (trainingLoop.ts),
 * sampling (sampler.ts), ε̂ for the gray-box accessors, atomic save/load (modelFiles.ts) and the checks of every
 * call. A model adds its denoiser (`net`), how its records become x₀ and how its denoiser reads a batch.
 */
import { tf } from '../../shared/tf';
import { deriveSeed } from '../../shared/random';
import { DiffusionSchedule, ScheduleKind, makeSchedule } from '../../shared/diffusion/schedule';
import { sinusoidalTimeTable } from './conditioning';
import type { DenoiserNetwork, WeightSpec } from './denoiserWeights';
import { flattenWeights, writeModelDirAtomic } from './modelFiles';
import { checkTrainOptions, runTrainingLoop, type DenoiserTraining, type TrainOptions, type TrainResult } from './trainingLoop';
import { runChains, samplerTimesteps, stepCoefficients, type ChainBatch, type ChainOptions, type SamplerKind, type StepCoefficients, type TrajectoryOptions } from './sampler';

/** The fields of a model's config the core reads. */
export interface DdpmCoreConfig {
  /** Number of diffusion steps T. */
  timesteps: number;
  schedule: ScheduleKind;
  /** Classes of the conditioning label; 0 = unconditional model (labels must be null). */
  numClasses: number;
  /** Probability of replacing the label by the null class in training (classifier-free guidance). */
  condDropProb: number;
  /** Seed of the weight initialisation (and default seed of training). */
  seed: number;
}

/** How a model is named in messages and files, and its defaults. */
export interface DdpmNaming {
  /** The class name, prefix of error messages ("TabularDdpm"). */
  who: string;
  /** One record in messages ("record", "image"). */
  record: string;
  /** The save format (model.json `format`, version 1). */
  format: string;
  /** Width of the sinusoidal time features. */
  timeFeatures: number;
  /** Denoising steps of the ddpm sampler when the options give none. */
  ddpmSteps: number;
  /** Records per sampling batch and per predictNoise batch when the call gives none. */
  sampleBatch: number;
  queryBatch: number;
}

/** The version of both save formats (model.json `version`). */
export const DDPM_FORMAT_VERSION = 1;

/** What a model's `train` adds to the core's loop (trainingLoop.ts, DenoiserTraining). */
export type TrainingHooks = Pick<DenoiserTraining, 'emaWarmUp' | 'writeNoisyRecord' | 'batchTensors' | 'dpTapOrder'> & {
  /** Runs after the checks, before the first step. */
  beforeTraining?: () => void;
};

export abstract class DdpmCore<C extends DdpmCoreConfig> {
  readonly schedule: DiffusionSchedule;
  /** Free-form metadata saved with the model (e.g. the encoder description, training summary). */
  metadata: Record<string, unknown> = {};
  /** Total optimisation steps applied to this model (persisted by save). */
  stepsTrained = 0;

  protected abstract readonly net: DenoiserNetwork;
  private table: Float32Array | null = null;
  private optimizer: ReturnType<typeof tf.train.adam> | null = null;
  private disposed = false;

  protected constructor(
    readonly config: C,
    protected readonly naming: DdpmNaming,
  ) {
    this.schedule = makeSchedule(config.schedule, config.timesteps);
  }

  /** Row t: the sinusoidal features of timestep t (conditioning.ts); built on first use, after the denoiser has
   *  checked its config (the width of the features is part of it). */
  protected get timeTable(): Float32Array {
    return (this.table ??= sinusoidalTimeTable(this.config.timesteps, this.naming.timeFeatures));
  }

  /** Values per record (the width of x_t). */
  protected abstract get recordSize(): number;

  /** Checks a data matrix (and its labels) and returns its number of records. */
  protected abstract countRecords(x: Float32Array, labels: Int32Array | null, what: string): number;

  /** ε̂ of b records in one network evaluation (classes null: the null class). */
  protected abstract epsBatch(xt: Float32Array, t: ArrayLike<number>, classes: ArrayLike<number> | null, b: number): Float32Array;

  /** Index of the "null" class used for unconditional ε (classifier-free guidance). */
  get nullClass(): number {
    return this.config.numClasses;
  }

  get numParameters(): number {
    return this.net.numParameters;
  }

  /** Names, shapes and initialisations of the weights, in save order (fine-tuning selects weights by them). */
  get weightSpecs(): ReadonlyArray<Readonly<WeightSpec>> {
    return this.net.specs;
  }

  /** Copies of the weights by name (for inspection and tests). */
  getWeights(): Map<string, Float32Array> {
    this.checkAlive();
    return this.net.getWeights();
  }

  // ---------------------------------------------------------------------------------------------------
  // Checks

  protected checkAlive(): void {
    if (this.disposed) throw new Error(`${this.naming.who}: the model has been disposed`);
  }

  protected checkLabels(labels: Int32Array, n: number, what: string): void {
    const { who, record } = this.naming;
    if (labels.length !== n) throw new Error(`${who}.${what}: ${labels.length} labels for ${n} ${record}s`);
    const C = this.config.numClasses;
    for (let i = 0; i < n; i++) {
      if (!(labels[i] >= 0 && labels[i] < C)) throw new Error(`${who}.${what}: label ${labels[i]} of ${record} ${i} is outside [0, ${C}) (numClasses)`);
    }
  }

  protected checkTimesteps(t: ArrayLike<number>, what: string): void {
    const T = this.config.timesteps;
    for (let i = 0; i < t.length; i++) {
      if (!Number.isInteger(t[i]) || t[i] < 0 || t[i] >= T) throw new Error(`${this.naming.who}.${what}: timestep ${t[i]} at ${i} is outside [0, ${T})`);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Training

  /** Checks the data and options, then runs the loop of trainingLoop.ts on the model's denoiser. */
  protected async trainDenoiser(x: Float32Array, labels: Int32Array | null, opts: TrainOptions, hooks: TrainingHooks): Promise<TrainResult> {
    const { who, record } = this.naming;
    this.checkAlive();
    const n = this.countRecords(x, labels, 'train');
    if (n === 0) throw new Error(`${who}.train: no ${record}s`);
    if (labels === null && this.config.numClasses > 0) {
      throw new Error(`${who}.train: labels are required for a conditional model (numClasses = ${this.config.numClasses})`);
    }
    checkTrainOptions(who, opts);
    hooks.beforeTraining?.();
    // A fine-tune gets an Adam of its own, dropped at the end (trainingLoop.ts, FineTuningStep): its parameters may be
    // LoRA adapters that do not outlive the run, and its moments must not leak into a later train().
    const fineTuneOptimizer = opts.fineTuning ? tf.train.adam(opts.learningRate) : null;
    if (!fineTuneOptimizer && !this.optimizer) this.optimizer = tf.train.adam(opts.learningRate);
    const optimizer = fineTuneOptimizer ?? this.optimizer!;
    try {
      return await runTrainingLoop(
        {
          ...hooks,
          who,
          variables: this.net.variables,
          optimizer,
          schedule: this.schedule,
          n,
          size: this.recordSize,
          labels,
          condDropProb: this.config.condDropProb,
          nullClass: this.nullClass,
          defaultSeed: deriveSeed(this.config.seed, `train/${this.stepsTrained}`),
          checkAlive: () => this.checkAlive(),
          stepDone: () => {
            this.stepsTrained++;
          },
        },
        opts,
      );
    } finally {
      fineTuneOptimizer?.dispose();
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Sampling

  /**
   * The timesteps the sampler visits for these options, ascending (the chain runs them from the last down):
   * an evenly spaced subsequence of 0 … T−1, `ddpmSteps` of them for ddpm and min(T, 50) for ddim unless `steps` says.
   */
  samplerTimesteps(opts: Pick<ChainOptions, 'sampler' | 'steps'>): number[] {
    return samplerTimesteps(this.config.timesteps, opts, this.naming.ddpmSteps);
  }

  /** Checks a sampling call; returns its sampler, the timesteps it visits and the coefficients of each step. */
  protected startSampling(
    n: number,
    labels: Int32Array | null,
    opts: ChainOptions,
    ddpmVariance: 'posterior' | 'beta',
  ): { sampler: SamplerKind; seq: number[]; coefs: StepCoefficients[] } {
    this.checkAlive();
    const who = this.naming.who;
    if (!Number.isInteger(n) || n < 0) throw new Error(`${who}.sample: n must be an integer ≥ 0, got ${n}`);
    if (labels !== null) this.checkLabels(labels, n, 'sample');
    const sampler = opts.sampler ?? 'ddpm';
    if (sampler !== 'ddpm' && sampler !== 'ddim') throw new Error(`${who}.sample: unknown sampler "${String(sampler)}"`);
    const seq = this.samplerTimesteps(opts);
    const coefs = seq.map((_, i) => stepCoefficients(this.schedule.alphaBars, seq, i, sampler, opts.eta ?? 0, ddpmVariance));
    return { sampler, seq, coefs };
  }

  /** Runs the chains of sampler.ts with the model's batches (`startBatch`). */
  protected runChains(
    n: number,
    opts: ChainOptions,
    trace: TrajectoryOptions | null,
    schedule: { seq: number[]; coefs: StepCoefficients[] },
    startBatch: (start: number, b: number, init: Float32Array) => ChainBatch,
  ): ReturnType<typeof runChains> {
    return runChains({
      n,
      size: this.recordSize,
      seq: schedule.seq,
      coefs: schedule.coefs,
      seed: opts.seed,
      batchSize: Math.max(1, opts.batchSize ?? this.naming.sampleBatch),
      yieldEveryMs: opts.yieldEveryMs ?? 50,
      onProgress: opts.onProgress,
      trace,
      checkAlive: () => this.checkAlive(),
      startBatch,
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Gray-box access for attacks

  /**
   * ε̂_θ(x_t, t, y) for n records in the model's coordinates (xt n × record size, t and labels of length n; labels
   * null = the null class, i.e. unconditional), `batchSize` records per network evaluation.
   */
  predictNoise(xt: Float32Array, t: Int32Array, labels: Int32Array | null, batchSize = this.naming.queryBatch): Float32Array {
    this.checkAlive();
    const n = this.countRecords(xt, labels, 'predictNoise');
    if (t.length !== n) throw new Error(`${this.naming.who}.predictNoise: ${t.length} timesteps for ${n} ${this.naming.record}s`);
    this.checkTimesteps(t, 'predictNoise');
    const size = this.recordSize;
    const out = new Float32Array(n * size);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const classes = labels === null ? null : labels.subarray(start, start + b);
      out.set(this.epsBatch(xt.subarray(start * size, (start + b) * size), t.subarray(start, start + b), classes, b), start * size);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // Persistence

  /**
   * Writes model.json (format, config, step count, weight manifest, `extra`, metadata) and weights.bin (float32,
   * little-endian) into `dir`. Atomic: a crash leaves the old model, the new one or an ignorable sibling
   * (modelFiles.ts). Adam's moments are not saved.
   */
  protected async saveModel(dir: string, metadata: Record<string, unknown> | undefined, extra: Record<string, unknown>): Promise<void> {
    this.checkAlive();
    if (metadata) this.metadata = { ...metadata };
    const { manifest, flat } = flattenWeights(this.net.specs, this.net.getWeights());
    const json = {
      format: this.naming.format,
      version: DDPM_FORMAT_VERSION,
      config: this.config,
      stepsTrained: this.stepsTrained,
      weights: manifest,
      ...extra,
      metadata: this.metadata,
    };
    await writeModelDirAtomic(dir, json, flat, `${this.naming.who}.save`);
  }

  /** The step count and metadata of a loaded model (its weights came through the constructor). */
  protected restoreSaved(json: { stepsTrained?: number; metadata?: Record<string, unknown> }): void {
    this.stepsTrained = json.stepsTrained ?? 0;
    this.metadata = json.metadata ?? {};
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.net.dispose();
    this.optimizer?.dispose();
    this.optimizer = null;
  }
}
