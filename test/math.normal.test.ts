import { normalCdf, normalQuantile } from '../shared/math/normal';

test('Φ matches reference values', () => {
  // Reference values of the standard normal CDF (to 7 places).
  const table: Array<[number, number]> = [[0, 0.5], [1, 0.8413447], [-1, 0.1586553], [1.96, 0.9750021], [-2.5758293, 0.005], [3, 0.9986501]];
  for (const [z, p] of table) expect(normalCdf(z)).toBeCloseTo(p, 6);
});

test('Φ⁻¹ inverts Φ across the range, including the tails', () => {
  for (const p of [1e-6, 0.001, 0.02, 0.024, 0.025, 0.2, 0.5, 0.77, 0.975, 0.98, 0.999, 1 - 1e-6]) {
    expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
  }
  expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
  expect(() => normalQuantile(0)).toThrow(/\(0, 1\)/);
  expect(() => normalQuantile(1)).toThrow();
});
