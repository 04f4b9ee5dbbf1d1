/**
 * A class-conditional Gaussian DDPM for small images (docs/images.md): the U-Net of imageUnet.ts predicting ε,
 * the simple loss (Ho et al. 2020, eq. 14), a linear or cosine schedule (schedule.ts), classifier-free guidance by
 * condition dropout (Ho & Salimans 2022), ancestral (DDPM) and DDIM (Song et al. 2021) sampling over an evenly
 * spaced subsequence of the T steps (optionally keeping the chain's states and x̂₀ at some of them, the gray-box
 * generation trajectory: `sampleTrajectory`), and atomic save/load. Training, the sampler's chains, save/load and
 * the checks are the DDPM core's (ddpmCore.ts), shared with the tabular model.
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
import { tf } from '../../shared/tf';
import { checkTrajectoryTimesteps, type ScheduleKind } from '../../shared/diffusion/schedule';
import { DEFAULT_UNET_CONFIG, ImageUnet, ImageUnetConfig } from './imageUnet';
import { classOneHotRows, timeFeatureRows } from './conditioning';
import { DDPM_FORMAT_VERSION, DdpmCore } from './ddpmCore';
import { readModelDirOfFormat } from './modelFiles';
import type { ChainBatch, ChainOptions, SamplerKind, StepCoefficients, TrajectoryOptions } from './sampler';
import type { TrainOptions, TrainResult } from './trainingLoop';

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

/** trainingLoop.ts's options; the EMA is warmed up (min(decay, (1 + n)/(10 + n)) after n updates). */
export type ImageTrainOptions = TrainOptions;
export type ImageTrainResult = TrainResult;

/**
 * sampler.ts's options, with image defaults: min(T, 100) ddpm steps, 256 images per batch. The default sampler is
 * ancestral because of what was measured on a 0-vs-1 model after 450-1,500 steps (docs/images.md): DDIM with η = 0
 * drew blobs the class check could not tell apart even at 100 steps, while ancestral sampling (or DDIM with η = 1,
 * the same thing) drew the right digit at 25.
 */
export type ImageSampleOptions = ChainOptions;

/** What `sampleTrajectory` keeps besides the final images. */
export type ImageTrajectoryOptions = TrajectoryOptions;

export interface ImageTrajectory {
  /** The final images (n × H×W×C in [0, 1]), exactly as `sample` returns them for the same arguments. */
  images: Float32Array;
  /** n × K × H·W·C, record-major, in model coordinates ([−1, 1] scale): x_t as the denoiser sees it at each kept t. */
  states: Float32Array;
  /** n × K × H·W·C: x̂₀ = (x_t − √(1−ᾱ_t) ε̃)/√ᾱ_t from the step's (guided) ε̃, before the sampler clips it; null unless asked. */
  predictedX0: Float32Array | null;
}

const FORMAT = 'sharebox-image-ddpm';

interface SavedImageModel {
  format: string;
  version: number;
  config: ImageDdpmConfig;
  stepsTrained: number;
  weights: Array<{ name: string; shape: number[]; offset: number }>;
  metadata: Record<string, unknown>;
}

export class ImageDdpm extends DdpmCore<ImageDdpmConfig> {
  protected readonly net: ImageUnet;

  constructor(options: ImageDdpmOptions, initialWeights?: Map<string, Float32Array>) {
    const config: ImageDdpmConfig = {
      ...DEFAULT_IMAGE_DDPM_CONFIG,
      ...options,
      channelMults: [...(options.channelMults ?? DEFAULT_IMAGE_DDPM_CONFIG.channelMults)],
    };
    if (!(config.condDropProb >= 0 && config.condDropProb <= 1)) {
      throw new Error(`ImageDdpm config: condDropProb must be in [0, 1], got ${config.condDropProb}`);
    }
    super(config, {
      who: 'ImageDdpm',
      record: 'image',
      format: FORMAT,
      timeFeatures: config.timeFeatures,
      ddpmSteps: Math.min(config.timesteps, 100),
      sampleBatch: 256,
      queryBatch: 256,
    });
    this.net = new ImageUnet(config, initialWeights);
  }

  /** Floats per image (H·W·C). */
  get imageSize(): number {
    return this.config.height * this.config.width * this.config.channels;
  }

  protected get recordSize(): number {
    return this.imageSize;
  }

  protected countRecords(images: Float32Array, labels: Int32Array | null, what: string): number {
    const size = this.imageSize;
    if (images.length % size !== 0) {
      throw new Error(`ImageDdpm.${what}: ${images.length} floats is not a whole number of ${this.config.height}×${this.config.width}×${this.config.channels} images`);
    }
    const n = images.length / size;
    if (labels !== null) this.checkLabels(labels, n, what);
    return n;
  }

  /** The time-feature rows and class one-hots for a batch, as tensors (inside a tidy). */
  private conditioning(t: ArrayLike<number>, classes: ArrayLike<number> | null, rows: number): { time: tf.Tensor2D; onehot: tf.Tensor2D | null } {
    const E = this.config.timeFeatures;
    const time = tf.tensor2d(timeFeatureRows(this.timeTable, E, t, rows), [rows, E]);
    if (this.config.numClasses === 0) return { time, onehot: null };
    return { time, onehot: tf.tensor2d(classOneHotRows(classes, this.config.numClasses, rows), [rows, this.config.numClasses + 1]) };
  }

  /**
   * Trains on `images` (n × H×W×C in [0, 1]) with the simple loss L = E‖ε − ε̂_θ(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t, y)‖²
   * (mean over pixels; trainingLoop.ts), t uniform, y replaced by the null class with probability condDropProb.
   * `labels` may be null only for an unconditional model.
   */
  async train(images: Float32Array, labels: Int32Array | null, opts: ImageTrainOptions): Promise<ImageTrainResult> {
    const { height: H, width: W, channels: C } = this.config;
    const size = this.imageSize;
    return this.trainDenoiser(images, labels, opts, {
      // Warmed up: a plain 0.999 average over a 1,500-step run still held 22% of the random initial weights (garbage).
      emaWarmUp: true,
      writeNoisyRecord: (xt, dst, src, a, sd, noise) => {
        // x₀ = 2·image − 1
        for (let j = 0; j < size; j++) xt[dst + j] = a * (2 * images[src + j] - 1) + sd * noise[dst + j];
      },
      batchTensors: (xt, noise, t, y, B) => {
        const xtT = tf.tensor4d(xt, [B, H, W, C]);
        const noiseT = tf.tensor4d(noise, [B, H, W, C]);
        const { time, onehot } = this.conditioning(t, y, B);
        return { epsHat: () => this.net.apply(xtT, time, onehot), noise: noiseT };
      },
    });
  }

  /** One network evaluation on b images (classes null: the null class, or no classes). */
  protected epsBatch(xt: Float32Array, t: ArrayLike<number>, classes: ArrayLike<number> | null, b: number): Float32Array {
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
    const chain = this.startSampling(n, labels, opts, 'posterior');
    const guidance = opts.guidanceScale ?? 1;
    const guided = labels !== null && this.config.numClasses > 0 && guidance !== 1;
    const result = await this.runChains(n, opts, trace, chain, (start, b, init) =>
      this.chainBatch({ classes: labels === null ? null : labels.subarray(start, start + b), b, x: init, sampler: chain.sampler, seq: chain.seq, coefs: chain.coefs, guidance: guided ? guidance : null }),
    );
    return { images: result.out, states: result.states, predictedX0: result.predictedX0 };
  }

  /** b chains in JS: the sampler's step on the network's output, x̂₀ clipped to [−1, 1]; images out in [0, 1]. */
  private chainBatch(args: {
    classes: Int32Array | null;
    b: number;
    /** The state, b × H·W·C, updated in place (starts as the initial noise). */
    x: Float32Array;
    sampler: SamplerKind;
    seq: number[];
    coefs: StepCoefficients[];
    /** The guidance scale, or null for no guidance. */
    guidance: number | null;
  }): ChainBatch {
    const { classes, b, x, sampler, seq, coefs, guidance } = args;
    const size = this.imageSize;
    const tRow = new Int32Array(guidance !== null ? 2 * b : b);
    return {
      state: () => x,
      step: (i, z, wantX0) => {
        tRow.fill(seq[i]);
        let eps: Float32Array;
        if (guidance !== null) {
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
        const { sqrtAb: sqrtA, sqrtOneMinusAb: sqrt1mA, sigma } = coefs[i];
        let x0Out: Float32Array | null = null;
        if (wantX0) {
          // x̂₀ from this step's (guided) ε̃, before the clipping below: the same expression as the update's.
          x0Out = new Float32Array(b * size);
          for (let j = 0; j < b * size; j++) x0Out[j] = (x[j] - sqrt1mA * eps[j]) / sqrtA;
        }
        if (sampler === 'ddpm') {
          // Respaced ancestral step in the x̂₀ form (DDPM eq. 7, improved-diffusion): β = 1 − ᾱ/ᾱ', μ̃ = c1·x̂₀ + c2·x_t.
          const { meanCoefX0: c1, meanCoefXt: c2 } = coefs[i];
          for (let j = 0; j < b * size; j++) {
            let x0 = (x[j] - sqrt1mA * eps[j]) / sqrtA;
            x0 = x0 < -1 ? -1 : x0 > 1 ? 1 : x0;
            x[j] = c1 * x0 + c2 * x[j] + (sigma > 0 ? sigma * z![j] : 0);
          }
        } else {
          // DDIM (Song et al. 2021, eq. 12) with ε re-derived from the clipped x̂₀.
          const { dirCoef: dirScale, sqrtAbPrev: sqrtAPrev } = coefs[i];
          for (let j = 0; j < b * size; j++) {
            let x0 = (x[j] - sqrt1mA * eps[j]) / sqrtA;
            x0 = x0 < -1 ? -1 : x0 > 1 ? 1 : x0;
            const e = (x[j] - sqrtA * x0) / sqrt1mA;
            x[j] = sqrtAPrev * x0 + dirScale * e + (sigma > 0 ? sigma * z![j] : 0);
          }
        }
        return x0Out;
      },
      finish: (out, start) => {
        for (let j = 0; j < b * size; j++) {
          const v = (x[j] + 1) / 2;
          out[start * size + j] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      },
      dispose: () => undefined,
    };
  }

  /** Writes model.json and weights.bin into `dir`, atomically (modelFiles.ts). Adam's moments are not saved. */
  async save(dir: string, metadata?: Record<string, unknown>): Promise<void> {
    await this.saveModel(dir, metadata, {});
  }

  static async load(dir: string): Promise<ImageDdpm> {
    const { json, weights } = await readModelDirOfFormat(dir, 'ImageDdpm.load', FORMAT, DDPM_FORMAT_VERSION);
    const saved = json as unknown as SavedImageModel;
    const model = new ImageDdpm(saved.config, weights);
    model.restoreSaved(saved);
    return model;
  }
}
