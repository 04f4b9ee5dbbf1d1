/**
 * Marginal fidelity as histograms (shared/metrics/marginals.ts): per column, the real records' shares per category
 * (or per decile bin of the real values) beside the synthetic records', the columns with the largest total variation
 * first. The real data is the baseline: a generator that learnt the column draws the same bars.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { MarginalDistance } from '../../shared/metrics/marginals';
import { BASELINE_GREY, firstReplicate, VEGA_LITE_SCHEMA } from './marks';
import type { ReportPlot } from './render';

/** Panels at most: the worst columns are the ones to read. */
export const MAX_COLUMNS = 8;
/** Bars per panel at most: a column's smaller categories are summed into one "(other)" bar. */
export const MAX_BINS = 12;

export interface MarginalRow {
  /** The panel's title: the column and its total variation. */
  panel: string;
  bin: string;
  /** The bin's position within its column (decile bins keep their order). */
  order: number;
  side: 'real' | 'synthetic';
  share: number;
}

/** A categorical column's largest categories (by the larger of the two shares) and the rest summed. */
function binsToDraw(c: MarginalDistance): MarginalDistance['bins'] {
  if (c.type === 'numeric' || c.bins.length <= MAX_BINS) return c.bins;
  const ranked = [...c.bins].sort((a, b) => Math.max(b.real, b.synthetic) - Math.max(a.real, a.synthetic));
  const rest = ranked.slice(MAX_BINS - 1);
  const sum = (k: 'real' | 'synthetic') => Math.round(rest.reduce((a, b) => a + b[k], 0) * 1e4) / 1e4;
  const kept = new Set(ranked.slice(0, MAX_BINS - 1).map((b) => b.bin));
  return [...c.bins.filter((b) => kept.has(b.bin)), { bin: '(other)', real: sum('real'), synthetic: sum('synthetic') }];
}

export function marginalRows(columns: readonly MarginalDistance[]): MarginalRow[] {
  const worst = columns.filter((c) => Array.isArray(c.bins)).sort((a, b) => b.totalVariation - a.totalVariation).slice(0, MAX_COLUMNS);
  return worst.flatMap((c) => {
    const panel = `${c.column} (TV ${c.totalVariation.toFixed(2)})`;
    return binsToDraw(c).flatMap((b, order) => [
      { panel, bin: b.bin, order, side: 'real' as const, share: b.real },
      { panel, bin: b.bin, order, side: 'synthetic' as const, share: b.synthetic },
    ]);
  });
}

export function marginalHistogramsPlot(report: Record<string, unknown>): ReportPlot | null {
  const { report: run, seed } = firstReplicate(report);
  const columns = (run.fidelity as { marginals?: { columns?: MarginalDistance[] } } | undefined)?.marginals?.columns;
  const rows = columns ? marginalRows(columns) : [];
  if (rows.length === 0) return null;
  const panels = [...new Set(rows.map((r) => r.panel))];
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    data: { values: rows },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelFontWeight: 'bold' } },
    columns: 4,
    spec: {
      width: 200,
      height: 130,
      mark: 'bar',
      encoding: {
        x: { field: 'bin', type: 'nominal', title: null, sort: { field: 'order' }, axis: { labelAngle: -45, labelLimit: 80 } },
        xOffset: { field: 'side', type: 'nominal', sort: ['real', 'synthetic'] },
        y: { field: 'share', type: 'quantitative', title: 'share of records', axis: { format: '%' } },
        color: { field: 'side', type: 'nominal', title: null, scale: { domain: ['real', 'synthetic'], range: [BASELINE_GREY, '#4c78a8'] } },
      },
    },
    // Each panel its own bins, and bars as wide as its own bins allow.
    resolve: { scale: { x: 'independent', xOffset: 'independent' } },
  };
  return {
    id: 'marginals',
    title: 'Marginal fidelity: real against synthetic shares per column, worst first',
    caption:
      `Grey bars: the real records (the sharer's training data), the baseline; blue: the synthetic records the receiver drew. ` +
      `Numeric columns are binned at the real values' deciles (10% of real records per bin), categorical columns by value. ` +
      `TV is the total variation, half the summed bar differences: 0 is a perfect copy of the marginal, 1 disjoint. ` +
      `At most ${MAX_COLUMNS} columns, the largest TV first${seed !== null ? `; seed ${seed} of the replicates` : ''}.`,
    spec,
  };
}
