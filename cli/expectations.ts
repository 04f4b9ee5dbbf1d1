/**
 * The scenario's `expect:` assertions, checked against the report by dotted path.
 *
 * A metric with an interval (`{ estimate, low, high }`) is read at its estimate; a path ending in `.low` or `.high`
 * bounds an end of the interval instead, which is how a claim is asserted with its uncertainty ("the DP gap rises by
 * at least 0.1" is `….dpGapRiseVsHonest.low` ≥ 0.1, not the point estimate). `baseline` names a second metric that
 * is subtracted first, so a bound can be put on a margin over a baseline (an attack over its trivial twin).
 */
import type { Expectation } from '../shared/scenario/schema';

export type { Expectation };

export interface ExpectationOutcome extends Expectation {
  value: number | null;
  passed: boolean;
  message: string;
}

/** What a run's expectations say as a whole: every one held, one failed, or there was none to check. */
export type Verdict = 'passed' | 'failed' | 'report-only';

export function verdictOf(outcomes: readonly ExpectationOutcome[]): Verdict {
  if (outcomes.length === 0) return 'report-only';
  return outcomes.every((e) => e.passed) ? 'passed' : 'failed';
}

/** The line a verdict prints (the CLI, report.md). */
export function describeVerdict(verdict: Verdict): string {
  if (verdict === 'report-only') return 'report only: nothing asserted';
  return verdict === 'passed' ? 'all expectations hold' : 'some expectations FAILED';
}

/**
 * The value at a dotted path ("fidelity.logistic.accuracyGap", "list.0.x"), or undefined. A segment may pick
 * a sweep variant by label, which may itself hold dots: "variants[alpha=0.5].fidelity".
 */
export function valueAtPath(root: unknown, dotted: string): unknown {
  let node: unknown = root;
  for (const segment of dotted.match(/[^.[\]]+(?:\[[^\]]*\])?/g) ?? []) {
    const m = /^([^[]+)(?:\[([^\]]*)\])?$/.exec(segment);
    const keys = m ? (m[2] !== undefined ? [m[1], m[2]] : [m[1]]) : [segment];
    for (const key of keys) {
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<string, unknown>)[key];
    }
  }
  return node;
}

/** Reads a number, or the `estimate` of an interval object, at a path. */
function numericValue(root: unknown, dotted: string): number | undefined {
  const v = valueAtPath(root, dotted);
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && typeof (v as { estimate?: unknown }).estimate === 'number') {
    return (v as { estimate: number }).estimate;
  }
  return undefined;
}

export function checkExpectations(report: unknown, expectations: readonly Expectation[]): ExpectationOutcome[] {
  return expectations.map((e) => {
    const bounds = [e.min !== undefined ? `≥ ${e.min}` : null, e.max !== undefined ? `≤ ${e.max}` : null].filter(Boolean).join(' and ');
    const measured = numericValue(report, e.metric);
    const name = e.baseline ? `${e.metric} − ${e.baseline}` : e.metric;
    if (measured === undefined || Number.isNaN(measured)) {
      return { ...e, value: null, passed: false, message: `${e.metric}: no numeric value in the report (expected ${name} ${bounds})` };
    }
    let value = measured;
    let detail = '';
    if (e.baseline) {
      const baseline = numericValue(report, e.baseline);
      if (baseline === undefined || Number.isNaN(baseline)) {
        return { ...e, value: null, passed: false, message: `${e.baseline}: no numeric value in the report for the baseline of ${e.metric}` };
      }
      value = measured - baseline;
      detail = ` (${round(measured)} − ${round(baseline)})`;
    }
    const passed = (e.min === undefined || value >= e.min) && (e.max === undefined || value <= e.max);
    return { ...e, value, passed, message: `${name} = ${round(value)}${detail} (expected ${bounds})` };
  });
}

function round(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
}
