/**
 * The RDP accountant of DP-SGD (issue 16; docs/privacy.md): Rényi differential privacy of the Poisson-subsampled
 * Gaussian mechanism, composed over the training steps, and its conversion to (ε, δ). The sharer runs it to choose
 * its noise multiplier for a target ε and reports the transcript; the referee puts that ε beside what the attacks
 * measure. The reference implementations (TF Privacy's dp_accounting, Opacus) give the same numbers; the tests hold
 * their published values.
 *
 * - One step of the mechanism, sampling rate q and noise multiplier σ (noise std / clipping norm), at order α:
 *   RDP(α) = log A_α / (α − 1), A_α = E_{z∼μ0}[(μ(z)/μ0(z))^α] with μ0 = N(0, σ²), μ = (1 − q)·μ0 + q·N(1, σ²)
 *   (Mironov, Talwar & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism", §3.3):
 *   for integer α the binomial expansion Σ_k C(α,k) q^k (1−q)^(α−k) exp((k² − k)/(2σ²)) (their eq. for integer α);
 *   for fractional α the two-sided series split at z0 = σ² log(1/q − 1) + 1/2, each term weighted by erfc.
 *   q = 1 is the plain Gaussian mechanism, RDP(α) = α/(2σ²).
 * - Composition over T steps: RDP adds, so T · RDP(α).
 * - Conversion: ε(δ) = min_α [RDP(α) + log(1 − 1/α) − log(δ·α)/(α − 1)] (Canonne, Kamath & Steinke 2020,
 *   Proposition 12; Asoodeh et al. 2020), which is tighter than the original RDP(α) − log δ/(α − 1); ε = 0 when even
 *   the KL bound δ ≥ sqrt(1 − exp(−RDP)) holds.
 */

import { logErfc } from '../math/normal';

/**
 * The orders the accountant minimises over: the union of Opacus's default (1.1 … 10.9 by 0.1, then 12 … 63) and
 * dp_accounting's (1.25 … 4.5, 5 … 63, 128, 256, 512). More orders can only lower ε.
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = [
  ...new Set([
    ...Array.from({ length: 99 }, (_, i) => Math.round((1 + (i + 1) / 10) * 10) / 10),
    1.25,
    1.75,
    2.25,
    ...Array.from({ length: 59 }, (_, i) => i + 5),
    128,
    256,
    512,
  ]),
].sort((a, b) => a - b);

/** log(e^a + e^b) without overflow. */
function logAdd(a: number, b: number): number {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  if (lo === -Infinity) return hi;
  return Math.log1p(Math.exp(lo - hi)) + hi;
}

/** log(e^a − e^b) for a ≥ b. */
function logSub(a: number, b: number): number {
  if (a < b) throw new Error('rdpAccountant: a negative difference in log space (the series did not converge)');
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  return Math.log(Math.expm1(a - b)) + b;
}

/** log A_α for integer α ≥ 2, 0 < q < 1: the binomial expansion. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0; // log C(α, 0)
  for (let k = 0; k <= alpha; k++) {
    if (k > 0) logBinom += Math.log(alpha - k + 1) - Math.log(k);
    const term = logBinom + k * Math.log(q) + (alpha - k) * Math.log1p(-q) + (k * k - k) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA;
}

/** log A_α for fractional α > 1, 0 < q < 1: the two series split at z0, summed until their terms are below e^−30. */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let binom = 1; // C(α, i), a real number whose sign alternates once i > α
  for (let i = 0; ; i++) {
    if (i > 0) binom *= (alpha - i + 1) / i;
    const logCoef = Math.log(Math.abs(binom));
    const j = alpha - i;
    const logT0 = logCoef + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logCoef + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (binom > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}

/** RDP at order α of ONE step of the Poisson-subsampled Gaussian mechanism (rate q, noise multiplier σ). */
export function subsampledGaussianRdp(q: number, sigma: number, alpha: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`rdpAccountant: the sampling rate q must be in [0, 1] (got ${q})`);
  if (!(sigma >= 0)) throw new Error(`rdpAccountant: the noise multiplier must be ≥ 0 (got ${sigma})`);
  if (!(alpha > 1)) throw new Error(`rdpAccountant: an RDP order must be > 1 (got ${alpha})`);
  if (q === 0) return 0;
  if (sigma === 0 || alpha === Infinity) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP of `steps` compositions of the mechanism, at each order. */
export function composedRdp(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): number[] {
  if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`rdpAccountant: steps must be an integer ≥ 0 (got ${steps})`);
  return orders.map((alpha) => steps * subsampledGaussianRdp(q, sigma, alpha));
}

/** ε at δ from RDP values at their orders, and the order that attains it (Canonne, Kamath & Steinke 2020, Prop. 12). */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number): { epsilon: number; order: number } {
  if (orders.length !== rdp.length || orders.length === 0) throw new Error('rdpAccountant: expected one RDP value per order');
  if (!(delta > 0 && delta < 1)) throw new Error(`rdpAccountant: δ must be in (0, 1) (got ${delta})`);
  let best = { epsilon: Infinity, order: orders[0] };
  orders.forEach((alpha, i) => {
    const r = rdp[i];
    if (r < 0) throw new Error(`rdpAccountant: RDP cannot be negative (got ${r} at order ${alpha})`);
    let epsilon: number;
    // δ ≥ sqrt(1 − e^−RDP): the KL bound alone gives ε = 0.
    if (delta * delta + Math.expm1(-r) > 0) epsilon = 0;
    // The bound is numerically unstable as α → 1, and useless there anyway.
    else if (alpha > 1.01) epsilon = r + Math.log1p(-1 / alpha) - Math.log(delta * alpha) / (alpha - 1);
    else epsilon = Infinity;
    if (epsilon < best.epsilon) best = { epsilon, order: alpha };
  });
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/** What the sharer reports of its DP training (its ground truth and the report's): everything ε depends on. */
export interface DpTranscript {
  mechanism: 'poisson-subsampled-gaussian';
  /** Poisson sampling rate q = expected batch / N. */
  samplingRate: number;
  /** σ: the noise standard deviation over the clipping norm. */
  noiseMultiplier: number;
  steps: number;
  delta: number;
  epsilon: number;
  /** The RDP order that attains ε. */
  order: number;
  accountant: string;
}

/** ε of T steps at rate q and noise multiplier σ, with its transcript. */
export function dpSgdEpsilon(params: { samplingRate: number; noiseMultiplier: number; steps: number; delta: number; orders?: readonly number[] }): DpTranscript {
  const orders = params.orders ?? DEFAULT_RDP_ORDERS;
  const { epsilon, order } = epsilonFromRdp(orders, composedRdp(params.samplingRate, params.noiseMultiplier, params.steps, orders), params.delta);
  return {
    mechanism: 'poisson-subsampled-gaussian',
    samplingRate: params.samplingRate,
    noiseMultiplier: params.noiseMultiplier,
    steps: params.steps,
    delta: params.delta,
    epsilon,
    order,
    accountant: 'RDP (Mironov et al. 2019), ε from Canonne et al. 2020 Prop. 12',
  };
}

/**
 * The smallest noise multiplier σ whose ε over T steps at rate q is at most `targetEpsilon` (to a relative 1e-9 in
 * σ): ε decreases in σ, so a doubling search brackets it and bisection narrows the bracket. Returns the upper end,
 * so the target is never exceeded.
 */
export function noiseMultiplierFor(params: { targetEpsilon: number; samplingRate: number; steps: number; delta: number; orders?: readonly number[] }): DpTranscript {
  if (!(params.targetEpsilon > 0)) throw new Error(`rdpAccountant: the target ε must be > 0 (got ${params.targetEpsilon})`);
  const at = (sigma: number) => dpSgdEpsilon({ ...params, noiseMultiplier: sigma });
  let high = 1;
  let atHigh = at(high);
  for (let i = 0; atHigh.epsilon > params.targetEpsilon; i++) {
    if (i > 60) throw new Error(`rdpAccountant: no noise multiplier up to ${high} reaches ε = ${params.targetEpsilon}`);
    high *= 2;
    atHigh = at(high);
  }
  let low = high / 2;
  if (high === 1) low = 0;
  while (high - low > 1e-9 * high) {
    const mid = (low + high) / 2;
    const atMid = at(mid);
    if (atMid.epsilon <= params.targetEpsilon) {
      high = mid;
      atHigh = atMid;
    } else {
      low = mid;
    }
  }
  return atHigh;
}
