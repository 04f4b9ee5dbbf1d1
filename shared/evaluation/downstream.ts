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
import { createClassifier, type ClassifierKind } from './classifiers';
import { fitFeatures } from './classifiers/features';

export interface DownstreamOptions {
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

  const classifier = createClassifier(kind, features.image ? { image: features.image } : {});
  try {
    await classifier.fit(xTrain, yTrain, {
      epochs: opts.epochs,
      batchSize: opts.batchSize ?? 128,
      learningRate: opts.learningRate ?? 3e-3,
      seed: deriveSeed(opts.seed, `classifier/${kind}`),
      onEpoch: opts.onEpoch,
    });
    const yPred = classifier.predict(xTest);
    const evaluation = evaluateClassifier(yTest, yPred, sTest, new Rng(deriveSeed(opts.seed, `bootstrap/${kind}`)));
    return { kind, trainRows: train.rows.length, features: features.width, evaluation, testPredictions: Array.from(yPred) };
  } finally {
    classifier.dispose();
  }
}
