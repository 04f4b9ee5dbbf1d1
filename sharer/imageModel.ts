/**
 * The sharer's image model (`sharer.model.kind: image-ddpm`): the class-conditional U-Net DDPM of
 * shared/diffusion/imageDdpm.ts trained on the pixels of the sharer's image records, conditioned on the task
 * label. It generates the image and its class and nothing else, so the shared schema is the label column and
 * the pixel columns (the runner hides every other attribute column: shared/scenario/slices.ts).
 *
 * Trained models are cached like the tabular ones (sharer/tabularGenerator.ts): a folder named by the hash of
 * (format version, training config, seed, the training records), written atomically with a `complete` marker.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { imageShapeOf, pixelCount, pixelsOf } from '../shared/data/imageTable';
import { columnIndex, tableFingerprint, type Table, type TableSchema, type TaskSpec } from '../shared/data/table';
import { ImageDdpm } from '../shared/diffusion/imageDdpm';
import type { ClassInfo } from '../shared/grpc/records';
import type { ImageDdpmModelConfig } from '../shared/scenario/schema';
import { classesOf, drawClasses, saveAtomically, type ProgressFn, type SampledRecords, type TabularGenerator, type TrainingReport } from './tabularGenerator';

/** Bump when the saved layout or the training procedure changes, so stale caches are not reused. */
const IMAGE_MODEL_FORMAT_VERSION = 1;
const KIND = 'image-ddpm';
/**
 * Images per generation batch (ModelHost streams a batch when it is done): an image chain is ~1,000× the work of
 * a tabular one per record, so batches of the tabular 4,096 would leave the broker waiting minutes per chunk.
 */
export const IMAGE_GENERATION_BATCH = 256;

export class ImageModel implements TabularGenerator {
  readonly kind = KIND;
  /** Gray-box and white-box access for images are not implemented yet (the scenario loader refuses the grants). */
  readonly supportsTimesteps = false;
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
    const images = await this.ddpm.sample(n, classes, {
      seed,
      sampler: this.config.sampler.kind,
      steps: this.config.sampler.steps,
      eta: this.config.sampler.eta,
      guidanceScale: this.config.guidanceScale,
    });
    const size = images.length / Math.max(1, n);
    const rows: number[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const row = new Array<number>(1 + size);
      row[0] = classes[i];
      for (let k = 0; k < size; k++) row[1 + k] = images[i * size + k];
      rows[i] = row;
    }
    return { table: { schema: this.schema, rows }, classes };
  }

  dispose(): void {
    this.ddpm.dispose();
  }
}
