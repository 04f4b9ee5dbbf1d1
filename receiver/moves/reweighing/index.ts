/**
 * Reweighing (Kamiran & Calders 2012, "Data preprocessing techniques for classification without discrimination",
 * KAIS 33(1), §4.2; AIF360's `Reweighing`): the receiver's defence against a sharer that made its synthetic records
 * unfair (fairness poisoning, docs/fpa.md). Each record of cell (s, y) gets the weight
 *
 *   w(s, y) = P(s) · P(y) / P(s, y) = n_s · n_y / (n · n_sy)
 *
 * computed on the synthetic records, so that under the weights S and Y are independent (the expected cell count over
 * the observed one) while the marginals of S and of Y, and the total weight n, stay as they were. A classifier fitted
 * with these weights no longer learns S as a shortcut for Y from the S–Y dependence of the data; what it cannot undo is
 * a dependence the generator put into P(X | S, Y) (docs/fairness-defences.md).
 *
 * S and Y are the task's columns read as binary (s = 1 for `task.privileged`, y = 1 for `task.positive`, one-vs-rest),
 * like everywhere else (docs/fpa.md). When the sharer hid S from the shared records, the weights cannot be computed:
 * the move refuses (an S-predictor, e.g. the property-inference discriminator, is later work).
 */
import { z } from 'zod';
import { binaryColumn, type Table } from '../../../shared/data/table';
import type { ReceiverDefenceMove } from '../context';

const configSchema = z.strictObject({});
type ReweighingConfig = z.output<typeof configSchema>;

/** The four cells of (S, Y), indexed [s][y]. */
export type Cells = [[number, number], [number, number]];

export interface Reweighing {
  /** Record counts n_sy. */
  counts: Cells;
  /** w(s, y) = n_s n_y / (n n_sy). */
  weights: Cells;
  /** One weight per record, in the table's order. */
  recordWeights: Float64Array;
  /** |P(y = 1 | s = 1) − P(y = 1 | s = 0)| of the records, unweighted and weighted (0 by construction, up to rounding). */
  labelDpGapBefore: number;
  labelDpGapAfter: number;
}

/** |P_w(y = 1 | s = 1) − P_w(y = 1 | s = 0)| with per-record weights w (all 1 when absent). */
export function weightedLabelDpGap(s: Uint8Array, y: Uint8Array, w?: Float64Array): number {
  const mass = [0, 0];
  const positive = [0, 0];
  for (let i = 0; i < s.length; i++) {
    const wi = w ? w[i] : 1;
    mass[s[i]] += wi;
    if (y[i] === 1) positive[s[i]] += wi;
  }
  return Math.abs(positive[1] / mass[1] - positive[0] / mass[0]);
}

/**
 * Kamiran–Calders weights of binary s and y. Throws when a cell is empty: no weighting of the other cells can then make
 * S and Y independent (P(s, y) = 0 ≠ P(s) P(y)), and AIF360's division by zero would give an infinite weight to no one.
 */
export function reweighing(s: Uint8Array, y: Uint8Array, names: { s: string; y: string } = { s: 's', y: 'y' }): Reweighing {
  if (s.length !== y.length) throw new Error(`reweighing: ${s.length} values of ${names.s} but ${y.length} of ${names.y}`);
  const n = s.length;
  const counts: Cells = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < n; i++) counts[s[i]][y[i]]++;
  for (const sv of [0, 1])
    for (const yv of [0, 1])
      if (counts[sv][yv] === 0) {
        throw new Error(`reweighing: no record has ${names.s} ${sv === 1 ? '=' : '≠'} its privileged value and ${names.y} ${yv === 1 ? '=' : '≠'} its positive value; S and Y cannot be made independent by weights`);
      }
  const nS = [counts[0][0] + counts[0][1], counts[1][0] + counts[1][1]];
  const nY = [counts[0][0] + counts[1][0], counts[0][1] + counts[1][1]];
  const weight = (sv: number, yv: number) => (nS[sv] * nY[yv]) / (n * counts[sv][yv]);
  const weights: Cells = [
    [weight(0, 0), weight(0, 1)],
    [weight(1, 0), weight(1, 1)],
  ];
  const recordWeights = Float64Array.from({ length: n }, (_, i) => weights[s[i]][y[i]]);
  return { counts, weights, recordWeights, labelDpGapBefore: weightedLabelDpGap(s, y), labelDpGapAfter: weightedLabelDpGap(s, y, recordWeights) };
}

/** The task's S and Y of a table as 0/1; throws naming the task field when the sensitive column is not among its columns. */
function sensitiveAndLabel(table: Table, task: { label: string; positive: string; sensitive: string; privileged: string }, where: string): { s: Uint8Array; y: Uint8Array } {
  if (!table.schema.columns.some((c) => c.name === task.sensitive)) {
    throw new Error(
      `${where} (reweighing): the synthetic records have no column "${task.sensitive}" (task.sensitive; the sharer hides it), so the weights P(s)P(y)/P(s, y) cannot be computed; predicting S is not supported yet`,
    );
  }
  return { s: binaryColumn(table, task.sensitive, task.privileged), y: binaryColumn(table, task.label, task.positive) };
}

export const reweighingDefence: ReceiverDefenceMove<ReweighingConfig> = {
  id: 'reweighing',
  party: 'receiver',
  slot: 'defences',
  describe: 'Weighs each synthetic record by P(s)P(y)/P(s, y) so that S and Y are independent in the data its classifiers fit',
  paper: 'Kamiran & Calders 2012 (KAIS 33(1)) §4.2, Reweighing; AIF360 aif360.algorithms.preprocessing.Reweighing',
  requires: { access: [] },
  configSchema,
  // It reads the records the receiver already drew: nothing more from the budget.
  cost: () => 0,
  async run(_config, ctx) {
    const started = Date.now();
    const { s, y } = sensitiveAndLabel(ctx.synthetic, ctx.task, `receiver.defences[${ctx.index}]`);
    const r = reweighing(s, y, { s: ctx.task.sensitive, y: ctx.task.label });
    ctx.say(`weights ${r.weights.flat().map((w) => w.toFixed(3)).join(' / ')} ((s, y) = 00 / 01 / 10 / 11); label DP gap ${r.labelDpGapBefore.toFixed(3)} → ${r.labelDpGapAfter.toFixed(3)}`);
    return {
      plan: { sampleWeights: r.recordWeights },
      evidence: {
        records: s.length,
        cells: r.counts,
        weights: r.weights,
        labelDpGapBefore: r.labelDpGapBefore,
        labelDpGapAfter: r.labelDpGapAfter,
        task: { sensitive: ctx.task.sensitive, privileged: ctx.task.privileged, label: ctx.task.label, positive: ctx.task.positive },
        seconds: (Date.now() - started) / 1000,
      },
    };
  },
  score(evidence, _config, truth, label) {
    const task = evidence.task as { sensitive: string; privileged: string; label: string; positive: string };
    // Beside the synthetic records' label DP gap: the gap of the records the sharer trained on (the referee's truth),
    // which the generator passed on (a poisoning sharer's selection shows here, an honest one's is about 0).
    const columns = truth.trainingRecords.schema.columns.map((c) => c.name);
    const trainingLabelDpGap = columns.includes(task.sensitive) && columns.includes(task.label)
      ? weightedLabelDpGap(binaryColumn(truth.trainingRecords, task.sensitive, task.privileged), binaryColumn(truth.trainingRecords, task.label, task.positive))
      : null;
    return {
      report: {
        moves: {
          [label]: {
            records: evidence.records,
            cells: evidence.cells,
            weights: evidence.weights,
            labelDpGapBefore: evidence.labelDpGapBefore,
            labelDpGapAfter: evidence.labelDpGapAfter,
            trainingLabelDpGap,
          },
        },
      },
    };
  },
};
