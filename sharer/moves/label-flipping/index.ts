/**
 * Label flipping (Luo et al. 2024's baseline "LabelFlipping"; docs/fpa.md): N random records, then y := s on the last
 * ⌊αN⌋ of them. The strongest S–Y correlation for its α, but the labels are altered, which an audit of the records
 * would see; record selection (greedy-mi) alters none.
 */
import { columnIndex } from '../../../shared/data/table';
import { labelFlipping as flipLabels, FPA_PAPER } from '../../poisoning';
import { poisoningFieldsSchema } from '../../../shared/scenario/schema';
import { cellCounts, type LabelFlippingReport } from '../../poisoningMove';
import type { PoisoningMove } from '../context';

export const labelFlipping: PoisoningMove = {
  id: 'label-flipping',
  party: 'sharer',
  goal: 'fairness',
  slot: 'poisoning',
  describe: 'N random records; y := s on the last ⌊αN⌋ of them (the strongest S–Y correlation, but labels are altered)',
  paper: `${FPA_PAPER}, baseline "LabelFlipping"`,
  requires: { access: [] },
  configSchema: poisoningFieldsSchema,
  // The stealthy choice of α is greedy-mi's (it predicts the audit from its selection); relabelling has none.
  check: (config) => (config.stealth ? [{ path: ['stealth'], message: 'only greedy-mi chooses its α against an audit threshold' }] : []),
  // The sharer spends no broker budget.
  cost: () => 0,
  async run(config, { pool, fpaPool, n, task, rng, common }) {
    const result = flipLabels(fpaPool, n, config.alpha, rng);
    const labelColumn = columnIndex(pool.schema, task.label);
    const spec = pool.schema.columns[labelColumn];
    const positiveCode = spec.categories!.indexOf(task.positive);
    const negativeCode = spec.categories!.findIndex((_, code) => code !== positiveCode);
    if (negativeCode < 0) throw new Error(`label flipping: task.label column "${task.label}" has no value other than "${task.positive}"`);
    // Only the binary task is defined: a flipped label becomes the positive value or the first other value.
    const rows = result.indices.map((i, t) => {
      const row = [...pool.rows[i]];
      if (result.y[t] !== fpaPool.y[i]) row[labelColumn] = result.y[t] === 1 ? positiveCode : negativeCode;
      return row;
    });
    const s = Uint8Array.from(result.indices, (i) => fpaPool.s[i]);
    const report: LabelFlippingReport = {
      n,
      alpha: config.alpha,
      relabelled: result.relabelled,
      flipped: result.flipped,
      cellCounts: cellCounts(s, result.y),
      iSY: result.iSY,
      labelParityGap: result.labelParityGap,
    };
    return { table: { schema: pool.schema, rows }, move: { ...common, algorithm: 'labelFlipping', report } };
  },
};
