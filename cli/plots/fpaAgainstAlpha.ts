/**
 * Fairness poisoning's picture: the receiver's DP gap and accuracy against the poisoning ratio α, one line per
 * defence (the undefended receiver included), one panel per measure and classifier, each point with its interval
 * (over seeds when the scenario has replicates, over the test records otherwise). The honest, undefended point at
 * α = 0 is every line's baseline.
 */
import type { TopLevelSpec } from 'vega-lite';
import { BASELINE_GREY, isInterval, PALETTE } from './marks';
import type { ReportPlot } from './render';

/** One point of the plot: a variant's measure for one classifier. */
export interface FpaPoint {
  variant: string;
  method: string;
  defences: string;
  alpha: number;
  classifier: string;
  measure: 'DP gap' | 'accuracy';
  estimate: number;
  low: number;
  high: number;
}

/** A number, or an interval's estimate (over seeds a constant such as α is summarised as an interval of width 0). */
function valueOf(v: unknown): number | null {
  if (typeof v === 'number') return v;
  return isInterval(v) ? v.estimate : null;
}

/** The points of an FPA summary's rows (a run's `fpa` or the means over seeds' `acrossSeeds.fpa`). */
export function fpaPoints(rows: Record<string, Record<string, unknown>>): FpaPoint[] {
  const points: FpaPoint[] = [];
  for (const [variant, row] of Object.entries(rows)) {
    const alpha = valueOf(row.alpha);
    if (alpha === null || typeof row.method !== 'string') continue;
    const defences = typeof row.defences === 'string' ? row.defences : 'none';
    for (const [classifier, c] of Object.entries(row)) {
      if (!c || typeof c !== 'object' || !('accuracyLossVsHonest' in c)) continue;
      const k = c as Record<string, unknown>;
      for (const [measure, key] of [['DP gap', 'dpGap'], ['accuracy', 'accuracy']] as const) {
        const v = k[key];
        if (!isInterval(v)) continue;
        points.push({ variant, method: row.method, defences, alpha, classifier, measure, estimate: v.estimate, low: v.low, high: v.high });
      }
    }
  }
  return points;
}

/**
 * The plot, or null when there is nothing to draw a line through (fewer than two poisoning ratios). The honest sharer
 * (method none, or α = 0 of the greedy move) starts every method's line, so each line runs from α = 0.
 */
export function fpaAgainstAlphaPlot(rows: Record<string, Record<string, unknown>>, overSeeds: boolean): ReportPlot | null {
  const points = fpaPoints(rows);
  if (new Set(points.map((p) => p.alpha)).size < 2) return null;
  const methods = [...new Set(points.filter((p) => p.alpha > 0).map((p) => p.method))];
  // Each poisoning method's line starts at the honest point of the same defence.
  const lines = points.flatMap((p) => (p.alpha === 0 ? methods.map((method) => ({ ...p, method })) : [p]));
  // The undefended receiver first and in grey: it is what every defence is read against.
  const defences = [...new Set(points.map((p) => p.defences))].sort((a, b) => Number(b === 'none') - Number(a === 'none') || a.localeCompare(b));
  const color = {
    field: 'defences',
    type: 'nominal' as const,
    title: 'receiver defence',
    scale: { domain: defences, range: defences.map((d, i) => (d === 'none' ? BASELINE_GREY : PALETTE[i % PALETTE.length])) },
  };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: lines },
    facet: {
      row: { field: 'classifier', type: 'nominal', title: 'classifier' },
      column: { field: 'measure', type: 'nominal', title: null, sort: ['DP gap', 'accuracy'] },
    },
    spec: {
      width: 260,
      height: 170,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'alpha', type: 'quantitative', title: 'poisoning ratio α' },
            y: { field: 'estimate', type: 'quantitative', title: null, scale: { zero: false } },
            color,
            ...(methods.length > 1 ? { strokeDash: { field: 'method', type: 'nominal', title: 'poisoning' } } : {}),
          },
        },
        {
          mark: { type: 'errorbar', ticks: true },
          encoding: {
            x: { field: 'alpha', type: 'quantitative' },
            y: { field: 'low', type: 'quantitative', title: null },
            y2: { field: 'high' },
            color,
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
  return {
    id: 'fpa-against-alpha',
    title: 'Fairness poisoning: DP gap and accuracy against α, per receiver defence',
    caption:
      `The receiver's classifiers on its real test split, trained on what the poisoned generator produced. ` +
      `Bars: 95% ${overSeeds ? 't-intervals over the seeds' : 'bootstrap intervals over the test records'}. ` +
      `The undefended line at α = 0 is the honest sharer, every other point's baseline.`,
    spec,
  };
}
