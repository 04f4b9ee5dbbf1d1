import { auc, downsampleRoc, membershipMetrics, pairedAucDifference, rocCurve, tprAtFpr } from '../shared/metrics';
import { Rng } from '../shared/random';

/** O(m·k) Mann–Whitney with ties counted ½: the definition, to check the fast sweep against. */
function bruteForceAuc(members: number[], nonMembers: number[]): number {
  let total = 0;
  for (const a of members) for (const b of nonMembers) total += a > b ? 1 : a === b ? 0.5 : 0;
  return total / (members.length * nonMembers.length);
}

/** Trapezoidal area under the ROC points. */
function trapezoid(points: { fpr: number; tpr: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  }
  return area;
}

describe('auc', () => {
  test('hand-computed without ties: [3,2,1] vs [2.5,0.5] → 4/6', () => {
    // Pairs won by the member: 3>2.5, 3>0.5, 2>0.5, 1>0.5; lost: 2<2.5, 1<2.5 → 4 of 6.
    expect(auc([3, 2, 1], [2.5, 0.5])).toBeCloseTo(4 / 6, 12);
  });

  test('hand-computed with ties: [2,1,1] vs [1,0] → 5/6', () => {
    // 2>1, 2>0, 1=1 (½), 1>0, 1=1 (½), 1>0 → 5 of 6.
    expect(auc([2, 1, 1], [1, 0])).toBeCloseTo(5 / 6, 12);
  });

  test('all scores equal → 0.5; perfect → 1; reversed → 0', () => {
    expect(auc([1, 1], [1, 1, 1])).toBe(0.5);
    expect(auc([5, 6], [1, 2, 3])).toBe(1);
    expect(auc([1, 2], [5, 6])).toBe(0);
  });

  test('matches brute force and the trapezoid area of the ROC on data with many ties', () => {
    const rng = new Rng(12);
    const members = Array.from({ length: 300 }, () => Math.round(rng.normal() * 2 + 0.7));
    const nonMembers = Array.from({ length: 200 }, () => Math.round(rng.normal() * 2));
    const expected = bruteForceAuc(members, nonMembers);
    expect(auc(members, nonMembers)).toBeCloseTo(expected, 12);
    expect(trapezoid(rocCurve(members, nonMembers))).toBeCloseTo(expected, 12);
  });

  test('±Infinity scores are ordered correctly', () => {
    expect(auc([Infinity, 0], [-Infinity, 0])).toBeCloseTo(bruteForceAuc([Infinity, 0], [-Infinity, 0]), 12);
    expect(auc([Infinity], [Infinity])).toBe(0.5);
  });

  test('rejects NaN scores and empty classes', () => {
    expect(() => auc([1, NaN], [0])).toThrow(/memberScores\[1\] is NaN/);
    expect(() => auc([1], [])).toThrow(/nonMemberScores is empty/);
  });
});

describe('rocCurve', () => {
  test('equal scores form one point (no point inside a tie)', () => {
    expect(rocCurve([2, 1, 1], [1, 0])).toEqual([
      { fpr: 0, tpr: 0, threshold: Infinity },
      { fpr: 0, tpr: 1 / 3, threshold: 2 },
      { fpr: 0.5, tpr: 1, threshold: 1 }, // the member/non-member tie at 1 moves both at once
      { fpr: 1, tpr: 1, threshold: 0 },
    ]);
  });

  test('is monotone and ends at (1, 1)', () => {
    const rng = new Rng(2);
    const pts = rocCurve(
      Array.from({ length: 100 }, () => rng.normal()),
      Array.from({ length: 80 }, () => rng.normal()),
    );
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i].fpr).toBeGreaterThanOrEqual(pts[i - 1].fpr);
      expect(pts[i].tpr).toBeGreaterThanOrEqual(pts[i - 1].tpr);
      expect(pts[i].threshold).toBeLessThan(pts[i - 1].threshold);
    }
    expect(pts[pts.length - 1]).toMatchObject({ fpr: 1, tpr: 1 });
  });
});

describe('tprAtFpr is conservative', () => {
  // Members [9, 8, 4, 3], non-members [4, 0, 0, 0, 0]. ROC points (fpr, tpr):
  //   ∞ (0, 0) · 9 (0, .25) · 8 (0, .5) · 4 (.2, .75) · 3 (.2, 1) · 0 (1, 1)
  // The tie at 4 means no threshold reaches FPR 0.1: the achievable points jump from FPR 0 to 0.2.
  const members = [9, 8, 4, 3];
  const nonMembers = [4, 0, 0, 0, 0];

  test('reads the lowest threshold with FPR ≤ x, never an interpolated point', () => {
    expect(tprAtFpr(members, nonMembers, 0.1)).toBe(0.5);
    // Linear interpolation between (0, .5) and (.2, .75) would claim 0.625 at FPR 0.1.
    const interpolated = 0.5 + ((0.1 - 0) / (0.2 - 0)) * (0.75 - 0.5);
    expect(interpolated).toBe(0.625);
    expect(tprAtFpr(members, nonMembers, 0.1)).not.toBe(interpolated);
  });

  test('boundary FPR is included (≤), zero FPR keeps zero-false-positive thresholds', () => {
    expect(tprAtFpr(members, nonMembers, 0.2)).toBe(1);
    expect(tprAtFpr(members, nonMembers, 0.19)).toBe(0.5);
    expect(tprAtFpr(members, nonMembers, 0)).toBe(0.5);
    expect(tprAtFpr(members, nonMembers, 1)).toBe(1);
  });

  test('0 when no threshold flags a member without exceeding the FPR', () => {
    expect(tprAtFpr([1, 0], [2, 2, 2], 0.1)).toBe(0);
  });

  test('rejects FPR outside [0, 1]', () => {
    expect(() => tprAtFpr(members, nonMembers, 1.5)).toThrow(/maxFpr/);
  });
});

describe('membershipMetrics', () => {
  test('hand-computed balanced accuracy and TPRs on the crafted example', () => {
    const m = membershipMetrics([9, 8, 4, 3], [4, 0, 0, 0, 0], new Rng(1), { resamples: 200 });
    // (tpr + 1 − fpr)/2 at the points: .625, .75, .775, .9, .5 → best .9 at threshold 3.
    expect(m.balancedAccuracy).toBeCloseTo(0.9, 12);
    expect(m.bestThreshold).toBe(3);
    expect(m.tprAt).toEqual({ '0.001': 0.5, '0.01': 0.5, '0.1': 0.5 });
    expect(m.auc.estimate).toBeCloseTo(bruteForceAuc([9, 8, 4, 3], [4, 0, 0, 0, 0]), 12);
    expect(m.nMembers).toBe(4);
    expect(m.nNonMembers).toBe(5);
    expect(m.minResolvableFpr).toBeCloseTo(0.2, 12);
  });

  const rng = new Rng(99);
  // Sizes and resample counts are kept small: jest runs code in a vm context where every global lookup
  // (Math.imul inside Rng) is ~30× slower than in plain node.
  const members = Float64Array.from({ length: 2000 }, () => rng.normal() + 0.5);
  const nonMembers = Float64Array.from({ length: 2000 }, () => rng.normal());

  test('agrees with auc/tprAtFpr, has a sensible interval and a ≤ 200-point curve', () => {
    const m = membershipMetrics(members, nonMembers, new Rng(5), { resamples: 300 });
    expect(m.auc.estimate).toBeCloseTo(auc(members, nonMembers), 12);
    // Population AUC for a 0.5 mean shift: Φ(0.5/√2) ≈ 0.638.
    expect(m.auc.low).toBeLessThan(0.638);
    expect(m.auc.high).toBeGreaterThan(0.638);
    expect(m.auc.high - m.auc.low).toBeLessThan(0.05);
    for (const level of ['0.001', '0.01', '0.1'] as const) {
      expect(m.tprAt[level]).toBe(tprAtFpr(members, nonMembers, Number(level)));
      expect(m.tprAtInterval[level].estimate).toBe(m.tprAt[level]);
      expect(m.tprAtInterval[level].low).toBeLessThanOrEqual(m.tprAt[level]);
      expect(m.tprAtInterval[level].high).toBeGreaterThanOrEqual(m.tprAt[level]);
    }
    expect(m.rocPoints.length).toBeLessThanOrEqual(200);
    expect(m.rocPoints[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(m.rocPoints[m.rocPoints.length - 1]).toMatchObject({ fpr: 1, tpr: 1 });
    const full = rocCurve(members, nonMembers);
    const fullByThreshold = new Map(full.map((p) => [p.threshold, p]));
    for (const p of m.rocPoints) expect(fullByThreshold.get(p.threshold)).toEqual(p); // real points only
    // The log-spaced picks keep the low-FPR region: some plotted point has 0 < FPR ≤ 0.01.
    expect(m.rocPoints.some((p) => p.fpr > 0 && p.fpr <= 0.01)).toBe(true);
  });

  test('deterministic given the seed', () => {
    const a = membershipMetrics(members, nonMembers, new Rng(3), { resamples: 50 });
    const b = membershipMetrics(members, nonMembers, new Rng(3), { resamples: 50 });
    expect(b).toEqual(a);
  });

  test('chance-level scores give an AUC interval around 0.5', () => {
    const r = new Rng(17);
    const m = membershipMetrics(
      Array.from({ length: 1000 }, () => r.next()),
      Array.from({ length: 1000 }, () => r.next()),
      new Rng(4),
      { resamples: 300 },
    );
    expect(m.auc.low).toBeLessThan(0.5);
    expect(m.auc.high).toBeGreaterThan(0.5);
  });
});

describe('downsampleRoc', () => {
  test('keeps short curves and caps long ones', () => {
    const pts = Array.from({ length: 1001 }, (_, i) => ({ fpr: i / 1000, tpr: Math.sqrt(i / 1000), threshold: -i }));
    expect(downsampleRoc(pts.slice(0, 10), 200)).toHaveLength(10);
    const down = downsampleRoc(pts, 50);
    expect(down.length).toBeLessThanOrEqual(50);
    expect(down[0]).toBe(pts[0]);
    expect(down[down.length - 1]).toBe(pts[1000]);
    expect(() => downsampleRoc(pts, 1)).toThrow(/maxPoints/);
  });
});

describe('pairedAucDifference', () => {
  /** Members ~ N(shift, 1), non-members ~ N(0, 1). */
  function normalScores(rng: Rng, n: number, shift: number): number[] {
    return Array.from({ length: n }, () => rng.normal() + shift);
  }

  test('the point estimate is AUC(A) − AUC(B), and the same scoring twice gives exactly [0, 0]', () => {
    const rng = new Rng(3);
    const a = { members: normalScores(rng, 40, 1), nonMembers: normalScores(rng, 200, 0) };
    const b = { members: normalScores(rng, 40, 0.5), nonMembers: normalScores(rng, 200, 0) };
    const d = pairedAucDifference(a, b, new Rng(1), { resamples: 300 });
    expect(d.aucA).toBeCloseTo(bruteForceAuc(a.members, a.nonMembers), 12);
    expect(d.aucB).toBeCloseTo(bruteForceAuc(b.members, b.nonMembers), 12);
    expect(d.difference.estimate).toBeCloseTo(d.aucA - d.aucB, 12);
    expect(d.difference.low).toBeLessThanOrEqual(d.difference.estimate);
    expect(d.difference.high).toBeGreaterThanOrEqual(d.difference.estimate);
    const same = pairedAucDifference(a, a, new Rng(1), { resamples: 300 });
    expect(same.difference).toEqual({ estimate: 0, low: 0, high: 0 });
  });

  test('pairing cancels the shared noise: a small sure gain gets an interval above 0 that separate intervals miss', () => {
    // B is A with a little extra noise on each record: A is better on these very records, by a small margin.
    const rng = new Rng(7);
    const aMembers = normalScores(rng, 100, 1);
    const aNon = normalScores(rng, 1000, 0);
    const blur = (x: number[]) => x.map((v) => v + 0.6 * rng.normal());
    const a = { members: aMembers, nonMembers: aNon };
    const b = { members: blur(aMembers), nonMembers: blur(aNon) };
    const d = pairedAucDifference(a, b, new Rng(2), { resamples: 500 });
    expect(d.difference.estimate).toBeGreaterThan(0);
    expect(d.difference.low).toBeGreaterThan(0);
    // The two unpaired intervals overlap, so they could not tell the order.
    const ma = membershipMetrics(a.members, a.nonMembers, new Rng(2), { resamples: 500 });
    const mb = membershipMetrics(b.members, b.nonMembers, new Rng(2), { resamples: 500 });
    expect(mb.auc.high).toBeGreaterThan(ma.auc.low);
  });

  test('refuses scorings of different record sets', () => {
    expect(() => pairedAucDifference({ members: [1, 2], nonMembers: [0] }, { members: [1], nonMembers: [0] }, new Rng(1))).toThrow(
      /same records.*2\/1 and 1\/1/,
    );
  });
});
