/** The scenario's `expect:` assertions, checked against the report by dotted path. */

export interface Expectation {
  metric: string;
  min?: number;
  max?: number;
}

export interface ExpectationOutcome extends Expectation {
  value: number | null;
  passed: boolean;
  message: string;
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

export function checkExpectations(report: unknown, expectations: Expectation[]): ExpectationOutcome[] {
  return expectations.map((e) => {
    const value = numericValue(report, e.metric);
    const bounds = [e.min !== undefined ? `≥ ${e.min}` : null, e.max !== undefined ? `≤ ${e.max}` : null].filter(Boolean).join(' and ');
    if (value === undefined || Number.isNaN(value)) {
      return { ...e, value: null, passed: false, message: `${e.metric}: no numeric value in the report (expected ${bounds})` };
    }
    const passed = (e.min === undefined || value >= e.min) && (e.max === undefined || value <= e.max);
    return { ...e, value, passed, message: `${e.metric} = ${round(value)} (expected ${bounds})` };
  });
}

function round(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
}
