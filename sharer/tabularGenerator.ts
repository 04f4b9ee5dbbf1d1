/**
 * What every sharer model is, whatever its kind (diffusion, VAE, GAN): a trained class-conditional generator of
 * records in the shared schema, conditioned on the task label, that ModelHost samples from. And what they share:
 * the class information of the label, the encoder around the network, the model cache keyed by (data, training
 * config, seed, encoder) with its `complete` marker, and turning encoded samples back into records.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { EncoderOptions } from '../shared/data/encoder';
import { TableEncoder } from '../shared/data/encoder';
import { columnIndex, tableFingerprint, type Table, type TableSchema, type TaskSpec } from '../shared/data/table';
import type { ClassInfo } from '../shared/grpc/records';
import { encoderFitTable, encoderProvenance, type EncoderData, type EncoderProvenance } from './encoderData';

export interface TrainingReport {
  cached: boolean;
  cacheKey: string;
  trainSeconds: number;
  losses: number[];
  /**
   * Which data the tabular encoder was fitted on: 'private' (the training set) or 'public' with `encoderData`, the
   * dataset's name (sharer/encoderData.ts). Absent for an image model, whose pixel scaling is fitted on nothing.
   */
  encoderFittedOn?: EncoderProvenance['encoderFittedOn'];
  encoderData?: string;
}

export interface SampledRecords {
  table: Table;
  classes: Int32Array;
}

/** A trained class-conditional tabular generator, as ModelHost serves it. */
export interface TabularGenerator {
  /** The scenario's `sharer.model.kind`. */
  readonly kind: string;
  /** Whether it has diffusion timesteps (gray-box and white-box queries need them; a VAE or GAN has none). */
  readonly supportsTimesteps: boolean;
  /** Records per generation batch when not the default GENERATION_BATCH (sharer/generationBatches.ts). */
  readonly generationBatch?: number;
  /** Schema of shared records: the training table's columns, label included, hidden columns excluded. */
  readonly schema: TableSchema;
  readonly classes: ClassInfo;
  /**
   * `n` records, all of class `classIndex`, or with classes drawn from the training shares when it is null
   * (so unconditional draws follow the training distribution of the label as well as of the features).
   */
  sample(n: number, classIndex: number | null, seed: number, rngForClasses: () => number): Promise<SampledRecords>;
  dispose(): void;
}

export type ProgressFn = (step: number, total: number, loss: number) => void;

/** The label's class values, their shares in the table, and each record's class. */
export function classesOf(table: Table, task: TaskSpec): { classInfo: ClassInfo; labels: Int32Array } {
  const labelIndex = columnIndex(table.schema, task.label);
  const labelSpec = table.schema.columns[labelIndex];
  if (labelSpec.type !== 'categorical' || !labelSpec.categories) {
    throw new Error(`task.label: column "${task.label}" must be categorical to condition the model on it`);
  }
  const values = labelSpec.categories;
  const labels = new Int32Array(table.rows.map((r) => r[labelIndex]));
  const counts = new Array<number>(values.length).fill(0);
  for (const y of labels) counts[y]++;
  return { classInfo: { column: task.label, values, shares: counts.map((c) => c / Math.max(1, labels.length)) }, labels };
}

/**
 * The class code of each record a receiver sent for gray-/white-box access (the label column, at `labelIndex`),
 * checked against the model's classes: a code outside them names the record and the column.
 */
export function recordClasses(table: Table, labelIndex: number, classes: ClassInfo): Int32Array {
  const out = new Int32Array(table.rows.length);
  table.rows.forEach((row, i) => {
    const k = row[labelIndex];
    if (!Number.isInteger(k) || k < 0 || k >= classes.values.length) {
      throw new Error(`record ${i}: label code ${k} is not a class of column "${classes.column}" (0 … ${classes.values.length - 1})`);
    }
    out[i] = k;
  });
  return out;
}

/** The class of each of n records: `classIndex` for all, or drawn from the shares when it is null. */
export function drawClasses(n: number, classIndex: number | null, shares: number[], rngForClasses: () => number): Int32Array {
  const classes = new Int32Array(n);
  for (let i = 0; i < n; i++) classes[i] = classIndex ?? pickClass(shares, rngForClasses());
  return classes;
}

function pickClass(shares: number[], u: number): number {
  let acc = 0;
  for (let k = 0; k < shares.length; k++) {
    acc += shares[k];
    if (u < acc) return k;
  }
  return shares.length - 1;
}

/** Decoded feature rows with each record's class put back in the label column. */
export function recordsFromEncoded(
  encoder: TableEncoder,
  x: Float32Array,
  classes: Int32Array,
  schema: TableSchema,
  labelColumn: string,
): SampledRecords {
  const features = encoder.decode(x, classes.length);
  const labelIndex = columnIndex(schema, labelColumn);
  const rows = features.rows.map((featureRow, i) => {
    const row = featureRow.slice();
    row.splice(labelIndex, 0, classes[i]);
    return row;
  });
  return { table: { schema, rows }, classes };
}

export interface CachedTraining<N> {
  table: Table;
  task: TaskSpec;
  /** Names the cache folder, e.g. `tabular-ddpm`. */
  kind: string;
  /** How the feature columns are encoded for this kind of network. */
  encoderOptions: EncoderOptions;
  /** sharer.encoderData: fit the encoder on this public table instead of `table` (sharer/encoderData.ts). */
  encoderData?: EncoderData;
  /** Everything in the config that changes the trained weights (sampling-time settings left out). */
  trainingConfig: unknown;
  seed: number;
  cacheDir: string;
  /** Bump when the saved layout or the training procedure of this kind changes, so stale caches are not reused. */
  formatVersion: number;
  train(x: Float32Array, labels: Int32Array, encoder: TableEncoder, numClasses: number): Promise<{ network: N; losses: number[] }>;
  save(network: N, dir: string): Promise<void>;
  load(dir: string): Promise<N>;
}

/**
 * Fits the encoder (on `encoderData` when given, else on the training table), then loads the network from the cache
 * when a complete entry exists for this (data, training config, seed, encoder), else trains it and saves it
 * atomically into the cache. The key holds the fitted encoder, so one private table under two encoders is two entries.
 */
export async function trainOrLoadCached<N>(
  spec: CachedTraining<N>,
): Promise<{ network: N; encoder: TableEncoder; classInfo: ClassInfo; report: TrainingReport }> {
  const { table, task } = spec;
  const { classInfo, labels } = classesOf(table, task);
  const encoder = TableEncoder.fit(encoderFitTable(table, spec.encoderData), { ...spec.encoderOptions, exclude: [task.label] });
  const provenance = encoderProvenance(spec.encoderData);
  const key = cacheKey(spec, encoder);
  const dir = path.join(spec.cacheDir, spec.kind, key);
  const networkDir = path.join(dir, 'network');
  if (fs.existsSync(path.join(dir, 'complete'))) {
    const network = await spec.load(networkDir);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    return { network, encoder, classInfo, report: { cached: true, cacheKey: key, trainSeconds: meta.trainSeconds, losses: meta.losses, ...provenance } };
  }
  const started = Date.now();
  const { network, losses } = await spec.train(encoder.encode(table), labels, encoder, classInfo.values.length);
  const trainSeconds = (Date.now() - started) / 1000;
  await saveAtomically(dir, async (tmp) => {
    await spec.save(network, path.join(tmp, 'network'));
    fs.writeFileSync(path.join(tmp, 'encoder.json'), JSON.stringify(encoder.toJSON()));
    fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify({ trainSeconds, losses, config: spec.trainingConfig, seed: spec.seed }));
    fs.writeFileSync(path.join(tmp, 'complete'), '');
  });
  return { network, encoder, classInfo, report: { cached: false, cacheKey: key, trainSeconds, losses, ...provenance } };
}

/**
 * Everything that determines the trained weights: data, training config, seed, and the fitted encoder (so that
 * a change in how records are encoded never reuses a model trained on another encoding).
 */
function cacheKey(spec: CachedTraining<unknown>, encoder: TableEncoder): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify({ v: spec.formatVersion, trainingConfig: spec.trainingConfig, seed: spec.seed, encoder: encoder.toJSON() }))
    .update(tableFingerprint(spec.table))
    .digest('hex')
    .slice(0, 24);
}

/** Writes into a temporary sibling folder and renames it into place: a crash never leaves a half-written model. */
export async function saveAtomically(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
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
