/**
 * The sharer's tabular model: a class-conditional DDPM over the encoded feature columns, conditioned on the
 * task label. Trained models are cached by a hash of (data, model config, seed) so that a second run of the
 * same scenario skips training.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { TableEncoder } from '../shared/data/encoder';
import { columnIndex, tableFingerprint, type Table, type TableSchema, type TaskSpec } from '../shared/data/table';
import { TabularDdpm } from '../shared/diffusion/tabularDdpm';
import type { ClassInfo } from '../shared/grpc/records';
import type { TabularDdpmConfig } from './config';

/** Bump when the saved layout or the training procedure changes, so stale caches are not reused. */
const MODEL_FORMAT_VERSION = 2;

export interface TrainingReport {
  cached: boolean;
  cacheKey: string;
  trainSeconds: number;
  losses: number[];
}

export interface SampledRecords {
  table: Table;
  classes: Int32Array;
}

export class TabularModel {
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
    onProgress: (step: number, total: number, loss: number) => void,
  ): Promise<{ model: TabularModel; report: TrainingReport }> {
    const labelIndex = columnIndex(table.schema, task.label);
    const labelSpec = table.schema.columns[labelIndex];
    if (labelSpec.type !== 'categorical' || !labelSpec.categories) {
      throw new Error(`task.label: column "${task.label}" must be categorical to condition the model on it`);
    }
    const classValues = labelSpec.categories;
    const labels = new Int32Array(table.rows.map((r) => r[labelIndex]));
    const classInfo: ClassInfo = {
      column: task.label,
      values: classValues,
      shares: classValues.map((_, k) => labels.filter((v) => v === k).length / Math.max(1, labels.length)),
    };

    // Quantile-normal numerics and standardised one-hot coordinates: every coordinate the diffusion model sees has
    // about unit variance, so none is drowned early by the noise (shared/data/encoder.ts, docs/diffusion.md).
    const encoder = TableEncoder.fit(table, { exclude: [task.label], numeric: 'quantile', categorical: 'standardised' });
    const key = cacheKey(table, config, seed, encoder);
    const dir = path.join(cacheDir, 'tabular-ddpm', key);
    if (fs.existsSync(path.join(dir, 'complete'))) {
      const ddpm = await TabularDdpm.load(path.join(dir, 'ddpm'));
      const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
      return {
        model: new TabularModel(ddpm, encoder, table.schema, classInfo, config),
        report: { cached: true, cacheKey: key, trainSeconds: meta.trainSeconds, losses: meta.losses },
      };
    }

    const x = encoder.encode(table);
    const ddpm = new TabularDdpm({
      dataWidth: encoder.width,
      numClasses: classValues.length,
      // The encoder's blocks hold standardised scores; the argmax happens in encoder.decode, so the model must not
      // snap them to 0/1 itself.
      oneHotBlocks: [],
      timesteps: config.timesteps,
      schedule: config.schedule,
      hidden: config.hidden,
      timeEmbedding: config.timeEmbedding,
      condDropProb: config.condDropProb,
      seed,
    });
    const started = Date.now();
    const progressEvery = Math.max(1, Math.floor(config.trainSteps / 100));
    const { losses } = await ddpm.train(x, labels, {
      steps: config.trainSteps,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      lrDecay: config.lrSchedule,
      warmupSteps: config.warmupSteps,
      emaDecay: config.emaDecay,
      progressEvery,
      onProgress: (step, loss) => onProgress(step, config.trainSteps, loss),
    });
    const trainSeconds = (Date.now() - started) / 1000;
    await saveAtomically(dir, async (tmp) => {
      await ddpm.save(path.join(tmp, 'ddpm'));
      fs.writeFileSync(path.join(tmp, 'encoder.json'), JSON.stringify(encoder.toJSON()));
      fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify({ trainSeconds, losses, config, seed }));
      fs.writeFileSync(path.join(tmp, 'complete'), '');
    });
    return {
      model: new TabularModel(ddpm, encoder, table.schema, classInfo, config),
      report: { cached: false, cacheKey: key, trainSeconds, losses },
    };
  }

  /**
   * `n` records, all of class `classIndex`, or with classes drawn from the training shares when it is null
   * (so unconditional draws follow the training distribution of the label as well as of the features).
   */
  async sample(n: number, classIndex: number | null, seed: number, rngForClasses: () => number): Promise<SampledRecords> {
    const classes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      classes[i] = classIndex ?? pickClass(this.classes.shares, rngForClasses());
    }
    const x = await this.ddpm.sample(n, classes, {
      seed,
      guidanceScale: this.config.guidanceScale,
      sampler: this.config.sampler.kind,
      steps: this.config.sampler.steps,
    });
    const features = this.encoder.decode(x, n);
    const labelIndex = columnIndex(this.schema, this.classes.column);
    const rows = features.rows.map((featureRow, i) => {
      const row = featureRow.slice();
      row.splice(labelIndex, 0, classes[i]);
      return row;
    });
    return { table: { schema: this.schema, rows }, classes };
  }

  dispose(): void {
    this.ddpm.dispose();
  }
}

function pickClass(shares: number[], u: number): number {
  let acc = 0;
  for (let k = 0; k < shares.length; k++) {
    acc += shares[k];
    if (u < acc) return k;
  }
  return shares.length - 1;
}

/**
 * Everything that determines the trained weights: data, training config, seed, and the fitted encoder (so that
 * a change in how records are encoded never reuses a model trained on another encoding).
 */
function cacheKey(table: Table, config: TabularDdpmConfig, seed: number, encoder: TableEncoder): string {
  // Sampling-time settings (guidance, sampler) do not change the trained weights, so they are not in the key.
  const { guidanceScale: _g, sampler: _s, ...trainingConfig } = config;
  return crypto
    .createHash('sha256')
    .update(JSON.stringify({ v: MODEL_FORMAT_VERSION, trainingConfig, seed, encoder: encoder.toJSON() }))
    .update(tableFingerprint(table))
    .digest('hex')
    .slice(0, 24);
}

/** Writes into a temporary sibling folder and renames it into place: a crash never leaves a half-written model. */
async function saveAtomically(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    await write(tmp);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
