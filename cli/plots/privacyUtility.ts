/**
 * Privacy against utility per defence (issue 16, docs/privacy.md; cli/studies/defences.ts): for each defended
 * variant of a sweep and its undefended twin (defenceStudy.rows), the best membership AUC of each rung against the
 * utility the receiver lost, the TSTR gap (real − synthetic accuracy of its classifier on its test split), both with
 * their 95% intervals. The undefended twin is the baseline: a defence worth having moves down (less leakage) without
 * moving far right (utility lost).
 */
import type { TopLevelSpec } from 'vega-lite';
import { ACCESS_LADDER } from '../../shared/scenario/lists';
import type { DefenceStudy } from '../studies/defences';
import { CHANCE_AUC } from './accessLadder';
import { colourScale, isInterval, VEGA_LITE_SCHEMA } from './marks';
import type { ReportPlot } from './render';

export interface TradeOffRow {
  variant: string;
  /** The baseline: the variant that runs no defence. */
  undefended: boolean;
  access: string;
  classifier: string;
  auc: number;
  aucLow: number;
  aucHigh: number;
  tstrGap: number;
  tstrGapLow: number;
  tstrGapHigh: number;
}

type Run = { membership?: { byAccess?: Record<string, { auc?: unknown }> }; fidelity?: Record<string, { accuracyBelowReal?: unknown }> };

function pointsOf(variant: string, run: Run | undefined, undefended: boolean): TradeOffRow[] {
  const byAccess = run?.membership?.byAccess ?? {};
  const rows: TradeOffRow[] = [];
  for (const [classifier, f] of Object.entries(run?.fidelity ?? {})) {
    const gap = f?.accuracyBelowReal;
    if (classifier === 'marginals' || !isInterval(gap)) continue;
    for (const access of ACCESS_LADDER) {
      const auc = byAccess[access]?.auc;
      if (!isInterval(auc)) continue;
      rows.push({ variant, undefended, access, classifier, auc: auc.estimate, aucLow: auc.low, aucHigh: auc.high, tstrGap: gap.estimate, tstrGapLow: gap.low, tstrGapHigh: gap.high });
    }
  }
  return rows;
}

/** Every defended variant of the study and each twin once, per rung and receiver classifier. */
export function tradeOffRows(study: DefenceStudy, variants: Record<string, Run>): TradeOffRow[] {
  const twins = [...new Set(Object.values(study.rows).map((r) => r.undefendedLabel))];
  return [
    ...twins.flatMap((label) => pointsOf(label, variants[label], true)),
    ...Object.keys(study.rows).flatMap((label) => pointsOf(label, variants[label], false)),
  ];
}

export function privacyUtilityPlot(report: Record<string, unknown>): ReportPlot | null {
  const study = report.defenceStudy as DefenceStudy | undefined;
  const variants = report.variants as Record<string, Run> | undefined;
  if (!study || !variants) return null;
  const rows = tradeOffRows(study, variants);
  if (!rows.some((r) => !r.undefended) || !rows.some((r) => r.undefended)) return null;
  const names = [...new Set(rows.map((r) => r.variant))];
  const color = { field: 'variant', type: 'nominal' as const, title: 'variant (grey: undefended)', legend: { labelLimit: 400, titleLimit: 400 }, scale: colourScale(names, (n) => rows.some((r) => r.variant === n && r.undefended)) };
  const x = { type: 'quantitative' as const, title: 'TSTR gap (accuracy lost)' };
  const y = { type: 'quantitative' as const, title: 'AUC of the rung\'s best score', scale: { domain: [0, 1] } };
  const rungs = ACCESS_LADDER.filter((a) => rows.some((r) => r.access === a));
  const classifiers = [...new Set(rows.map((r) => r.classifier))];
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    data: { values: rows },
    facet: {
      column: { field: 'access', type: 'nominal', title: 'access rung', sort: rungs },
      ...(classifiers.length > 1 ? { row: { field: 'classifier', type: 'nominal', title: 'receiver classifier' } } : {}),
    },
    spec: {
      width: 220,
      height: 220,
      layer: [
        // Chance: where a defence that stops the attack lands.
        { mark: { type: 'rule', color: '#7f7f7f', strokeDash: [5, 4] }, encoding: { y: { datum: CHANCE_AUC, type: 'quantitative' } } },
        { mark: { type: 'rule' }, encoding: { x: { ...x, field: 'tstrGapLow' }, x2: { field: 'tstrGapHigh' }, y: { ...y, field: 'auc' }, color } },
        { mark: { type: 'rule' }, encoding: { x: { ...x, field: 'tstrGap' }, y: { ...y, field: 'aucLow' }, y2: { field: 'aucHigh' }, color } },
        {
          mark: { type: 'point', filled: true, size: 90 },
          encoding: {
            x: { ...x, field: 'tstrGap' },
            y: { ...y, field: 'auc' },
            color,
            shape: { field: 'undefended', type: 'nominal', title: 'undefended twin', scale: { domain: [true, false], range: ['square', 'circle'] } },
          },
        },
      ],
    },
  };
  return {
    id: 'privacy-utility',
    title: 'Defences: membership leakage against utility lost, per variant',
    caption:
      'Each point is one variant: up is more membership leakage (the rung\'s best AUC), right is more utility lost (the ' +
      'receiver\'s accuracy below a classifier trained on the real records). Whiskers: 95% bootstrap intervals. The grey ' +
      'square is the undefended twin, the baseline each defence is read against; the dashed line is chance (AUC 0.5). ' +
      'The paired deltas against the twin are in the defence study\'s table.',
    spec,
  };
}
