/** What the sharer knows about its own training data: the referee scores attacks against these numbers. */
import { binaryColumn, type Table, type TaskSpec } from '../shared/data/table';
import type { SharerResult } from '../shared/party/results';

/** The facts, as the sharer's result carries them (one type: shared/party/results.ts). */
export type TrainingDataFacts = SharerResult['trainingData'];

/** Facts of `table` (the sharer's data before hidden columns are dropped). */
export function trainingDataFacts(table: Table, task: TaskSpec, hiddenColumns: string[]): TrainingDataFacts {
  const s = binaryColumn(table, task.sensitive, task.privileged);
  const y = binaryColumn(table, task.label, task.positive);
  const cells: Record<string, number> = { s0y0: 0, s0y1: 0, s1y0: 0, s1y1: 0 };
  let sSum = 0;
  let ySum = 0;
  for (let i = 0; i < s.length; i++) {
    cells[`s${s[i]}y${y[i]}`]++;
    sSum += s[i];
    ySum += y[i];
  }
  const n = table.rows.length;
  return {
    rows: n,
    columns: table.schema.columns.map((c) => c.name),
    hiddenColumns,
    sensitiveShare: n ? sSum / n : NaN,
    positiveShare: n ? ySum / n : NaN,
    cells,
  };
}
