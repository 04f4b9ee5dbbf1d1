/**
 * Row filters of a csv dataset (`filters:` in the scenario): each keeps the rows whose cell passes one test. They
 * judge the cell's text as the file holds it (trimmed), before categories are coded, so a filter may name a column
 * that `dropColumns` removes afterwards. A missing cell passes every test but `notMissing`: the missing-value policy
 * decides what becomes of it.
 */
import type { ColumnType } from './table';
import { DataError } from './errors';

/** One filter, as the scenario schema defines it (exactly one test set). */
export interface RowFilter {
  column: string;
  equals?: string | number;
  in?: Array<string | number>;
  range?: [number | null, number | null];
  notMissing?: true;
}

/** A compiled filter: true to keep the row. `cell` is the trimmed text, or null when it is missing. */
export type CellTest = (cell: string | null, line: number) => boolean;

/** `age in [18, 90]`, `workclass = "Private"`: how a filter is named in the load facts of the report. */
export function describeFilter(filter: RowFilter): string {
  if (filter.equals !== undefined) return `${filter.column} = ${JSON.stringify(filter.equals)}`;
  if (filter.in !== undefined) return `${filter.column} in {${filter.in.map((v) => JSON.stringify(v)).join(', ')}}`;
  if (filter.range !== undefined) {
    const [min, max] = filter.range;
    if (min === null) return `${filter.column} ≤ ${max}`;
    if (max === null) return `${filter.column} ≥ ${min}`;
    return `${filter.column} in [${min}, ${max}]`;
  }
  return `${filter.column} not missing`;
}

/**
 * The test of `filter` on a column of type `type`. A numeric column compares numbers ("40.0" equals 40); a
 * categorical one compares text (a number in the scenario is compared as it is written, 1 as "1"). The scenario
 * loader has already refused a range on a categorical column or text for a numeric one; here they are bugs.
 * `numberAt` reads a numeric cell (the csv reader's, which names the file, line and column of a bad one).
 */
export function compileFilter(filter: RowFilter, type: ColumnType, numberAt: (cell: string, line: number) => number, file: string): CellTest {
  if (filter.notMissing) return (cell) => cell !== null;
  if (filter.range !== undefined) {
    if (type !== 'numeric') throw new Error(`filter ${describeFilter(filter)}: a range needs a numeric column`);
    const min = filter.range[0] ?? -Infinity;
    const max = filter.range[1] ?? Infinity;
    return (cell, line) => {
      if (cell === null) return true;
      const value = numberAt(cell, line);
      return value >= min && value <= max;
    };
  }
  const wanted = filter.equals !== undefined ? [filter.equals] : filter.in!;
  if (type === 'numeric') {
    const numbers = new Set(
      wanted.map((v) => {
        if (typeof v !== 'number') throw new DataError(`filter ${describeFilter(filter)}: expected numbers for a numeric column`, { file, column: filter.column });
        return v;
      }),
    );
    return (cell, line) => cell === null || numbers.has(numberAt(cell, line));
  }
  const texts = new Set(wanted.map(String));
  return (cell) => cell === null || texts.has(cell);
}
