/**
 * The property decoy (issue 16; docs/privacy.md): the training set resampled so that the share of the sensitive
 * attribute's privileged value (task.sensitive = task.privileged) is a chosen decoy p₀ instead of the owner's p.
 * Property inference (Luo et al. 2024 §3) estimates the share in what the generator was trained on, so a generator
 * that covers its training distribution hands the receiver p₀, not p.
 *
 * Only P(S) is meant to change. Records are drawn at random within each group, so P(X | S, Y) is unchanged in
 * expectation; with `keepLabelShares` the draw is stratified by (s, y) cell, so P(Y | S) stays the owner's to within
 * one record per group (the label's dependence on S, which the receiver's classifiers and their fairness learn, is
 * not what the decoy is about). P(Y) then moves with P(S), as it must when P(Y | S) is kept.
 */
import { binaryColumn, selectRows, type Table, type TaskSpec } from '../../../shared/data/table';
import { Rng } from '../../../shared/random';

export type DecoyMethod = 'subsample' | 'oversample';

export interface DecoyOptions {
  /** p₀: the share of the privileged value the training set should show, in (0, 1). */
  decoyShare: number;
  /**
   * subsample: drop records of the over-represented group (no duplicates; N shrinks). oversample: keep N, drawing the
   * under-represented group's extra records with replacement (duplicates).
   */
  method: DecoyMethod;
  /** Draw within (s, y) cells so that P(Y | S) is kept (else within each s group at random: kept in expectation). */
  keepLabelShares: boolean;
}

/** Counts of the four (s, y) cells: s = 1 is the privileged value, y = 1 the positive label. */
export interface CellCounts {
  s0y0: number;
  s0y1: number;
  s1y0: number;
  s1y1: number;
}

export interface DecoyReport {
  /** The sensitive column and the value whose share is set. */
  column: string;
  value: string;
  method: DecoyMethod;
  keepLabelShares: boolean;
  /** p: the share in the set handed to the decoy (the owner's, unless an earlier defence changed the set). */
  ownerShare: number;
  /** p₀, as configured. */
  decoyShare: number;
  /** The share in the decoy set: p₀ to within one record. */
  achievedShare: number;
  rowsBefore: number;
  rowsAfter: number;
  /** Owner records left out of the decoy set. */
  recordsDropped: number;
  /** Extra copies of owner records (oversample only; 0 for subsample). */
  duplicates: number;
  cellsBefore: CellCounts;
  cellsAfter: CellCounts;
  /** P(Y = positive | S), before and after: `privileged` for s = 1, `other` for s = 0. */
  positiveShareBefore: { privileged: number; other: number };
  positiveShareAfter: { privileged: number; other: number };
}

/** Thrown for a decoy that the data cannot give (a group with no record, a share that would keep none of a group). */
export class DecoyError extends Error {}

/**
 * The training set with the privileged share set to p₀ (to within one record), drawn deterministically from `seed`.
 * Rows keep the owner's order (duplicates next to their original), so the set does not depend on how the draw was
 * ordered. Works on any table whose sensitive and label columns are categorical (hidden ones included).
 */
export function propertyDecoy(table: Table, task: TaskSpec, options: DecoyOptions, seed: number): { table: Table; report: DecoyReport } {
  const { decoyShare, method, keepLabelShares } = options;
  if (!(decoyShare > 0 && decoyShare < 1)) throw new DecoyError(`decoyShare: expected a share strictly between 0 and 1, got ${decoyShare}`);
  const s = binaryColumn(table, task.sensitive, task.privileged);
  const y = binaryColumn(table, task.label, task.positive);
  // cells[s][y]: the indices of each (s, y) cell, in the owner's order.
  const cells: number[][][] = [
    [[], []],
    [[], []],
  ];
  for (let i = 0; i < s.length; i++) cells[s[i]][y[i]].push(i);
  const group = [cells[0][0].length + cells[0][1].length, cells[1][0].length + cells[1][1].length];
  const n = group[0] + group[1];
  const privileged = `${task.sensitive} = ${task.privileged}`;
  for (const g of [0, 1]) {
    if (group[g] === 0) {
      throw new DecoyError(`the training set has no record with ${g === 1 ? privileged : `${task.sensitive} ≠ ${task.privileged}`}: no share in (0, 1) can be reached by resampling`);
    }
  }
  const ownerShare = group[1] / n;
  const target = groupTargets(group, decoyShare, method);
  for (const g of [0, 1]) {
    if (target[g] < 1) {
      throw new DecoyError(
        `decoyShare: ${decoyShare} keeps no record with ${g === 1 ? privileged : `${task.sensitive} ≠ ${task.privileged}`} out of ${n} (${group[1]} with ${privileged}); expected a share nearer the owner's ${ownerShare.toFixed(3)}`,
      );
    }
  }

  const rng = new Rng(seed);
  const chosen: number[] = [];
  for (const g of [0, 1]) {
    if (keepLabelShares) {
      // P(Y | S = g) kept: the group's target split over its label cells in proportion to their sizes.
      const perCell = apportion(target[g], [cells[g][0].length, cells[g][1].length]);
      for (const l of [0, 1]) chosen.push(...draw(cells[g][l], perCell[l], rng));
    } else {
      chosen.push(...draw([...cells[g][0], ...cells[g][1]].sort((a, b) => a - b), target[g], rng));
    }
  }
  chosen.sort((a, b) => a - b);
  const out = selectRows(table, chosen);
  const unique = new Set(chosen).size;
  const after = cellCounts(chosen.map((i) => s[i]), chosen.map((i) => y[i]));
  const before = cellCounts(s, y);
  return {
    table: out,
    report: {
      column: task.sensitive,
      value: task.privileged,
      method,
      keepLabelShares,
      ownerShare,
      decoyShare,
      achievedShare: (after.s1y0 + after.s1y1) / chosen.length,
      rowsBefore: n,
      rowsAfter: chosen.length,
      recordsDropped: n - unique,
      duplicates: chosen.length - unique,
      cellsBefore: before,
      cellsAfter: after,
      positiveShareBefore: positiveShares(before),
      positiveShareAfter: positiveShares(after),
    },
  };
}

/**
 * Records to keep per group [s = 0, s = 1]. Subsample keeps all of the under-represented group and as many of the
 * other as make the share p₀ (rounded, so the share is p₀ to within one record; never more than the group has, since
 * p₀ is on the group's side of p). Oversample keeps N: round(p₀ N) privileged records, the rest of the other group.
 */
function groupTargets(group: number[], p0: number, method: DecoyMethod): [number, number] {
  const n = group[0] + group[1];
  if (method === 'oversample') {
    const t1 = Math.round(p0 * n);
    return [n - t1, t1];
  }
  if (p0 <= group[1] / n) return [group[0], Math.min(group[1], Math.round((p0 * group[0]) / (1 - p0)))];
  return [Math.min(group[0], Math.round((group[1] * (1 - p0)) / p0)), group[1]];
}

/** `total` split over parts in proportion to `sizes` (largest remainder: the parts sum to `total`, each within one of its share). */
export function apportion(total: number, sizes: number[]): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum === 0) return sizes.map(() => 0);
  const exact = sizes.map((m) => (total * m) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  // Ties go to the earlier part, so the split does not depend on anything but the sizes.
  const order = exact.map((x, k) => ({ k, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest || a.k - b.k);
  for (const { k } of order) {
    if (left === 0) break;
    out[k]++;
    left--;
  }
  return out;
}

/**
 * k of `indices`: without replacement when there are enough; otherwise every one of them once and the rest drawn
 * with replacement (every owner record is in the set at least once, so duplication is as low as k allows).
 */
function draw(indices: readonly number[], k: number, rng: Rng): number[] {
  if (k <= indices.length) return rng.sampleIndices(indices.length, k).map((j) => indices[j]);
  if (indices.length === 0) throw new DecoyError(`cannot draw ${k} records from an empty cell`);
  const out = [...indices];
  for (let extra = k - indices.length; extra > 0; extra--) out.push(indices[rng.int(indices.length)]);
  return out;
}

function cellCounts(s: ArrayLike<number>, y: ArrayLike<number>): CellCounts {
  const c: CellCounts = { s0y0: 0, s0y1: 0, s1y0: 0, s1y1: 0 };
  for (let i = 0; i < s.length; i++) c[`s${s[i]}y${y[i]}` as keyof CellCounts]++;
  return c;
}

function positiveShares(c: CellCounts): { privileged: number; other: number } {
  return { privileged: c.s1y1 / Math.max(1, c.s1y0 + c.s1y1), other: c.s0y1 / Math.max(1, c.s0y0 + c.s0y1) };
}
