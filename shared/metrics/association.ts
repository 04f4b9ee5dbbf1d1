/**
 * How strongly two columns of one table depend on each other, one statistic per pair of column types, each on a
 * scale where 0 is "no dependence" (the referee's joint fidelity compares them between real and synthetic records):
 * - numeric–numeric: Pearson's correlation r, in [−1, 1] (signed: a generator that flips a sign is caught);
 * - categorical–categorical: Cramér's V with Bergsma's bias correction (Bergsma 2013, "A bias-correction for Cramér's
 *   V and Tschuprow's T", J. Korean Stat. Soc. 42(3), eq. 3), in [0, 1]. The plain V of two independent columns with
 *   many categories is far from 0 on a few thousand records (E[χ²/n] ≈ (k−1)(r−1)/n); the corrected one is ≈ 0;
 * - numeric–categorical: the correlation ratio η = √(SS_between / SS_total) of the numeric column grouped by the
 *   category (Pearson 1903; Fisher's η), in [0, 1]: the share of the numeric column's spread the category explains.
 *   Chosen over V on decile-binned values because it needs no binning of the numeric column and reads as a
 *   correlation (η = |r| for a binary category).
 * A constant column (one observed value, or zero variance) is independent of every other column: its dependence is
 * 0, not undefined, so that a generator collapsing a column to one value reads as "lost every dependence".
 */

/** Pearson's r of two equally long numeric vectors; 0 if either is constant. */
export function pearsonCorrelation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkLengths('pearsonCorrelation', x, y);
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i];
    meanY += y[i];
  }
  meanX /= n;
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - meanX;
    const dy = y[i] - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0) return 0;
  // Rounding can push |r| of an exactly linear pair a hair above 1.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Bias-corrected Cramér's V of two category-code vectors (codes 0..k−1 and 0..m−1). Categories that no record
 * takes are left out of the table (they carry no χ² and would otherwise count as dimensions), as a crosstab does.
 */
export function cramersV(a: ArrayLike<number>, b: ArrayLike<number>, k: number, m: number): number {
  const n = checkLengths('cramersV', a, b);
  const cells = new Float64Array(k * m);
  for (let i = 0; i < n; i++) {
    const u = a[i];
    const v = b[i];
    if (!(u >= 0 && u < k && v >= 0 && v < m)) throw new Error(`cramersV: record ${i} has codes (${u}, ${v}), outside [0, ${k}) × [0, ${m})`);
    cells[u * m + v]++;
  }
  const rowSums = new Float64Array(k);
  const colSums = new Float64Array(m);
  for (let u = 0; u < k; u++) for (let v = 0; v < m; v++) {
    rowSums[u] += cells[u * m + v];
    colSums[v] += cells[u * m + v];
  }
  const rows = [...rowSums.keys()].filter((u) => rowSums[u] > 0);
  const cols = [...colSums.keys()].filter((v) => colSums[v] > 0);
  const r = rows.length;
  const c = cols.length;
  if (r < 2 || c < 2 || n < 2) return 0;
  let chi2 = 0;
  for (const u of rows) for (const v of cols) {
    const expected = (rowSums[u] * colSums[v]) / n;
    const d = cells[u * m + v] - expected;
    chi2 += (d * d) / expected;
  }
  // Bergsma (2013), eq. 3: φ̃² = max(0, φ² − (r−1)(c−1)/(n−1)), r̃ = r − (r−1)²/(n−1), c̃ likewise, Ṽ = √(φ̃² / min(r̃−1, c̃−1)).
  const phi2 = Math.max(0, chi2 / n - ((r - 1) * (c - 1)) / (n - 1));
  const rTilde = r - (r - 1) ** 2 / (n - 1);
  const cTilde = c - (c - 1) ** 2 / (n - 1);
  const denominator = Math.min(rTilde - 1, cTilde - 1);
  if (denominator <= 0) return 0;
  return Math.min(1, Math.sqrt(phi2 / denominator));
}

/** The correlation ratio η of a numeric vector grouped by category codes 0..k−1; 0 if the numeric column is constant. */
export function correlationRatio(categories: ArrayLike<number>, values: ArrayLike<number>, k: number): number {
  const n = checkLengths('correlationRatio', categories, values);
  const sums = new Float64Array(k);
  const counts = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const g = categories[i];
    if (!(g >= 0 && g < k)) throw new Error(`correlationRatio: record ${i} has category code ${g}, outside [0, ${k})`);
    sums[g] += values[i];
    counts[g]++;
    total += values[i];
  }
  const mean = total / n;
  let ssTotal = 0;
  for (let i = 0; i < n; i++) ssTotal += (values[i] - mean) ** 2;
  if (ssTotal <= 0) return 0;
  let ssBetween = 0;
  for (let g = 0; g < k; g++) if (counts[g] > 0) ssBetween += counts[g] * (sums[g] / counts[g] - mean) ** 2;
  return Math.min(1, Math.sqrt(ssBetween / ssTotal));
}

function checkLengths(where: string, x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`${where}: the two columns have ${x.length} and ${y.length} values; they must be one value per record`);
  if (x.length === 0) throw new Error(`${where}: no records`);
  return x.length;
}
