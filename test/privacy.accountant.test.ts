/**
 * The RDP accountant (shared/privacy/rdpAccountant.ts) against the values the reference implementations publish in
 * their own tests for the same (q, σ, steps, δ, orders): TF Privacy's rdp_accountant_test.py and
 * compute_dp_sgd_privacy_test.py (dp_accounting), and Opacus's accountants tests.
 */
import { composedRdp, dpSgdEpsilon, epsilonFromRdp, noiseMultiplierFor, subsampledGaussianRdp, DEFAULT_RDP_ORDERS } from '../shared/privacy/rdpAccountant';
import { logErfc, normalCdf } from '../shared/math/normal';

/** dp_accounting's default orders (the list compute_dp_sgd_privacy minimises over). */
const DP_ACCOUNTING_ORDERS = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...Array.from({ length: 59 }, (_, i) => i + 5), 128, 256, 512];
/** Opacus's default orders (DEFAULT_ALPHAS). */
const OPACUS_ORDERS = [...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10), ...Array.from({ length: 52 }, (_, i) => i + 12)];

describe('RDP of the Poisson-subsampled Gaussian mechanism', () => {
  test('no sampling and full sampling: 0, and α/(2σ²)', () => {
    expect(subsampledGaussianRdp(0, 10, 20)).toBe(0);
    expect(subsampledGaussianRdp(1, 10, 20)).toBeCloseTo(0.1, 15);
  });

  test('TF Privacy compute_rdp(0.1, 2, 10, 5) = 0.07737', () => {
    expect(Math.abs(composedRdp(0.1, 2, 10, [5])[0] - 0.07737)).toBeLessThan(5e-6);
  });

  test('TF Privacy compute_rdp(0.01, 2.5, 50, orders), fractional and integer orders', () => {
    const rdp = composedRdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100]);
    const expected = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307];
    rdp.forEach((r, i) => expect(Math.abs(r - expected[i])).toBeLessThan(1e-5));
    expect(subsampledGaussianRdp(0.01, 2.5, Infinity)).toBe(Infinity);
  });

  test('RDP composes linearly in the steps and falls as the noise grows', () => {
    const one = composedRdp(0.02, 1.1, 1, [2, 7.5, 32]);
    composedRdp(0.02, 1.1, 300, [2, 7.5, 32]).forEach((r, i) => expect(r).toBeCloseTo(300 * one[i], 10));
    const sigmas = [0.6, 0.8, 1, 1.5, 3];
    const eps = sigmas.map((s) => dpSgdEpsilon({ samplingRate: 0.01, noiseMultiplier: s, steps: 1000, delta: 1e-5 }).epsilon);
    for (let i = 1; i < eps.length; i++) expect(eps[i]).toBeLessThan(eps[i - 1]);
  });
});

describe('(ε, δ) from RDP', () => {
  test('TF Privacy: constant RDP 1.1 over orders 2…32 gives ε = 1.32783806176 at the largest order', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const { epsilon, order } = epsilonFromRdp(orders, orders.map(() => 1.1), 1e-5);
    expect(epsilon).toBeCloseTo(1.32783806176, 9);
    expect(order).toBe(32);
  });

  test('TF Privacy: the Gaussian mechanism with σ = 4.530877117 is exactly (1, 1e-6)-DP', () => {
    const orders = Array.from({ length: 99000 }, (_, i) => 0.001 * (i + 1000)).filter((a) => a > 1);
    const { epsilon } = epsilonFromRdp(orders, composedRdp(1, 4.530877117, 1, orders), 1e-6);
    expect(epsilon).toBeCloseTo(1, 6);
  });

  test.each([
    // compute_dp_sgd_privacy(n, batch, σ, epochs, δ) → ε, order (dp_accounting's orders; steps = ⌈epochs·n/batch⌉)
    [60000, 150, 1.3, 15, 1e-5, 0.7242234026109595, 19],
    [100000, 100, 1.0, 30, 1e-7, 1.4154988495444842, 13],
  ])('TF Privacy compute_dp_sgd_privacy(n=%d, batch=%d, σ=%d, epochs=%d, δ=%d) = %d at order %d', (n, batch, sigma, epochs, delta, expected, order) => {
    const t = dpSgdEpsilon({ samplingRate: batch / n, noiseMultiplier: sigma, steps: Math.ceil((epochs * n) / batch), delta, orders: DP_ACCOUNTING_ORDERS });
    expect(t.epsilon).toBeCloseTo(expected, 7);
    expect(t.order).toBe(order);
  });

  test('Opacus RDPAccountant: σ = 1.5, q = 0.04, 2,250 steps, δ = 1e-5 → ε = 7.32911117143', () => {
    const t = dpSgdEpsilon({ samplingRate: 0.04, noiseMultiplier: 1.5, steps: 2250, delta: 1e-5, orders: OPACUS_ORDERS });
    expect(t.epsilon).toBeCloseTo(7.32911117143, 7);
    // More orders can only tighten the bound.
    expect(dpSgdEpsilon({ samplingRate: 0.04, noiseMultiplier: 1.5, steps: 2250, delta: 1e-5 }).epsilon).toBeLessThanOrEqual(t.epsilon);
  });
});

describe('choosing the noise multiplier for a target ε', () => {
  test('Opacus get_noise_multiplier(ε = 8, δ = 1e-5, q = 0.04, 90 epochs) ≈ 1.416; ours is exact and never above the target', () => {
    const t = noiseMultiplierFor({ targetEpsilon: 8, samplingRate: 0.04, steps: 2250, delta: 1e-5, orders: OPACUS_ORDERS });
    // Opacus stops its bisection once ε is within 0.01 below the target, so its σ is at most that much noisier.
    expect(t.noiseMultiplier).toBeGreaterThan(1.40);
    expect(t.noiseMultiplier).toBeLessThanOrEqual(1.4161);
    expect(t.epsilon).toBeLessThanOrEqual(8);
    expect(t.epsilon).toBeGreaterThan(8 - 1e-6);
  });

  test('the transcript holds everything ε depends on', () => {
    const t = noiseMultiplierFor({ targetEpsilon: 3, samplingRate: 0.032, steps: 3000, delta: 1e-5 });
    expect(t).toMatchObject({ mechanism: 'poisson-subsampled-gaussian', samplingRate: 0.032, steps: 3000, delta: 1e-5 });
    expect(dpSgdEpsilon({ samplingRate: t.samplingRate, noiseMultiplier: t.noiseMultiplier, steps: t.steps, delta: t.delta }).epsilon).toBe(t.epsilon);
  });

  test('bad inputs name what was expected', () => {
    expect(() => subsampledGaussianRdp(1.5, 1, 2)).toThrow(/sampling rate q must be in \[0, 1\]/);
    expect(() => epsilonFromRdp([2], [0.1], 0)).toThrow(/δ must be in \(0, 1\)/);
    expect(() => noiseMultiplierFor({ targetEpsilon: 0, samplingRate: 0.1, steps: 10, delta: 1e-5 })).toThrow(/target ε must be > 0/);
  });
});

test('log erfc stays accurate far into the tail and agrees with Φ where erfc does not underflow', () => {
  for (const x of [-2, -0.5, 0, 0.3, 1, 2.5, 4]) {
    const erfc = 2 * (1 - normalCdf(x * Math.SQRT2));
    expect(Math.abs(logErfc(x) - Math.log(erfc))).toBeLessThan(1e-6);
  }
  // erfc(30) ≈ 2.56e-393 underflows a double; its logarithm does not (asymptotic series: −x² − log(x√π) − 1/(2x²) …).
  const x = 30;
  expect(Math.abs(logErfc(x) - (-x * x - Math.log(x * Math.sqrt(Math.PI)) - 1 / (2 * x * x)))).toBeLessThan(1e-5);
  expect(DEFAULT_RDP_ORDERS.length).toBeGreaterThan(150);
});
