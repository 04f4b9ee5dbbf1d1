/**
 * Membership inference's ROC on log-log axes (docs/mia.md; Carlini et al. 2022, "Membership Inference Attacks From
 * First Principles", §IV: an attack is judged at low FPR, which a linear ROC hides): per rung of the access ladder,
 * the curve of its best score (membership.byAccess[rung].roc, a bounded copy of that score's roc-<score>.json),
 * beside chance, TPR = FPR, the diagonal. One panel per variant in a sweep.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ACCESS_LADDER } from '../../shared/scenario/lists';
import { BASELINE_GREY, colourScale, firstReplicate, runsOf, VEGA_LITE_SCHEMA } from './marks';
import type { ReportPlot } from './render';

/** The chance curve's name in the legend and the data. */
export const CHANCE = 'chance (TPR = FPR)';

/** One point of a curve: a rung's best score, or chance (`baseline`). */
export interface RocRow {
  variant: string;
  curve: string;
  baseline: boolean;
  fpr: number;
  tpr: number;
}

type ByAccess = Record<string, { best: string; auc: { estimate: number }; roc?: Array<{ fpr: number; tpr: number }> }>;

export function rocRows(report: Record<string, unknown>): RocRow[] {
  const rows: RocRow[] = [];
  for (const { variant, run } of runsOf(report)) {
    const byAccess = (run.membership as { byAccess?: ByAccess } | undefined)?.byAccess;
    if (!byAccess) continue;
    const curves = ACCESS_LADDER.flatMap((rung) => (byAccess[rung]?.roc?.length ? [{ rung, entry: byAccess[rung] }] : []));
    if (curves.length === 0) continue;
    for (const { rung, entry } of curves) {
      const curve = `${rung}: ${entry.best} (AUC ${entry.auc.estimate.toFixed(2)})`;
      // In a sweep the best score differs between panels: the legend names the rung only.
      for (const p of entry.roc!) rows.push({ variant: variant ?? '', curve: variant === null ? curve : rung, baseline: false, fpr: p.fpr, tpr: p.tpr });
    }
    // Chance over the FPRs the game resolves: from 1/nonMembers (each curve's first point) to 1.
    const minFpr = Math.min(...curves.map(({ entry }) => entry.roc![0].fpr));
    for (const x of [minFpr, 1]) rows.push({ variant: variant ?? '', curve: CHANCE, baseline: true, fpr: x, tpr: x });
  }
  return rows;
}

export function rocLogLogPlot(report: Record<string, unknown>): ReportPlot | null {
  const { report: run, seed } = firstReplicate(report);
  const rows = rocRows(run);
  if (!rows.some((r) => !r.baseline)) return null;
  const sweep = rows.some((r) => r.variant !== '');
  const curves = [...new Set(rows.map((r) => r.curve))];
  const minFpr = Math.min(...rows.map((r) => r.fpr));
  const minTpr = Math.min(...rows.map((r) => r.tpr));
  const layer = {
    width: 320,
    height: 260,
    mark: { type: 'line' as const, clip: true },
    encoding: {
      x: { field: 'fpr', type: 'quantitative' as const, title: 'false positive rate (log scale)', scale: { type: 'log' as const, domain: [minFpr, 1] } },
      y: { field: 'tpr', type: 'quantitative' as const, title: 'true positive rate (log scale)', scale: { type: 'log' as const, domain: [Math.min(minTpr, minFpr), 1] } },
      color: { field: 'curve', type: 'nominal' as const, title: sweep ? 'rung (its best score)' : 'rung: best score', legend: { labelLimit: 400 }, scale: colourScale(curves, (c) => c === CHANCE) },
      strokeDash: { field: 'baseline', type: 'nominal' as const, legend: null, scale: { domain: [false, true], range: [[1, 0], [5, 4]] } },
      order: { field: 'fpr', type: 'quantitative' as const },
    },
  };
  const spec: TopLevelSpec = sweep
    ? { $schema: VEGA_LITE_SCHEMA, data: { values: rows }, facet: { field: 'variant', type: 'nominal', title: 'variant' }, columns: 3, spec: layer }
    : { $schema: VEGA_LITE_SCHEMA, data: { values: rows }, ...layer };
  return {
    id: 'membership-roc',
    title: 'Membership inference: ROC of the best score per access rung, log-log',
    caption:
      `Read the left end: the fraction of members an attack finds while wrongly accusing few non-members. ` +
      `The dashed grey diagonal is chance (TPR = FPR); a curve above it at FPR 1e-2 is a real leak. ` +
      `Axes start at 1/non-members, the smallest FPR the game resolves${seed !== null ? `; seed ${seed} of the replicates` : ''}. ` +
      `Each rung's best score is chosen on these very scores (optimistic).`,
    spec,
  };
}
