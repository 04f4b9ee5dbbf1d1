/**
 * The access ladder (docs/mia.md): per rung, the AUC of its best membership score with the 95% interval, beside
 * chance (AUC 0.5). In a sweep, one bar per variant within each rung (e.g. undefended against DP-SGD); with
 * replicates, the means over the seeds with their t-intervals.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ACCESS_LADDER } from '../../shared/scenario/lists';
import { colourScale, isInterval, runsOf, VEGA_LITE_SCHEMA } from './marks';
import type { ReportPlot } from './render';

/** AUC of a score that cannot tell members from non-members. */
export const CHANCE_AUC = 0.5;

export interface LadderRow {
  variant: string;
  access: string;
  /** The rung's best score (absent over seeds, where the best may differ between seeds). */
  best: string;
  estimate: number;
  low: number;
  high: number;
}

export function ladderRows(report: Record<string, unknown>): LadderRow[] {
  return runsOf(report).flatMap(({ variant, run }) => {
    const byAccess = (run.membership as { byAccess?: Record<string, { best?: unknown; auc?: unknown }> } | undefined)?.byAccess ?? {};
    return ACCESS_LADDER.flatMap((access) => {
      const auc = byAccess[access]?.auc;
      if (!isInterval(auc)) return [];
      const best = typeof byAccess[access].best === 'string' ? (byAccess[access].best as string) : '';
      return [{ variant: variant ?? '', access, best, estimate: auc.estimate, low: auc.low, high: auc.high }];
    });
  });
}

export function accessLadderPlot(report: Record<string, unknown>): ReportPlot | null {
  const overSeeds = report.acrossSeeds !== undefined;
  const rows = ladderRows((report.acrossSeeds as Record<string, unknown> | undefined) ?? report);
  if (rows.length === 0) return null;
  const variants = [...new Set(rows.map((r) => r.variant))];
  const sweep = variants.length > 1 || variants[0] !== '';
  const rungs = ACCESS_LADDER.filter((a) => rows.some((r) => r.access === a));
  const x = { field: 'access', type: 'nominal' as const, title: 'access rung', sort: rungs, axis: { labelAngle: 0 } };
  const byVariant = sweep
    ? { xOffset: { field: 'variant', type: 'nominal' as const, sort: variants }, color: { field: 'variant', type: 'nominal' as const, title: 'variant', legend: { labelLimit: 400 }, scale: colourScale(variants) } }
    : {};
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    data: { values: rows },
    width: Math.max(240, rungs.length * variants.length * 45),
    height: 240,
    layer: [
      {
        mark: { type: 'bar', ...(sweep ? {} : { color: '#4c78a8' }) },
        encoding: { x, y: { field: 'estimate', type: 'quantitative', title: 'AUC of the best score', scale: { domain: [0, 1] } }, ...byVariant },
      },
      {
        mark: { type: 'errorbar', ticks: true, color: 'black' },
        encoding: { x, y: { field: 'low', type: 'quantitative', title: 'AUC of the best score' }, y2: { field: 'high' }, ...(sweep ? { xOffset: byVariant.xOffset } : {}) },
      },
      {
        // Chance: the baseline every bar is read against.
        data: { values: [{ chance: CHANCE_AUC, label: 'chance (AUC 0.5)' }] },
        layer: [
          { mark: { type: 'rule', color: '#7f7f7f', strokeDash: [5, 4], strokeWidth: 1.5 }, encoding: { y: { field: 'chance', type: 'quantitative' } } },
          { mark: { type: 'text', color: '#7f7f7f', align: 'left', dx: 4, dy: -6, x: 0 }, encoding: { y: { field: 'chance', type: 'quantitative' }, text: { field: 'label' } } },
        ],
      },
    ],
  };
  return {
    id: 'membership-ladder',
    title: 'Membership inference: AUC per access rung',
    caption:
      `Each bar is the rung's best score's AUC (chosen on these scores: optimistic), its whisker the 95% ` +
      `${overSeeds ? 't-interval over the seeds' : 'stratified bootstrap interval'}. ` +
      `The dashed grey line is chance (AUC 0.5): a whisker that stays above it is a leak at that level of access.` +
      (sweep ? ' One bar per variant of the sweep within each rung.' : ''),
    spec,
  };
}
