/**
 * `sharer.encoderData` (issue 19, finding 2; docs/privacy.md "What each grant reveals"): the table the encoder is
 * fitted on. By default it is the training set itself, and then GrayBox.Encode (and x̂₀ at small t) hands a receiver
 * the private data's statistics: a standardised one-hot coordinate is (1 − p)/√(p(1 − p)) with p a category's share in
 * the training set, the quantile-normal code of a numeric value is its rank in the training column, and a category
 * no training record has sits at the std floor's extreme value. Fitted on a dataset the owner treats as public, the
 * same codes reveal only that dataset's statistics; the model still trains on the private data, in those coordinates.
 *
 * The category universe stays the training schema's (what Gateway.Describe shows anyway): the public table is
 * re-expressed in the training table's columns and codes, and a category it lacks gets share 0 (encoded at the std
 * floor, decoded back to itself; shared/data/encoder.ts ONEHOT_STD_FLOOR).
 */
import { alignToSchema } from '../shared/data/align';
import type { Table } from '../shared/data/table';

/** The public dataset named by `sharer.encoderData`, loaded, with the sharer's hidden columns dropped as from the training set. */
export interface EncoderData {
  /** Its key under `datasets:`, for messages and the report. */
  name: string;
  table: Table;
}

/** Which data the encoder was fitted on, as the sharer reports it (`sharer.model.encoderFittedOn`, `encoderData`). */
export type EncoderProvenance = { encoderFittedOn: 'private' } | { encoderFittedOn: 'public'; encoderData: string };

export function encoderProvenance(encoderData: EncoderData | undefined): EncoderProvenance {
  return encoderData ? { encoderFittedOn: 'public', encoderData: encoderData.name } : { encoderFittedOn: 'private' };
}

/**
 * The table to fit the encoder on: the training table itself without `encoderData`, else the public table in the
 * training table's column order and category codes. Its columns must be the training table's (names and types), and
 * each of its categories one of the training schema's; anything else is an error naming `sharer.encoderData`.
 */
export function encoderFitTable(training: Table, encoderData: EncoderData | undefined): Table {
  if (!encoderData) return training;
  const { name, table } = encoderData;
  const what = `sharer.encoderData "${name}"`;
  if (table.rows.length === 0) throw new Error(`${what}: the dataset has no rows to fit the encoder on`);
  const expected = training.schema.columns.map((c) => `${c.name} (${c.type})`);
  const found = table.schema.columns.map((c) => `${c.name} (${c.type})`);
  if (expected.length !== found.length || expected.some((c) => !found.includes(c))) {
    throw new Error(`${what}: expected the columns of the training data (${expected.join(', ')}), got ${found.join(', ')}`);
  }
  for (const column of table.schema.columns) {
    if (column.type !== 'categorical') continue;
    const known = training.schema.columns.find((c) => c.name === column.name)?.categories ?? [];
    const unknown = (column.categories ?? []).filter((value) => !known.includes(value));
    if (unknown.length > 0) {
      throw new Error(`${what}: column "${column.name}" has ${unknown.map((v) => `"${v}"`).join(', ')}, not among the training data's categories (${known.join(', ')})`);
    }
  }
  return alignToSchema(table, training.schema, what);
}
