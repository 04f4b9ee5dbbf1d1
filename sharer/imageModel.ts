/**
 * The sharer's image model (`sharer.model.kind: image-ddpm`): the class-conditional U-Net DDPM of
 * sharer/diffusion/imageDdpm.ts trained on the pixels of the sharer's image records, conditioned on the task
 * label. It generates the image and its class and nothing else, so the shared schema is the label column and
 * the pixel columns (the runner hides every other attribute column: shared/scenario/slices.ts).
 *
 * Trained models are cached like the tabular ones (sharer/tabularGenerator.ts): a folder named by the hash of
 * (format version, training config, seed, the training records), written atomically with a `complete` marker.
 *
 * Gray-box and white-box access (docs/mia.md, served by sharer/timestepAccess.ts) work as for the tabular model,
 * in the U-Net's coordinates x₀ = 2·pixel − 1 (model width H·W·C), conditioned on the record's label, including the
 * generation trajectory (GrayBox.Trajectory: `sampleTrajectory`, the same chain as `sample` with its states kept).
 */
import { fineTunedDdpm, type FineTunable, type FineTuneRequest, type FineTuneResult } from './fineTuning';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { imageShapeOf, pixelCount, pixelsOf } from '../shared/data/imageTable';
import { columnIndex, tableFingerprint, type Table, type TableSchema, type TaskSpec } from '../shared/data/table';
import { ImageDdpm } from './diffusion/imageDdpm';
import { fillStandardNormal } from './diffusion/standardNormal';
import type { ClassInfo } from '../shared/grpc/records';
import type { ImageDdpmModelConfig } from '../shared/scenario/schema';
import { classesOf, drawClasses, recordClasses, saveAtomically, type ProgressFn, type SampledRecords, type TabularGenerator, type TrainingReport } from './tabularGenerator';
import type { DiffusionScheduleInfo, TrajectoryRecords } from './tabularModel';
import { commonNoiseStates } from './commonNoiseStates';
import { predictX0FromNoise } from '../shared/diffusion/schedule';
import type { TimestepModel } from './timestepAccess';

/** Bump when the saved layout or the training procedure changes, so stale caches are not reused. */
const IMAGE_MODEL_FORMAT_VERSION = 1;
const KIND = 'image-ddpm';
/**
 * Images per generation batch (ModelHost streams a batch when it is done): an image chain is ~1,000× the work of
 * a tabular one per record, so batches of the tabular 4,096 would leave the broker waiting minutes per chunk.
 */
export const IMAGE_GENERATION_BATCH = 256;

/** Images per network evaluation in the gray-/white-box queries (bounds the tensors of one batch). */
const QUERY_BATCH = 256;

export class ImageModel implements TabularGenerator, TimestepModel, FineTunable {
  readonly kind = KIND;
  /** Encode, PredictX0, TimestepLoss and Trajectory are served. */
  readonly supportsTimesteps = true;
  readonly generationBatch = IMAGE_GENERATION_BATCH;

  private constructor(
    private readonly ddpm: ImageDdpm,
    /** The label column, then the pixel columns, with the image shape. */
    readonly schema: TableSchema,
    readonly classes: ClassInfo,
    private readonly config: ImageDdpmModelConfig,
  ) {}

  static async trainOrLoad(
    table: Table,
    task: TaskSpec,
    config: ImageDdpmModelConfig,
    seed: number,
    cacheDir: string,
    onProgress: ProgressFn,
  ): Promise<{ model: ImageModel; report: TrainingReport }> {
    const shape = imageShapeOf(table.schema);
    if (!shape) throw new Error(`sharer.model.kind ${KIND}: the training data holds no images (expected px columns with an image shape, e.g. source: mnist)`);
    const { classInfo, labels } = classesOf(table, task);
    const labelIndex = columnIndex(table.schema, task.label);
    const { pixels } = pixelsOf(table, 'sharer data');
    const pixelColumns = table.schema.columns.slice(table.schema.columns.length - pixelCount(shape));
    const shared: Table = { schema: { columns: [table.schema.columns[labelIndex], ...pixelColumns], image: shape }, rows: [] };

    // Sampling-time settings (guidance, sampler) do not change the trained weights, so they are not in the key.
    const { guidanceScale: _g, sampler: _s, ...trainingConfig } = config;
    const key = crypto
      .createHash('sha256')
      .update(JSON.stringify({ v: IMAGE_MODEL_FORMAT_VERSION, trainingConfig, seed, shape, classes: classInfo.values }))
      .update(tableFingerprint(table))
      .digest('hex')
      .slice(0, 24);
    const dir = path.join(cacheDir, KIND, key);
    const networkDir = path.join(dir, 'network');
    if (fs.existsSync(path.join(dir, 'complete'))) {
      const ddpm = await ImageDdpm.load(networkDir);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
      return { model: new ImageModel(ddpm, shared.schema, classInfo, config), report: { cached: true, cacheKey: key, trainSeconds: meta.trainSeconds, losses: meta.losses } };
    }

    const ddpm = new ImageDdpm({
      height: shape.height,
      width: shape.width,
      channels: shape.channels,
      numClasses: classInfo.values.length,
      baseChannels: config.baseChannels,
      channelMults: config.channelMults,
      timesteps: config.timesteps,
      schedule: config.schedule,
      condDropProb: config.condDropProb,
      seed,
    });
    try {
      const started = Date.now();
      const { losses } = await ddpm.train(pixels, labels, {
        steps: config.trainSteps,
        batchSize: config.batchSize,
        learningRate: config.learningRate,
        warmupSteps: config.warmupSteps,
        lrDecay: config.lrSchedule,
        emaDecay: config.emaDecay > 0 ? config.emaDecay : undefined,
        progressEvery: Math.max(1, Math.min(50, Math.floor(config.trainSteps / 100))),
        onProgress: (step, loss) => onProgress(step, config.trainSteps, loss),
      });
      const trainSeconds = (Date.now() - started) / 1000;
      await saveAtomically(dir, async (tmp) => {
        await ddpm.save(path.join(tmp, 'network'));
        fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify({ trainSeconds, losses, config: trainingConfig, seed }));
        fs.writeFileSync(path.join(tmp, 'complete'), '');
      });
      return { model: new ImageModel(ddpm, shared.schema, classInfo, config), report: { cached: false, cacheKey: key, trainSeconds, losses } };
    } catch (error) {
      ddpm.dispose();
      throw error;
    }
  }

  /** `n` images with their class: all `classIndex`, or drawn from the training shares when it is null. */
  async sample(n: number, classIndex: number | null, seed: number, rngForClasses: () => number): Promise<SampledRecords> {
    const classes = drawClasses(n, classIndex, this.classes.shares, rngForClasses);
    const images = await this.ddpm.sample(n, classes, this.samplingOptions(seed));
    return { table: this.imageRecords(images, classes), classes };
  }

  /**
   * `sample` plus the chain's states x_t (and x̂₀) at `timesteps`, which must be on the sampler's schedule
   * (`diffusionSchedule.samplerTimesteps`): the same classes, seed and sampler settings, so the final records equal
   * `sample`'s for the same arguments. States are in model coordinates (2·pixel − 1 scale, H·W·C floats each).
   */
  async sampleTrajectory(
    n: number,
    classIndex: number | null,
    seed: number,
    rngForClasses: () => number,
    trajectory: { timesteps: number[]; predictedX0: boolean },
  ): Promise<TrajectoryRecords> {
    const classes = drawClasses(n, classIndex, this.classes.shares, rngForClasses);
    const out = await this.ddpm.sampleTrajectory(n, classes, { ...this.samplingOptions(seed), trajectory });
    return { records: { table: this.imageRecords(out.images, classes), classes }, states: out.states, predictedX0: out.predictedX0 };
  }

  private samplingOptions(seed: number): { seed: number; sampler: 'ddpm' | 'ddim'; steps: number; eta: number; guidanceScale: number } {
    return { seed, sampler: this.config.sampler.kind, steps: this.config.sampler.steps, eta: this.config.sampler.eta, guidanceScale: this.config.guidanceScale };
  }

  /** Rows of the shared schema: the class code, then the pixels. */
  private imageRecords(images: Float32Array, classes: Int32Array): Table {
    const n = classes.length;
    const size = images.length / Math.max(1, n);
    const rows: number[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const row = new Array<number>(1 + size);
      row[0] = classes[i];
      for (let k = 0; k < size; k++) row[1 + k] = images[i * size + k];
      rows[i] = row;
    }
    return { schema: this.schema, rows };
  }

  // ---------------------------------------------------------------------------------------------------
  // Gray-box and white-box access (docs/mia.md; served by sharer/timestepAccess.ts), with the tabular model's
  // semantics (sharer/tabularModel.ts): records come in the shared schema (the label, then the pixels); the model
  // works on x₀ = 2·pixel − 1, conditioned on the label. Pixels that came over the wire are 8-bit (byte/255).

  /** The noise schedule and the width of a record in model coordinates (H·W·C). */
  get diffusionSchedule(): DiffusionScheduleInfo {
    const s = this.ddpm.schedule;
    return {
      timesteps: s.T,
      kind: s.kind,
      alphaBars: Array.from(s.alphaBars),
      modelWidth: this.ddpm.imageSize,
      // The steps `sample` visits (evenly spaced over T); GrayBox.Trajectory returns states at these only.
      samplerTimesteps: this.ddpm.samplerTimesteps(this.samplingOptions(0)),
    };
  }

  /** The images as the U-Net sees them (2·pixel − 1, NHWC) and the class each is conditioned on (its label). */
  encodeRecords(table: Table): { x: Float32Array; classes: Int32Array } {
    const labelIndex = columnIndex(table.schema, this.classes.column);
    const { pixels, shape } = pixelsOf(table, 'records');
    const D = this.ddpm.imageSize;
    if (pixelCount(shape) !== D) {
      throw new Error(`records: images of ${shape.height}×${shape.width}×${shape.channels}, but the model's are ${this.ddpm.config.height}×${this.ddpm.config.width}×${this.ddpm.config.channels}`);
    }
    const classes = recordClasses(table, labelIndex, this.classes);
    const x = new Float32Array(pixels.length);
    for (let j = 0; j < pixels.length; j++) x[j] = 2 * pixels[j] - 1;
    return { x, classes };
  }

  /** x̂₀(x_t, t, y) = x_t/√ᾱ_t − √(1/ᾱ_t − 1)·ε̂_θ(x_t, t, y) for model-space states, one t per state; not clipped. */
  predictX0(xt: Float32Array, t: Int32Array, classes: Int32Array): Float32Array {
    const D = this.ddpm.imageSize;
    if (xt.length !== t.length * D) throw new Error(`records: ${xt.length} values for ${t.length} states of ${D}`);
    return predictX0FromNoise(this.ddpm.schedule, xt, t, this.ddpm.predictNoise(xt, t, classes, QUERY_BATCH), D);
  }

  /**
   * x̂₀ for every record at every timestep, x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε_k, with ε_k ∈ R^{H·W·C} the same for every
   * record (common random numbers) and drawn as draw 0 of `timestepLoss` with the same seed (one draw), so that
   * ‖ε_k − ε̂‖² = ᾱ_t/(1−ᾱ_t) · ‖x₀ − x̂₀‖². Rows record-major (record i, timestep k at row i·K + k).
   */
  predictX0AtTimesteps(table: Table, timesteps: number[], noiseSeed: number): Float32Array {
    const { x, classes } = this.encodeRecords(table);
    const states = commonNoiseStates(this.ddpm.schedule, x, classes, timesteps, noiseSeed, this.ddpm.imageSize);
    return this.predictX0(states.xt, states.t, states.classes);
  }

  /**
   * ‖ε − ε̂_θ(x_t, t, y)‖² / (H·W·C) per record and timestep (n × K), averaged over `draws` common-noise draws,
   * drawn as TabularDdpm.perTimestepLoss draws them: ε_{k,d} is row k·draws + d of one `fillStandardNormal` stream.
   */
  timestepLoss(table: Table, timesteps: number[], noiseSeed: number, draws: number): Float32Array {
    if (!Number.isInteger(draws) || draws < 1) throw new Error(`noise_draws: expected a positive integer, got ${draws}`);
    const { x, classes } = this.encodeRecords(table);
    const D = this.ddpm.imageSize;
    const n = table.rows.length;
    const K = timesteps.length;
    const noise = new Float32Array(K * draws * D);
    fillStandardNormal(noise, noiseSeed);
    const { sqrtAlphaBars, sqrtOneMinusAlphaBars } = this.ddpm.schedule;
    const out = new Float32Array(n * K);
    const xt = new Float32Array(n * D);
    for (let k = 0; k < K; k++) {
      const a = sqrtAlphaBars[timesteps[k]];
      const sd = sqrtOneMinusAlphaBars[timesteps[k]];
      const t = new Int32Array(n).fill(timesteps[k]);
      const acc = new Float64Array(n);
      for (let d = 0; d < draws; d++) {
        const eps = noise.subarray((k * draws + d) * D, (k * draws + d + 1) * D);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < D; j++) xt[i * D + j] = a * x[i * D + j] + sd * eps[j];
        }
        const epsHat = this.ddpm.predictNoise(xt, t, classes, QUERY_BATCH);
        for (let i = 0; i < n; i++) {
          let sq = 0;
          for (let j = 0; j < D; j++) sq += (epsHat[i * D + j] - eps[j]) ** 2;
          acc[i] += sq / D;
        }
      }
      for (let i = 0; i < n; i++) out[i * K + k] = acc[i] / draws;
    }
    return out;
  }

  /**
   * A copy of this model fine-tuned on the image records (docs/shake-to-leak.md; sharer/diffusion/fineTune.ts), this
   * model unchanged. LoRA adapts the U-Net's convolutions (LoCon) and dense weights.
   */
  async fineTune(records: Table, request: FineTuneRequest): Promise<{ model: ImageModel; outcome: FineTuneResult }> {
    const { x, classes } = this.encodeRecords(records);
    const { ddpm, outcome } = await fineTunedDdpm(this.ddpm, x, classes, request);
    return { model: new ImageModel(ddpm, this.schema, this.classes, this.config), outcome };
  }

  dispose(): void {
    this.ddpm.dispose();
  }
}
