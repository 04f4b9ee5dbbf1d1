/**
 * What the scenario loader knows about each dataset source's columns, so a wrong task column or a typo in
 * `dropColumns`/`hideColumns` fails at load time with a field path instead of deep inside a party.
 *
 * The loaders themselves (census generator, adult and csv readers) live elsewhere and own their column lists;
 * this module reads them from there rather than re-typing the names.
 */
import { ADULT_COLUMNS } from '../data/adult';
import { CENSUS_COLUMNS } from '../data/census';
import type { ColumnSpec } from '../data/table';
import type { DatasetConfig } from './schema';
import { mnistColumns } from '../data/mnistTable';

// The loaders' own column lists (with every category they know), re-exported: one list per source.
export { ADULT_COLUMNS, CENSUS_COLUMNS };

/** A column spec the caller may change without touching the frozen source lists. */
function copyColumn(c: ColumnSpec): ColumnSpec {
  return c.categories ? { ...c, categories: [...c.categories] } : { ...c };
}

/** The census generator's task columns are fixed: it models income as a function of the other columns and sex. */
export const CENSUS_TASK_COLUMNS = { label: 'income', sensitive: 'sex' } as const;

/**
 * The columns a dataset will have once loaded (after `dropColumns`), as far as the scenario declares them.
 * Categories are present only when known before reading the data.
 */
export function datasetColumns(dataset: DatasetConfig): ColumnSpec[] {
  switch (dataset.source) {
    case 'census':
      return CENSUS_COLUMNS.map(copyColumn);
    case 'adult': {
      const dropped = new Set(dataset.dropColumns);
      return ADULT_COLUMNS.filter((c) => !dropped.has(c.name)).map(copyColumn);
    }
    case 'csv': {
      const dropped = new Set(dataset.dropColumns);
      return Object.entries(dataset.columns)
        .filter(([name]) => !dropped.has(name))
        .map(([name, type]) => ({ name, type }));
    }
    case 'mnist':
      return mnistColumns(mnistTaskOf(dataset));
  }
}

/** The MNIST task a `source: mnist` declaration names. */
export function mnistTaskOf(dataset: { digits?: [number, number]; parity?: true }): { digits: [number, number] } | { parity: true } {
  return dataset.parity ? { parity: true } : { digits: dataset.digits as [number, number] };
}

/** Columns of the source before any `dropColumns` (a csv file's: every declared column). */
export function sourceColumns(dataset: DatasetConfig): ColumnSpec[] {
  if (dataset.source === 'adult') return ADULT_COLUMNS.map(copyColumn);
  if (dataset.source === 'csv') return Object.entries(dataset.columns).map(([name, type]) => ({ name, type }));
  return datasetColumns(dataset);
}
