/**
 * The standard normal CDF Φ and its inverse, for the quantile-normal encoding of numeric columns
 * (shared/data/encoder.ts). Small, standard approximations; accuracy is checked in test/math.normal.test.ts.
 */

/**
 * erfc(x) = t · exp(exponent) for x ≥ 0, with the Numerical Recipes Chebyshev fit (fractional error < 1.2e-7
 * everywhere): t and the exponent, so that callers can stay in log space far into the tail.
 */
function erfcChebyshev(x: number): { t: number; exponent: number } {
  const t = 1 / (1 + 0.5 * x);
  const exponent =
    -x * x -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return { t, exponent };
}

/** Φ(z) via the complementary error function (W. J. Cody's rational approximation through erfc, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  const { t, exponent } = erfcChebyshev(Math.abs(z) / Math.SQRT2);
  const erfc = t * Math.exp(exponent);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/**
 * log erfc(x), accurate (fractional error of erfc < 1.2e-7) where erfc itself underflows: the RDP accountant's
 * fractional orders need erfc of arguments in the tens (shared/privacy/rdpAccountant.ts).
 */
export function logErfc(x: number): number {
  if (x >= 0) {
    const { t, exponent } = erfcChebyshev(x);
    return Math.log(t) + exponent;
  }
  // erfc(x) = 2 − erfc(−x), and erfc(−x) ≤ 1 here, so no cancellation.
  const { t, exponent } = erfcChebyshev(-x);
  return Math.log(2 - t * Math.exp(exponent));
}

/** Φ⁻¹(p) for p in (0, 1): P. J. Acklam's rational approximation (relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
