/**
 * A class-conditional Gaussian DDPM for encoded tabular data (docs/diffusion.md).
 *
 * The model works on an encoded float matrix (n × dataWidth, row-major: numeric columns standardised,
 * categorical columns one-hot) and only needs to know where the one-hot blocks are; it never sees the
 * TableEncoder. Equations: DDPM (Ho et al. 2020) with ε-prediction and the simple loss (eq. 14); the
 * tabular denoiser is an MLP as in TabDDPM (Kotelnikov et al. 2023), with categorical columns diffused as
 * Gaussian one-hot vectors (TabDDPM uses multinomial diffusion for them; see the doc for why not here);
 * classifier-free guidance as in Ho & Salimans (2022); DDIM (Song et al. 2021) for fast sampling.
 *
 * Every tensor op goes through `tf` from shared/tf so that the backend chosen by initBackend is used.
 * Traps avoided on wasm (shared stack.md §5): no tf.layers.embedding (class embedding = one-hot · matrix),
 * no fused matMul+bias (plain matMul + add). The dense layers carry hand-written gradients (bias gradient
 * as a matmul, activation derivative in one chain), checked against autodiff in test/diffusion.test.ts.
 */
import * as path from 'path';
import { learningRateAt, type LearningRateSchedule } from './learningRate';
import { LossWindow, PeriodicYield, WeightAverage } from '../../shared/tf/trainingBookkeeping';
import { MODEL_JSON, readModelDir, writeModelDirAtomic } from './modelFiles';
import { tf } from '../../shared/tf';
import { Rng, deriveSeed } from '../../shared/random';
import { DiffusionSchedule, ScheduleKind, checkTrajectoryTimesteps, makeSchedule, predictX0FromNoise, spacedTimesteps } from '../../shared/diffusion/schedule';

type Tensor = ReturnType<typeof tf.tensor>;
type Tensor1D = ReturnType<typeof tf.tensor1d>;
type Tensor2D = ReturnType<typeof tf.tensor2d>;
type Variable = ReturnType<typeof tf.variable>;
type Optimizer = ReturnType<typeof tf.train.adam>;

export type Activation = 'silu' | 'relu';

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

/** Steps, peak Adam learning rate, warm-up and decay: `LearningRateSchedule` (learningRate.ts). */
export interface TrainOptions extends LearningRateSchedule {
  batchSize: number;
  /** Clip gradients to this global L2 norm (default: no clipping). Costs a few ops per variable per step. */
  gradClipNorm?: number;
  /** Exponential moving average of the weights with this decay (e.g. 0.999); 0 or absent = off. When on,
   *  the EMA weights replace the trained weights at the end of train(). */
  emaDecay?: number;
  /** Seed of minibatches, timesteps, noise and label dropout; default derived from config.seed and the
   *  number of steps already trained. */
  seed?: number;
  onProgress?: (step: number, loss: number) => void;
  /** Read the loss back (one device→host sync) every this many steps (default 50). */
  progressEvery?: number;
  /** Yield to the event loop when this much wall time has passed since the last yield (default 50 ms). */
  yieldEveryMs?: number;
}

export interface TrainResult {
  /** Mean training loss over each window of progressEvery steps (the last window may be shorter). */
  losses: number[];
  /** Step number (1-based, within this call) at the end of each window. */
  lossSteps: number[];
  stepsPerSecond: number;
}

export interface SampleOptions {
  seed: number;
  /** CFG scale s in ε̃ = ε_uncond + s·(ε_cond − ε_uncond): 1 = plain conditional (default), 0 =
   *  unconditional, > 1 = stronger guidance. Ignored when labels is null. */
  guidanceScale?: number;
  /** 'ddpm' (ancestral, posterior variance β̃) or 'ddim' (deterministic for eta = 0). */
  sampler?: 'ddpm' | 'ddim';
  /** Number of denoising steps, an evenly spaced subset of the T steps (default: T for ddpm, min(T, 50) for
   *  ddim). For ddpm with steps < T the schedule is respaced (improved-diffusion). */
  steps?: number;
  /** Variance of the ancestral (ddpm) steps: 'posterior' = β̃_t (default; the true posterior variance for a
   *  point-mass x₀) or 'beta' = β_t (the upper bound; Ho et al. §3.2 found both similar; on the tests'
   *  synthetic tables it gave slightly less under-dispersed numeric columns). */
  ddpmVariance?: 'posterior' | 'beta';
  /** DDIM η (default 0). */
  eta?: number;
  /** Records denoised together (default 1024). Results depend on seed, n, labels and batchSize. */
  batchSize?: number;
  /**
   * Clip x̂₀ at every step (improved-diffusion `clip_denoised`): true/undefined = to the model's dataBounds
   * widened by clipMargin when it has them (default), false = never, or explicit per-column bounds.
   */
  clipDenoised?: boolean | { min: ArrayLike<number>; max: ArrayLike<number> };
  /** Replace each one-hot block by the one-hot of its argmax (default true); false returns the raw values. */
  snapOneHot?: boolean;
  /** Called after each batch of records with the number of records finished. */
  onProgress?: (recordsDone: number, total: number) => void;
  /** Yield to the event loop when this much wall time has passed since the last yield (default 50 ms). */
  yieldEveryMs?: number;
}

/** What `sampleTrajectory` records besides the final samples. */
export interface TrajectoryOptions {
  /** Timesteps whose states to keep, each on the sampler's schedule (`samplerTimesteps`), distinct. */
  timesteps: number[];
  /** Also keep x̂₀ at those timesteps. */
  predictedX0: boolean;
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

interface StepCoefficients {
  sqrtRecipAb: number;
  sqrtRecipM1Ab: number;
  sqrtAb: number;
  sqrtOneMinusAb: number;
  sqrtAbPrev: number;
  /** x_prev = A·x + B·ε̃ (+ σ z) when x̂₀ is not clipped. */
  epsFormA: number;
  epsFormB: number;
  /** DDPM posterior mean μ̃ = meanCoefX0·x̂₀ + meanCoefXt·x. */
  meanCoefX0: number;
  meanCoefXt: number;
  /** DDIM: x_prev = √ᾱ'·x̂₀ + dirCoef·ε + σ z. */
  dirCoef: number;
  sigma: number;
}

/** Per-column bounds of the encoded data. */
export interface DataBounds {
  min: Float32Array;
  max: Float32Array;
}

interface SavedModelJson {
  format: 'sharebox-tabular-ddpm';
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

/** Sinusoidal embedding of every timestep 0..T−1 (Vaswani et al. 2017, as used in DDPM): row t is
 *  [cos(t·ω_0..ω_{h−1}), sin(t·ω_0..ω_{h−1})], ω_i = 10000^(−i/h), h = dim/2. */
function sinusoidalTable(T: number, dim: number): Float32Array {
  const half = dim / 2;
  const out = new Float32Array(T * dim);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.exp((-Math.log(10000) * i) / half);
      out[t * dim + i] = Math.cos(angle);
      out[t * dim + half + i] = Math.sin(angle);
    }
  }
  return out;
}

/**
 * Fills `out` with iid N(0, 1) values: Marsaglia's polar method on a mulberry32 stream (the generator of
 * shared/random.ts, inlined) seeded by `seed`. About 2× faster than Rng.normal and tf.randomNormal, which
 * matters because a training step needs batch × dataWidth normals.
 */
export function fillStandardNormal(out: Float32Array, seed: number): void {
  let state = seed >>> 0;
  const uniformPm1 = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
  };
  let i = 0;
  while (i < out.length) {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = uniformPm1();
      v = uniformPm1();
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    out[i++] = u * m;
    if (i < out.length) out[i++] = v * m;
  }
}

/** Per-column min and max of an n × width row-major matrix; throws on a non-finite value (a NaN would
 *  silently poison training). */
export function columnBounds(x: Float32Array, width: number): DataBounds {
  const min = new Float32Array(width).fill(Infinity);
  const max = new Float32Array(width).fill(-Infinity);
  for (let i = 0; i < x.length; i += width) {
    for (let j = 0; j < width; j++) {
      const v = x[i + j];
      if (!Number.isFinite(v)) {
        throw new Error(`record ${i / width}, column ${j} of the encoded data is ${v}; the encoder must produce finite values`);
      }
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    }
  }
  return { min, max };
}

function mergeBounds(a: DataBounds | null, b: DataBounds): DataBounds {
  if (!a) return b;
  return {
    min: a.min.map((v, j) => Math.min(v, b.min[j])),
    max: a.max.map((v, j) => Math.max(v, b.max[j])),
  };
}

/** Replaces each one-hot block of every row by the one-hot vector of its argmax (first maximum on ties). */
export function snapOneHotBlocks(x: Float32Array, width: number, blocks: Array<[number, number]>): void {
  const n = x.length / width;
  for (let r = 0; r < n; r++) {
    const row = r * width;
    for (const [start, end] of blocks) {
      let best = start;
      for (let j = start + 1; j < end; j++) if (x[row + j] > x[row + best]) best = j;
      for (let j = start; j < end; j++) x[row + j] = j === best ? 1 : 0;
    }
  }
}

/** One weight of the denoiser: its name (a stable save key), shape, offset in the flat parameter vector. */
interface WeightSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  /** Standard deviation of the N(0, std²) initialisation; 0 = zeros. */
  initStd: number;
}

/** The denoiser's weights (the model's variables, typed by role). */
interface DenoiserWeights {
  timeW: Tensor2D;
  timeB: Tensor1D;
  /** First hidden layer: x_t part, time-feature part, class embedding (one row per class + null), bias. */
  inputWx: Tensor2D;
  inputWt: Tensor2D;
  classE: Tensor2D;
  inputB: Tensor1D;
  /** Hidden layers 1..L−1. */
  hiddenW: Tensor2D[];
  hiddenB: Tensor1D[];
  outW: Tensor2D;
  outB: Tensor1D;
}

/** Inputs of one denoiser call, built on the JS side and uploaded as four tensors. */
interface DenoiserBatch {
  /** x_t, b × dataWidth. */
  xt: Float32Array;
  /** Sinusoidal embedding rows of t, b × timeEmbedding. */
  timeEmb: Float32Array;
  /** One-hot of the class (null class = numClasses), b × (numClasses + 1). */
  classOneHot: Float32Array;
  rows: number;
}

export class TabularDdpm {
  readonly config: TabularDdpmConfig;
  readonly schedule: DiffusionSchedule;
  /** Free-form metadata saved with the model (e.g. the encoder description, training summary). */
  metadata: Record<string, unknown> = {};
  /** Total optimisation steps applied to this model (persisted by save). */
  stepsTrained = 0;
  /**
   * Per-column min/max of the data the model was trained on (set by train, persisted by save), used to
   * clip x̂₀ while sampling. They are exact statistics of the private data; set them to public bounds (or
   * null) where that matters.
   */
  dataBounds: DataBounds | null = null;
  /** Fraction of each column's range added on both sides of dataBounds for clipping. */
  clipMargin = 0.1;

  /** Layout of the weights (names, shapes, offsets in the saved flat vector) and one variable per weight. */
  private readonly specs: WeightSpec[];
  private readonly vars: Variable[];
  private readonly weights: DenoiserWeights;

  private readonly timeTable: Float32Array;
  private optimizer: Optimizer | null = null;
  private disposed = false;

  /** `initialWeights` (by save name) replace the seeded initialisation; `load` uses it. */
  constructor(options: TabularDdpmOptions, initialWeights?: Map<string, Float32Array>) {
    const config: TabularDdpmConfig = {
      ...DEFAULT_DDPM_CONFIG,
      ...options,
      hidden: [...(options.hidden ?? DEFAULT_DDPM_CONFIG.hidden)],
      oneHotBlocks: options.oneHotBlocks.map(([s, e]) => [s, e] as [number, number]),
    };
    validateConfig(config);
    this.config = config;
    this.schedule = makeSchedule(config.schedule, config.timesteps);
    this.timeTable = sinusoidalTable(config.timesteps, config.timeEmbedding);

    const { dataWidth: D, timeEmbedding: E, numClasses: C, hidden } = config;
    const specs: WeightSpec[] = [];
    let offset = 0;
    const add = (name: string, shape: number[], initStd: number) => {
      const size = shape.reduce((a, b) => a * b, 1);
      specs.push({ name, shape, offset, size, initStd });
      offset += size;
    };
    // The first hidden layer reads [x_t, time features, class embedding]; a dense layer on a concatenation
    // is the sum of one matmul per part, which is how it is stored and computed (no concat in the forward
    // pass, no split in the backward pass). The class part is onehot(y)·E with E of shape
    // (numClasses+1) × hidden[0]: the learned class embedding and its block of the first layer, merged.
    // He initialisation (std √(2/fan_in)) for layers followed by ReLU/SiLU; Glorot for the output layer;
    // zero biases.
    add('time/W', [E, E], Math.sqrt(2 / E));
    add('time/b', [E], 0);
    const inputStd = Math.sqrt(2 / (D + E + 1));
    add('input/Wx', [D, hidden[0]], inputStd);
    add('input/Wt', [E, hidden[0]], inputStd);
    add('class/E', [C + 1, hidden[0]], inputStd);
    add('input/b', [hidden[0]], 0);
    let fanIn = hidden[0];
    for (let i = 1; i < hidden.length; i++) {
      add(`hidden${i}/W`, [fanIn, hidden[i]], Math.sqrt(2 / fanIn));
      add(`hidden${i}/b`, [hidden[i]], 0);
      fanIn = hidden[i];
    }
    add('out/W', [fanIn, D], Math.sqrt(2 / (fanIn + D)));
    add('out/b', [D], 0);
    this.specs = specs;

    const flat = new Float32Array(offset);
    for (const spec of specs) {
      const view = flat.subarray(spec.offset, spec.offset + spec.size);
      if (initialWeights) {
        const values = initialWeights.get(spec.name);
        if (!values || values.length !== spec.size) {
          throw new Error(
            `TabularDdpm: weight "${spec.name}" missing or of wrong size (expected ${spec.size}, got ${values?.length ?? 'none'})`,
          );
        }
        view.set(values);
      } else if (spec.initStd > 0) {
        // Seeded per weight, in JS, so the initialisation is the same on every backend.
        fillStandardNormal(view, deriveSeed(config.seed, `init/${spec.name}`));
        for (let i = 0; i < view.length; i++) view[i] *= spec.initStd;
      }
    }
    // One variable per weight. (A single flat variable split in the forward pass would cut Adam's op count,
    // but wasm's Slice/SplitV copy the whole source buffer per piece, which costs more than it saves.)
    this.vars = specs.map((spec) => {
      const init = tf.tensor(flat.subarray(spec.offset, spec.offset + spec.size), spec.shape, 'float32');
      const v = tf.variable(init, true);
      init.dispose();
      return v;
    });
    const byName = new Map(specs.map((spec, k) => [spec.name, this.vars[k]]));
    const get = <R extends Tensor>(name: string) => byName.get(name) as unknown as R;
    this.weights = {
      timeW: get('time/W'),
      timeB: get('time/b'),
      inputWx: get('input/Wx'),
      inputWt: get('input/Wt'),
      classE: get('class/E'),
      inputB: get('input/b'),
      hiddenW: hidden.slice(1).map((_, i) => get(`hidden${i + 1}/W`)),
      hiddenB: hidden.slice(1).map((_, i) => get(`hidden${i + 1}/b`)),
      outW: get('out/W'),
      outB: get('out/b'),
    };
  }

  /** Index of the "null" class used for unconditional ε (classifier-free guidance). */
  get nullClass(): number {
    return this.config.numClasses;
  }

  get numParameters(): number {
    return this.specs.reduce((a, spec) => a + spec.size, 0);
  }

  /** Copies of the weights by name (for inspection and tests). */
  getWeights(): Map<string, Float32Array> {
    return new Map(this.specs.map((spec, k) => [spec.name, Float32Array.from(this.vars[k].dataSync() as Float32Array)]));
  }

  // ---------------------------------------------------------------------------------------------------
  // Denoiser

  /**
   * ε̂_θ(x_t, t, y) = MLP([x_t, SiLU(W_t·emb(t) + b_t), onehot(y)·E]) (must be called inside a tidy).
   * The class embedding is a one-hot matmul rather than a gather, so its gradient is a matmul (wasm has no
   * UnsortedSegmentSum, which the gather gradient needs). The first layer is computed as
   * x_t·W_x + timeFeat·W_t + onehot(y)·E + b (see the constructor).
   */
  private denoise(xt: Tensor2D, timeEmb: Tensor2D, classOneHot: Tensor2D, w: DenoiserWeights): Tensor2D {
    const act = this.config.activation;
    const timeFeat = DENSE.silu(timeEmb, w.timeW, w.timeB);
    let h = inputLayer(xt, classOneHot, act)(timeFeat, w.inputWx, w.inputWt, w.classE, w.inputB);
    for (let i = 0; i < w.hiddenW.length; i++) h = DENSE[act](h, w.hiddenW[i], w.hiddenB[i]);
    return DENSE.linear(h, w.outW, w.outB);
  }

  /** Builds denoiser inputs for b records: x_t rows are given; t and the class per record. */
  private buildInputs(xt: Float32Array, t: ArrayLike<number>, classes: ArrayLike<number>, rows: number): DenoiserBatch {
    const E = this.config.timeEmbedding;
    const C1 = this.config.numClasses + 1;
    const timeEmb = new Float32Array(rows * E);
    const classOneHot = new Float32Array(rows * C1);
    for (let i = 0; i < rows; i++) {
      timeEmb.set(this.timeTable.subarray(t[i] * E, t[i] * E + E), i * E);
      classOneHot[i * C1 + classes[i]] = 1;
    }
    return { xt, timeEmb, classOneHot, rows };
  }

  /** Runs the denoiser on a JS-built batch with the inference weights (inside a tidy). */
  private denoiseBatch(batch: DenoiserBatch, xtTensor?: Tensor2D): Tensor2D {
    const { rows } = batch;
    const { dataWidth: D, timeEmbedding: E, numClasses: C } = this.config;
    return this.denoise(
      xtTensor ?? tf.tensor2d(batch.xt, [rows, D]),
      tf.tensor2d(batch.timeEmb, [rows, E]),
      tf.tensor2d(batch.classOneHot, [rows, C + 1]),
      this.weights,
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // Training

  private checkData(x: Float32Array, labels: Int32Array | null, what: string): number {
    const D = this.config.dataWidth;
    if (x.length % D !== 0) {
      throw new Error(`TabularDdpm.${what}: data length ${x.length} is not a multiple of dataWidth ${D}`);
    }
    const n = x.length / D;
    if (labels) this.checkLabels(labels, n, what);
    return n;
  }

  private checkLabels(labels: Int32Array, n: number, what: string): void {
    if (labels.length !== n) {
      throw new Error(`TabularDdpm.${what}: ${labels.length} labels for ${n} records`);
    }
    for (let i = 0; i < n; i++) {
      if (!(labels[i] >= 0 && labels[i] < this.config.numClasses)) {
        throw new Error(
          `TabularDdpm.${what}: label ${labels[i]} of record ${i} is outside [0, ${this.config.numClasses}) (numClasses)`,
        );
      }
    }
  }

  /**
   * Trains with the DDPM simple loss L = E_{x₀,t,ε} ‖ε − ε̂_θ(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t, y)‖² (Ho et al. 2020,
   * eq. 14; mean over coordinates), t uniform, y replaced by the null class with probability condDropProb
   * (Ho & Salimans 2022, Alg. 1). Minibatches are drawn with replacement by a seeded Rng. `labels` may be
   * null only for an unconditional model (numClasses = 0).
   *
   * The batch (x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε, ε, time-embedding rows, class one-hots) is assembled on the JS
   * side and uploaded as four tensors. Measured on wasm (batch 256 × 110): gathering the rows with
   * tf.gather from a tensor kept on the backend took 3-5 ms per step (its kernel copies element by element
   * and reads the indices back), against 0.2-0.5 ms for JS row copies plus the upload; the x_t loop adds
   * ~0.05 ms and the noise (fillStandardNormal) a few tenths of a ms, against 25-30 ms of tf work per step.
   */
  async train(x: Float32Array, labels: Int32Array | null, opts: TrainOptions): Promise<TrainResult> {
    this.checkAlive();
    const n = this.checkData(x, labels, 'train');
    if (n === 0) throw new Error('TabularDdpm.train: no records');
    if (!labels && this.config.numClasses > 0) {
      throw new Error(`TabularDdpm.train: labels are required for a conditional model (numClasses = ${this.config.numClasses})`);
    }
    if (!Number.isInteger(opts.steps) || opts.steps < 1) {
      throw new Error(`TabularDdpm.train: steps must be a positive integer, got ${opts.steps}`);
    }
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
      throw new Error(`TabularDdpm.train: batchSize must be a positive integer, got ${opts.batchSize}`);
    }
    if (!(opts.learningRate > 0)) throw new Error(`TabularDdpm.train: learningRate must be > 0, got ${opts.learningRate}`);

    const { timesteps: T, dataWidth: D, timeEmbedding: E, numClasses: C, condDropProb } = this.config;
    const B = opts.batchSize;
    const progressEvery = Math.max(1, opts.progressEvery ?? 50);
    const yieldEveryMs = opts.yieldEveryMs ?? 50;
    const emaDecay = opts.emaDecay ?? 0;
    const clip = opts.gradClipNorm ?? 0;
    const rng = new Rng(opts.seed ?? deriveSeed(this.config.seed, `train/${this.stepsTrained}`));
    const nullClass = this.nullClass;
    const { sqrtAlphaBars, sqrtOneMinusAlphaBars } = this.schedule;

    let bounds: DataBounds;
    try {
      bounds = columnBounds(x, D);
    } catch (err) {
      throw new Error(`TabularDdpm.train: ${(err as Error).message}`);
    }
    this.dataBounds = mergeBounds(this.dataBounds, bounds);
    if (!this.optimizer) this.optimizer = tf.train.adam(opts.learningRate);
    const optimizer = this.optimizer;
    // tfjs' Adam reads this.learningRate on every applyGradients, so a schedule can set it per step.
    const optimizerWithLr = optimizer as unknown as { learningRate: number };

    const lossWindow = new LossWindow(progressEvery, opts.steps);
    // No warm-up (unlike the image model): measured on fpa-census (3,000 steps, the 0.999^3000 ≈ 5% of the initial
    // weights it keeps), a warmed-up average moved accuracy and DP gap by no more than their noise, and the cached
    // tabular models and every measured number stay as they are.
    const ema = emaDecay > 0 ? new WeightAverage(this.vars, emaDecay, false) : null;
    const pause = new PeriodicYield(yieldEveryMs);
    const tIdx = new Int32Array(B);
    const yIdx = new Int32Array(B);
    const started = performance.now();

    try {
      for (let step = 0; step < opts.steps; step++) {
        // train() yields to the event loop, so other code may run (and even dispose the model) in between.
        this.checkAlive();
        const noise = new Float32Array(B * D);
        fillStandardNormal(noise, rng.seed());
        const xt = new Float32Array(B * D);
        for (let i = 0; i < B; i++) {
          const r = rng.int(n);
          const t = rng.int(T);
          tIdx[i] = t;
          yIdx[i] = labels === null || rng.next() < condDropProb ? nullClass : labels[r];
          // x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε (DDPM eq. 4)
          const a = sqrtAlphaBars[t];
          const sd = sqrtOneMinusAlphaBars[t];
          const src = r * D;
          const dst = i * D;
          for (let j = 0; j < D; j++) xt[dst + j] = a * x[src + j] + sd * noise[dst + j];
        }
        const batch = this.buildInputs(xt, tIdx, yIdx, B);
        optimizerWithLr.learningRate = learningRateAt(step, opts);

        tf.tidy(() => {
          const xtT = tf.tensor2d(batch.xt, [B, D]);
          const embT = tf.tensor2d(batch.timeEmb, [B, E]);
          const yT = tf.tensor2d(batch.classOneHot, [B, C + 1]);
          const noiseT = tf.tensor2d(noise, [B, D]);
          const { value, grads } = tf.variableGrads(
            () => tf.mean(tf.squaredDifference(this.denoise(xtT, embT, yT, this.weights), noiseT)) as ReturnType<typeof tf.scalar>,
            this.vars,
          );
          let named = this.vars.map((w) => ({ name: w.name, tensor: grads[w.name] }));
          if (clip > 0) {
            // Global-norm clipping: g ← g · min(1, c / ‖g‖).
            const norm = tf.sqrt(tf.addN(named.map((g) => tf.sum(tf.square(g.tensor)))));
            const factor = tf.minimum(1, tf.div(clip, tf.add(norm, 1e-12)));
            named = named.map((g) => ({ name: g.name, tensor: tf.mul(g.tensor, factor) }));
          }
          optimizer.applyGradients(named);
          lossWindow.add(value);
          ema?.update();
        });
        this.stepsTrained++;

        const mean = lossWindow.endStep(step + 1);
        if (mean !== null) {
          if (!Number.isFinite(mean)) {
            throw new Error(
              `TabularDdpm.train: loss became ${mean} at step ${step + 1}; lower learningRate (${opts.learningRate}) or set gradClipNorm`,
            );
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

  // ---------------------------------------------------------------------------------------------------
  // Sampling

  /** Coefficients of step i of the subsequence `seq` (see sample()), in float64. */
  private stepCoefficients(
    seq: number[],
    i: number,
    sampler: 'ddpm' | 'ddim',
    eta: number,
    ddpmVariance: 'posterior' | 'beta',
  ): StepCoefficients {
    const ab = this.schedule.alphaBars;
    const abT = ab[seq[i]];
    const abPrev = i === 0 ? 1 : ab[seq[i - 1]];
    const common = {
      sqrtRecipAb: 1 / Math.sqrt(abT),
      sqrtRecipM1Ab: Math.sqrt(1 / abT - 1),
      sqrtAb: Math.sqrt(abT),
      sqrtOneMinusAb: Math.sqrt(1 - abT),
      sqrtAbPrev: Math.sqrt(abPrev),
    };
    if (sampler === 'ddpm') {
      const beta = 1 - abT / abPrev;
      return {
        ...common,
        epsFormA: 1 / Math.sqrt(1 - beta),
        epsFormB: -beta / (Math.sqrt(1 - beta) * Math.sqrt(1 - abT)),
        meanCoefX0: (beta * Math.sqrt(abPrev)) / (1 - abT),
        meanCoefXt: ((1 - abPrev) * Math.sqrt(1 - beta)) / (1 - abT),
        dirCoef: 0,
        sigma: i === 0 ? 0 : ddpmVariance === 'beta' ? Math.sqrt(beta) : Math.sqrt((beta * (1 - abPrev)) / (1 - abT)),
      };
    }
    const sigma = eta * Math.sqrt((1 - abPrev) / (1 - abT)) * Math.sqrt(1 - abT / abPrev);
    const dirCoef = Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma));
    return {
      ...common,
      epsFormA: Math.sqrt(abPrev / abT),
      epsFormB: dirCoef - Math.sqrt((abPrev * (1 - abT)) / abT),
      meanCoefX0: 0,
      meanCoefXt: 0,
      dirCoef,
      sigma,
    };
  }

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
   * Reverse process, written for both samplers as x_prev = A_i·x + B_i·ε̃ + σ_i·z over an evenly spaced
   * subsequence τ of timesteps with ᾱ_i = ᾱ_{τ_i}, ᾱ'_i = ᾱ_{τ_{i−1}} (1 for i = 0):
   *  - ddpm (Ho et al. eq. 11, respaced as in improved-diffusion): β_i = 1 − ᾱ_i/ᾱ'_i, A = 1/√(1−β_i),
   *    B = −β_i/(√(1−β_i)·√(1−ᾱ_i)), σ² = β̃_i = β_i(1−ᾱ'_i)/(1−ᾱ_i);
   *  - ddim (Song et al. eq. 12): x̂₀ = (x − √(1−ᾱ_i) ε̃)/√ᾱ_i, x_prev = √ᾱ'_i x̂₀ + √(1−ᾱ'_i−σ²) ε̃ + σ z,
   *    σ = η √((1−ᾱ'_i)/(1−ᾱ_i)) √(1−ᾱ_i/ᾱ'_i).
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
   * The timesteps the sampler visits for these options, ascending (the chain runs them from the last down):
   * an evenly spaced subsequence of 0 … T−1 (all of them for the default ddpm sampler).
   */
  samplerTimesteps(opts: Pick<SampleOptions, 'sampler' | 'steps'>): number[] {
    const T = this.config.timesteps;
    const sampler = opts.sampler ?? 'ddpm';
    return spacedTimesteps(T, opts.steps ?? (sampler === 'ddpm' ? T : Math.min(T, 50)));
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
    this.checkAlive();
    const { dataWidth: D, timesteps: T } = this.config;
    if (!Number.isInteger(n) || n < 0) throw new Error(`TabularDdpm.sample: n must be an integer ≥ 0, got ${n}`);
    if (labels) this.checkLabels(labels, n, 'sample');
    const sampler = opts.sampler ?? 'ddpm';
    if (sampler !== 'ddpm' && sampler !== 'ddim') throw new Error(`TabularDdpm.sample: unknown sampler "${String(sampler)}"`);
    const steps = opts.steps ?? (sampler === 'ddpm' ? T : Math.min(T, 50));
    const guidance = opts.guidanceScale ?? 1;
    const eta = opts.eta ?? 0;
    const batchSize = Math.max(1, opts.batchSize ?? 1024);
    const yieldEveryMs = opts.yieldEveryMs ?? 50;
    const useGuidance = labels !== null && guidance !== 1;

    const clip = this.resolveClip(opts.clipDenoised);

    // Coefficients per step of the subsequence, in float64.
    const seq = spacedTimesteps(T, steps);
    const coefs = seq.map((_, i) => this.stepCoefficients(seq, i, sampler, eta, opts.ddpmVariance ?? 'posterior'));

    const rng = new Rng(opts.seed);
    const out = new Float32Array(n * D);
    // Trajectory: position k of each kept timestep, and n × K × D buffers for the states and x̂₀.
    const K = trace ? trace.timesteps.length : 0;
    const keptAt = new Map<number, number>(trace ? trace.timesteps.map((t, k) => [t, k]) : []);
    const states = trace ? new Float32Array(n * K * D) : null;
    const predictedX0 = trace?.predictedX0 ? new Float32Array(n * K * D) : null;
    const keep = (buffer: Float32Array, values: Float32Array, start: number, b: number, k: number) => {
      for (let r = 0; r < b; r++) buffer.set(values.subarray(r * D, (r + 1) * D), ((start + r) * K + k) * D);
    };
    const pause = new PeriodicYield(yieldEveryMs);
    const lo = clip ? tf.tensor2d(clip.lo, [1, D]) : null;
    const hi = clip ? tf.tensor2d(clip.hi, [1, D]) : null;
    try {
      for (let start = 0; start < n; start += batchSize) {
        const b = Math.min(batchSize, n - start);
        const rows = useGuidance ? 2 * b : b;
        // Conditional rows first, then (with guidance) the same x with the null class.
        const classes = new Int32Array(rows).fill(this.nullClass);
        if (labels) classes.set(labels.subarray(start, start + b));
        const init = new Float32Array(b * D);
        fillStandardNormal(init, rng.seed());
        let x: Tensor2D = tf.tensor2d(init, [b, D]);
        // Bounds tiled to the batch once: wasm's Minimum/Maximum are ~20× slower when broadcasting.
        const loB = lo ? tf.tile(lo, [b, 1]) : null;
        const hiB = hi ? tf.tile(hi, [b, 1]) : null;
        try {
          for (let i = seq.length - 1; i >= 0; i--) {
            const c = coefs[i];
            let z: Float32Array | null = null;
            if (c.sigma > 0) {
              z = new Float32Array(b * D);
              fillStandardNormal(z, rng.seed());
            }
            const batch = this.buildInputs(new Float32Array(0), new Int32Array(rows).fill(seq[i]), classes, rows);
            const k = keptAt.get(seq[i]);
            if (states && k !== undefined) keep(states, x.dataSync() as Float32Array, start, b, k);
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
              if (predictedX0 && k !== undefined) {
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
            if (x0Kept !== null && predictedX0 && k !== undefined) {
              const kept: Tensor = x0Kept;
              keep(predictedX0, kept.dataSync() as Float32Array, start, b, k);
              kept.dispose();
            }
            x.dispose();
            x = next;
            await pause.maybeYield();
          }
          out.set(x.dataSync() as Float32Array, start * D);
        } finally {
          x.dispose();
          loB?.dispose();
          hiB?.dispose();
        }
        opts.onProgress?.(start + b, n);
      }
    } finally {
      lo?.dispose();
      hi?.dispose();
    }
    if (opts.snapOneHot ?? true) snapOneHotBlocks(out, D, this.config.oneHotBlocks);
    return { samples: out, states, predictedX0 };
  }

  // ---------------------------------------------------------------------------------------------------
  // Gray-box access for attacks

  private checkTimesteps(t: ArrayLike<number>, what: string): void {
    for (let i = 0; i < t.length; i++) {
      if (!Number.isInteger(t[i]) || t[i] < 0 || t[i] >= this.config.timesteps) {
        throw new Error(`TabularDdpm.${what}: timestep ${t[i]} at ${i} is outside [0, ${this.config.timesteps})`);
      }
    }
  }

  private classesOf(labels: Int32Array | null, start: number, b: number): Int32Array {
    return labels ? labels.subarray(start, start + b) : new Int32Array(b).fill(this.nullClass);
  }

  /** ε̂_θ(x_t, t, y) for n records (xt n × dataWidth, t and labels of length n; labels null = null class). */
  predictNoise(xt: Float32Array, t: Int32Array, labels: Int32Array | null, batchSize = 4096): Float32Array {
    this.checkAlive();
    const n = this.checkData(xt, labels, 'predictNoise');
    if (t.length !== n) throw new Error(`TabularDdpm.predictNoise: ${t.length} timesteps for ${n} records`);
    this.checkTimesteps(t, 'predictNoise');
    const D = this.config.dataWidth;
    const out = new Float32Array(n * D);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const batch = this.buildInputs(
        xt.subarray(start * D, (start + b) * D),
        t.subarray(start, start + b),
        this.classesOf(labels, start, b),
        b,
      );
      const eps = tf.tidy(() => this.denoiseBatch(batch));
      out.set(eps.dataSync() as Float32Array, start * D);
      eps.dispose();
    }
    return out;
  }

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
    const n = this.checkData(x0, labels, 'perTimestepLoss');
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
      const classes = this.classesOf(labels, start, b);
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
   * Writes model.json (config, weight manifest, metadata) and weights.bin (float32, little-endian) into
   * `dir`. Atomic: everything is written and fsynced into a sibling temporary directory which is then
   * renamed to `dir`; an existing `dir` is first moved aside and removed only after the rename, so a crash
   * leaves either the old model, the new model, or an ignorable `*.tmp-*` / `*.old-*` sibling.
   */
  async save(dir: string, metadata?: Record<string, unknown>): Promise<void> {
    this.checkAlive();
    if (metadata) this.metadata = { ...metadata };
    const flat = new Float32Array(this.numParameters);
    this.specs.forEach((spec, k) => flat.set(this.vars[k].dataSync() as Float32Array, spec.offset));
    const json: Omit<SavedModelJson, 'weightsFile' | 'byteOrder'> = {
      format: 'sharebox-tabular-ddpm',
      version: 1,
      config: this.config,
      stepsTrained: this.stepsTrained,
      weights: this.specs.map((w) => ({ name: w.name, shape: [...w.shape], offset: w.offset })),
      dataBounds: this.dataBounds ? { min: Array.from(this.dataBounds.min), max: Array.from(this.dataBounds.max) } : null,
      clipMargin: this.clipMargin,
      metadata: this.metadata,
    };
    // Atomic: a crash leaves the old model, the new one or an ignorable sibling (sharer/diffusion/modelFiles.ts).
    await writeModelDirAtomic(dir, json, flat, 'TabularDdpm.save');
  }

  static async load(dir: string): Promise<TabularDdpm> {
    const target = path.resolve(dir);
    const read = await readModelDir(target, 'TabularDdpm.load');
    const json = read.json as unknown as SavedModelJson;
    const weights = read.weights;
    if (json.format !== 'sharebox-tabular-ddpm' || json.version !== 1) {
      throw new Error(`TabularDdpm.load: ${target} holds format "${json.format}" v${json.version}, expected sharebox-tabular-ddpm v1`);
    }
    const model = new TabularDdpm(json.config, weights);
    model.stepsTrained = json.stepsTrained ?? 0;
    model.metadata = json.metadata ?? {};
    model.clipMargin = json.clipMargin ?? model.clipMargin;
    const bounds = json.dataBounds;
    if (bounds && (bounds.min.length !== json.config.dataWidth || bounds.max.length !== json.config.dataWidth)) {
      model.dispose();
      throw new Error(`TabularDdpm.load: dataBounds in ${MODEL_JSON} do not have dataWidth (${json.config.dataWidth}) entries`);
    }
    model.dataBounds = bounds ? { min: Float32Array.from(bounds.min), max: Float32Array.from(bounds.max) } : null;
    return model;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.vars.forEach((w) => w.dispose());
    this.optimizer?.dispose();
    this.optimizer = null;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('TabularDdpm: the model has been disposed');
  }
}

// -----------------------------------------------------------------------------------------------------
// Dense layers with hand-written gradients. Autodiff of matMul + add + activation costs, per layer, a
// Sum over the batch for the bias gradient (slow on wasm: a transpose then a reduction) plus several
// element-wise ops and tape entries; here the bias gradient is a matmul with a row of ones and the
// activation derivative is one short chain. Checked against autodiff in test/diffusion.test.ts.

type LayerActivation = Activation | 'linear';
type SaveFn = (tensors: Tensor[]) => void;

/** Applies the activation to z; returns y and the tensors its derivative needs. */
function activationForward(z: Tensor, act: LayerActivation): { y: Tensor; kept: Tensor[] } {
  if (act === 'linear') return { y: z, kept: [] };
  if (act === 'relu') {
    const y = tf.relu(z);
    return { y, kept: [y] };
  }
  const s = tf.sigmoid(z);
  return { y: tf.mul(z, s), kept: [z, s] };
}

/** dL/dz from dL/dy: ReLU' = step(z); SiLU(z) = z·σ(z), SiLU' = σ(z)·(1 + z·(1 − σ(z))). */
function activationBackward(dy: Tensor, act: LayerActivation, kept: Tensor[]): Tensor2D {
  if (act === 'linear') return dy as Tensor2D;
  if (act === 'relu') return tf.mul(dy, tf.step(kept[0])) as Tensor2D;
  const [z, s] = kept;
  return tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(z, tf.sub(1, s))))) as Tensor2D;
}

/** Σ over the batch as a matmul with a row of ones: [1, B] · [B, n] → [n]. */
function batchSum(dz: Tensor2D): Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, dz.shape[0]]) as Tensor2D, dz), [dz.shape[1]]) as Tensor1D;
}

type DenseFn = (x: Tensor2D, W: Tensor2D, b: Tensor1D) => Tensor2D;

/** y = act(xW + b). */
function makeDense(act: LayerActivation): DenseFn {
  const op = tf.customGrad(((x: Tensor2D, W: Tensor2D, b: Tensor1D, save: SaveFn) => {
    const { y, kept } = activationForward(tf.add(tf.matMul(x, W), b), act);
    save([x, W, ...kept]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, Ws, ...k] = saved as [Tensor2D, Tensor2D, ...Tensor[]];
        const dz = activationBackward(dy, act, k);
        return [tf.matMul(dz, Ws, false, true), tf.matMul(xs, dz, true, false), batchSum(dz)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op as unknown as DenseFn;
}

const DENSE: Record<LayerActivation, DenseFn> = {
  silu: makeDense('silu'),
  relu: makeDense('relu'),
  linear: makeDense('linear'),
};

/**
 * The first hidden layer, act(x_t·W_x + timeFeat·W_t + onehot·E + b). x_t and the one-hot are inputs that
 * need no gradient, so they are closed over rather than passed (no dL/dx_t matmul is computed).
 */
function inputLayer(
  xt: Tensor2D,
  classOneHot: Tensor2D,
  act: Activation,
): (timeFeat: Tensor2D, Wx: Tensor2D, Wt: Tensor2D, E: Tensor2D, b: Tensor1D) => Tensor2D {
  const op = tf.customGrad(((timeFeat: Tensor2D, Wx: Tensor2D, Wt: Tensor2D, E: Tensor2D, b: Tensor1D, save: SaveFn) => {
    const z = tf.add(tf.add(tf.add(tf.matMul(xt, Wx), tf.matMul(timeFeat, Wt)), tf.matMul(classOneHot, E)), b);
    const { y, kept } = activationForward(z, act);
    save([timeFeat, Wt, ...kept]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [tfeat, Wts, ...k] = saved as [Tensor2D, Tensor2D, ...Tensor[]];
        const dz = activationBackward(dy, act, k);
        return [
          tf.matMul(dz, Wts, false, true),
          tf.matMul(xt, dz, true, false),
          tf.matMul(tfeat, dz, true, false),
          tf.matMul(classOneHot, dz, true, false),
          batchSum(dz),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op as unknown as (timeFeat: Tensor2D, Wx: Tensor2D, Wt: Tensor2D, E: Tensor2D, b: Tensor1D) => Tensor2D;
}

/** The hand-written layers, exported only so that tests can compare their gradients with autodiff. */
export const layersForTesting = { dense: DENSE, inputLayer };
