/**
 * The property discriminator f: record → class of Algorithm 2 (Luo et al. 2024 §3.2–3.3), in three kinds:
 *
 *  - 'identity': the property column is visible in the samples, so f reads it (no error, nothing to train).
 *  - 'aux-trained': §3.3(a). The property column is hidden from the samples; f is a classifier trained on the
 *    receiver's own auxiliary table (which does carry the column) to predict the property from the SHARED
 *    columns only. K-way properties use one-vs-rest (one binary classifier per class, argmax of the scores).
 *    Its confusion matrix is measured on a held-out split of the aux table, which is what the estimator's
 *    correction (estimate.ts) inverts.
 *  - 'pretrained': a tfjs model loaded from disk (pretrained.ts), the tabular analogue of §3.3(b)'s CLIP
 *    zero-shot route: no aux data, and an error that is unknown unless the model ships a calibration.
 */
import { alignToSchema } from '../../../shared/data/align';
import { schemaWithColumns } from '../../../shared/data/imageTable';
import { fitFeatures } from '../../../shared/evaluation/classifiers/features';
import { splitTable } from '../../../shared/data/split';
import type { Table, TableSchema } from '../../../shared/data/table';
import { deriveSeed, Rng } from '../../../shared/random';
import { createClassifier, type BinaryClassifier, type ClassifierKind, type FeatureMatrix } from '../../../shared/evaluation/classifiers';
import { PropertyInferenceError } from '../../../shared/propertyInference/errors';
import { describeProperty, propertyColumn, resolveProperty, type PropertySpec } from '../../../shared/propertyInference/property';

/** The discriminator's behaviour on labelled records it was not trained on. */
export interface DiscriminatorCalibration {
  /** Labelled records it was measured on (0 for the exact identity discriminator). */
  heldOutRows: number;
  /** counts[t][q]: records of true class t classified as q. */
  counts: number[][];
  /** rates[t][q] = P(f(x) = q | true class t): the row-normalised confusion matrix. */
  rates: number[][];
  /** Misclassification rate on the held-out records, at their class balance (the paper's e). */
  error: number;
  /** Mean over classes of 1 − rates[t][t]: the error at a uniform class balance. */
  balancedError: number;
  /** Binary only: TPR = rates[1][1] and FPR = rates[0][1]. */
  tpr?: number;
  fpr?: number;
}

export type DiscriminatorKind = 'identity' | 'aux-trained' | 'pretrained';

export interface PropertyDiscriminator {
  readonly kind: DiscriminatorKind;
  readonly property: PropertySpec;
  /** Class k is outcomes[k]; binary properties: [not P, P], so class 1 = has the property. */
  readonly outcomes: readonly string[];
  /** Columns of the samples it reads. */
  readonly featureColumns: readonly string[];
  /** null when unknown (a pretrained model shipped without one): the estimator then cannot correct. */
  readonly calibration: DiscriminatorCalibration | null;
  /** Class index per sample record. */
  classify(samples: Table): Int32Array;
  /** Frees tensors; classify fails afterwards. */
  dispose(): void;
}

/** Confusion counts and rates of predictions against the truth, both class indices in [0, k). */
export function calibrationFromPredictions(truth: ArrayLike<number>, predicted: ArrayLike<number>, k: number): DiscriminatorCalibration {
  if (truth.length !== predicted.length) throw new Error(`calibrationFromPredictions: ${truth.length} labels but ${predicted.length} predictions`);
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let wrong = 0;
  for (let i = 0; i < truth.length; i++) {
    counts[truth[i]][predicted[i]]++;
    if (truth[i] !== predicted[i]) wrong++;
  }
  const rates = counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (total > 0 ? c / total : Number.NaN));
  });
  const balancedError = rates.reduce((sum, row, t) => sum + (1 - row[t]), 0) / k;
  const calibration: DiscriminatorCalibration = {
    heldOutRows: truth.length,
    counts,
    rates,
    error: truth.length > 0 ? wrong / truth.length : Number.NaN,
    balancedError,
  };
  if (k === 2) {
    calibration.tpr = rates[1][1];
    calibration.fpr = rates[0][1];
  }
  return calibration;
}

function exactCalibration(k: number): DiscriminatorCalibration {
  const rates = Array.from({ length: k }, (_, t) => Array.from({ length: k }, (_, q) => (t === q ? 1 : 0)));
  const calibration: DiscriminatorCalibration = {
    heldOutRows: 0,
    counts: Array.from({ length: k }, () => new Array<number>(k).fill(0)),
    rates,
    error: 0,
    balancedError: 0,
  };
  if (k === 2) {
    calibration.tpr = 1;
    calibration.fpr = 0;
  }
  return calibration;
}

/**
 * The visible-column path: f(x) is the property read off the record, so p̂ is a plain count and the
 * discriminator error is 0. `sampleSchema` is the schema the samples arrive with (it must carry the column).
 */
export function identityDiscriminator(property: PropertySpec, sampleSchema: TableSchema): PropertyDiscriminator {
  const resolved = resolveProperty(property, sampleSchema, 'samples (visible-column path)');
  return {
    kind: 'identity',
    property,
    outcomes: resolved.outcomes,
    featureColumns: [resolved.column],
    calibration: exactCalibration(resolved.outcomes.length),
    classify: (samples) => {
      const labels = resolveProperty(property, samples.schema, 'samples').label(samples);
      return labels;
    },
    dispose: () => undefined,
  };
}

export interface TrainDiscriminatorOptions {
  /** Seeds the split, the weights and the minibatch order. */
  seed: number;
  /** 'logistic' (default) or 'mlp'. */
  classifier?: ClassifierKind;
  /** MLP hidden widths (default the classifier's own). */
  hidden?: number[];
  /** Default 30. */
  epochs?: number;
  /** Default 128. */
  batchSize?: number;
  /** Adam step; default 1e-2. */
  learningRate?: number;
  /** Share of the aux table used for training; the rest measures the confusion matrix. Default 0.7. */
  trainFraction?: number;
  /** Columns to read; default every column of the shared schema except the property's. */
  featureColumns?: string[];
}

/**
 * §3.3(a): trains f on the receiver's aux table to predict the property from the shared columns, and measures
 * its confusion matrix on a held-out split. `sharedSchema` is the schema of the samples the broker serves.
 */
export async function trainDiscriminator(
  aux: Table,
  property: PropertySpec,
  sharedSchema: TableSchema,
  opts: TrainDiscriminatorOptions,
): Promise<PropertyDiscriminator> {
  const resolved = resolveProperty(property, aux.schema, 'aux data');
  const k = resolved.outcomes.length;
  const featureColumns = opts.featureColumns ?? sharedSchema.columns.map((c) => c.name).filter((name) => name !== resolved.column);
  if (featureColumns.length === 0) {
    throw new PropertyInferenceError('invalid-option', `the shared schema has no column besides "${resolved.column}" to infer ${describeProperty(property)} from`);
  }
  if (featureColumns.includes(resolved.column)) {
    throw new PropertyInferenceError('invalid-option', `featureColumns include the property column "${resolved.column}"; use identityDiscriminator when it is visible`);
  }
  const featureSchema: TableSchema = schemaWithColumns(
    sharedSchema,
    featureColumns.map((name) => {
      const col = sharedSchema.columns.find((c) => c.name === name);
      if (!col) throw new PropertyInferenceError('missing-feature', `feature column "${name}" is not in the shared schema (${sharedSchema.columns.map((c) => c.name).join(', ')})`);
      return col;
    }),
  );
  for (const col of featureSchema.columns) {
    if (!aux.schema.columns.some((c) => c.name === col.name)) {
      throw new PropertyInferenceError(
        'missing-feature',
        `aux data lacks the shared column "${col.name}" the discriminator reads (aux columns: ${aux.schema.columns.map((c) => c.name).join(', ')})`,
      );
    }
  }

  const trainFraction = opts.trainFraction ?? 0.7;
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new PropertyInferenceError('invalid-option', `trainFraction must be in (0, 1), got ${trainFraction}`);
  }
  const [train, heldOut] = splitTable(aux, trainFraction, new Rng(deriveSeed(opts.seed, 'pia/aux-split')));
  const yTrain = resolved.label(train);
  const yHeldOut = resolved.label(heldOut);
  requireEveryClass(yTrain, resolved.outcomes, 'training', property);
  requireEveryClass(yHeldOut, resolved.outcomes, 'held-out', property);

  const kind = opts.classifier ?? 'logistic';
  const features = fitFeatures(kind, featureSchema, alignToSchema(train, featureSchema, 'aux data'));
  const encode = (table: Table, what: string): FeatureMatrix => {
    for (const col of featureSchema.columns) {
      if (!table.schema.columns.some((c) => c.name === col.name)) {
        throw new PropertyInferenceError('missing-feature', `${what} lack the column "${col.name}" the discriminator was trained on`);
      }
    }
    return features.encode(table, what);
  };

  // Binary: one classifier for class 1. K-way: one-vs-rest, one classifier per class.
  const heads = k === 2 ? [1] : resolved.outcomes.map((_, c) => c);
  const classifiers: BinaryClassifier[] = [];
  const xTrain = encode(train, 'aux data');
  try {
    for (const c of heads) {
      const classifier = createClassifier(kind, { ...(opts.hidden ? { hidden: opts.hidden } : {}), ...(features.image ? { image: features.image } : {}) });
      classifiers.push(classifier);
      const target = new Uint8Array(yTrain.length);
      for (let i = 0; i < yTrain.length; i++) target[i] = yTrain[i] === c ? 1 : 0;
      await classifier.fit(xTrain, target, {
        epochs: opts.epochs ?? 30,
        batchSize: opts.batchSize ?? 128,
        learningRate: opts.learningRate ?? 1e-2,
        seed: deriveSeed(opts.seed, `pia/discriminator/${c}`),
      });
    }
  } catch (error) {
    for (const classifier of classifiers) classifier.dispose();
    throw error;
  }

  const predict = (x: FeatureMatrix): Int32Array => {
    const out = new Int32Array(x.rows);
    if (k === 2) {
      const yes = classifiers[0].predict(x);
      for (let i = 0; i < x.rows; i++) out[i] = yes[i];
      return out;
    }
    const scores = classifiers.map((classifier) => classifier.predictProbability(x));
    for (let i = 0; i < x.rows; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (scores[c][i] > scores[best][i]) best = c;
      out[i] = best;
    }
    return out;
  };

  const calibration = calibrationFromPredictions(yHeldOut, predict(encode(heldOut, 'aux data')), k);
  return {
    kind: 'aux-trained',
    property,
    outcomes: resolved.outcomes,
    featureColumns,
    calibration,
    classify: (samples) => predict(encode(samples, 'samples')),
    dispose: () => {
      for (const classifier of classifiers) classifier.dispose();
    },
  };
}

function requireEveryClass(labels: Int32Array, outcomes: readonly string[], split: string, property: PropertySpec): void {
  const counts = new Array<number>(outcomes.length).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const missing = outcomes.filter((_, c) => counts[c] === 0);
  if (missing.length > 0) {
    const present = outcomes.map((o, c) => `${o}: ${counts[c]}`).join(', ');
    throw new PropertyInferenceError(
      'single-class-aux',
      `the aux ${split} split has no record of class ${missing.map((m) => `[${m}]`).join(', ')} for ${describeProperty(property)} ` +
        `(${present}); the discriminator cannot learn or be checked on a class it never sees: give aux data with every class`,
    );
  }
}

/**
 * Picks the discriminator the threat model allows: identity when the property column is visible in the shared
 * schema; otherwise one trained on `aux`; an error when neither is possible.
 */
export async function discriminatorFor(
  property: PropertySpec,
  sharedSchema: TableSchema,
  aux: Table | undefined,
  opts: TrainDiscriminatorOptions,
): Promise<PropertyDiscriminator> {
  const column = propertyColumn(property);
  if (sharedSchema.columns.some((c) => c.name === column)) return identityDiscriminator(property, sharedSchema);
  if (!aux) {
    throw new PropertyInferenceError(
      'missing-column',
      `the samples hide "${column}" and no aux data was given: supply an aux table with "${column}" (or a pretrained discriminator) to infer ${describeProperty(property)}`,
    );
  }
  return trainDiscriminator(aux, property, sharedSchema, opts);
}
