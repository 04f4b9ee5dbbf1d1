/**
 * Deduplication of the training set (issue 16; docs/privacy.md): the data owner's defence against memorisation of
 * repeated records. Carlini et al. 2023 (§4, §7) find that duplicated training images are extracted far more often
 * than unique ones, and Kandpal et al. 2022 show the same for language models; removing the copies before training
 * takes away the extra weight the loss gives a repeated record.
 *
 * Records are compared on the columns the model sees: every column except sharer.hideColumns, the label included.
 * Two records that differ only in a hidden column are the same record to the model (it never sees that column), so
 * training on both weighs that point twice: they are duplicates. Two that differ in the label are different training
 * pairs to a class-conditional model: they are not. With `withinDistance`, a record within that distance of one
 * already kept is removed too (near-duplicates), in the one record distance of the project
 * (shared/data/recordDistance.ts, fitted on the set before deduplication), the same distance as nn-rejection's τ.
 * The first record of each group (in the training set's order) is kept, so the result is deterministic.
 */
import { z } from 'zod';
import { RECORD_DISTANCE_NAME, RecordSpace, withinRadius } from '../../../shared/data/recordDistance';
import { dropColumns, selectRows, type Table } from '../../../shared/data/table';
import type { SharerDefenceMove } from '../context';

const configSchema = z.strictObject({
  /** Also remove a record within this distance (> 0) of one already kept; absent: exact duplicates only. */
  withinDistance: z.number().gt(0).optional(),
});
type DeduplicateConfig = z.output<typeof configSchema>;

/** Which records of `table` to keep, and the counts: exact duplicates on every column of `table`, then near ones. */
export function deduplicateRecords(table: Table, withinDistance?: number): { keep: number[]; duplicatesRemoved: number; nearDuplicatesRemoved: number; largestGroup: number } {
  const copies = new Map<string, number>();
  const unique: number[] = [];
  table.rows.forEach((row, i) => {
    // Values are codes and numbers: the JSON of the row is an exact key (−0 and 0 are one value, as they should be).
    const key = JSON.stringify(row);
    const seen = copies.get(key) ?? 0;
    if (seen === 0) unique.push(i);
    copies.set(key, seen + 1);
  });
  const largestGroup = Math.max(0, ...copies.values());
  if (withinDistance === undefined || unique.length === 0) {
    return { keep: unique, duplicatesRemoved: table.rows.length - unique.length, nearDuplicatesRemoved: 0, largestGroup };
  }
  const space = RecordSpace.fit(table);
  const D = space.width;
  const x = space.encode(selectRows(table, unique));
  const kept = new Float32Array(x.length);
  let k = 0;
  const keep: number[] = [];
  unique.forEach((i, u) => {
    const row = x.subarray(u * D, (u + 1) * D);
    if (k > 0 && withinRadius(row, kept.subarray(0, k * D), D, withinDistance)[0]) return;
    kept.set(row, k * D);
    k++;
    keep.push(i);
  });
  return { keep, duplicatesRemoved: table.rows.length - unique.length, nearDuplicatesRemoved: unique.length - keep.length, largestGroup };
}

export const deduplicate: SharerDefenceMove<DeduplicateConfig> = {
  id: 'deduplicate',
  party: 'sharer',
  slot: 'defences',
  describe: 'Removes duplicate records (on the columns the model sees) from the training set, optionally near-duplicates within a distance',
  paper: 'Carlini et al. 2023 (USENIX Security) §4, §7; Kandpal et al. 2022 (ICML), deduplication against memorisation',
  requires: { access: [] },
  configSchema,
  // The sharer spends nothing of the receiver's budget.
  cost: () => 0,
  async run(config, ctx) {
    const visible = dropColumns(ctx.trainingSet, ctx.hideColumns);
    const { keep, duplicatesRemoved, nearDuplicatesRemoved, largestGroup } = deduplicateRecords(visible, config.withinDistance);
    const recordsBefore = ctx.trainingSet.rows.length;
    const evidence = {
      recordsBefore,
      recordsAfter: keep.length,
      duplicatesRemoved,
      nearDuplicatesRemoved,
      /** Copies of the most repeated record before deduplication (1: no duplicates). */
      largestGroup,
      columns: visible.schema.columns.length,
      ...(config.withinDistance !== undefined ? { withinDistance: config.withinDistance, distance: RECORD_DISTANCE_NAME } : {}),
    };
    // Unchanged when nothing was removed, so the model (and its cache key) is the undefended one.
    return keep.length === recordsBefore ? { evidence } : { trainingSet: selectRows(ctx.trainingSet, keep), evidence };
  },
  score: (evidence, _config, _truth, label) => ({
    report: {
      moves: {
        [label]: {
          recordsBefore: evidence.recordsBefore,
          recordsAfter: evidence.recordsAfter,
          duplicatesRemoved: evidence.duplicatesRemoved,
          nearDuplicatesRemoved: evidence.nearDuplicatesRemoved,
          largestGroup: evidence.largestGroup,
        },
      },
    },
  }),
};
