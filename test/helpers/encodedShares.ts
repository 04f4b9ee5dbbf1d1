/**
 * What one encoded record says about the data the encoder was fitted on (issue 19, finding 2; docs/privacy.md
 * "What each grant reveals"), computed as a receiver would from the shared schema alone. Under standardised one-hot
 * (the tabular DDPM's encoding) a record of category c has (1 − p_c)/√(p_c(1 − p_c)) = √((1 − p_c)/p_c) at c and
 * −√(p_d/(1 − p_d)) at every other category d, so p_c = 1/(1 + v²) and p_d = w²/(1 + w²): every share of the column.
 */
import type { TableSchema } from '../../shared/data/table';

/** Where `column`'s block starts in a model row: the schema's columns in order, label left out, 1 float per numeric column. */
function blockOf(schema: TableSchema, label: string, column: string): { offset: number; size: number } {
  let offset = 0;
  for (const c of schema.columns) {
    if (c.name === label) continue;
    const size = c.type === 'numeric' ? 1 : c.categories!.length;
    if (c.name === column) return { offset, size };
    offset += size;
  }
  throw new Error(`no column "${column}" besides the label`);
}

/** The shares of `column`'s categories the encoder was fitted with, read off row `row` of `x` (its category `code`). */
export function sharesFromEncodedRecord(x: Float32Array, width: number, row: number, schema: TableSchema, label: string, column: string, code: number): number[] {
  const { offset, size } = blockOf(schema, label, column);
  return Array.from({ length: size }, (_, c) => {
    const v = x[row * width + offset + c];
    return c === code ? 1 / (1 + v * v) : (v * v) / (1 + v * v);
  });
}
