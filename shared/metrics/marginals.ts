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
  /**
   * The two distributions the distance compares, bin by bin (categories, or the real values' decile bins), shares
   * rounded to 4 decimals: what the report's marginal histograms draw (cli/plots/marginalHistograms.ts).
   */
  bins: MarginalBin[];
}

export interface MarginalBin {
  /** A category's name, or a decile bin's range of real values, e.g. "(25, 32]". */
  bin: string;
  real: number;
  synthetic: number;
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

/** The bins' names for a numeric column: the ranges of real values between consecutive decile edges. */
export function decileBinLabels(edges: number[]): string[] {
  const fmt = (x: number) => String(Number(x.toPrecision(4)));
  if (edges.length === 0) return ['all'];
  return [`≤ ${fmt(edges[0])}`, ...edges.slice(1).map((e, i) => `(${fmt(edges[i])}, ${fmt(e)}]`), `> ${fmt(edges[edges.length - 1])}`];
}

// Four decimals keep report.json small (a census run: ~14 columns, ~100 bins) and are finer than any plot can show.
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function distance(column: string, type: MarginalDistance['type'], names: string[], synthetic: number[], real: number[]): MarginalDistance {
  const bins = names.map((bin, i) => ({ bin, real: round4(real[i]), synthetic: round4(synthetic[i]) }));
  return { column, type, totalVariation: totalVariation(synthetic, real), bins };
}

/** Distances over the synthetic table's columns; `real` is aligned to the synthetic schema first. */
export function marginalDistances(synthetic: Table, realTable: Table): MarginalDistance[] {
  const real = alignToSchema(realTable, synthetic.schema, 'real data');
  return synthetic.schema.columns.map((col, j) => {
    const s = synthetic.rows.map((r) => r[j]);
    const r = real.rows.map((row) => row[j]);
    if (col.type === 'categorical') {
      const k = col.categories?.length ?? 0;
      const names = Array.from({ length: k }, (_, i) => col.categories?.[i] ?? String(i));
      return distance(col.name, col.type, names, categoryShares(s, k), categoryShares(r, k));
    }
    const edges = decileEdges(r);
    return distance(col.name, col.type, decileBinLabels(edges), binShares(s, edges), binShares(r, edges));
  });
}
