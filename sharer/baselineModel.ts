/**
 * The sharer's baseline generators, `tabular-vae` and `tabular-gan` (docs/generators.md): the same contract as the
 * diffusion model (TabularGenerator: class-conditional on the task label, cached, deterministic in the seed) over
 * the networks of sharer/generative/. They have no diffusion timesteps, so gray-box and white-box queries refuse
 * them (sharer/timestepAccess.ts).
 */
import type { TableEncoder } from '../shared/data/encoder';
import type { EncoderData } from './encoderData';
import type { Table, TableSchema, TaskSpec } from '../shared/data/table';
import type { ClassInfo } from '../shared/grpc/records';
import { TabularVae } from './generative/tabularVae';
import { TabularGan } from './generative/tabularGan';
import type { TabularGenerativeNetwork, TabularNetworkConfig } from './generative/network';
import type { TabularGanModelConfig, TabularVaeModelConfig } from '../shared/scenario/schema';
import { drawClasses, recordsFromEncoded, trainOrLoadCached, type ProgressFn, type SampledRecords, type TabularGenerator, type TrainingReport } from './tabularGenerator';

/** Bump when the saved layout or the training procedure of the baselines changes, so stale caches are not reused. */
const BASELINE_FORMAT_VERSION = 2;

export type BaselineModelConfig = TabularVaeModelConfig | TabularGanModelConfig;

export class BaselineModel implements TabularGenerator {
  readonly supportsTimesteps = false;

  private constructor(
    readonly kind: BaselineModelConfig['kind'],
    private readonly network: TabularGenerativeNetwork<TabularNetworkConfig>,
    private readonly encoder: TableEncoder,
    readonly schema: TableSchema,
    readonly classes: ClassInfo,
  ) {}

  static async trainOrLoad(
    table: Table,
    task: TaskSpec,
    config: BaselineModelConfig,
    seed: number,
    cacheDir: string,
    onProgress: ProgressFn,
    /** sharer.encoderData: the public table the encoder is fitted on (sharer/encoderData.ts); absent, the training table. */
    options: { encoderData?: EncoderData } = {},
  ): Promise<{ model: BaselineModel; report: TrainingReport }> {
    const { network, encoder, classInfo, report } = await trainOrLoadCached<TabularGenerativeNetwork<TabularNetworkConfig>>({
      table,
      task,
      kind: config.kind,
      // Quantile-normal numerics (about N(0, 1), what a Gaussian decoder or a linear generator output fits) and 0/1
      // one-hot blocks, which the networks model with a softmax per block.
      encoderOptions: { numeric: 'quantile', categorical: 'onehot' },
      encoderData: options.encoderData,
      trainingConfig: config,
      seed,
      cacheDir,
      formatVersion: BASELINE_FORMAT_VERSION,
      load: (dir) => (config.kind === 'tabular-vae' ? TabularVae.load(dir) : TabularGan.load(dir)),
      save: (network, dir) => network.save(dir),
      train: async (x, labels, encoder, numClasses) => {
        const shape = { dataWidth: encoder.width, oneHotBlocks: encoder.oneHotBlocks(), numClasses, latentDim: config.latentDim, seed };
        const common = {
          steps: config.trainSteps,
          batchSize: config.batchSize,
          learningRate: config.learningRate,
          progressEvery: Math.max(1, Math.floor(config.trainSteps / 100)),
          onProgress: (step: number, loss: number) => onProgress(step, config.trainSteps, loss),
        };
        if (config.kind === 'tabular-vae') {
          const vae = new TabularVae({ ...shape, hidden: config.hidden, klWeight: config.klWeight });
          return { network: vae, losses: (await vae.train(x, labels, common)).losses };
        }
        const gan = new TabularGan({
          ...shape,
          generatorHidden: config.generatorHidden,
          discriminatorHidden: config.discriminatorHidden,
          gumbelTemperature: config.gumbelTemperature,
        });
        return { network: gan, losses: (await gan.train(x, labels, { ...common, discriminatorSteps: config.discriminatorSteps })).losses };
      },
    });
    return { model: new BaselineModel(config.kind, network, encoder, table.schema, classInfo), report };
  }

  async sample(n: number, classIndex: number | null, seed: number, rngForClasses: () => number): Promise<SampledRecords> {
    const classes = drawClasses(n, classIndex, this.classes.shares, rngForClasses);
    const x = await this.network.sample(n, classes, seed);
    return recordsFromEncoded(this.encoder, x, classes, this.schema, this.classes.column);
  }

  dispose(): void {
    this.network.dispose();
  }
}
