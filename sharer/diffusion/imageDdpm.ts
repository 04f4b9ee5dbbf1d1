/**
 * A class-conditional Gaussian DDPM for small images (docs/images.md): the U-Net of imageUnet.ts predicting ε,
 * the simple loss (Ho et al. 2020, eq. 14), a linear or cosine schedule (schedule.ts), classifier-free guidance by
 * condition dropout (Ho & Salimans 2022), ancestral (DDPM) and DDIM (Song et al. 2021) sampling over an evenly
 * spaced subsequence of the T steps (optionally keeping the chain's states and x̂₀ at some of them, the gray-box
 * generation trajectory: `sampleTrajectory`), and atomic save/load.
 *
 * Images come in and go out as NHWC float32 with intensities in [0, 1]; the model works on x₀ = 2·image − 1 in
 * [−1, 1] and clips x̂₀ to that range at every sampling step (improved-diffusion `clip_denoised`). Unlike the
 * tabular model's data bounds, this range is public (the pixel format), not a statistic of the private data.
 *
 * The batch is assembled in JS (x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε, the noise from `fillStandardNormal`, time-feature rows,
 * class one-hots) and uploaded as four tensors, as in the tabular model; sampling does each step's arithmetic in
 * JS on the network's output, so every random draw comes from seeded generators and the same seed gives the same
 * images (on one backend).
 */
import * as path from 'path';
import { tf } from '../../shared/tf';
import { Rng, deriveSeed } from '../../shared/random';
import { DiffusionSchedule, ScheduleKind, checkTrajectoryTimesteps, makeSchedule, spacedTimesteps } from '../../shared/diffusion/schedule';
import { fillStandardNormal } from './tabularDdpm';
import { DEFAULT_UNET_CONFIG, ImageUnet, ImageUnetConfig, sinusoidalTimeTable } from './imageUnet';
import { learningRateAt, type LearningRateSchedule } from './learningRate';
import { LossWindow, PeriodicYield, WeightAverage } from '../../shared/tf/trainingBookkeeping';
import { readModelDir, writeModelDirAtomic } from './modelFiles';

export interface ImageDdpmConfig extends ImageUnetConfig {
  /** Diffusion steps T. */
  timesteps: number;
  schedule: ScheduleKind;
  /** Probability of replacing the label by the null class in training (classifier-free guidance). */
  condDropProb: number;
}

export type ImageDdpmOptions = Pick<ImageDdpmConfig, 'height' | 'width' | 'channels' | 'numClasses' | 'seed'> & Partial<ImageDdpmConfig>;

export const DEFAULT_IMAGE_DDPM_CONFIG = {
  ...DEFAULT_UNET_CONFIG,
  timesteps: 1000,
  schedule: 'linear' as ScheduleKind,
  condDropProb: 0.1,
};

/** Steps, peak Adam learning rate, warm-up and decay: `LearningRateSchedule` (learningRate.ts). */
export interface ImageTrainOptions extends LearningRateSchedule {
  batchSize: number;
  /** EMA of the weights with this decay (warmed up: min(decay, (1 + n)/(10 + n)) after n updates); the EMA weights
   *  replace the weights at the end of train(). */
  emaDecay?: number;
  /** Seed of minibatches, timesteps, noise and label dropout; default derived from config.seed and stepsTrained. */
  seed?: number;
  onProgress?: (step: number, loss: number) => void;
  /** Read the loss back every this many steps (default 50). */
  progressEvery?: number;
  /** Yield to the event loop when this much wall time has passed since the last yield (default 50 ms). */
  yieldEveryMs?: number;
}

export interface ImageTrainResult {
  losses: number[];
  lossSteps: number[];
  stepsPerSecond: number;
}

export interface ImageSampleOptions {
  seed: number;
  /**
   * 'ddpm' (ancestral, posterior variance; the default) or 'ddim' (deterministic for eta = 0). Measured on a 0-vs-1
   * model after 450-1,500 steps (docs/images.md): DDIM with η = 0 drew blobs the class check could not tell apart
   * even at 100 steps, while ancestral sampling (or DDIM with η = 1, the same thing) drew the right digit at 25.
   */
  sampler?: 'ddpm' | 'ddim';
  /** Denoising steps, an evenly spaced subset of the T steps (default: min(T, 100) for ddpm, min(T, 50) for ddim). */
  steps?: number;
  /** DDIM η (default 0). */
  eta?: number;
  /** ε̃ = ε_uncond + s·(ε_cond − ε_uncond); 1 = plain conditional (default), 0 = unconditional. Ignored when
   *  labels is null (the null class is used alone). */
  guidanceScale?: number;
  /** Images denoised together (default 256). */
  batchSize?: number;
  onProgress?: (imagesDone: number, total: number) => void;
  yieldEveryMs?: number;
}

/** What `sampleTrajectory` keeps besides the final images. */
export interface ImageTrajectoryOptions {
  /** Timesteps whose states to keep, each on the sampler's schedule (`samplerTimesteps`), distinct; kept in this order. */
  timesteps: number[];
  /** Also keep x̂₀ at those timesteps. */
  predictedX0: boolean;
}

export interface ImageTrajectory {
  /** The final images (n × H×W×C in [0, 1]), exactly as `sample` returns them for the same arguments. */
  images: Float32Array;
  /** n × K × H·W·C, record-major, in model coordinates ([−1, 1] scale): x_t as the denoiser sees it at each kept t. */
  states: Float32Array;
  /** n × K × H·W·C: x̂₀ = (x_t − √(1−ᾱ_t) ε̃)/√ᾱ_t from the step's (guided) ε̃, before the sampler clips it; null unless asked. */
  predictedX0: Float32Array | null;
}

const FORMAT = 'sharebox-image-ddpm';
const FORMAT_VERSION = 1;

interface SavedImageModel {
  format: string;
  version: number;
  config: ImageDdpmConfig;
  stepsTrained: number;
  weights: Array<{ name: string; shape: number[]; offset: number }>;
  metadata: Record<string, unknown>;
}

export class ImageDdpm {
  readonly config: ImageDdpmConfig;
  readonly schedule: DiffusionSchedule;
  metadata: Record<string, unknown> = {};
  stepsTrained = 0;

  private readonly net: ImageUnet;
  private readonly timeTable: Float32Array;
  private optimizer: ReturnType<typeof tf.train.adam> | null = null;
  private disposed = false;

  constructor(options: ImageDdpmOptions, initialWeights?: Map<string, Float32Array>) {
    const config: ImageDdpmConfig = {
      ...DEFAULT_IMAGE_DDPM_CONFIG,
      ...options,
      channelMults: [...(options.channelMults ?? DEFAULT_IMAGE_DDPM_CONFIG.channelMults)],
    };
    if (!(config.condDropProb >= 0 && config.condDropProb <= 1)) {
      throw new Error(`ImageDdpm config: condDropProb must be in [0, 1], got ${config.condDropProb}`);
    }
    this.config = config;
    this.schedule = makeSchedule(config.schedule, config.timesteps);
    this.net = new ImageUnet(config, initialWeights);
    this.timeTable = sinusoidalTimeTable(config.timesteps, config.timeFeatures);
  }

  get numParameters(): number {
    return this.net.numParameters;
  }

  /** Floats per image (H·W·C). */
  get imageSize(): number {
    return this.config.height * this.config.width * this.config.channels;
  }

  get nullClass(): number {
    return this.config.numClasses;
  }

  getWeights(): Map<string, Float32Array> {
    this.checkAlive();
    return this.net.getWeights();
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('ImageDdpm: the model has been disposed');
  }

  private checkImages(images: Float32Array, labels: Int32Array | null, what: string): number {
    const size = this.imageSize;
    if (images.length % size !== 0) {
      throw new Error(`ImageDdpm.${what}: ${images.length} floats is not a whole number of ${this.config.height}×${this.config.width}×${this.config.channels} images`);
    }
    const n = images.length / size;
    if (labels !== null) this.checkLabels(labels, n, what);
    return n;
  }

  private checkLabels(labels: Int32Array, n: number, what: string): void {
    if (labels.length !== n) throw new Error(`ImageDdpm.${what}: ${labels.length} labels for ${n} images`);
    const C = this.config.numClasses;
    for (let i = 0; i < n; i++) {
      if (!(labels[i] >= 0 && labels[i] < C)) throw new Error(`ImageDdpm.${what}: label ${labels[i]} of image ${i} is outside [0, ${C})`);
    }
  }

  /** The time-feature rows and class one-hots for a batch, as tensors (inside a tidy). */
  private conditioning(t: ArrayLike<number>, classes: ArrayLike<number> | null, rows: number): { time: tf.Tensor2D; onehot: tf.Tensor2D | null } {
    const E = this.config.timeFeatures;
    const timeRows = new Float32Array(rows * E);
    for (let i = 0; i < rows; i++) timeRows.set(this.timeTable.subarray(t[i] * E, (t[i] + 1) * E), i * E);
    const time = tf.tensor2d(timeRows, [rows, E]);
    if (this.config.numClasses === 0) return { time, onehot: null };
    const width = this.config.numClasses + 1;
    const onehot = new Float32Array(rows * width);
    for (let i = 0; i < rows; i++) onehot[i * width + (classes === null ? this.nullClass : classes[i])] = 1;
    return { time, onehot: tf.tensor2d(onehot, [rows, width]) };
  }


  /**
   * Trains on `images` (n × H×W×C in [0, 1]) with the simple loss L = E‖ε − ε̂_θ(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t, y)‖²
   * (mean over pixels), t uniform, y replaced by the null class with probability condDropProb. `labels` may be
   * null only for an unconditional model.
   */
  async train(images: Float32Array, labels: Int32Array | null, opts: ImageTrainOptions): Promise<ImageTrainResult> {
    this.checkAlive();
    const n = this.checkImages(images, labels, 'train');
    if (n === 0) throw new Error('ImageDdpm.train: no images');
    if (labels === null && this.config.numClasses > 0) throw new Error(`ImageDdpm.train: labels are required (numClasses = ${this.config.numClasses})`);
    for (const [name, value] of [['steps', opts.steps], ['batchSize', opts.batchSize]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`ImageDdpm.train: ${name} must be a positive integer, got ${value}`);
    }
    if (!(opts.learningRate > 0)) throw new Error(`ImageDdpm.train: learningRate must be > 0, got ${opts.learningRate}`);

    const { timesteps: T, height: H, width: W, channels: C, condDropProb } = this.config;
    const size = this.imageSize;
    const B = opts.batchSize;
    const progressEvery = Math.max(1, opts.progressEvery ?? 50);
    const yieldEveryMs = opts.yieldEveryMs ?? 50;
    const emaDecay = opts.emaDecay ?? 0;
    const rng = new Rng(opts.seed ?? deriveSeed(this.config.seed, `train/${this.stepsTrained}`));
    const { sqrtAlphaBars, sqrtOneMinusAlphaBars } = this.schedule;
    if (!this.optimizer) this.optimizer = tf.train.adam(opts.learningRate);
    const optimizer = this.optimizer;
    const optimizerWithLr = optimizer as unknown as { learningRate: number };
    const vars = this.net.variables;

    const lossWindow = new LossWindow(progressEvery, opts.steps);
    // Warmed up: a plain 0.999 average over a 1,500-step run still held 22% of the random initial weights (garbage).
    const ema = emaDecay > 0 ? new WeightAverage(vars, emaDecay, true) : null;
    const pause = new PeriodicYield(yieldEveryMs);
    const tIdx = new Int32Array(B);
    const yIdx = new Int32Array(B);
    const started = performance.now();
    try {
      for (let step = 0; step < opts.steps; step++) {
        this.checkAlive();
        const noise = new Float32Array(B * size);
        fillStandardNormal(noise, rng.seed());
        const xt = new Float32Array(B * size);
        for (let i = 0; i < B; i++) {
          const r = rng.int(n);
          const t = rng.int(T);
          tIdx[i] = t;
          yIdx[i] = labels === null || rng.next() < condDropProb ? this.nullClass : labels[r];
          const a = sqrtAlphaBars[t];
          const sd = sqrtOneMinusAlphaBars[t];
          const src = r * size;
          const dst = i * size;
          // x₀ = 2·image − 1; x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε (DDPM eq. 4)
          for (let j = 0; j < size; j++) xt[dst + j] = a * (2 * images[src + j] - 1) + sd * noise[dst + j];
        }
        optimizerWithLr.learningRate = learningRateAt(step, opts);
        tf.tidy(() => {
          const xtT = tf.tensor4d(xt, [B, H, W, C]);
          const noiseT = tf.tensor4d(noise, [B, H, W, C]);
          const { time, onehot } = this.conditioning(tIdx, labels === null ? null : yIdx, B);
          const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(this.net.apply(xtT, time, onehot), noiseT)) as tf.Scalar, vars);
          optimizer.applyGradients(vars.map((w) => ({ name: w.name, tensor: grads[w.name] })));
          lossWindow.add(value);
          ema?.update();
        });
        this.stepsTrained++;
        const mean = lossWindow.endStep(step + 1);
        if (mean !== null) {
          if (!Number.isFinite(mean)) throw new Error(`ImageDdpm.train: loss became ${mean} at step ${step + 1}; lower learningRate (${opts.learningRate})`);
          opts.onProgress?.(step + 1, mean);
        }
        await pause.maybeYield();
      }
      ema?.commit();
    } finally {
      lossWindow.dispose();
      ema?.dispose();
    }
    const { losses, lossSteps } = lossWindow;
    return { losses, lossSteps, stepsPerSecond: opts.steps / ((performance.now() - started) / 1000) };
  }

  /**
   * ε̂_θ(x_t, t, y) for x_t in the model's [−1, 1] scale (n × H×W×C), one timestep per image; labels null = the
   * null class (unconditional). Batched by `batchSize`.
   */
  predictNoise(xt: Float32Array, t: Int32Array, labels: Int32Array | null, batchSize = 256): Float32Array {
    this.checkAlive();
    const n = this.checkImages(xt, labels, 'predictNoise');
    if (t.length !== n) throw new Error(`ImageDdpm.predictNoise: ${t.length} timesteps for ${n} images`);
    for (let i = 0; i < n; i++) {
      if (!(Number.isInteger(t[i]) && t[i] >= 0 && t[i] < this.config.timesteps)) throw new Error(`ImageDdpm.predictNoise: timestep ${t[i]} of image ${i} is outside [0, ${this.config.timesteps})`);
    }
    const size = this.imageSize;
    const out = new Float32Array(n * size);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const eps = this.epsBatch(xt.subarray(start * size, (start + b) * size), t.subarray(start, start + b), labels === null ? null : labels.subarray(start, start + b), b);
      out.set(eps, start * size);
    }
    return out;
  }

  /** One network evaluation on b images (labels null: the null class, or no classes). */
  private epsBatch(xt: Float32Array, t: ArrayLike<number>, classes: ArrayLike<number> | null, b: number): Float32Array {
    const { height: H, width: W, channels: C } = this.config;
    // Read the result outside tidy: tidy scans what its function returns for tensors, and walking a Float32Array
    // of b·H·W·C numbers cost 12-14 ms per pass at batch 64 (docs/backend.md, "Sampling pass").
    const eps = tf.tidy(() => {
      const { time, onehot } = this.conditioning(t, classes, b);
      return this.net.apply(tf.tensor4d(xt, [b, H, W, C]), time, onehot);
    });
    try {
      return eps.dataSync() as Float32Array;
    } finally {
      eps.dispose();
    }
  }

  /**
   * n images (n × H×W×C, in [0, 1]) for `labels` (one per image) or unconditionally (null). Every random draw
   * comes from `seed`; the same seed, n, labels and options give the same images.
   */
  async sample(n: number, labels: Int32Array | null, opts: ImageSampleOptions): Promise<Float32Array> {
    return (await this.runSampler(n, labels, opts, null)).images;
  }

  /**
   * The timesteps the sampler visits for these options, ascending (the chain runs them from the last down): an
   * evenly spaced subsequence of 0 … T−1, min(T, 100) steps for ddpm and min(T, 50) for ddim unless `steps` says.
   */
  samplerTimesteps(opts: Pick<ImageSampleOptions, 'sampler' | 'steps'>): number[] {
    const T = this.config.timesteps;
    return spacedTimesteps(T, opts.steps ?? Math.min(T, (opts.sampler ?? 'ddpm') === 'ddpm' ? 100 : 50));
  }

  /**
   * `sample` that also keeps, for each image, the chain's state x_t (and x̂₀) at the requested timesteps (the
   * gray-box generation trajectory, docs/mia.md), which must be on the sampler's schedule (`samplerTimesteps`) and
   * distinct. The chain is the same computation with the same random draws, so `images` equals `sample`'s result
   * for the same arguments. Memory: n × K × H·W·C floats per kept quantity (the sharer calls this per generation
   * batch of IMAGE_GENERATION_BATCH images).
   */
  async sampleTrajectory(n: number, labels: Int32Array | null, opts: ImageSampleOptions & { trajectory: ImageTrajectoryOptions }): Promise<ImageTrajectory> {
    checkTrajectoryTimesteps(opts.trajectory.timesteps, this.samplerTimesteps(opts), this.config.timesteps);
    const out = await this.runSampler(n, labels, opts, opts.trajectory);
    return { images: out.images, states: out.states!, predictedX0: out.predictedX0 };
  }

  private async runSampler(
    n: number,
    labels: Int32Array | null,
    opts: ImageSampleOptions,
    trace: ImageTrajectoryOptions | null,
  ): Promise<{ images: Float32Array; states: Float32Array | null; predictedX0: Float32Array | null }> {
    this.checkAlive();
    if (!Number.isInteger(n) || n < 0) throw new Error(`ImageDdpm.sample: n must be a non-negative integer, got ${n}`);
    if (labels !== null) this.checkLabels(labels, n, 'sample');
    const sampler = opts.sampler ?? 'ddpm';
    if (sampler !== 'ddpm' && sampler !== 'ddim') throw new Error(`ImageDdpm.sample: sampler must be 'ddpm' or 'ddim', got ${String(sampler)}`);
    const seq = this.samplerTimesteps(opts);
    const eta = opts.eta ?? 0;
    const guidance = opts.guidanceScale ?? 1;
    const guided = labels !== null && this.config.numClasses > 0 && guidance !== 1;
    const batchSize = Math.max(1, opts.batchSize ?? 256);
    const yieldEveryMs = opts.yieldEveryMs ?? 50;
    const size = this.imageSize;
    const ab = this.schedule.alphaBars;
    const out = new Float32Array(n * size);
    const rng = new Rng(opts.seed);
    // Trajectory: position k of each kept timestep, and n × K × size buffers (record-major) for x_t and x̂₀.
    const K = trace ? trace.timesteps.length : 0;
    const keptAt = new Map<number, number>(trace ? trace.timesteps.map((t, k) => [t, k]) : []);
    const states = trace ? new Float32Array(n * K * size) : null;
    const predictedX0 = trace?.predictedX0 ? new Float32Array(n * K * size) : null;
    const pause = new PeriodicYield(yieldEveryMs);

    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const x = new Float32Array(b * size);
      fillStandardNormal(x, rng.seed());
      const classes = labels === null ? null : labels.subarray(start, start + b);
      const tRow = new Int32Array(guided ? 2 * b : b);
      const z = new Float32Array(b * size);
      for (let i = seq.length - 1; i >= 0; i--) {
        const t = seq[i];
        const k = keptAt.get(t);
        // The state the denoiser is evaluated at when the chain reaches t (x_{T−1} is the initial noise).
        if (states && k !== undefined) {
          for (let r = 0; r < b; r++) states.set(x.subarray(r * size, (r + 1) * size), ((start + r) * K + k) * size);
        }
        tRow.fill(t);
        let eps: Float32Array;
        if (guided) {
          // Conditional and null-class rows through the network as one batch of 2b.
          const both = new Float32Array(2 * b * size);
          both.set(x);
          both.set(x, b * size);
          const cls = new Int32Array(2 * b);
          cls.set(classes as Int32Array);
          cls.fill(this.nullClass, b);
          const e = this.epsBatch(both, tRow, cls, 2 * b);
          eps = new Float32Array(b * size);
          for (let j = 0; j < b * size; j++) eps[j] = e[b * size + j] + guidance * (e[j] - e[b * size + j]);
        } else {
          eps = this.epsBatch(x, tRow, classes, b);
        }
        const aBar = ab[t];
        const aBarPrev = i > 0 ? ab[seq[i - 1]] : 1;
        const sqrtA = Math.sqrt(aBar);
        const sqrt1mA = Math.sqrt(1 - aBar);
        const last = i === 0;
        if (predictedX0 && k !== undefined) {
          // x̂₀ from this step's (guided) ε̃, before the clipping below: the same expression as the update's.
          for (let r = 0; r < b; r++) {
            const dst = ((start + r) * K + k) * size;
            for (let j = 0; j < size; j++) predictedX0[dst + j] = (x[r * size + j] - sqrt1mA * eps[r * size + j]) / sqrtA;
          }
        }
        if (sampler === 'ddpm') {
          // Respaced ancestral step in the x̂₀ form (DDPM eq. 7, improved-diffusion): β = 1 − ᾱ/ᾱ', μ̃ = c1·x̂₀ + c2·x_t.
          const beta = 1 - aBar / aBarPrev;
          const c1 = (beta * Math.sqrt(aBarPrev)) / (1 - aBar);
          const c2 = ((1 - aBarPrev) * Math.sqrt(1 - beta)) / (1 - aBar);
          const sigma = last ? 0 : Math.sqrt((beta * (1 - aBarPrev)) / (1 - aBar));
          if (sigma > 0) fillStandardNormal(z, rng.seed());
          for (let j = 0; j < b * size; j++) {
            let x0 = (x[j] - sqrt1mA * eps[j]) / sqrtA;
            x0 = x0 < -1 ? -1 : x0 > 1 ? 1 : x0;
            x[j] = c1 * x0 + c2 * x[j] + (sigma > 0 ? sigma * z[j] : 0);
          }
        } else {
          // DDIM (Song et al. 2021, eq. 12) with ε re-derived from the clipped x̂₀.
          const sigma = last ? 0 : eta * Math.sqrt((1 - aBarPrev) / (1 - aBar)) * Math.sqrt(1 - aBar / aBarPrev);
          const dirScale = Math.sqrt(Math.max(0, 1 - aBarPrev - sigma * sigma));
          const sqrtAPrev = Math.sqrt(aBarPrev);
          if (sigma > 0) fillStandardNormal(z, rng.seed());
          for (let j = 0; j < b * size; j++) {
            let x0 = (x[j] - sqrt1mA * eps[j]) / sqrtA;
            x0 = x0 < -1 ? -1 : x0 > 1 ? 1 : x0;
            const e = (x[j] - sqrtA * x0) / sqrt1mA;
            x[j] = sqrtAPrev * x0 + dirScale * e + (sigma > 0 ? sigma * z[j] : 0);
          }
        }
        if (await pause.maybeYield()) this.checkAlive();
      }
      for (let j = 0; j < b * size; j++) {
        const v = (x[j] + 1) / 2;
        out[start * size + j] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
      opts.onProgress?.(start + b, n);
    }
    return { images: out, states, predictedX0 };
  }

  /** Writes model.json and weights.bin into `dir`, atomically (modelFiles.ts). Adam's moments are not saved. */
  async save(dir: string, metadata?: Record<string, unknown>): Promise<void> {
    this.checkAlive();
    if (metadata) this.metadata = { ...metadata };
    const weights = this.net.getWeights();
    let offset = 0;
    const manifest = this.net.specs.map((spec) => {
      const entry = { name: spec.name, shape: [...spec.shape], offset };
      offset += (weights.get(spec.name) as Float32Array).length;
      return entry;
    });
    const flat = new Float32Array(offset);
    manifest.forEach((entry) => flat.set(weights.get(entry.name) as Float32Array, entry.offset));
    const json: SavedImageModel = { format: FORMAT, version: FORMAT_VERSION, config: this.config, stepsTrained: this.stepsTrained, weights: manifest, metadata: this.metadata };
    await writeModelDirAtomic(dir, json, flat, 'ImageDdpm.save');
  }

  static async load(dir: string): Promise<ImageDdpm> {
    const { json, weights } = await readModelDir(dir, 'ImageDdpm.load');
    const saved = json as unknown as SavedImageModel;
    if (saved.format !== FORMAT || saved.version !== FORMAT_VERSION) {
      throw new Error(`ImageDdpm.load: ${path.resolve(dir)} holds format "${saved.format}" v${saved.version}, expected ${FORMAT} v${FORMAT_VERSION}`);
    }
    const model = new ImageDdpm(saved.config, weights);
    model.stepsTrained = saved.stepsTrained ?? 0;
    model.metadata = saved.metadata ?? {};
    return model;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.net.dispose();
    this.optimizer?.dispose();
    this.optimizer = null;
  }
}
