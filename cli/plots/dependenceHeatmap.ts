/**
 * Joint fidelity as a heatmap (shared/metrics/jointFidelity.ts): for every pair of columns, |real − synthetic| of
 * their dependence (Pearson r, Cramér's V or η), beside the same for two halves of the real records (the baseline:
 * sampling noise alone), on one colour scale. A cell much darker on the left than on the right is a dependence the
 * generator did not learn.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { JointFidelity, PairDependence } from '../../shared/metrics/jointFidelity';
import { firstReplicate, VEGA_LITE_SCHEMA } from './marks';
import type { ReportPlot } from './render';

export const SYNTHETIC_PANEL = 'real against synthetic';
export const HALVES_PANEL = 'real half against real half (baseline)';

export interface DependenceCell {
  panel: typeof SYNTHETIC_PANEL | typeof HALVES_PANEL;
  /** The pair's first column in the schema's order (x), and its second (y): the lower triangle. */
  first: string;
  second: string;
  difference: number;
  real: number;
  synthetic: number;
}

/**
 * The columns in the schema's order, read back from the pairs: in the complete list of pairs (a, b) with a before b,
 * the k-th column comes first in n − 1 − k pairs.
 */
export function columnOrder(pairs: readonly PairDependence[]): string[] {
  const firsts = new Map<string, number>();
  for (const p of pairs) for (const c of p.columns) firsts.set(c, firsts.get(c) ?? 0);
  for (const p of pairs) firsts.set(p.columns[0], (firsts.get(p.columns[0]) ?? 0) + 1);
  return [...firsts.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
}

export function dependenceCells(pairs: readonly PairDependence[]): DependenceCell[] {
  return pairs.flatMap((p) => {
    const common = { first: p.columns[0], second: p.columns[1], real: p.real, synthetic: p.synthetic };
    return [
      { panel: SYNTHETIC_PANEL, ...common, difference: p.difference },
      { panel: HALVES_PANEL, ...common, difference: p.halvesDifference },
    ];
  });
}

export function dependenceHeatmapPlot(report: Record<string, unknown>): ReportPlot | null {
  const { report: run, seed } = firstReplicate(report);
  const joint = (run.fidelity as { joint?: JointFidelity } | undefined)?.joint;
  if (!joint || !Array.isArray(joint.pairs) || joint.pairs.length === 0) return null;
  const order = columnOrder(joint.pairs);
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    data: { values: dependenceCells(joint.pairs) },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: [SYNTHETIC_PANEL, HALVES_PANEL], header: { labelFontWeight: 'bold' } } },
    spec: {
      width: 22 * order.length,
      height: 22 * order.length,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'first', type: 'nominal', sort: order, title: null, axis: { labelAngle: -45 } },
        y: { field: 'second', type: 'nominal', sort: order, title: null },
        color: { field: 'difference', type: 'quantitative', title: '|difference|', scale: { scheme: 'orangered', domainMin: 0 } },
        tooltip: [{ field: 'first' }, { field: 'second' }, { field: 'real' }, { field: 'synthetic' }, { field: 'difference' }],
      },
    },
  };
  const omitted = joint.pairsOmitted > 0 ? ` ${joint.pairsOmitted} pairs with the smallest differences are not drawn.` : '';
  return {
    id: 'joint-dependence',
    title: 'Joint fidelity: how far each pair\'s dependence moved, against sampling noise',
    caption:
      `Left: |real − synthetic| of each pair's dependence (Pearson r for numeric pairs, bias-corrected Cramér's V for categorical pairs, ` +
      `the correlation ratio η for mixed pairs); right, the baseline: the same between two disjoint halves of the real records. ` +
      `One colour scale; max ${joint.summary.maxDifference} against ${joint.halvesBaseline.maxDifference} for the halves.${omitted}` +
      `${seed !== null ? ` Seed ${seed} of the replicates.` : ''}`,
    spec,
  };
}
