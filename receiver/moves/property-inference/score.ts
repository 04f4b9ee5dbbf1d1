/**
 * The referee's score of one property-inference run against the truth (docs/pia.md; Luo et al. 2024 §3, Theorem 1):
 * each estimate beside the property's share in the sharer's training records, its bound r + e, whether the interval
 * the attack reported covers the truth, and the trivial attacks that look at no sample (the midpoint, and the share in
 * the receiver's own aux data). The study across a sweep is cli/studies/pia.ts.
 */
import { loadDataset } from '../../../shared/data/loadDataset';
import type { Table } from '../../../shared/data/table';
import type { RefereeTruth } from '../../../shared/moves/truth';
import { resolveProperty, type PropertySpec } from '../../../shared/propertyInference/property';
import type { ProportionEstimate } from './estimate';
import type { PropertyInferenceConfig } from './config';
import type { PropertyInferenceEvidence } from './run';

/** [low, high] the attack reported for its estimate (per outcome for a K-way property). */
export type ReportedInterval = [number, number] | Array<[number, number]>;

export interface PiaEstimateScore {
  n: number;
  /** Raw share(s) from the discriminator counts (Algorithm 2). */
  pHat: number | number[];
  /** Confusion-matrix corrected share(s); null when not offered. */
  corrected: number | number[] | null;
  hoeffdingRadius: number;
  discriminatorError: number | null;
  /** hoeffdingRadius + discriminatorError (0 for identity; the radius alone when the error is unknown). */
  bound: number;
  /** |p̂ − p| (largest over the outcomes of a K-way property). */
  error: number;
  correctedError: number | null;
  /** error ≤ bound. */
  held: boolean;
  correctedHeld: boolean | null;
  /** The interval the attack reports for this estimate: calibrated corrected when offered, else Hoeffding on p̂. */
  interval: ReportedInterval | null;
  intervalKind: 'corrected-with-calibration' | 'corrected' | 'hoeffding' | null;
  /** The truth lies in `interval` (every outcome's, for a K-way property). */
  covered: boolean | null;
}

/** A trivial attack that looks at no sample: its constant answer and its error against the truth. */
export interface ConstantGuess {
  guess: number | number[];
  error: number;
}

export interface PiaAttackScore {
  index: number;
  property: string;
  discriminator: string;
  /** The property's share in the sharer's records (per outcome for a K-way property). */
  truth: number | number[];
  outcomes: string[];
  /** What the truth is the share of. */
  truthOf: string;
  byN: Record<string, PiaEstimateScore>;
  /** The trivial attacks: the midpoint (1/K per outcome) and the share in the receiver's aux data (null without aux). */
  baselines: { midpoint: ConstantGuess; auxPrior: ConstantGuess | null };
}

/**
 * One run scored: `trainingRecords` are the records the sharer's model was trained on (every column); the aux prior
 * is the property's share in the receiver's aux data named by the config (null without aux data).
 */
export function scorePropertyInferenceRun(run: PropertyInferenceEvidence, config: Pick<PropertyInferenceConfig, 'auxData'>, truth: Pick<RefereeTruth, 'trainingRecords' | 'receiverDatasets'>): PiaAttackScore {
  const spec = run.propertySpec;
  const trainingRecords = truth.trainingRecords;
  const resolved = resolveProperty(spec, trainingRecords.schema, "the sharer's data");
  const shares = sharesOf(resolved.label(trainingRecords), resolved.outcomes.length);
  const binary = resolved.outcomes.length === 2 && !('values' in spec);
  const errorOf = (v: number | number[]) =>
    typeof v === 'number' ? Math.abs(v - shares[1]) : Math.max(...v.map((x, k) => Math.abs(x - shares[k])));
  const asReported = (perOutcome: number[]) => (binary ? perOutcome[1] : perOutcome);
  const byN: Record<string, PiaEstimateScore> = {};
  let discriminator = '';
  for (const e of run.estimates) {
    discriminator = e.discriminator;
    const bound = e.hoeffdingRadius + (e.discriminator === 'identity' ? 0 : e.discriminatorError ?? 0);
    const error = errorOf(e.pHat);
    const correctedError = e.corrected === null ? null : errorOf(e.corrected);
    const reported = reportedInterval(e);
    byN[String(e.n)] = {
      n: e.n,
      pHat: e.pHat,
      corrected: e.corrected,
      hoeffdingRadius: e.hoeffdingRadius,
      discriminatorError: e.discriminatorError,
      bound,
      error,
      correctedError,
      held: error <= bound,
      correctedHeld: correctedError === null ? null : correctedError <= bound,
      interval: reported.interval,
      intervalKind: reported.kind,
      covered: reported.interval === null ? null : covers(reported.interval, binary ? [shares[1]] : shares),
    };
  }
  const midpoint = shares.map(() => 1 / shares.length);
  const aux = auxPropertyShares(config, spec, truth);
  return {
    index: run.index,
    property: String(run.property),
    discriminator,
    truth: asReported(shares),
    outcomes: resolved.outcomes,
    truthOf: "the sharer's training records",
    byN,
    baselines: {
      midpoint: { guess: asReported(midpoint), error: errorOf(asReported(midpoint)) },
      auxPrior: aux ? { guess: asReported(aux), error: errorOf(asReported(aux)) } : null,
    },
  };
}

/**
 * The property's per-outcome shares in the receiver's own aux data: the constant guess a receiver can make without
 * querying anything (the PIA baseline). Null when the attack names no aux data.
 */
function auxPropertyShares(config: Pick<PropertyInferenceConfig, 'auxData'>, spec: PropertySpec, truth: Pick<RefereeTruth, 'receiverDatasets'>): number[] | null {
  const aux = config.auxData ? truth.receiverDatasets[config.auxData] : undefined;
  if (!aux) return null;
  const table: Table = loadDataset(aux, aux.seed);
  const resolved = resolveProperty(spec, table.schema, `the receiver's aux data "${aux.name}"`);
  return sharesOf(resolved.label(table), resolved.outcomes.length);
}

/** Per-outcome shares of outcome codes 0 … k − 1. */
function sharesOf(labels: ArrayLike<number>, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts.map((c) => c / Math.max(1, labels.length));
}

function reportedInterval(e: ProportionEstimate): { interval: ReportedInterval | null; kind: PiaEstimateScore['intervalKind'] } {
  if (e.kind === 'binary') {
    if (e.correctedIntervalWithCalibration) return { interval: e.correctedIntervalWithCalibration, kind: 'corrected-with-calibration' };
    return { interval: e.interval, kind: 'hoeffding' };
  }
  if (e.perValue.every((v) => v.correctedInterval)) return { interval: e.perValue.map((v) => v.correctedInterval!), kind: 'corrected' };
  return { interval: e.perValue.map((v) => v.interval), kind: 'hoeffding' };
}

/** A reported interval as one [low, high] per outcome (a binary property's single interval is a list of one). */
function perOutcome(interval: ReportedInterval): Array<[number, number]> {
  return (typeof interval[0] === 'number' ? [interval] : interval) as Array<[number, number]>;
}

export function intervalWidth(interval: ReportedInterval): number {
  return Math.max(...perOutcome(interval).map(([lo, hi]) => hi - lo));
}

function covers(interval: ReportedInterval, truths: number[]): boolean {
  return perOutcome(interval).every(([lo, hi], k) => truths[k] >= lo - 1e-12 && truths[k] <= hi + 1e-12);
}

