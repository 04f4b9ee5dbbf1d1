/**
 * Hoeffding bounds for a mean of n i.i.d. variables in [0, 1] (Hoeffding 1963, Thm. 2):
 * P(|mean − E[mean]| ≥ r) ≤ 2·exp(−2 n r²), so with probability ≥ 1 − η the error is below
 * r = sqrt(ln(2/η) / (2n)). Used by property inference to say how many samples pin down a proportion.
 */

function checkArgs(fn: string, n: number, eta: number): void {
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${fn}: n must be a positive sample count, got ${n}`);
  if (!(eta > 0 && eta < 1)) throw new Error(`${fn}: eta (failure probability) must be in (0, 1), got ${eta}`);
}

/** sqrt(ln(2/η) / (2n)): two-sided radius that holds with probability ≥ 1 − η for one mean. */
export function hoeffdingRadius(n: number, eta: number): number {
  checkArgs('hoeffdingRadius', n, eta);
  return Math.sqrt(Math.log(2 / eta) / (2 * n));
}

/**
 * sqrt(ln(2k/η) / (2n)): radius that holds simultaneously for k means with probability ≥ 1 − η
 * (Hoeffding per mean at η/k, then a union bound).
 */
export function unionBoundRadius(n: number, eta: number, k: number): number {
  checkArgs('unionBoundRadius', n, eta);
  if (!Number.isInteger(k) || k < 1) throw new Error(`unionBoundRadius: k must be a positive integer, got ${k}`);
  return Math.sqrt(Math.log((2 * k) / eta) / (2 * n));
}
