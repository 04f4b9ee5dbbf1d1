/**
 * A number measured once per seed, summarised as its mean with a Student-t confidence interval over the seeds
 * (mean ± t_{(1+c)/2, k−1} · sd/√k). This is the interval a claim about a method is asserted on: one seed's point
 * estimate, however well it is bootstrapped over records, says nothing about how the next seed's run will land
 * (the training run, the poisoned selection and the synthetic draw all change with the seed).
 */
import { jStat } from 'jstat';
import type { Interval } from './bootstrap';

export interface IntervalOverSeeds extends Interval {
  /** Sample standard deviation over the seeds (k − 1 in the denominator). */
  sd: number;
  /** Number of seeds k. */
  seeds: number;
  confidence: number;
  /** The per-seed values, in the order of the seeds. */
  values: number[];
}

/** Mean and t-interval of per-seed values; needs at least two values (one seed has no spread to speak of). */
export function meanOverSeeds(values: readonly number[], confidence = 0.95): IntervalOverSeeds {
  const k = values.length;
  if (k < 2) throw new Error(`meanOverSeeds: expected at least two per-seed values, got ${k}`);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`meanOverSeeds: expected a confidence in (0, 1), got ${confidence}`);
  const mean = values.reduce((a, b) => a + b, 0) / k;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (k - 1));
  const half = jStat.studentt.inv((1 + confidence) / 2, k - 1) * (sd / Math.sqrt(k));
  return { estimate: mean, low: mean - half, high: mean + half, sd, seeds: k, confidence, values: [...values] };
}
