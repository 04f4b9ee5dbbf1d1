/**
 * Did the model learn how the columns go together? For every pair of columns, the dependence (association.ts:
 * Pearson's r, bias-corrected Cramér's V or the correlation ratio η, by the pair's types) in the real records and in
 * the synthetic records, and |real − synthetic|. Marginal fidelity (marginals.ts) cannot see this: a generator that
 * draws every column independently from its right marginal has TV 0 everywhere and loses every dependence.
 *
 * Baseline: the same differences between two disjoint random halves of the real records, what sampling noise alone
 * gives. The halves compare n/2 records with n/2; the synthetic comparison n_real with n_synthetic, whose noise (for
 * equal sizes) is about 1/√2 of the halves'. The baseline is therefore a generous reading of the noise: a synthetic
 * difference above it is above noise.
 */
import { alignToSchema } from '../data/align';
import type { Table } from '../data/table';
import type { Rng } from '../random';
import { correlationRatio, cramersV, pearsonCorrelation } from './association';

export type DependenceStatistic = 'pearson' | 'cramersV' | 'correlationRatio';

export interface PairDependence {
  columns: [string, string];
  statistic: DependenceStatistic;
  real: number;
  synthetic: number;
  /** |real − synthetic|. */
  difference: number;
  /** |half A − half B| of the real records: this pair's sampling-noise baseline. */
  halvesDifference: number;
}

export interface DifferenceSummary {
  maxDifference: number;
  meanDifference: number;
}

export interface JointFidelity {
  /** Over every pair of columns (also those left out of `pairs`). */
  summary: DifferenceSummary & {
    pairs: number;
    /** The WORST_PAIRS pairs with the largest |real − synthetic|, as "a × b". */
    worstPairs: string[];
  };
  /** The same summary of |half A − half B| over the same pairs. */
  halvesBaseline: DifferenceSummary & { rowsPerHalf: number };
  /** Pairs by decreasing difference, at most MAX_REPORTED_PAIRS (all pairs of 20 columns). */
  pairs: PairDependence[];
  /** Pairs computed and summarised but not listed (tables of more than 20 columns). */
  pairsOmitted: number;
}

/** All pairs of 20 columns: report.json stays small for wider tables (census has 14). */
export const MAX_REPORTED_PAIRS = 190;
export const WORST_PAIRS = 5;

/** Four decimals, as the marginals (report.json stays small; finer than any reading of it). */
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

interface ColumnPair {
  a: number;
  b: number;
  statistic: DependenceStatistic;
}

/** Every pair (a < b) of the schema's columns with the statistic its two types call for. */
function columnPairs(table: Table): ColumnPair[] {
  const columns = table.schema.columns;
  const pairs: ColumnPair[] = [];
  for (let a = 0; a < columns.length; a++) {
    for (let b = a + 1; b < columns.length; b++) {
      const categorical = [columns[a].type, columns[b].type].filter((t) => t === 'categorical').length;
      pairs.push({ a, b, statistic: categorical === 0 ? 'pearson' : categorical === 2 ? 'cramersV' : 'correlationRatio' });
    }
  }
  return pairs;
}

/** The dependence of each pair on the records at `indices` (all records when absent). */
function dependences(table: Table, pairs: readonly ColumnPair[], indices?: ArrayLike<number>): number[] {
  const rows = indices ? Array.from(indices, (i) => table.rows[i]) : table.rows;
  const columns = table.schema.columns.map((_, j) => Float64Array.from(rows, (row) => row[j]));
  const levels = (j: number) => table.schema.columns[j].categories?.length ?? 0;
  return pairs.map(({ a, b, statistic }) => {
    if (statistic === 'pearson') return pearsonCorrelation(columns[a], columns[b]);
    if (statistic === 'cramersV') return cramersV(columns[a], columns[b], levels(a), levels(b));
    const [category, numeric] = table.schema.columns[a].type === 'categorical' ? [a, b] : [b, a];
    return correlationRatio(columns[category], columns[numeric], levels(category));
  });
}

/** The dependence of every pair of columns of `table`, keyed "a × b" (for tests and single-table reads). */
export function pairwiseDependence(table: Table): Record<string, number> {
  const pairs = columnPairs(table);
  const values = dependences(table, pairs);
  return Object.fromEntries(pairs.map((p, i) => [pairName(table, p), values[i]]));
}

function pairName(table: Table, p: ColumnPair): string {
  return `${table.schema.columns[p.a].name} × ${table.schema.columns[p.b].name}`;
}

function summarise(differences: readonly number[]): DifferenceSummary {
  if (differences.length === 0) return { maxDifference: 0, meanDifference: 0 };
  return { maxDifference: round4(Math.max(...differences)), meanDifference: round4(differences.reduce((s, d) => s + d, 0) / differences.length) };
}

/**
 * Pairwise dependences of `synthetic` against `realTable` (aligned to the synthetic schema first), with the halves
 * baseline drawn from `rng`.
 */
export function jointFidelity(synthetic: Table, realTable: Table, rng: Rng): JointFidelity {
  const real = alignToSchema(realTable, synthetic.schema, 'real data');
  if (real.rows.length < 4 || synthetic.rows.length < 2) {
    throw new Error(`jointFidelity: needs at least 4 real and 2 synthetic records, got ${real.rows.length} and ${synthetic.rows.length}`);
  }
  const pairs = columnPairs(synthetic);
  const realValues = dependences(real, pairs);
  const syntheticValues = dependences(synthetic, pairs);
  const order = rng.shuffle(Array.from({ length: real.rows.length }, (_, i) => i));
  const rowsPerHalf = Math.floor(order.length / 2);
  const halfA = dependences(real, pairs, order.slice(0, rowsPerHalf));
  const halfB = dependences(real, pairs, order.slice(rowsPerHalf, 2 * rowsPerHalf));

  const rows: PairDependence[] = pairs.map((p, i) => ({
    columns: [synthetic.schema.columns[p.a].name, synthetic.schema.columns[p.b].name],
    statistic: p.statistic,
    real: round4(realValues[i]),
    synthetic: round4(syntheticValues[i]),
    difference: round4(Math.abs(realValues[i] - syntheticValues[i])),
    halvesDifference: round4(Math.abs(halfA[i] - halfB[i])),
  }));
  rows.sort((x, y) => y.difference - x.difference);
  return {
    summary: {
      pairs: rows.length,
      ...summarise(pairs.map((_, i) => Math.abs(realValues[i] - syntheticValues[i]))),
      worstPairs: rows.slice(0, WORST_PAIRS).map((r) => r.columns.join(' × ')),
    },
    halvesBaseline: { ...summarise(pairs.map((_, i) => Math.abs(halfA[i] - halfB[i]))), rowsPerHalf },
    pairs: rows.slice(0, MAX_REPORTED_PAIRS),
    pairsOmitted: Math.max(0, rows.length - MAX_REPORTED_PAIRS),
  };
}
