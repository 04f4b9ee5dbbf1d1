/**
 * Turning a record's per-timestep losses into one membership score (Zhu et al. 2023, `save_false_postive_rate.py`;
 * paper notes mia-s2l.md §1.4). A higher score means "more likely a member", so each statistic of the
 * losses is negated. `trimmed` is paper A's truncation: sort the losses by value, drop the k largest, average
 * the rest (which steps go is chosen per record, by value, not a fixed t-window).
 */
import type { Aggregation } from './config';
export { AGGREGATIONS, type Aggregation, timestepGrid } from './config';

/** The statistic of one record's losses (not negated). `trimLargest` applies to `trimmed` only. */
export function aggregateLosses(losses: ArrayLike<number>, how: Aggregation, trimLargest = 0): number {
  const n = losses.length;
  if (n === 0) throw new Error('aggregateLosses: no losses to aggregate');
  const values = Array.from(losses);
  // A withheld answer (NaN: a nearest-neighbour-rejecting sharer's refusal) leaves the statistic undefined; sorting
  // with NaN would silently give a number (receiver/moves/membership/run.ts turns NaN scores into the lowest score).
  if (values.some(Number.isNaN)) return NaN;
  switch (how) {
    case 'mean':
      return values.reduce((a, b) => a + b, 0) / n;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'median': {
      const sorted = values.sort((a, b) => a - b);
      return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
    case 'trimmed': {
      if (!Number.isInteger(trimLargest) || trimLargest < 0 || trimLargest >= n) {
        throw new Error(`aggregateLosses: trimLargest must be an integer in [0, ${n - 1}] for ${n} losses (got ${trimLargest})`);
      }
      const kept = values.sort((a, b) => b - a).slice(trimLargest);
      return kept.reduce((a, b) => a + b, 0) / kept.length;
    }
  }
}

/**
 * Membership scores (higher = member) of n records from their n × K losses (row-major), one score list per
 * aggregation, keyed by the aggregation's name.
 */
export function aggregatedScores(losses: Float32Array | Float64Array, K: number, aggregations: readonly Aggregation[], trimLargest: number): Record<string, number[]> {
  if (K < 1 || losses.length % K !== 0) throw new Error(`aggregatedScores: ${losses.length} losses do not divide into rows of ${K}`);
  const n = losses.length / K;
  const out: Record<string, number[]> = {};
  for (const how of aggregations) {
    const scores = new Array<number>(n);
    for (let i = 0; i < n; i++) scores[i] = -aggregateLosses(losses.subarray(i * K, (i + 1) * K), how, trimLargest);
    out[how] = scores;
  }
  return out;
}
