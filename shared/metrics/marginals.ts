/**
 * Did the model learn the data? Marginal total-variation distances between synthetic and real records, per shared
 * column: the referee's marginal fidelity, and Shake-to-Leak's utility guard. Categorical columns compare value
 * frequencies; numeric columns compare frequencies over decile bins of the real values (so the distance is scale-free
 * and a heavy tail cannot dominate it).
 */
import { alignToSchema } from '../data/align';
import type { Table } from '../data/table';

export interface MarginalDistance {
  column: string;
  type: 'numeric' | 'categorical';
  totalVariation: number;
}

export function totalVariation(p: number[], q: number[]): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += Math.abs(p[i] - q[i]);
  return sum / 2;
}

/** Upper bin edges from the real values' deciles; duplicate edges (point masses, e.g. capital gain 0) merge. */
export function decileEdges(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let q = 1; q < 10; q++) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((q * sorted.length) / 10))];
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}

function binShares(values: number[], edges: number[]): number[] {
  const counts = new Array(edges.length + 1).fill(0);
  for (const v of values) {
    let b = 0;
    while (b < edges.length && v > edges[b]) b++;
    counts[b]++;
  }
  return counts.map((c) => c / Math.max(1, values.length));
}

function categoryShares(values: number[], k: number): number[] {
  const counts = new Array(k).fill(0);
  for (const v of values) counts[v]++;
  return counts.map((c) => c / Math.max(1, values.length));
}

/** Distances over the synthetic table's columns; `real` is aligned to the synthetic schema first. */
export function marginalDistances(synthetic: Table, realTable: Table): MarginalDistance[] {
  const real = alignToSchema(realTable, synthetic.schema, 'real data');
  return synthetic.schema.columns.map((col, j) => {
    const s = synthetic.rows.map((r) => r[j]);
    const r = real.rows.map((row) => row[j]);
    if (col.type === 'categorical') {
      const k = col.categories?.length ?? 0;
      return { column: col.name, type: col.type, totalVariation: totalVariation(categoryShares(s, k), categoryShares(r, k)) };
    }
    const edges = decileEdges(r);
    return { column: col.name, type: col.type, totalVariation: totalVariation(binShares(s, edges), binShares(r, edges)) };
  });
}
