/**
 * The sharer's diffusion model: a class-conditional DDPM over the encoded feature columns, conditioned on the
 * task label (the `tabular-ddpm` kind of TabularGenerator; the VAE and GAN baselines are sharer/baselineModel.ts).
 * Trained models are cached by a hash of (data, model config, seed, encoder) so that a second run of the same
 * scenario skips training (sharer/tabularGenerator.ts).
 */
import type { DpSgdOptions } from './diffusion/dpSgd';
import type { EncoderData } from './encoderData';
import type { TableEncoder } from '../shared/data/encoder';
import { columnIndex, type Table, type TableSchema, type TaskSpec } from '../shared/data/table';
import { TabularDdpm } from './diffusion/tabularDdpm';
import { fineTunedDdpm, type FineTunable, type FineTuneRequest, type FineTuneResult } from './fineTuning';
import { commonNoiseStates } from './commonNoiseStates';
import type { ClassInfo } from '../shared/grpc/records';
import type { TabularDdpmConfig } from './config';
import { drawClasses, recordClasses, recordsFromEncoded, trainOrLoadCached, type ProgressFn, type SampledRecords, type TabularGenerator, type TrainingReport } from './tabularGenerator';

export type { SampledRecords, TrainingReport } from './tabularGenerator';

/** Bump when the saved layout or the training procedure changes, so stale caches are not reused. */
const MODEL_FORMAT_VERSION = 3;

/** A diffusion model's schedule as the gray-/white-box services describe it (protos DiffusionSchedule). */
export interface DiffusionScheduleInfo {
  timesteps: number;
  kind: string;
  alphaBars: number[];
  modelWidth: number;
  /** The timesteps the sampler visits, ascending (GrayBox.Trajectory returns states at these only). */
  samplerTimesteps: number[];
}

/** A generation trajectory of `n` records (GrayBox.Trajectory; docs/mia.md). */
export interface TrajectoryRecords {
  /** The final records, decoded exactly as `sample` returns them. */
  records: SampledRecords;
  /** n × K × modelWidth states x_t in model coordinates (encoded space: a noisy x_t has no decoding). */
  states: Float32Array;
  /** n × K × modelWidth x̂₀ at the same steps, or null. */
  predictedX0: Float32Array | null;
}

export class TabularModel implements TabularGenerator, FineTunable {
  readonly kind = 'tabular-ddpm';
  readonly supportsTimesteps = true;

  private constructor(
    private readonly ddpm: TabularDdpm,
    private readonly encoder: TableEncoder,
    /** Schema of shared records: the training table's columns, label included, hidden columns excluded. */
    readonly schema: TableSchema,
    readonly classes: ClassInfo,
    private readonly config: TabularDdpmConfig,
  ) {}

  static async trainOrLoad(
    table: Table,
    task: TaskSpec,
    config: TabularDdpmConfig,
    seed: number,
    cacheDir: string,
    onProgress: ProgressFn,
    options: {
      /** DP-SGD settings (sharer/diffusion/dpSgd.ts); in the cache key only when present, so other keys do not change. */
      dp?: DpSgdOptions;
      /** sharer.encoderData: the public table the encoder is fitted on (sharer/encoderData.ts); absent, the training table. */
      encoderData?: EncoderData;
    } = {},
  ): Promise<{ model: TabularModel; report: TrainingReport }> {
    const { dp, encoderData } = options;
    // Sampling-time settings (guidance, sampler) do not change the trained weights, so they are not in the key.
    const { guidanceScale: _g, sampler: _s, ...modelTraining } = config;
    const trainingConfig = dp ? { ...modelTraining, dp } : modelTraining;
    const { network, encoder, classInfo, report } = await trainOrLoadCached<TabularDdpm>({
      table,
      task,
      kind: 'tabular-ddpm',
      // Quantile-normal numerics and standardised one-hot coordinates: every coordinate the diffusion model sees has
      // about unit variance, so none is drowned early by the noise (shared/data/encoder.ts, docs/diffusion.md).
      encoderOptions: { numeric: 'quantile', categorical: 'standardised' },
      encoderData,
      trainingConfig,
      seed,
      cacheDir,
      formatVersion: MODEL_FORMAT_VERSION,
      load: (dir) => TabularDdpm.load(dir),
      save: (ddpm, dir) => ddpm.save(dir),
      train: async (x, labels, encoder, numClasses) => {
        const ddpm = new TabularDdpm({
          dataWidth: encoder.width,
          numClasses,
          // The encoder's blocks hold standardised scores; the argmax happens in encoder.decode, so the model must
          // not snap them to 0/1 itself.
          oneHotBlocks: [],
          timesteps: config.timesteps,
          schedule: config.schedule,
          hidden: config.hidden,
          timeEmbedding: config.timeEmbedding,
          condDropProb: config.condDropProb,
          seed,
        });
        const { losses } = await ddpm.train(x, labels, {
          steps: config.trainSteps,
          batchSize: config.batchSize,
          learningRate: config.learningRate,
          lrDecay: config.lrSchedule,
          warmupSteps: config.warmupSteps,
          emaDecay: config.emaDecay,
          ...(dp ? { dp } : {}),
          progressEvery: Math.max(1, Math.floor(config.trainSteps / 100)),
          onProgress: (step, loss) => onProgress(step, config.trainSteps, loss),
        });
        return { network: ddpm, losses };
      },
    });
    return { model: new TabularModel(network, encoder, table.schema, classInfo, config), report };
  }

  /**
   * `n` records, all of class `classIndex`, or with classes drawn from the training shares when it is null
   * (so unconditional draws follow the training distribution of the label as well as of the features).
   */
  async sample(n: number, classIndex: number | null, seed: number, rngForClasses: () => number): Promise<SampledRecords> {
    const classes = drawClasses(n, classIndex, this.classes.shares, rngForClasses);
    const x = await this.ddpm.sample(n, classes, this.samplingOptions(seed));
    return recordsFromEncoded(this.encoder, x, classes, this.schema, this.classes.column);
  }

  /**
   * `sample` plus the chain's states (and x̂₀) at `timesteps`, which must be on the sampler's schedule: the same
   * classes, seed and sampler settings, so the final records equal `sample`'s for the same arguments.
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
    return {
      records: recordsFromEncoded(this.encoder, out.samples, classes, this.schema, this.classes.column),
      states: out.states,
      predictedX0: out.predictedX0,
    };
  }

  private samplingOptions(seed: number): { seed: number; guidanceScale: number; sampler: 'ddpm' | 'ddim'; steps: number | undefined } {
    return { seed, guidanceScale: this.config.guidanceScale, sampler: this.config.sampler.kind, steps: this.config.sampler.steps };
  }

  // ---------------------------------------------------------------------------------------------------
  // Gray-box and white-box access (docs/mia.md; served by sharer/timestepAccess.ts). Records come in the
  // shared schema's column order with the label; the model works on their encoding, conditioned on the label.

  /** The noise schedule and the width of a record in model coordinates. */
  get diffusionSchedule(): DiffusionScheduleInfo {
    const s = this.ddpm.schedule;
    return {
      timesteps: s.T,
      kind: s.kind,
      alphaBars: Array.from(s.alphaBars),
      modelWidth: this.encoder.width,
      samplerTimesteps: this.ddpm.samplerTimesteps(this.samplingOptions(0)),
    };
  }

  /** The records as the denoiser sees them (encoded) and the class each is conditioned on (its label). */
  encodeRecords(table: Table): { x: Float32Array; classes: Int32Array } {
    const labelIndex = columnIndex(this.schema, this.classes.column);
    const classes = recordClasses(table, labelIndex, this.classes);
    return { x: this.encoder.encode(table), classes };
  }

  /** Model-space rows decoded into records with their classes in the label column, exactly as `sample` decodes. */
  decodeRecords(x: Float32Array, classes: Int32Array): Table {
    return recordsFromEncoded(this.encoder, x, classes, this.schema, this.classes.column).table;
  }

  /** x̂₀(x_t, t, y) for model-space states, one t per state. */
  predictX0(xt: Float32Array, t: Int32Array, classes: Int32Array): Float32Array {
    return this.ddpm.predictX0(xt, t, classes);
  }

  /**
   * x̂₀ for every record at every timestep, x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε_k, with ε_k ∈ R^width the same for every
   * record (common random numbers) and drawn exactly as draw 0 of `timestepLoss` with the same seed, so that
   * ‖ε_k − ε̂‖² = ᾱ_t/(1−ᾱ_t) · ‖x₀ − x̂₀‖² links the two (Zhu et al. 2023 §3; docs/mia.md). Rows record-major.
   */
  predictX0AtTimesteps(table: Table, timesteps: number[], noiseSeed: number): Float32Array {
    const { x, classes } = this.encodeRecords(table);
    const states = commonNoiseStates(this.ddpm.schedule, x, classes, timesteps, noiseSeed, this.encoder.width);
    return this.ddpm.predictX0(states.xt, states.t, states.classes);
  }

  /** ‖ε − ε̂_θ(x_t, t, y)‖² / width per record and timestep (n × K), averaged over `draws` common-noise draws. */
  timestepLoss(table: Table, timesteps: number[], noiseSeed: number, draws: number): Float32Array {
    const { x, classes } = this.encodeRecords(table);
    return this.ddpm.perTimestepLoss(x, classes, timesteps, { seed: noiseSeed, noiseDraws: draws });
  }

  /**
   * A copy of this model fine-tuned on `records` (docs/shake-to-leak.md; sharer/diffusion/fineTune.ts), encoded with
   * this model's encoder (the one it was trained in, private or `sharer.encoderData`: the records are placed where the
   * model would place them). This model is unchanged.
   */
  async fineTune(records: Table, request: FineTuneRequest): Promise<{ model: TabularModel; outcome: FineTuneResult }> {
    const { x, classes } = this.encodeRecords(records);
    const { ddpm, outcome } = await fineTunedDdpm(this.ddpm, x, classes, request);
    return { model: new TabularModel(ddpm, this.encoder, this.schema, this.classes, this.config), outcome };
  }

  dispose(): void {
    this.ddpm.dispose();
  }
}

