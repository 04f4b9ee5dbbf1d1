/**
 * The cross-variant FPA summary (docs/fpa.md; Luo et al. 2024, Table "fairness poisoning"): for a sweep in which
 * some variant poisons its training set, every variant's downstream classifiers beside the honest baseline's.
 * The baseline is the first variant with α = 0 or method none (an honest sharer, trained on a fair selection), one that
 * runs no defence at any party when there is one.
 * Both are tested on the same test records (same seed, same receiver split), so each loss carries a paired bootstrap
 * interval: both classifiers scored on the same resampled records (compareClassifiers).
 * Losses are signed: accuracyLossVsHonest = honest − this (positive: poisoning cost accuracy), dpGapRiseVsHonest = this −
 * honest demographic-parity gap (positive: poisoning made the classifier less fair), eoGapRiseVsHonest likewise.
 */
import type { Scenario } from '../../shared/scenario';
import { sharerIsHonest } from '../../shared/scenario/sweep';
import { compareClassifiers, type Interval, type TestPredictions } from '../../shared/metrics/fairnessReport';
import { Rng, deriveSeed } from '../../shared/random';

export interface FpaClassifierRow {
  accuracy: Interval;
  dpGap: Interval;
  eoGap: Interval;
  /** honest − this accuracy, with its paired bootstrap interval over the shared test records. */
  accuracyLossVsHonest: Interval;
  /** this − honest DP gap, likewise. */
  dpGapRiseVsHonest: Interval;
  /** this − honest EO gap, likewise. */
  eoGapRiseVsHonest: Interval;
}

export interface FpaRow {
  method: string;
  alpha: number;
  /** The defences the variant runs, at any party ("reweighing", "dp-training + output-noise"), or "none". */
  defences: string;
  /** The sharer's ground truth: I(S;Y) (bits) and label DP gap of the training set it selected. */
  trainingISY: number | null;
  trainingLabelParityGap: number | null;
  /** I(X;Y) (bits, the move's estimator) of the training set and of the pool (the target), for greedy-mi moves. */
  trainingIXY: number | null;
  poolIXY: number | null;
  /** Greedy additions that kept I(X;Y) within δ, out of all additions ("12/12"); null for other moves. */
  constraintMet: string | null;
  /** (s, y) counts of the training set, cells[s][y]. */
  cells: number[][] | null;
  /** One entry per receiver classifier kind (logistic, mlp). */
  [kind: string]: FpaClassifierRow | number[][] | string | number | null;
}

export interface FpaSummary {
  honestLabel: string;
  rows: Record<string, FpaRow>;
}

/** The fields of a sharer move's report the summary shows (sharer/poisoningMove.ts: GreedyReport, LabelFlippingReport). */
interface MoveReport {
  iSY?: number;
  labelParityGap?: number;
  iXY?: number;
  iXYTarget?: number;
  additions?: number;
  additionsMeetingConstraint?: number;
  cellCounts?: number[][];
}

/** What the summary reads from one variant's section of report.json. */
export interface FpaVariantInput {
  label: string;
  scenario: Scenario;
  /** The receiver's test split and each classifier's predictions on it (the same split in every variant). */
  testPredictions: TestPredictions;
  result: {
    sharer: { moves: unknown[] };
    receiver: { downstream: Record<string, { evaluation: { accuracy: Interval; dpGap: Interval; eoGap: Interval } }> };
  };
}

/**
 * What the sharer did, from its own ground truth (the move record in its result): method and α. A sharer that trained
 * on everything (method none) reports no move.
 */
function poisoningOf(result: FpaVariantInput['result']): { method: string; alpha: number } {
  const move = result.sharer.moves[0] as { method?: string; alpha?: number } | undefined;
  return { method: move?.method ?? 'none', alpha: move?.alpha ?? 0 };
}

/** The kinds of the defences a scenario runs, at any party, in list order. */
function defenceKinds(sc: Scenario): string[] {
  return [sc.sharer.defences, sc.broker.defences, sc.receiver.defences].flatMap((list) => (list ?? []).map((d) => d.kind));
}

/** Whether a sweep's variants call for the summary: some variant poisons (method ≠ none and α > 0). */
export function sweepPoisons(scenarios: readonly Scenario[]): boolean {
  return scenarios.some((s) => !sharerIsHonest(s));
}

/**
 * The summary, or null when no variant poisons. Throws when no variant is honest: the losses would have
 * nothing to be measured against, and the scenario should add α = 0 to its sweep.
 */
export function fpaSummary(variants: readonly FpaVariantInput[]): FpaSummary | null {
  if (!sweepPoisons(variants.map((v) => v.scenario))) return null;
  // In a sweep that also varies the defences, the baseline is the honest run that defends nothing (the fair world a
  // defended receiver is compared with); the first honest variant otherwise.
  const undefended = (sc: Scenario) => defenceKinds(sc).length === 0;
  const honest = variants.find((v) => sharerIsHonest(v.scenario) && undefended(v.scenario)) ?? variants.find((v) => sharerIsHonest(v.scenario));
  if (!honest) {
    throw new Error(
      `FPA summary: no honest variant (sharer.poisoning.alpha = 0 or method none) among ${variants.map((v) => v.label).join('; ')}; add alpha 0 to the sweep`,
    );
  }
  const rows: Record<string, FpaRow> = {};
  for (const v of variants) {
    const report = (v.result.sharer.moves[0] as { report?: MoveReport } | undefined)?.report;
    const row: FpaRow = {
      ...poisoningOf(v.result),
      defences: defenceKinds(v.scenario).join(' + ') || 'none',
      trainingISY: report?.iSY ?? null,
      trainingLabelParityGap: report?.labelParityGap ?? null,
      trainingIXY: report?.iXY ?? null,
      poolIXY: report?.iXYTarget ?? null,
      constraintMet: report?.additions !== undefined && report.additionsMeetingConstraint !== undefined ? `${report.additionsMeetingConstraint}/${report.additions}` : null,
      cells: report?.cellCounts ?? null,
    };
    const { yTrue, s } = v.testPredictions;
    if (yTrue.length !== honest.testPredictions.yTrue.length || yTrue.some((y, i) => y !== honest.testPredictions.yTrue[i] || s[i] !== honest.testPredictions.s[i])) {
      throw new Error(`FPA summary: variant ${v.label} was tested on other records than the honest variant ${honest.label}; the paired comparison needs one test split`);
    }
    for (const [kind, d] of Object.entries(v.result.receiver.downstream)) {
      const honestPredictions = honest.testPredictions.predictions[kind];
      const predictions = v.testPredictions.predictions[kind];
      if (!honestPredictions || !predictions) continue;
      // this − honest on the same resampled records; the accuracy loss is its negative.
      const rng = new Rng(deriveSeed(v.scenario.seed, `fpa/${v.label}/${kind}`));
      const diff = compareClassifiers(yTrue, s, predictions, honestPredictions, rng);
      const e = d.evaluation;
      row[kind] = {
        accuracy: e.accuracy,
        dpGap: e.dpGap,
        eoGap: e.eoGap,
        accuracyLossVsHonest: { estimate: 0 - diff.accuracy.estimate, low: 0 - diff.accuracy.high, high: 0 - diff.accuracy.low },
        dpGapRiseVsHonest: diff.dpGap,
        eoGapRiseVsHonest: diff.eoGap,
      };
    }
    rows[v.label] = row;
  }
  return { honestLabel: honest.label, rows };
}
