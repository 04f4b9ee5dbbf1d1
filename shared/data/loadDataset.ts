/**
 * One entry point from a scenario's dataset declaration to a Table, used by the sharer, the receiver and the
 * referee alike, so that all three see the very same records for the same declaration and seed.
 */
import { generateCensus } from './census';
import { loadAdult } from './adult';
import { loadCsv } from './csv';
import { mnistTable } from './mnistTable';
import { mnistTaskOf } from '../scenario/sources';
import type { Table } from './table';
import type { DatasetConfig } from '../scenario/schema';
import { selectRows } from './table';
import { subsampleWithProportion } from './split';
import { Rng, deriveSeed } from '../random';

/** A dataset declaration as the scenario schema defines it (shared/scenario/schema.ts), the one definition. */
export type DatasetSpec = DatasetConfig;

/**
 * `seed` is the dataset's own seed (the scenario seed and the dataset's name), never a party's seed: the
 * referee must regenerate exactly what the sharer trained on.
 */
export function loadDataset(spec: DatasetSpec, seed: number): Table {
  let table: Table;
  switch (spec.source) {
    case 'census':
      table = generateCensus({ rows: spec.rows, seed, pSensitive: spec.pSensitive, dependence: spec.dependence });
      break;
    case 'adult':
      table = loadAdult(spec.path, { missing: spec.missing, dropColumns: spec.dropColumns });
      break;
    case 'csv':
      table = loadCsv(spec.path, { columns: spec.columns, separator: spec.separator });
      break;
    case 'mnist':
      table = mnistTable({ task: mnistTaskOf(spec), part: spec.part, split: spec.split, splitSeed: spec.splitSeed });
      break;
  }
  if (spec.take) {
    if (spec.take.rows > table.rows.length) {
      throw new Error(`take.rows: ${spec.take.rows} rows asked but the dataset has only ${table.rows.length}`);
    }
    const rng = new Rng(deriveSeed(seed, 'take'));
    table = selectRows(table, rng.sampleIndices(table.rows.length, spec.take.rows).sort((a, b) => a - b));
  }
  if (spec.propertyShare) {
    // After `take`, so a sweep over `share` varies only the property's proportion (docs/pia.md).
    const { column, value, share, rows } = spec.propertyShare;
    try {
      table = subsampleWithProportion(table, column, value, share, rows, new Rng(deriveSeed(seed, 'propertyShare')));
    } catch (err) {
      // A resolved scenario dataset carries its name: point at the field to fix.
      const name = (spec as { name?: unknown }).name;
      throw new Error(`${typeof name === 'string' ? `datasets.${name}.` : ''}propertyShare: ${(err as Error).message}`);
    }
  }
  return table;
}
