/**
 * One entry point from a scenario's dataset declaration to a Table, used by the sharer, the receiver and the
 * referee alike, so that all three see the very same records for the same declaration and seed.
 */
import { generateCensus } from './census';
import { loadAdult } from './adult';
import { readCsv, type CsvLoadFacts } from './csv';
import { mnistTable } from './mnistTable';
import { mnistTaskOf } from '../scenario/sources';
import type { Table } from './table';
import type { DatasetConfig } from '../scenario/schema';
import { dropColumns, selectRows } from './table';
import { stratifiedPartition, subsampleWithProportion } from './split';
import { Rng, deriveSeed } from '../random';

/**
 * A dataset declaration as the scenario schema defines it (shared/scenario/schema.ts), the one definition;
 * `splitPart` names the part of its `split` a reference `<dataset>.<part>` asks for (shared/scenario/datasetRefs.ts).
 */
export type DatasetSpec = DatasetConfig & { splitPart?: string };

/** How a csv dataset's file became its table: the reader's counts and, for a part, the sizes of every part. */
export type DatasetLoadFacts = CsvLoadFacts & {
  /** Rows after `take`, when it is set. */
  rowsTaken?: number;
  split?: { part: string; rows: Record<string, number> };
};

/**
 * `seed` is the dataset's own seed (the scenario seed and the dataset's name), never a party's seed: the
 * referee must regenerate exactly what the sharer trained on.
 */
export function loadDataset(spec: DatasetSpec, seed: number): Table {
  return loadDatasetWithFacts(spec, seed).table;
}

/** The table, and for a csv dataset the facts of its loading (what the filters, missing values and split took). */
export function loadDatasetWithFacts(spec: DatasetSpec, seed: number): { table: Table; loaded?: DatasetLoadFacts } {
  // A resolved scenario dataset carries its name: errors point at the field to fix.
  const name = (spec as { name?: unknown }).name;
  const field = typeof name === 'string' ? `datasets.${name.split('.')[0]}.` : '';
  let table: Table;
  let loaded: DatasetLoadFacts | undefined;
  switch (spec.source) {
    case 'census':
      table = generateCensus({ rows: spec.rows, seed, pSensitive: spec.pSensitive, dependence: spec.dependence });
      break;
    case 'adult':
      table = loadAdult(spec.path, { missing: spec.missing, dropColumns: spec.dropColumns });
      break;
    case 'csv': {
      const read = readCsv(spec.path, { columns: spec.columns, separator: spec.separator, rename: spec.rename, filters: spec.filters, missing: spec.missing });
      table = read.table;
      loaded = read.facts;
      break;
    }
    case 'mnist':
      table = mnistTable({ task: mnistTaskOf(spec), part: spec.part, split: spec.split, splitSeed: spec.splitSeed });
      break;
  }
  if (spec.take) {
    if (spec.take.rows > table.rows.length) {
      throw new Error(`${field}take.rows: ${spec.take.rows} rows asked but the dataset has only ${table.rows.length}`);
    }
    const rng = new Rng(deriveSeed(seed, 'take'));
    table = selectRows(table, rng.sampleIndices(table.rows.length, spec.take.rows).sort((a, b) => a - b));
    if (loaded) loaded.rowsTaken = table.rows.length;
  }
  if (spec.source === 'csv') {
    const wanted = spec.splitPart;
    if (spec.split) {
      // Every part is cut by the same seeded partition (the seed is the whole dataset's), so the parts are disjoint.
      const parts = stratifiedPartition(table, spec.split.parts, spec.split.stratifyBy, new Rng(spec.split.seed ?? deriveSeed(seed, 'split')));
      if (wanted === undefined || !Object.hasOwn(parts, wanted)) {
        throw new Error(`${field}split: expected one of its parts to load (${Object.keys(parts).join(', ')}), got ${wanted === undefined ? 'the whole dataset' : `"${wanted}"`}`);
      }
      table = selectRows(table, parts[wanted]);
      loaded!.split = { part: wanted, rows: Object.fromEntries(Object.entries(parts).map(([p, rows]) => [p, rows.length])) };
    } else if (wanted !== undefined) {
      throw new Error(`${field}split: the dataset has no split, but part "${wanted}" of it was asked for`);
    }
    table = dropColumns(table, spec.dropColumns);
  }
  if (spec.propertyShare) {
    // After `take`, so a sweep over `share` varies only the property's proportion (docs/pia.md).
    const { column, value, share, rows } = spec.propertyShare;
    try {
      table = subsampleWithProportion(table, column, value, share, rows, new Rng(deriveSeed(seed, 'propertyShare')));
    } catch (err) {
      throw new Error(`${field}propertyShare: ${(err as Error).message}`);
    }
  }
  return loaded ? { table, loaded } : { table };
}
