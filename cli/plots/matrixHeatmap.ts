/**
 * The attack × defence matrix as a heatmap (cli/studies/matrix.ts): one row per attack metric (and the receiver's
 * utility), one column per defence, the baseline column first. A cell's colour is its verdict — the change against the
 * undefended twin lies wholly below 0, wholly above, or its interval holds 0 — and its text the change (the value
 * itself in the baseline column). Same numbers as the report's matrix table.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { MatrixStudy, MatrixVerdict } from '../studies/matrix';
import { BASELINE_GREY, VEGA_LITE_SCHEMA, isInterval } from './marks';
import type { ReportPlot } from './render';

/** Verdict → colour: a fall is blue (good for an attack's metric), a rise orange, no change light, the rest grey. */
const VERDICT_COLOURS: Record<MatrixVerdict, string> = {
  lower: '#4c78a8',
  higher: '#f58518',
  'no-change': '#e8e8e8',
  'no-interval': '#f4f4f4',
  refused: '#54a24b',
  absent: '#ffffff',
};

/** What each colour means, for the legend. */
const VERDICT_LABELS: Record<MatrixVerdict, string> = {
  lower: 'lower than undefended (interval < 0)',
  higher: 'higher than undefended (interval > 0)',
  'no-change': 'no change shown (interval holds 0)',
  'no-interval': 'baseline, or no interval',
  refused: 'refused by the platform',
  absent: 'not run',
};

/** A count stays whole; a share or an AUC gets three decimals. */
function text(v: unknown, signed: boolean): string {
  const n = isInterval(v) ? v.estimate : typeof v === 'number' ? v : null;
  if (n === null) return '';
  const body = Number.isInteger(n) && !isInterval(v) ? String(n) : n.toFixed(3);
  return signed && n >= 0 ? `+${body}` : body;
}

export function matrixHeatmapPlot(studies: readonly MatrixStudy[]): ReportPlot | null {
  const values = studies.flatMap((study) =>
    Object.values(study.rows).flatMap((row) =>
      study.defences.map((defence) => {
        const c = row.cells[defence];
        const baseline = defence === study.baseline;
        return {
          group: study.group || 'all',
          row: row.label,
          metric: row.metric,
          defence,
          verdict: VERDICT_LABELS[c.verdict],
          dark: c.verdict === 'lower' || c.verdict === 'refused',
          text: c.verdict === 'refused' ? 'refused' : baseline ? text(c.value, false) : text(c.delta, true),
        };
      }),
    ),
  );
  if (values.length === 0) return null;
  const order = Object.keys(VERDICT_COLOURS) as MatrixVerdict[];
  const layered = {
    width: { step: 86 },
    height: { step: 26 },
    encoding: {
      x: { field: 'defence', type: 'nominal', sort: studies[0].defences, title: `defence (${studies[0].baseline}: the undefended twin, its values; other cells: the change against it)`, axis: { labelAngle: -30, orient: 'top' } },
      y: { field: 'row', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
    },
    layer: [
        {
          mark: { type: 'rect', stroke: BASELINE_GREY, strokeWidth: 0.5 },
          encoding: {
            color: {
              field: 'verdict',
              type: 'nominal',
              scale: { domain: order.map((v) => VERDICT_LABELS[v]), range: order.map((v) => VERDICT_COLOURS[v]) },
              legend: { title: 'change vs undefended', orient: 'bottom', columns: 2, labelLimit: 320, titleLimit: 320 },
            },
            tooltip: [{ field: 'metric' }, { field: 'defence' }, { field: 'text', title: 'change' }],
          },
        },
        {
          mark: { type: 'text', fontSize: 10 },
          encoding: { text: { field: 'text' }, color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' } },
        },
      ],
  };
  // One matrix is one grid; crossed with another swept value, one grid per group.
  const spec = (studies.length > 1
    ? { $schema: VEGA_LITE_SCHEMA, data: { values }, facet: { row: { field: 'group', type: 'nominal', title: null } }, spec: layered }
    : { $schema: VEGA_LITE_SCHEMA, data: { values }, ...layered }) as TopLevelSpec;
  return {
    id: 'attack-defence-matrix',
    title: 'Attacks × defences: each defence against every attack, paired with the undefended twin',
    caption:
      'Each cell is the change of the row’s metric against the undefended column (its value there): blue where the interval lies below 0 ' +
      '(the attack weakened, or utility lost), orange above 0, light where it holds 0. Read a column down for a defence’s side effects on the attacks it does not target.',
    spec,
  };
}
