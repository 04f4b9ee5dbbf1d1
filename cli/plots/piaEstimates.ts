/**
 * Property inference's estimates against the truth (docs/pia.md; Luo et al. 2024 §3, Theorem 1). Over a sweep of the
 * property's share (piaStudy.rows): p̂ and the corrected estimate against the true share p, inside the band
 * p ± (Hoeffding radius + discriminator error) around the diagonal p̂ = p, one panel per sample count n. For one run
 * (pia.attacks[0]): each n's estimates with the interval the attack reported, beside the truth and the trivial
 * guesses that look at no sample (the midpoint and the receiver's aux prior). Binary properties only: a K-way
 * property's shares are a vector per outcome.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { PiaAttackScore } from '../../receiver/moves/property-inference/score';
import type { PiaStudy } from '../studies/pia';
import { BASELINE_GREY, runsOf, VEGA_LITE_SCHEMA } from './marks';
import type { ReportPlot } from './render';

const RAW = 'raw p̂';
const CORRECTED = 'corrected p̂';

/**
 * One row of the plot's data. `role`: an estimate (a point), the bound around the truth (the band, and the diagonal
 * through its middle), or a constant reference (truth and the trivial guesses, drawn as rules).
 */
export interface PiaRow {
  role: 'estimate' | 'bound' | 'reference';
  series: string;
  n: number;
  variant: string;
  /** The true share (null for a sweep's constant guesses, drawn across every true share). */
  truth: number | null;
  value: number;
  low: number | null;
  high: number | null;
}

const clip = (x: number) => Math.min(1, Math.max(0, x));

/** Rows of the sweep's figure: the estimates and, per n and true share, the bound's band. */
export function piaSweepRows(study: PiaStudy, auxPriors: number[]): PiaRow[] {
  const rows: PiaRow[] = [];
  for (const r of study.rows) {
    if (typeof r.truth !== 'number' || typeof r.pHat !== 'number') continue;
    const base = { n: r.n, variant: r.variant, truth: r.truth };
    rows.push({ ...base, role: 'estimate', series: RAW, value: r.pHat, low: null, high: null });
    if (typeof r.corrected === 'number') rows.push({ ...base, role: 'estimate', series: CORRECTED, value: r.corrected, low: null, high: null });
    rows.push({ ...base, role: 'bound', series: 'p ± (r + e)', value: r.truth, low: clip(r.truth - r.bound), high: clip(r.truth + r.bound) });
  }
  const ns = [...new Set(rows.map((r) => r.n))];
  const guesses = [{ series: 'midpoint guess', value: 0.5 }, ...[...new Set(auxPriors)].slice(0, 1).map((value) => ({ series: 'aux prior guess', value }))];
  for (const n of ns) for (const g of guesses) rows.push({ role: 'reference', series: g.series, n, variant: '', truth: null, value: g.value, low: null, high: null });
  return rows;
}

/** Rows of one run's figure: each n's estimates with the reported interval, then the truth and the trivial guesses. */
export function piaRunRows(score: PiaAttackScore): PiaRow[] {
  if (typeof score.truth !== 'number') return [];
  const truth = score.truth;
  const rows: PiaRow[] = [];
  for (const e of Object.values(score.byN)) {
    if (typeof e.pHat !== 'number') continue;
    // The interval belongs to the estimate it was reported for (the corrected one when calibrated).
    const interval = Array.isArray(e.interval) && typeof e.interval[0] === 'number' ? (e.interval as [number, number]) : null;
    const onCorrected = e.intervalKind === 'corrected' || e.intervalKind === 'corrected-with-calibration';
    const base = { role: 'estimate' as const, n: e.n, variant: '', truth };
    rows.push({ ...base, series: RAW, value: e.pHat, low: !onCorrected ? interval?.[0] ?? null : null, high: !onCorrected ? interval?.[1] ?? null : null });
    if (typeof e.corrected === 'number') rows.push({ ...base, series: CORRECTED, value: e.corrected, low: onCorrected ? interval?.[0] ?? null : null, high: onCorrected ? interval?.[1] ?? null : null });
  }
  const references = [
    { series: 'truth p', value: truth },
    { series: 'midpoint guess', value: score.baselines.midpoint.guess as number },
    ...(score.baselines.auxPrior && typeof score.baselines.auxPrior.guess === 'number' ? [{ series: 'aux prior guess', value: score.baselines.auxPrior.guess }] : []),
  ];
  for (const r of references) rows.push({ role: 'reference', series: r.series, n: 0, variant: '', truth, value: r.value, low: null, high: null });
  return rows;
}

const COLOURS = { [RAW]: '#4c78a8', [CORRECTED]: '#f58518', 'truth p': 'black', 'midpoint guess': BASELINE_GREY, 'aux prior guess': '#9d755d', 'p ± (r + e)': '#c7c7c7' };

function colour(series: string[]) {
  const domain = Object.keys(COLOURS).filter((s) => series.includes(s));
  return { field: 'series', type: 'nominal' as const, title: null, scale: { domain, range: domain.map((d) => COLOURS[d as keyof typeof COLOURS]) } };
}

const only = (role: PiaRow['role']) => ({ filter: `datum.role === '${role}'` });

function sweepSpec(rows: PiaRow[]): TopLevelSpec {
  const x = { field: 'truth', type: 'quantitative' as const, title: 'true share p in the sharer\'s records', scale: { domain: [0, 1] } };
  const y = { type: 'quantitative' as const, title: 'estimated share', scale: { domain: [0, 1] } };
  const color = colour([...new Set(rows.map((r) => r.series))]);
  return {
    $schema: VEGA_LITE_SCHEMA,
    data: { values: rows },
    facet: { field: 'n', type: 'ordinal', title: 'samples drawn n' },
    spec: {
      width: 240,
      height: 240,
      layer: [
        { transform: [only('bound')], mark: { type: 'area', opacity: 0.35 }, encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' }, color } },
        // The diagonal p̂ = p: a perfect estimate, the baseline the band surrounds.
        { transform: [only('bound')], mark: { type: 'line', color: BASELINE_GREY, strokeDash: [5, 4] }, encoding: { x, y: { ...y, field: 'value' } } },
        { transform: [only('reference')], mark: { type: 'rule', strokeDash: [2, 2] }, encoding: { y: { ...y, field: 'value' }, color } },
        { transform: [only('estimate')], mark: { type: 'point', filled: true, size: 60 }, encoding: { x, y: { ...y, field: 'value' }, color, shape: { field: 'series', type: 'nominal', legend: null } } },
      ],
    },
  };
}

function runSpec(rows: PiaRow[]): TopLevelSpec {
  const y = { type: 'quantitative' as const, title: 'share of records with the property', scale: { domain: [0, 1] } };
  const x = { field: 'n', type: 'ordinal' as const, title: 'samples drawn n' };
  const color = colour([...new Set(rows.map((r) => r.series))]);
  return {
    $schema: VEGA_LITE_SCHEMA,
    data: { values: rows },
    width: 300,
    height: 240,
    layer: [
      { transform: [only('reference')], mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y: { ...y, field: 'value' }, color, strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { domain: ['truth p', 'midpoint guess', 'aux prior guess'], range: [[1, 0], [5, 4], [2, 2]] } } } },
      { transform: [only('estimate'), { filter: 'datum.low !== null' }], mark: { type: 'errorbar', ticks: true }, encoding: { x, xOffset: { field: 'series', type: 'nominal' }, y: { ...y, field: 'low' }, y2: { field: 'high' }, color } },
      { transform: [only('estimate')], mark: { type: 'point', filled: true, size: 70 }, encoding: { x, xOffset: { field: 'series', type: 'nominal' }, y: { ...y, field: 'value' }, color } },
    ],
  };
}

export function piaEstimatesPlot(report: Record<string, unknown>): ReportPlot | null {
  const study = report.piaStudy as PiaStudy | undefined;
  if (study) {
    const auxPriors = runsOf(report).flatMap(({ run }) => {
      const guess = (run.pia as { attacks?: PiaAttackScore[] } | undefined)?.attacks?.[0]?.baselines.auxPrior?.guess;
      return typeof guess === 'number' ? [guess] : [];
    });
    const rows = piaSweepRows(study, auxPriors);
    if (!rows.some((r) => r.role === 'estimate')) return null;
    return {
      id: 'pia-estimates',
      title: `Property inference: estimated against true share of ${study.property}`,
      caption:
        'Each point is one variant\'s estimate at n samples. The dashed grey diagonal is a perfect estimate; the grey band ' +
        'around it is Theorem 1\'s bound r + e (Hoeffding radius plus the discriminator\'s error), which holds only if the ' +
        'generator reproduces the share. Dotted rules: the guesses that look at no sample (midpoint, aux prior), the trivial attacks to beat.',
      spec: sweepSpec(rows),
    };
  }
  const score = (report.pia as { attacks?: PiaAttackScore[] } | undefined)?.attacks?.[0];
  const rows = score ? piaRunRows(score) : [];
  if (!score || !rows.some((r) => r.role === 'estimate')) return null;
  return {
    id: 'pia-estimates',
    title: `Property inference: the estimates of ${score.property}'s share beside the truth`,
    caption:
      'Points: the raw and corrected estimates per sample count n, the whisker the interval the attack reported. ' +
      'The black line is the truth; the dashed and dotted lines are the guesses that look at no sample (midpoint, aux prior): ' +
      'an estimate no closer to the truth than they are has learnt nothing from the samples.',
    spec: runSpec(rows),
  };
}
