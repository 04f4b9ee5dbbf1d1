/**
 * Plug-in (maximum-likelihood) mutual information of two discrete variables, in bits:
 *   I(S;Y) = H(S) + H(Y) − H(S,Y),   with the empirical frequencies of a k × m contingency table.
 * This is what NPEET's `ee.midd(S, Y)` computes, the estimator the FPA reference code uses for I(S;Y)
 * (docs/fpa.md, papers/fpa-pia.md §2.2).
 *
 * Written with counts instead of frequencies (n = total, r_i row sums, c_j column sums, n_ij cells):
 *   I = [ Σ n_ij ln n_ij − Σ r_i ln r_i − Σ c_j ln c_j + n ln n ] / (n ln 2)
 * so adding one record changes four "n ln n" terms and the MI after the addition costs O(1)
 * (`IncrementalDiscreteMi`), which the greedy sampler evaluates for every (s, y) cell at every step.
 */

const { log, LN2 } = Math;

/** x ln x with 0 ln 0 = 0. */
function xLogX(x: number): number {
  return x > 0 ? x * log(x) : 0;
}

function checkCount(where: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${where}: counts must be finite and ≥ 0, got ${value}`);
}

/**
 * I(S;Y) in bits from a contingency table counts[s][y] (k × m, rows of equal length, non-negative counts; they
 * need not be integers). An empty table (all zeros) has MI 0.
 */
export function discreteMutualInformationBits(counts: ReadonlyArray<ReadonlyArray<number>>): number {
  if (counts.length === 0) throw new Error('discreteMutualInformationBits: the table has no rows');
  const m = counts[0].length;
  if (m === 0) throw new Error('discreteMutualInformationBits: the table has no columns');
  const colSums = new Float64Array(m);
  let joint = 0;
  let rows = 0;
  let n = 0;
  counts.forEach((row, i) => {
    if (row.length !== m) throw new Error(`discreteMutualInformationBits: row ${i} has ${row.length} columns, row 0 has ${m}`);
    let r = 0;
    for (let j = 0; j < m; j++) {
      checkCount(`discreteMutualInformationBits: cell (${i}, ${j})`, row[j]);
      r += row[j];
      colSums[j] += row[j];
      joint += xLogX(row[j]);
    }
    rows += xLogX(r);
    n += r;
  });
  if (n === 0) return 0;
  let cols = 0;
  for (let j = 0; j < m; j++) cols += xLogX(colSums[j]);
  // Clamp the rounding residue of an (exactly) independent table to 0: MI is never negative.
  return Math.max(0, (joint - rows - cols + xLogX(n)) / (n * LN2));
}

/** k × m contingency table of two label vectors (values 0..k−1 and 0..m−1), optionally on a subset of indices. */
export function contingencyTable(s: ArrayLike<number>, y: ArrayLike<number>, indices?: ArrayLike<number>, k = 2, m = 2): number[][] {
  if (s.length !== y.length) throw new Error(`contingencyTable: s has ${s.length} values, y has ${y.length}`);
  const table = Array.from({ length: k }, () => new Array<number>(m).fill(0));
  const count = indices ? indices.length : s.length;
  for (let t = 0; t < count; t++) {
    const i = indices ? indices[t] : t;
    const a = s[i];
    const b = y[i];
    if (!(Number.isInteger(a) && a >= 0 && a < k && Number.isInteger(b) && b >= 0 && b < m)) {
      throw new Error(`contingencyTable: record ${i} has (s, y) = (${a}, ${b}), outside [0, ${k}) × [0, ${m})`);
    }
    table[a][b]++;
  }
  return table;
}

/** Plug-in I(S;Y) in bits of two label vectors (binary by default), optionally on a subset of indices. */
export function mutualInformationBits(s: ArrayLike<number>, y: ArrayLike<number>, indices?: ArrayLike<number>, k = 2, m = 2): number {
  return discreteMutualInformationBits(contingencyTable(s, y, indices, k, m));
}

/**
 * Demographic-parity gap of the labels themselves, |P(y=1 | s=1) − P(y=1 | s=0)|, on a subset: how unfair a
 * training set is before any classifier (NaN when a group is empty, as in fairness.ts).
 */
export function labelParityGap(s: ArrayLike<number>, y: ArrayLike<number>, indices?: ArrayLike<number>): number {
  const t = contingencyTable(s, y, indices);
  const p1 = t[1][1] / (t[1][0] + t[1][1]);
  const p0 = t[0][1] / (t[0][0] + t[0][1]);
  return Math.abs(p1 - p0);
}

/**
 * Counts of a k × m table that give the plug-in MI after adding one record in O(1): `gain(s, y)` without
 * changing the counts, `add(s, y)` with. Sums of n ln n terms are kept, so no pass over the table is needed.
 */
export class IncrementalDiscreteMi {
  readonly k: number;
  readonly m: number;
  private readonly cells: Float64Array;
  private readonly rowSums: Float64Array;
  private readonly colSums: Float64Array;
  private n = 0;
  /** Σ n_ij ln n_ij, Σ r_i ln r_i, Σ c_j ln c_j. */
  private jointTerm = 0;
  private rowTerm = 0;
  private colTerm = 0;

  constructor(k = 2, m = 2) {
    if (!(Number.isInteger(k) && k >= 1 && Number.isInteger(m) && m >= 1)) {
      throw new Error(`IncrementalDiscreteMi: table shape must be positive integers, got ${k} × ${m}`);
    }
    this.k = k;
    this.m = m;
    this.cells = new Float64Array(k * m);
    this.rowSums = new Float64Array(k);
    this.colSums = new Float64Array(m);
  }

  /** A counter holding the records of `indices` (or all records). */
  static fromLabels(s: ArrayLike<number>, y: ArrayLike<number>, indices?: ArrayLike<number>, k = 2, m = 2): IncrementalDiscreteMi {
    const mi = new IncrementalDiscreteMi(k, m);
    const table = contingencyTable(s, y, indices, k, m);
    for (let a = 0; a < k; a++) for (let b = 0; b < m; b++) mi.addMany(a, b, table[a][b]);
    return mi;
  }

  get size(): number {
    return this.n;
  }

  count(s: number, y: number): number {
    this.check(s, y);
    return this.cells[s * this.m + y];
  }

  /** The current table as counts[s][y]. */
  table(): number[][] {
    return Array.from({ length: this.k }, (_, a) => Array.from(this.cells.subarray(a * this.m, (a + 1) * this.m)));
  }

  /** Plug-in MI of the current counts, in bits. */
  value(): number {
    return this.n === 0 ? 0 : Math.max(0, (this.jointTerm - this.rowTerm - this.colTerm + xLogX(this.n)) / (this.n * LN2));
  }

  /** MI in bits after adding one record of cell (s, y); the counts are not changed. */
  valueWith(s: number, y: number): number {
    this.check(s, y);
    const c = this.cells[s * this.m + y];
    const r = this.rowSums[s];
    const col = this.colSums[y];
    const joint = this.jointTerm - xLogX(c) + xLogX(c + 1);
    const rows = this.rowTerm - xLogX(r) + xLogX(r + 1);
    const cols = this.colTerm - xLogX(col) + xLogX(col + 1);
    const n = this.n + 1;
    return Math.max(0, (joint - rows - cols + xLogX(n)) / (n * LN2));
  }

  /** valueWith(s, y) − value(): the step-4a gain of Algorithm 1. */
  gain(s: number, y: number): number {
    return this.valueWith(s, y) - this.value();
  }

  add(s: number, y: number): void {
    this.addMany(s, y, 1);
  }

  /** Adds `times` records of cell (s, y) (times ≥ 0). */
  addMany(s: number, y: number, times: number): void {
    this.check(s, y);
    if (!(Number.isInteger(times) && times >= 0)) throw new Error(`IncrementalDiscreteMi.addMany: times must be an integer ≥ 0, got ${times}`);
    if (times === 0) return;
    const at = s * this.m + y;
    const c = this.cells[at];
    const r = this.rowSums[s];
    const col = this.colSums[y];
    this.jointTerm += xLogX(c + times) - xLogX(c);
    this.rowTerm += xLogX(r + times) - xLogX(r);
    this.colTerm += xLogX(col + times) - xLogX(col);
    this.cells[at] = c + times;
    this.rowSums[s] = r + times;
    this.colSums[y] = col + times;
    this.n += times;
  }

  private check(s: number, y: number): void {
    if (!(Number.isInteger(s) && s >= 0 && s < this.k && Number.isInteger(y) && y >= 0 && y < this.m)) {
      throw new Error(`IncrementalDiscreteMi: cell (${s}, ${y}) is outside the ${this.k} × ${this.m} table`);
    }
  }
}
