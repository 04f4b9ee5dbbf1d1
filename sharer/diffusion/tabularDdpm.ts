/**
 * A class-conditional Gaussian DDPM for encoded tabular data (docs/diffusion.md).
 *
 * The model works on an encoded float matrix (n × dataWidth, row-major: numeric columns standardised,
 * categorical columns one-hot) and only needs to know where the one-hot blocks are; it never sees the
 * TableEncoder. Equations: DDPM (Ho et al. 2020) with ε-prediction and the simple loss (eq. 14); the
 * tabular denoiser is an MLP as in TabDDPM (Kotelnikov et al. 2023; tabularMlp.ts), with categorical columns
 * diffused as Gaussian one-hot vectors (TabDDPM uses multinomial diffusion for them; see the doc for why not here);
 * classifier-free guidance as in Ho & Salimans (2022); DDIM (Song et al. 2021) for fast sampling. Training,
 * the sampler's chains, save/load and the checks are the DDPM core's (ddpmCore.ts), shared with the image model;
 * this file holds what is tabular: the config, how a batch reaches the MLP, the sampler's step in tf ops with x̂₀
 * clipped to the data bounds, one-hot snapping, and the per-timestep loss of the gray-box attacks.
 *
 * Every tensor op goes through `tf` from shared/tf so that the backend chosen by initBackend is used.
 */
import { tf } from '../../shared/tf';
import { checkTrajectoryTimesteps, predictX0FromNoise, type ScheduleKind } from '../../shared/diffusion/schedule';
import { MODEL_JSON, readModelDirOfFormat } from './modelFiles';
import { fillStandardNormal } from './standardNormal';
import { classOneHotRows, timeFeatureRows } from './conditioning';
import { DDPM_FORMAT_VERSION, DdpmCore } from './ddpmCore';
import type { ChainBatch, ChainOptions, StepCoefficients, TrajectoryOptions } from './sampler';
import type { TrainOptions, TrainResult } from './trainingLoop';
import { TabularMlp, type Activation } from './tabularMlp';
import { columnBounds, mergeBounds, snapOneHotBlocks, type DataBounds } from './tabularData';

export type { Activation } from './tabularMlp';
export type { TrainOptions, TrainResult } from './trainingLoop';
export type { TrajectoryOptions } from './sampler';
export type { DataBounds } from './tabularData';

type Tensor = ReturnType<typeof tf.tensor>;
type Tensor2D = ReturnType<typeof tf.tensor2d>;

export interface TabularDdpmConfig {
  /** Width of an encoded record. */
  dataWidth: number;
  /** Number of classes of the conditioning label; 0 = unconditional model (labels must be null). */
  numClasses: number;
  /** Column ranges [start, end) (end exclusive, as in Array.prototype.slice) of the categorical one-hot
   *  groups in the encoded matrix. Used to snap samples to one-hot; the denoiser itself treats every column
   *  alike. */
  oneHotBlocks: Array<[number, number]>;
  /** Number of diffusion steps T. */
  timesteps: number;
  schedule: ScheduleKind;
  /** Hidden layer widths of the ε-MLP. */
  hidden: number[];
  /** Dimension of the sinusoidal time embedding and of the time feature (one dense + SiLU) fed to the MLP. */
  timeEmbedding: number;
  /** Probability of replacing the label by the null class in training (classifier-free guidance). */
  condDropProb: number;
  activation: Activation;
  /** Seed of the weight initialisation (and default seed of training). */
  seed: number;
}

export type TabularDdpmOptions = Pick<
  TabularDdpmConfig,
  'dataWidth' | 'numClasses' | 'oneHotBlocks' | 'timesteps' | 'schedule' | 'seed'
> &
  Partial<TabularDdpmConfig>;

export const DEFAULT_DDPM_CONFIG = {
  hidden: [256, 256, 256],
  timeEmbedding: 64,
  condDropProb: 0.1,
  activation: 'silu' as Activation,
};

/** The sampler's options (sampler.ts `ChainOptions`; default batch 1024 records, default ddpm steps T) and the tabular ones. */
export interface SampleOptions extends ChainOptions {
  /** Variance of the ancestral (ddpm) steps: 'posterior' = β̃_t (default; the true posterior variance for a
   *  point-mass x₀) or 'beta' = β_t (the upper bound; Ho et al. §3.2 found both similar; on the tests'
   *  synthetic tables it gave slightly less under-dispersed numeric columns). */
  ddpmVariance?: 'posterior' | 'beta';
  /**
   * Clip x̂₀ at every step (improved-diffusion `clip_denoised`): true/undefined = to the model's dataBounds
   * widened by clipMargin when it has them (default), false = never, or explicit per-column bounds.
   */
  clipDenoised?: boolean | { min: ArrayLike<number>; max: ArrayLike<number> };
  /** Replace each one-hot block by the one-hot of its argmax (default true); false returns the raw values. */
  snapOneHot?: boolean;
}

export interface SampledTrajectory {
  /** The final samples, exactly as `sample` returns them for the same arguments. */
  samples: Float32Array;
  /** n × K × dataWidth, record-major: the state x_t the denoiser is evaluated at when the chain reaches t. */
  states: Float32Array;
  /** n × K × dataWidth: x̂₀ = (x_t − √(1−ᾱ_t) ε̃)/√ᾱ_t from the (guided) ε̃ of that step, unclipped; null unless asked. */
  predictedX0: Float32Array | null;
}

export interface PerTimestepLossOptions {
  seed: number;
  /** Noise draws averaged per (record, timestep). */
  noiseDraws: number;
  batchSize?: number;
}

const FORMAT = 'sharebox-tabular-ddpm';

interface SavedModelJson {
  format: typeof FORMAT;
  version: 1;
  config: TabularDdpmConfig;
  stepsTrained: number;
  weights: Array<{ name: string; shape: number[]; offset: number }>;
  weightsFile: string;
  byteOrder: 'little-endian';
  dataBounds: { min: number[]; max: number[] } | null;
  clipMargin: number;
  metadata?: Record<string, unknown>;
}

function validateConfig(c: TabularDdpmConfig): void {
  const fail = (field: string, msg: string) => {
    throw new Error(`TabularDdpm config.${field}: ${msg}`);
  };
  if (!Number.isInteger(c.dataWidth) || c.dataWidth < 1) fail('dataWidth', `must be a positive integer, got ${c.dataWidth}`);
  if (!Number.isInteger(c.numClasses) || c.numClasses < 0) fail('numClasses', `must be an integer ≥ 0, got ${c.numClasses}`);
  if (!Number.isInteger(c.timesteps) || c.timesteps < 2) fail('timesteps', `must be an integer ≥ 2, got ${c.timesteps}`);
  if (c.schedule !== 'linear' && c.schedule !== 'cosine') fail('schedule', `must be "linear" or "cosine", got ${String(c.schedule)}`);
  if (!Array.isArray(c.hidden) || c.hidden.length === 0 || c.hidden.some((h) => !Number.isInteger(h) || h < 1)) {
    fail('hidden', `must be a non-empty list of positive integers, got ${JSON.stringify(c.hidden)}`);
  }
  if (!Number.isInteger(c.timeEmbedding) || c.timeEmbedding < 2 || c.timeEmbedding % 2 !== 0) {
    fail('timeEmbedding', `must be an even integer ≥ 2, got ${c.timeEmbedding}`);
  }
  if (!(c.condDropProb >= 0 && c.condDropProb <= 1)) fail('condDropProb', `must be in [0, 1], got ${c.condDropProb}`);
  if (c.activation !== 'silu' && c.activation !== 'relu') fail('activation', `must be "silu" or "relu", got ${String(c.activation)}`);
  if (!Number.isFinite(c.seed)) fail('seed', `must be a number, got ${c.seed}`);
  let lastEnd = 0;
  const blocks = [...c.oneHotBlocks].sort((a, b) => a[0] - b[0]);
  for (const [start, end] of blocks) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > c.dataWidth || end <= start) {
      fail('oneHotBlocks', `block [${start}, ${end}) must satisfy 0 ≤ start < end ≤ dataWidth (${c.dataWidth})`);
    }
    if (start < lastEnd) fail('oneHotBlocks', `block [${start}, ${end}) overlaps the previous block`);
    lastEnd = end;
  }
}

/** Inputs of one denoiser call, built on the JS side and uploaded as tensors. */
interface DenoiserBatch {
  /** x_t, b × dataWidth. */
  xt: Float32Array;
  /** Sinusoidal embedding rows of t, b × timeEmbedding. */
  timeEmb: Float32Array;
  /** One-hot of the class (null class = numClasses), b × (numClasses + 1). */
  classOneHot: Float32Array;
  rows: number;
}

export class TabularDdpm extends DdpmCore<TabularDdpmConfig> {
  /**
   * Per-column min/max of the data the model was trained on (set by train, persisted by save), used to
   * clip x̂₀ while sampling. They are exact statistics of the private data; set them to public bounds (or
   * null) where that matters.
   */
  dataBounds: DataBounds | null = null;
  /** Fraction of each column's range added on both sides of dataBounds for clipping. */
  clipMargin = 0.1;

  protected readonly net: TabularMlp;

  /** `initialWeights` (by save name) replace the seeded initialisation; `load` uses it. */
  constructor(options: TabularDdpmOptions, initialWeights?: Map<string, Float32Array>) {
    const config: TabularDdpmConfig = {
      ...DEFAULT_DDPM_CONFIG,
      ...options,
      hidden: [...(options.hidden ?? DEFAULT_DDPM_CONFIG.hidden)],
      oneHotBlocks: options.oneHotBlocks.map(([s, e]) => [s, e] as [number, number]),
    };
    validateConfig(config);
    super(config, {
      who: 'TabularDdpm',
      record: 'record',
      format: FORMAT,
      timeFeatures: config.timeEmbedding,
      ddpmSteps: config.timesteps,
      sampleBatch: 1024,
      queryBatch: 4096,
    });
    this.net = new TabularMlp(config, initialWeights);
  }

  protected get recordSize(): number {
    return this.config.dataWidth;
  }

  // ---------------------------------------------------------------------------------------------------
  // Denoiser inputs

  /** Builds denoiser inputs for b records: x_t rows are given; t and the class per record (null: the null class). */
  private buildInputs(xt: Float32Array, t: ArrayLike<number>, classes: ArrayLike<number> | null, rows: number): DenoiserBatch {
    const timeEmb = timeFeatureRows(this.timeTable, this.config.timeEmbedding, t, rows);
    return { xt, timeEmb, classOneHot: classOneHotRows(classes, this.config.numClasses, rows), rows };
  }

  /** Runs the denoiser on a JS-built batch with the inference weights (inside a tidy). */
  private denoiseBatch(batch: DenoiserBatch, xtTensor?: Tensor2D): Tensor2D {
    const { rows } = batch;
    const { dataWidth: D, timeEmbedding: E, numClasses: C } = this.config;
    return this.net.apply(
      xtTensor ?? tf.tensor2d(batch.xt, [rows, D]),
      tf.tensor2d(batch.timeEmb, [rows, E]),
      tf.tensor2d(batch.classOneHot, [rows, C + 1]),
    );
  }

  protected epsBatch(xt: Float32Array, t: ArrayLike<number>, classes: ArrayLike<number> | null, b: number): Float32Array {
    const batch = this.buildInputs(xt, t, classes, b);
    const eps = tf.tidy(() => this.denoiseBatch(batch));
    try {
      return eps.dataSync() as Float32Array;
    } finally {
      eps.dispose();
    }
  }

  protected countRecords(x: Float32Array, labels: Int32Array | null, what: string): number {
    const D = this.config.dataWidth;
    if (x.length % D !== 0) {
      throw new Error(`TabularDdpm.${what}: data length ${x.length} is not a multiple of dataWidth ${D}`);
    }
    const n = x.length / D;
    if (labels) this.checkLabels(labels, n, what);
    return n;
  }

  // ---------------------------------------------------------------------------------------------------
  // Training

  /**
   * Trains with the DDPM simple loss (trainingLoop.ts): L = E_{x₀,t,ε} ‖ε − ε̂_θ(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t, y)‖²
   * (Ho et al. 2020, eq. 14; mean over coordinates), t uniform, y replaced by the null class with probability
   * condDropProb (Ho & Salimans 2022, Alg. 1), minibatches drawn with replacement by a seeded Rng. `labels` may be
   * null only for an unconditional model (numClasses = 0). Also widens dataBounds to the data's column bounds.
   */
  async train(x: Float32Array, labels: Int32Array | null, opts: TrainOptions): Promise<TrainResult> {
    const { dataWidth: D, timeEmbedding: E, numClasses: C } = this.config;
    return this.trainDenoiser(x, labels, opts, {
      // No warm-up (unlike the image model): measured on fpa-census (3,000 steps, the 0.999^3000 ≈ 5% of the initial
      // weights it keeps), a warmed-up average moved accuracy and DP gap by no more than their noise, and the cached
      // tabular models and every measured number stay as they are.
      emaWarmUp: false,
      // Every weight of the MLP is a dense layer: DP-SGD reads per-record gradients from its rows (dpSgd.ts).
      dpTapOrder: this.net.tapOrder,
      beforeTraining: () => {
        let bounds: DataBounds;
        try {
          bounds = columnBounds(x, D);
        } catch (err) {
          throw new Error(`TabularDdpm.train: ${(err as Error).message}`);
        }
        this.dataBounds = mergeBounds(this.dataBounds, bounds);
      },
      writeNoisyRecord: (xt, dst, src, a, sd, noise) => {
        for (let j = 0; j < D; j++) xt[dst + j] = a * x[src + j] + sd * noise[dst + j];
      },
      batchTensors: (xt, noise, t, y, B) => {
        const batch = this.buildInputs(xt, t, y, B);
        const xtT = tf.tensor2d(batch.xt, [B, D]);
        const embT = tf.tensor2d(batch.timeEmb, [B, E]);
        const yT = tf.tensor2d(batch.classOneHot, [B, C + 1]);
        const noiseT = tf.tensor2d(noise, [B, D]);
        return { epsHat: () => this.net.apply(xtT, embT, yT), noise: noiseT };
      },
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Sampling

  /** Bounds for x̂₀ clipping: data bounds widened by clipMargin of their range, or null (no clipping). */
  private resolveClip(option: SampleOptions['clipDenoised']): { lo: Float32Array; hi: Float32Array } | null {
    const D = this.config.dataWidth;
    if (option === false) return null;
    if (option && typeof option === 'object') {
      if (option.min.length !== D || option.max.length !== D) {
        throw new Error(`TabularDdpm.sample: clipDenoised bounds must have dataWidth (${D}) entries`);
      }
      return { lo: Float32Array.from(option.min), hi: Float32Array.from(option.max) };
    }
    if (!this.dataBounds) {
      if (option === true) {
        throw new Error('TabularDdpm.sample: clipDenoised is true but the model has no dataBounds (train it or set them)');
      }
      return null;
    }
    const { min, max } = this.dataBounds;
    const margin = this.clipMargin;
    const lo = new Float32Array(D);
    const hi = new Float32Array(D);
    for (let j = 0; j < D; j++) {
      const range = Math.max(max[j] - min[j], 1e-6);
      lo[j] = min[j] - margin * range;
      hi[j] = max[j] + margin * range;
    }
    return { lo, hi };
  }

  /**
   * Draws n records. labels: one class per record (conditional), or null (unconditional, null class).
   * The reverse process of sampler.ts (`stepCoefficients`: ddpm as Ho et al. eq. 11 respaced, ddim as Song et al.
   * eq. 12), taken here as x_prev = A_i·x + B_i·ε̃ + σ_i·z with tf ops on the batch.
   * Guidance: ε̃ = ε_uncond + s·(ε_cond − ε_uncond) (s = guidanceScale; s = 1 is the conditional model).
   * With x̂₀ clipping (the default once the model has dataBounds) the same steps are taken in the x̂₀ form:
   * ddpm x_prev = μ̃(clip(x̂₀), x) + σz (DDPM eq. 7), ddim with ε re-derived from the clipped x̂₀. Without it,
   * the cosine schedule's last step (β clipped to 0.999, so ᾱ_{T−1} ≈ 1e-7) lets DDIM's first jump amplify
   * errors of ε̂ by ~√(ᾱ'/ᾱ) ≈ 30-60×; measured on the test tables, class means came out ~20 off.
   * Returns n × dataWidth, one-hot blocks snapped (see snapOneHot). Deterministic given (seed, n, labels,
   * options); a different batchSize gives different (equally valid) samples.
   */
  async sample(n: number, labels: Int32Array | null, opts: SampleOptions): Promise<Float32Array> {
    return (await this.runSampler(n, labels, opts, null)).samples;
  }

  /**
   * `sample` that also keeps the intermediate states (and x̂₀) at the requested timesteps (gray-box generation
   * trajectory, docs/mia.md). The chain is the same computation, so `samples` equals `sample`'s result for the
   * same arguments; reading the states back costs one device→host copy per kept step.
   */
  async sampleTrajectory(n: number, labels: Int32Array | null, opts: SampleOptions & { trajectory: TrajectoryOptions }): Promise<SampledTrajectory> {
    checkTrajectoryTimesteps(opts.trajectory.timesteps, this.samplerTimesteps(opts), this.config.timesteps);
    const result = await this.runSampler(n, labels, opts, opts.trajectory);
    return { samples: result.samples, states: result.states!, predictedX0: result.predictedX0 };
  }

  private async runSampler(
    n: number,
    labels: Int32Array | null,
    opts: SampleOptions,
    trace: TrajectoryOptions | null,
  ): Promise<{ samples: Float32Array; states: Float32Array | null; predictedX0: Float32Array | null }> {
    const chain = this.startSampling(n, labels, opts, opts.ddpmVariance ?? 'posterior');
    const D = this.config.dataWidth;
    const clip = this.resolveClip(opts.clipDenoised);
    const lo = clip ? tf.tensor2d(clip.lo, [1, D]) : null;
    const hi = clip ? tf.tensor2d(clip.hi, [1, D]) : null;
    try {
      const result = await this.runChains(n, opts, trace, chain, (start, b, init) =>
        this.chainBatch({ labels, start, b, init, lo, hi, sampler: chain.sampler, seq: chain.seq, coefs: chain.coefs, guidance: opts.guidanceScale ?? 1 }),
      );
      if (opts.snapOneHot ?? true) snapOneHotBlocks(result.out, D, this.config.oneHotBlocks);
      return { samples: result.out, states: result.states, predictedX0: result.predictedX0 };
    } finally {
      lo?.dispose();
      hi?.dispose();
    }
  }

  /** b chains as tensors: the sampler's step in tf ops (ddpm or ddim, in the ε form or with x̂₀ clipped to lo/hi). */
  private chainBatch(args: {
    labels: Int32Array | null;
    start: number;
    b: number;
    init: Float32Array;
    lo: Tensor2D | null;
    hi: Tensor2D | null;
    sampler: 'ddpm' | 'ddim';
    seq: number[];
    coefs: StepCoefficients[];
    guidance: number;
  }): ChainBatch {
    const { labels, start, b, sampler, seq, coefs, guidance } = args;
    const D = this.config.dataWidth;
    const useGuidance = labels !== null && guidance !== 1;
    const rows = useGuidance ? 2 * b : b;
    // Conditional rows first, then (with guidance) the same x with the null class.
    const classes = new Int32Array(rows).fill(this.nullClass);
    if (labels) classes.set(labels.subarray(start, start + b));
    let x: Tensor2D = tf.tensor2d(args.init, [b, D]);
    // Bounds tiled to the batch once: wasm's Minimum/Maximum are ~20× slower when broadcasting.
    const loB = args.lo ? tf.tile(args.lo, [b, 1]) : null;
    const hiB = args.hi ? tf.tile(args.hi, [b, 1]) : null;
    return {
      state: () => x.dataSync() as Float32Array,
      step: (i, z, wantX0) => {
        const c = coefs[i];
        const batch = this.buildInputs(new Float32Array(0), new Int32Array(rows).fill(seq[i]), classes, rows);
        let x0Kept: Tensor | null = null;
        const next = tf.tidy(() => {
          let eps: Tensor;
          if (useGuidance) {
            const both = this.denoiseBatch(batch, tf.concat([x, x], 0) as Tensor2D);
            const cond = tf.slice(both, [0, 0], [b, D]);
            const uncond = tf.slice(both, [b, 0], [b, D]);
            eps = tf.add(uncond, tf.mul(tf.sub(cond, uncond), guidance));
          } else {
            eps = this.denoiseBatch(batch, x);
          }
          if (wantX0) {
            // Unclipped x̂₀ from this step's ε̃ (DDPM eq. 15), kept out of the tidy and read back below.
            x0Kept = tf.keep(tf.sub(tf.mul(x, c.sqrtRecipAb), tf.mul(eps, c.sqrtRecipM1Ab)));
          }
          let xPrev: Tensor;
          if (loB && hiB) {
            // x̂₀ form with x̂₀ clipped to the data bounds (improved-diffusion `clip_denoised`).
            const x0 = tf.minimum(tf.maximum(tf.sub(tf.mul(x, c.sqrtRecipAb), tf.mul(eps, c.sqrtRecipM1Ab)), loB), hiB);
            if (sampler === 'ddpm') {
              xPrev = tf.add(tf.mul(x0, c.meanCoefX0), tf.mul(x, c.meanCoefXt));
            } else {
              const epsRe = tf.div(tf.sub(x, tf.mul(x0, c.sqrtAb)), c.sqrtOneMinusAb);
              xPrev = tf.add(tf.mul(x0, c.sqrtAbPrev), tf.mul(epsRe, c.dirCoef));
            }
          } else {
            xPrev = tf.add(tf.mul(x, c.epsFormA), tf.mul(eps, c.epsFormB));
          }
          if (z) xPrev = tf.add(xPrev, tf.mul(tf.tensor2d(z, [b, D]), c.sigma));
          return xPrev as Tensor2D;
        });
        let x0: Float32Array | null = null;
        if (x0Kept !== null) {
          const kept: Tensor = x0Kept;
          x0 = kept.dataSync() as Float32Array;
          kept.dispose();
        }
        x.dispose();
        x = next;
        return x0;
      },
      finish: (out, at) => out.set(x.dataSync() as Float32Array, at * D),
      dispose: () => {
        x.dispose();
        loB?.dispose();
        hiB?.dispose();
      },
    };
  }

  // ---------------------------------------------------------------------------------------------------
  // Gray-box access for attacks (predictNoise: ddpmCore.ts)

  /** x̂₀ = (x_t − √(1−ᾱ_t)·ε̂_θ(x_t, t, y)) / √ᾱ_t (DDPM eq. 15), per record. */
  predictX0(xt: Float32Array, t: Int32Array, labels: Int32Array | null): Float32Array {
    return predictX0FromNoise(this.schedule, xt, t, this.predictNoise(xt, t, labels), this.config.dataWidth);
  }

  /** Forward process sample x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε (DDPM eq. 4) for given noise, per record. */
  qSample(x0: Float32Array, t: Int32Array, noise: Float32Array): Float32Array {
    const D = this.config.dataWidth;
    if (x0.length !== noise.length || x0.length !== t.length * D) {
      throw new Error(`TabularDdpm.qSample: x0 (${x0.length}), noise (${noise.length}) and t (${t.length}×${D}) disagree`);
    }
    this.checkTimesteps(t, 'qSample');
    const { sqrtAlphaBars: a, sqrtOneMinusAlphaBars: s } = this.schedule;
    const out = new Float32Array(x0.length);
    for (let i = 0; i < t.length; i++) {
      for (let j = i * D; j < (i + 1) * D; j++) out[j] = a[t[i]] * x0[j] + s[t[i]] * noise[j];
    }
    return out;
  }

  /**
   * Per-record denoising loss ‖ε − ε̂_θ(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t, y)‖² / dataWidth at each requested timestep,
   * averaged over noiseDraws draws. Common random numbers: draw d at timestep k uses the same noise vector
   * ε_{k,d} ∈ R^dataWidth for every record, so differences between records are not noise and a record's
   * value does not depend on which other records are in the call. Returns n × timesteps.length, row-major
   * (record i, timestep k at i·K + k). labels null = null class (unconditional ε).
   */
  perTimestepLoss(
    x0: Float32Array,
    labels: Int32Array | null,
    timesteps: number[],
    opts: PerTimestepLossOptions,
  ): Float32Array {
    this.checkAlive();
    const n = this.countRecords(x0, labels, 'perTimestepLoss');
    this.checkTimesteps(timesteps, 'perTimestepLoss');
    if (!Number.isInteger(opts.noiseDraws) || opts.noiseDraws < 1) {
      throw new Error(`TabularDdpm.perTimestepLoss: noiseDraws must be a positive integer, got ${opts.noiseDraws}`);
    }
    const D = this.config.dataWidth;
    const K = timesteps.length;
    const draws = opts.noiseDraws;
    const batchSize = Math.max(1, opts.batchSize ?? 4096);
    // noise[(k·draws + d)·D ..] is ε_{k,d}; drawn in a fixed order so results depend only on (seed, K, draws).
    const noise = new Float32Array(K * draws * D);
    fillStandardNormal(noise, opts.seed);
    const { sqrtAlphaBars, sqrtOneMinusAlphaBars } = this.schedule;
    const out = new Float32Array(n * K);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const classes = labels && labels.subarray(start, start + b);
      for (let k = 0; k < K; k++) {
        const t = timesteps[k];
        const a = sqrtAlphaBars[t];
        const sd = sqrtOneMinusAlphaBars[t];
        const acc = new Float64Array(b);
        for (let d = 0; d < draws; d++) {
          const eps = noise.subarray((k * draws + d) * D, (k * draws + d + 1) * D);
          const xt = new Float32Array(b * D);
          for (let i = 0; i < b; i++) {
            const src = (start + i) * D;
            for (let j = 0; j < D; j++) xt[i * D + j] = a * x0[src + j] + sd * eps[j];
          }
          const batch = this.buildInputs(xt, new Int32Array(b).fill(t), classes, b);
          const perRow = tf.tidy(() => tf.mean(tf.squaredDifference(this.denoiseBatch(batch), tf.tensor2d(eps, [1, D])), 1));
          const values = perRow.dataSync();
          perRow.dispose();
          for (let i = 0; i < b; i++) acc[i] += values[i];
        }
        for (let i = 0; i < b; i++) out[(start + i) * K + k] = acc[i] / draws;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // Persistence

  /**
   * Writes model.json (config, weight manifest, data bounds, metadata) and weights.bin (float32, little-endian)
   * into `dir`. Atomic: everything is written and fsynced into a sibling temporary directory which is then
   * renamed to `dir`; an existing `dir` is first moved aside and removed only after the rename, so a crash
   * leaves either the old model, the new model, or an ignorable `*.tmp-*` / `*.old-*` sibling (modelFiles.ts).
   */
  async save(dir: string, metadata?: Record<string, unknown>): Promise<void> {
    const bounds = this.dataBounds;
    await this.saveModel(dir, metadata, {
      dataBounds: bounds ? { min: Array.from(bounds.min), max: Array.from(bounds.max) } : null,
      clipMargin: this.clipMargin,
    });
  }

  static async load(dir: string): Promise<TabularDdpm> {
    const read = await readModelDirOfFormat(dir, 'TabularDdpm.load', FORMAT, DDPM_FORMAT_VERSION);
    const json = read.json as unknown as SavedModelJson;
    const model = new TabularDdpm(json.config, read.weights);
    model.restoreSaved(json);
    model.clipMargin = json.clipMargin ?? model.clipMargin;
    const bounds = json.dataBounds;
    if (bounds && (bounds.min.length !== json.config.dataWidth || bounds.max.length !== json.config.dataWidth)) {
      model.dispose();
      throw new Error(`TabularDdpm.load: dataBounds in ${MODEL_JSON} do not have dataWidth (${json.config.dataWidth}) entries`);
    }
    model.dataBounds = bounds ? { min: Float32Array.from(bounds.min), max: Float32Array.from(bounds.max) } : null;
    return model;
  }
}
