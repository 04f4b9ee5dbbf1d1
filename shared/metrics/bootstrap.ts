/**
 * Percentile bootstrap over records (Efron & Tibshirani 1993, ch. 13): draw n record indices with
 * replacement, recompute the statistic, and report the (1−c)/2 and (1+c)/2 quantiles of the replicates.
 * The point estimate is the statistic on the full sample (indices 0..n−1), not the mean of the replicates.
 *
 * A statistic may be undefined on a degenerate resample (e.g. a fairness gap when a resample has no record of
 * one group); it then returns NaN. Such replicates are skipped and counted in `skipped`, never replaced by 0.
 * Many skips mean the interval describes only the resamples where the metric exists: callers should show it.
 *
 * With `strata`, indices are drawn within each stratum so every resample keeps the stratum sizes (used for
 * AUC, where members and non-members are separate samples and the class sizes are fixed by design).
 */
import { Rng } from '../random';

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** Whether a value read back from a report is an interval (a bootstrap interval or a mean over seeds: both fit). */
export function isInterval(v: unknown): v is Interval {
  return !!v && typeof v === 'object' && ['estimate', 'low', 'high'].every((k) => typeof (v as Record<string, unknown>)[k] === 'number');
}

export interface BootstrapInterval extends Interval {
  /** Replicates that produced a number (the ones the interval is computed from). */
  resamples: number;
  /** Replicates whose statistic was NaN (degenerate resamples), skipped. */
  skipped: number;
  confidence: number;
}

export interface BootstrapOptions {
  rng: Rng;
  /** Number of bootstrap replicates drawn (default 1000). */
  resamples?: number;
  /** Two-sided coverage of the percentile interval, in (0, 1) (default 0.95). */
  confidence?: number;
  /**
   * Optional stratum label per record (length n, small non-negative integers). Resampling then draws, for each
   * stratum, as many indices as it has records, from that stratum only.
   */
  strata?: ArrayLike<number>;
}

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_CONFIDENCE = 0.95;

/**
 * Quantile of sorted values by linear interpolation between order statistics (Hyndman & Fan type 7, the
 * default of R and numpy). `sorted` must be ascending and non-empty.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function validate(n: number, opts: BootstrapOptions): { resamples: number; confidence: number } {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`bootstrap: n must be a positive integer number of records, got ${n}`);
  }
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new Error(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  }
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  if (!(confidence > 0 && confidence < 1)) {
    throw new Error(`bootstrap: confidence must be in (0, 1), got ${confidence}`);
  }
  if (opts.strata && opts.strata.length !== n) {
    throw new Error(`bootstrap: strata has ${opts.strata.length} labels but n = ${n} records`);
  }
  return { resamples, confidence };
}

/** Returns a function that fills `out` with one resample of record indices (stratified if asked). */
function makeResampler(n: number, rng: Rng, strata?: ArrayLike<number>): (out: Int32Array) => void {
  if (!strata) {
    return (out) => {
      for (let k = 0; k < n; k++) out[k] = rng.int(n);
    };
  }
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const label = strata[i];
    let list = members.get(label);
    if (!list) members.set(label, (list = []));
    list.push(i);
  }
  // Sorted labels so the draw order (hence the numbers) does not depend on Map insertion order quirks.
  const groups = [...members.keys()].sort((a, b) => a - b).map((label) => Int32Array.from(members.get(label)!));
  return (out) => {
    let k = 0;
    for (const group of groups) {
      for (let j = 0; j < group.length; j++) out[k++] = group[rng.int(group.length)];
    }
  };
}

/**
 * Bootstraps several statistics on the same resamples (coherent intervals, one pass over the data per
 * resample). `statistic` returns one number per key; NaN values are skipped per key.
 */
export function bootstrapIntervals<K extends string>(
  n: number,
  statistic: (indices: Int32Array) => Record<K, number>,
  opts: BootstrapOptions,
): Record<K, BootstrapInterval> {
  const { resamples, confidence } = validate(n, opts);
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const estimate = statistic(all);
  const keys = Object.keys(estimate) as K[];

  const replicates = keys.map(() => new Float64Array(resamples));
  const counts = keys.map(() => 0);
  const resample = makeResampler(n, opts.rng, opts.strata);
  const indices = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    resample(indices);
    const values = statistic(indices);
    for (let j = 0; j < keys.length; j++) {
      const v = values[keys[j]];
      if (!Number.isNaN(v)) replicates[j][counts[j]++] = v;
    }
  }

  const alpha = (1 - confidence) / 2;
  const out = {} as Record<K, BootstrapInterval>;
  keys.forEach((key, j) => {
    const valid = replicates[j].subarray(0, counts[j]).sort();
    out[key] = {
      estimate: estimate[key],
      low: valid.length > 0 ? quantileSorted(valid, alpha) : NaN,
      high: valid.length > 0 ? quantileSorted(valid, 1 - alpha) : NaN,
      resamples: counts[j],
      skipped: resamples - counts[j],
      confidence,
    };
  });
  return out;
}

/** Percentile bootstrap interval of one statistic over n records (see the module comment). */
export function bootstrapInterval(
  n: number,
  statistic: (indices: Int32Array) => number,
  opts: BootstrapOptions,
): BootstrapInterval {
  return bootstrapIntervals(n, (indices) => ({ value: statistic(indices) }), opts).value;
}
