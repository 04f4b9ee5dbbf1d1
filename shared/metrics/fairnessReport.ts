/**
 * Accuracy and fairness of one classifier on one test set, each with a percentile-bootstrap interval. All
 * metrics are computed on the same resampled record indices, so the intervals are coherent (e.g. the
 * accuracy and the DP gap of one replicate come from the same test set) and cost one pass per resample.
 */
import { Rng } from '../random';
import { bootstrapIntervals, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, Interval } from './bootstrap';
import { BinaryVector, checkBinaryInputs, confusionByGroup, fairnessFromConfusion } from './fairness';

export type { Interval } from './bootstrap';

export interface EvaluateOptions {
  /** Bootstrap replicates (default 1000). */
  resamples?: number;
  /** Interval coverage (default 0.95). */
  confidence?: number;
}

export interface ClassifierEvaluation {
  accuracy: Interval;
  /** |P(ŷ=1|s=1) − P(ŷ=1|s=0)| */
  dpGap: Interval;
  /** max(|TPR_s1 − TPR_s0|, |FPR_s1 − FPR_s0|) */
  eoGap: Interval;
  accuracyS0: Interval;
  accuracyS1: Interval;
  /** P(ŷ=1|s=0) */
  positiveRateS0: Interval;
  /** P(ŷ=1|s=1) */
  positiveRateS1: Interval;
  /** Test records. */
  n: number;
  /** Test records per group. */
  nS0: number;
  nS1: number;
  bootstrap: {
    resamples: number;
    confidence: number;
    /**
     * Replicates skipped per metric because the metric was undefined on them (NaN: a group, or its positives
     * or negatives, absent from the resample). Non-zero values mean the interval is conditional on the
     * metric existing; a large count says the test set is too small for that metric.
     */
    skipped: Record<BootstrappedMetric, number>;
  };
}

type BootstrappedMetric =
  | 'accuracy'
  | 'dpGap'
  | 'eoGap'
  | 'accuracyS0'
  | 'accuracyS1'
  | 'positiveRateS0'
  | 'positiveRateS1';

/**
 * Evaluates predictions `yPred` against `yTrue` with sensitive attribute `s` (all binary, same length).
 * Estimates are on the full test set; a metric undefined on it (e.g. an empty group) has estimate NaN.
 */
export function evaluateClassifier(
  yTrue: BinaryVector,
  yPred: BinaryVector,
  s: BinaryVector,
  rng: Rng,
  opts: EvaluateOptions = {},
): ClassifierEvaluation {
  const n = checkBinaryInputs({ yTrue, yPred, s });
  if (n === 0) throw new Error('evaluateClassifier: the test set is empty (0 records)');
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;

  const intervals = bootstrapIntervals<BootstrappedMetric>(
    n,
    (indices) => {
      const m = fairnessFromConfusion(confusionByGroup(yTrue, yPred, s, indices));
      return {
        accuracy: m.accuracy,
        dpGap: m.dpGap,
        eoGap: m.eoGap,
        accuracyS0: m.accuracyS0,
        accuracyS1: m.accuracyS1,
        positiveRateS0: m.positiveRateS0,
        positiveRateS1: m.positiveRateS1,
      };
    },
    { rng, resamples, confidence },
  );
  const full = fairnessFromConfusion(confusionByGroup(yTrue, yPred, s));

  const strip = (key: BootstrappedMetric): Interval => {
    const { estimate, low, high } = intervals[key];
    return { estimate, low, high };
  };
  const keys = Object.keys(intervals) as BootstrappedMetric[];
  return {
    accuracy: strip('accuracy'),
    dpGap: strip('dpGap'),
    eoGap: strip('eoGap'),
    accuracyS0: strip('accuracyS0'),
    accuracyS1: strip('accuracyS1'),
    positiveRateS0: strip('positiveRateS0'),
    positiveRateS1: strip('positiveRateS1'),
    n,
    nS0: full.nS0,
    nS1: full.nS1,
    bootstrap: {
      resamples,
      confidence,
      skipped: Object.fromEntries(keys.map((k) => [k, intervals[k].skipped])) as Record<BootstrappedMetric, number>,
    },
  };
}

/** Two classifiers' metrics on the same test records, differenced: A − B, each with its paired bootstrap interval. */
export interface ClassifierDifference {
  accuracy: Interval;
  dpGap: Interval;
  eoGap: Interval;
}

/**
 * Compares classifier A with classifier B on the same test set (their predictions `predA`, `predB` of the same
 * records): accuracy, DP gap and EO gap of A minus those of B, with percentile-bootstrap intervals in which both are
 * scored on the same resampled records. The noise the two share (which test records were drawn) cancels, so the
 * interval is the one a claim "A is less accurate than B" needs; two separate intervals that overlap say nothing.
 */
export function compareClassifiers(
  yTrue: BinaryVector,
  s: BinaryVector,
  predA: BinaryVector,
  predB: BinaryVector,
  rng: Rng,
  opts: EvaluateOptions = {},
): ClassifierDifference {
  const n = checkBinaryInputs({ yTrue, s, predA, predB });
  if (n === 0) throw new Error('compareClassifiers: the test set is empty (0 records)');
  const intervals = bootstrapIntervals<'accuracy' | 'dpGap' | 'eoGap'>(
    n,
    (indices) => {
      const a = fairnessFromConfusion(confusionByGroup(yTrue, predA, s, indices));
      const b = fairnessFromConfusion(confusionByGroup(yTrue, predB, s, indices));
      return { accuracy: a.accuracy - b.accuracy, dpGap: a.dpGap - b.dpGap, eoGap: a.eoGap - b.eoGap };
    },
    { rng, resamples: opts.resamples ?? DEFAULT_RESAMPLES, confidence: opts.confidence ?? DEFAULT_CONFIDENCE },
  );
  const strip = ({ estimate, low, high }: Interval): Interval => ({ estimate, low, high });
  return { accuracy: strip(intervals.accuracy), dpGap: strip(intervals.dpGap), eoGap: strip(intervals.eoGap) };
}

/** What the referee needs to compare classifiers pairwise: the test split's truth and each classifier's predictions. */
export interface TestPredictions {
  yTrue: number[];
  s: number[];
  /** By classifier kind: its prediction (0/1) for each test record, in the test split's order. */
  predictions: Record<string, number[]>;
}
