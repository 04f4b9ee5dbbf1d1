/**
 * The downstream task: train a classifier on a table (synthetic, or real for the referee's baseline) and
 * measure its accuracy and fairness on the receiver's real test split. The features are every shared column
 * but the label; the sensitive attribute is read from the test split, so fairness is measured even when the
 * sharer hid that column from the shared records.
 */
import { schemaWithColumns } from '../data/imageTable';
import { binaryColumn, columnIndex, type Table, type TaskSpec } from '../data/table';
import { evaluateClassifier, type ClassifierEvaluation } from '../metrics/fairnessReport';
import { Rng, deriveSeed } from '../random';
import { createClassifier, type ClassifierKind, type FeatureMatrix } from './classifiers';
import { fitFeatures } from './classifiers/features';

/**
 * A fresh classifier of the kind, fitted with per-record weights and labels on the training features; `epochs`
 * overrides the receiver's classifierEpochs for this fit (a reduction fits many classifiers and may give each fewer).
 */
export type WeightedFit = (
  weights: Float64Array,
  labels: Uint8Array,
  options?: { epochs?: number },
) => Promise<{ predictProbability(x: FeatureMatrix): Float32Array }>;

/**
 * How a receiver's defences change the training of its classifiers (receiver/moves/context.ts ReceiverDefenceResult):
 * per-record weights on the plain fit (reweighing), or a fit of its own (a reduction fits several weighted
 * classifiers and combines them).
 */
export interface TrainingPlan {
  /** One non-negative weight per training record; default all 1. */
  sampleWeights?: Float64Array;
  /**
   * Replaces the plain fit. Gets `fitWeighted` (a fresh classifier per call), the training records' features, labels
   * and sensitive attribute (null when the records lack the column), a seed and the classifier kind being trained;
   * returns the 0/1 predictor applied to the test split.
   */
  fit?: (
    fitWeighted: WeightedFit,
    data: { x: FeatureMatrix; y: Uint8Array; s: Uint8Array | null; seed: number; kind: ClassifierKind },
  ) => Promise<(x: FeatureMatrix) => Uint8Array>;
}

export interface DownstreamOptions {
  /** The receiver's defences' plan (absent: the plain fit). */
  plan?: TrainingPlan;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  seed: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface DownstreamResult {
  kind: ClassifierKind;
  trainRows: number;
  features: number;
  evaluation: ClassifierEvaluation;
  /** The prediction (0/1) for each test record, in the test split's order: for the referee's paired comparisons. */
  testPredictions: number[];
}

export async function trainAndEvaluate(
  train: Table,
  test: Table,
  task: TaskSpec,
  kind: ClassifierKind,
  opts: DownstreamOptions,
): Promise<DownstreamResult> {
  const labelIndex = columnIndex(train.schema, task.label);
  const featureSchema = schemaWithColumns(train.schema, train.schema.columns.filter((_, j) => j !== labelIndex));
  const trainFeatures = { schema: featureSchema, rows: train.rows.map((r) => r.filter((_, j) => j !== labelIndex)) };
  const features = fitFeatures(kind, featureSchema, trainFeatures);
  const xTrain = features.encode(trainFeatures, 'training records');
  const xTest = features.encode(test, 'test split');
  const yTrain = binaryColumn(train, task.label, task.positive);
  const yTest = binaryColumn(test, task.label, task.positive);
  const sTest = binaryColumn(test, task.sensitive, task.privileged);

  const trainOptions = {
    epochs: opts.epochs,
    batchSize: opts.batchSize ?? 128,
    learningRate: opts.learningRate ?? 3e-3,
    seed: deriveSeed(opts.seed, `classifier/${kind}`),
    onEpoch: opts.onEpoch,
  };
  const plan = opts.plan;
  if (plan?.fit) {
    // The defence fits (several) classifiers itself; each is disposed once its test predictions are read.
    const fitted: Array<{ dispose(): void }> = [];
    try {
      const fitWeighted: WeightedFit = async (weights, labels, options) => {
        const c = createClassifier(kind, features.image ? { image: features.image } : {});
        fitted.push(c);
        await c.fit(xTrain, labels, { ...trainOptions, ...(options?.epochs !== undefined ? { epochs: options.epochs } : {}), sampleWeights: weights });
        return c;
      };
      const sTrain = train.schema.columns.some((c) => c.name === task.sensitive) ? binaryColumn(train, task.sensitive, task.privileged) : null;
      const predict = await plan.fit(fitWeighted, { x: xTrain, y: yTrain, s: sTrain, seed: deriveSeed(opts.seed, `plan/${kind}`), kind });
      const yPred = predict(xTest);
      const evaluation = evaluateClassifier(yTest, yPred, sTest, new Rng(deriveSeed(opts.seed, `bootstrap/${kind}`)));
      return { kind, trainRows: train.rows.length, features: features.width, evaluation, testPredictions: Array.from(yPred) };
    } finally {
      for (const c of fitted) c.dispose();
    }
  }
  const classifier = createClassifier(kind, features.image ? { image: features.image } : {});
  try {
    await classifier.fit(xTrain, yTrain, plan?.sampleWeights ? { ...trainOptions, sampleWeights: plan.sampleWeights } : trainOptions);
    const yPred = classifier.predict(xTest);
    const evaluation = evaluateClassifier(yTest, yPred, sTest, new Rng(deriveSeed(opts.seed, `bootstrap/${kind}`)));
    return { kind, trainRows: train.rows.length, features: features.width, evaluation, testPredictions: Array.from(yPred) };
  } finally {
    classifier.dispose();
  }
}
