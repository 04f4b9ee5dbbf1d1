/**
 * The empirical ε lower bound of a membership score (shared/metrics/empiricalEpsilon.ts): Clopper–Pearson ends, the
 * bound perfect separation proves at these sample sizes, no proof from no signal, and never more than the ε of a
 * mechanism that is exactly ε-DP (randomized response), while coming close to it.
 */
import { Rng } from '../shared/random';
import { clopperPearson, empiricalEpsilonLowerBound } from '../shared/metrics/empiricalEpsilon';

test('Clopper–Pearson ends at the edges have closed forms', () => {
  expect(clopperPearson(300, 300).low).toBeCloseTo(0.05 ** (1 / 300), 10);
  expect(clopperPearson(0, 1000).high).toBeCloseTo(1 - 0.05 ** (1 / 1000), 10);
  const mid = clopperPearson(50, 100);
  expect(mid.low).toBeLessThan(0.5);
  expect(mid.high).toBeGreaterThan(0.5);
  expect(() => clopperPearson(5, 3)).toThrow(/expected 0 ≤ k ≤ n/);
});

test('perfect separation of 300 members from 1,000 non-members proves ε = log((TPR_low − δ)/FPR_high) ≈ 5.11', () => {
  const members = Array.from({ length: 300 }, (_, i) => 1 + i);
  const nonMembers = Array.from({ length: 1000 }, (_, i) => -i);
  const { epsilon, threshold } = empiricalEpsilonLowerBound(members, nonMembers, 1e-5);
  // Each proportion's end at 97.5% (the two hold together at 95%).
  expect(epsilon).toBeCloseTo(Math.log((0.025 ** (1 / 300) - 1e-5) / (1 - 0.025 ** (1 / 1000))), 10);
  expect(threshold).toBe(1);
});

test('scores that carry no signal prove almost nothing', () => {
  const rng = new Rng(3);
  const { epsilon } = empiricalEpsilonLowerBound(Array.from({ length: 300 }, () => rng.next()), Array.from({ length: 1000 }, () => rng.next()));
  expect(epsilon).toBeLessThan(0.5);
});

test('randomized response at ε = 1 (exactly 1-DP): the bound stays below 1 at its confidence, and comes close to it', () => {
  const p = Math.E / (1 + Math.E);
  const bounds = Array.from({ length: 40 }, (_, k) => {
    const rng = new Rng(k + 1);
    const bit = (q: number) => (rng.next() < q ? 1 : 0);
    return empiricalEpsilonLowerBound(Array.from({ length: 3000 }, () => bit(p)), Array.from({ length: 3000 }, () => bit(1 - p))).epsilon;
  });
  // A 95% bound may exceed the truth in 5% of the runs: at most 2 of 40 (here: none), and never by much.
  expect(bounds.filter((e) => e > 1).length).toBeLessThanOrEqual(2);
  expect(Math.max(...bounds)).toBeLessThan(1.05);
  expect(Math.min(...bounds)).toBeGreaterThan(0.8);
});
