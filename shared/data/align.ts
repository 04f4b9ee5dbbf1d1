import { columnIndex, type Table, type TableSchema } from './table';

/**
 * Re-expresses `table` in `target`'s columns and category codes, matching columns by name and categories by
 * value. Needed because synthetic records arrive with the broker's schema while the receiver's own data was
 * loaded separately: codes agree only by construction, and this makes that an explicit, checked fact.
 * A category value of `table` that `target` lacks is an error naming the column and the value.
 */
export function alignToSchema(table: Table, target: TableSchema, what: string): Table {
  const sources = target.columns.map((col) => {
    const j = columnIndex(table.schema, col.name);
    const from = table.schema.columns[j];
    if (from.type !== col.type) {
      throw new Error(`${what}: column "${col.name}" is ${from.type} here but ${col.type} in the shared schema`);
    }
    if (col.type !== 'categorical') return { j, remap: null as number[] | null };
    const remap = (from.categories ?? []).map((value) => {
      const code = (col.categories ?? []).indexOf(value);
      return code;
    });
    return { j, remap, from, col };
  });
  const rows = table.rows.map((row, i) =>
    sources.map((src, k) => {
      const v = row[src.j];
      if (!src.remap) return v;
      const code = src.remap[v];
      if (code === undefined || code < 0) {
        const value = table.schema.columns[src.j].categories?.[v];
        throw new Error(`${what}: record ${i}: column "${target.columns[k].name}" has value "${value}", unknown to the shared schema`);
      }
      return code;
    }),
  );
  return { schema: target, rows };
}
