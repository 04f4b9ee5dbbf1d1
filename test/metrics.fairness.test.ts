import {
  accuracy,
  compareClassifiers,
  demographicParityGap,
  equalizedOddsGap,
  evaluateClassifier,
  fairnessSummary,
  perGroupAccuracy,
  positiveRateByGroup,
} from '../shared/metrics';
import { Rng } from '../shared/random';

/*
 * Ten records, computed by hand:
 *   s = 0 (records 0–4): y = 1 1 0 0 0, ŷ = 1 0 0 1 0 → TP 1, FN 1, FP 1, TN 2
 *     accuracy 3/5, P(ŷ=1) 2/5, TPR 1/2, FPR 1/3
 *   s = 1 (records 5–9): y = 1 1 1 0 0, ŷ = 1 1 0 1 1 → TP 2, FN 1, FP 2, TN 0
 *     accuracy 2/5, P(ŷ=1) 4/5, TPR 2/3, FPR 1
 *   overall accuracy 5/10; DP gap |4/5 − 2/5| = 2/5;
 *   EO gap max(|2/3 − 1/2|, |1 − 1/3|) = max(1/6, 2/3) = 2/3 (the FPR term wins)
 */
const yTrue = Uint8Array.from([1, 1, 0, 0, 0, 1, 1, 1, 0, 0]);
const yPred = Uint8Array.from([1, 0, 0, 1, 0, 1, 1, 0, 1, 1]);
const s = Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);

describe('fairness metrics on a hand-computed example', () => {
  test('accuracy and per-group accuracy', () => {
    expect(accuracy(yTrue, yPred)).toBeCloseTo(0.5, 12);
    const g = perGroupAccuracy(yTrue, yPred, s);
    expect(g.s0).toBeCloseTo(3 / 5, 12);
    expect(g.s1).toBeCloseTo(2 / 5, 12);
  });

  test('positive rates and demographic parity gap', () => {
    const rates = positiveRateByGroup(yPred, s);
    expect(rates.s0).toBeCloseTo(2 / 5, 12);
    expect(rates.s1).toBeCloseTo(4 / 5, 12);
    expect(demographicParityGap(yPred, s)).toBeCloseTo(2 / 5, 12);
  });

  test('equalized odds gap takes the larger of the TPR and FPR differences', () => {
    expect(equalizedOddsGap(yTrue, yPred, s)).toBeCloseTo(2 / 3, 12);
    // Predict record 9 (s=1, y=0) as 0 and record 7 (s=1, y=1) as 1: s=1 now has TP 3, FN 0, FP 1, TN 1, so
    // TPR_s1 = 1, FPR_s1 = 1/2 and the gap is max(|1 − 1/2|, |1/2 − 1/3|) = max(1/2, 1/6) = 1/2 (TPR term).
    const pred2 = Uint8Array.from(yPred);
    pred2[9] = 0;
    pred2[7] = 1;
    expect(equalizedOddsGap(yTrue, pred2, s)).toBeCloseTo(1 / 2, 12);
    const summary = fairnessSummary(yTrue, pred2, s);
    expect(summary.tprS1).toBe(1);
    expect(summary.fprS1).toBeCloseTo(1 / 2, 12);
  });

  test('number[] inputs give the same answers as Uint8Array', () => {
    expect(demographicParityGap(Array.from(yPred), Array.from(s))).toBeCloseTo(2 / 5, 12);
    expect(equalizedOddsGap(Array.from(yTrue), Array.from(yPred), Array.from(s))).toBeCloseTo(2 / 3, 12);
  });
});

describe('undefined metrics are NaN, never 0', () => {
  test('an empty group makes its accuracy, its positive rate and both gaps NaN', () => {
    const allZero = new Uint8Array(10);
    const g = perGroupAccuracy(yTrue, yPred, allZero);
    expect(g.s0).toBeCloseTo(0.5, 12);
    expect(g.s1).toBeNaN();
    expect(demographicParityGap(yPred, allZero)).toBeNaN();
    expect(equalizedOddsGap(yTrue, yPred, allZero)).toBeNaN();
  });

  test('a group without positives makes the EO gap NaN but leaves the DP gap defined', () => {
    const y = Uint8Array.from([1, 0, 1, 0, 0, 0]);
    const p = Uint8Array.from([1, 0, 0, 1, 0, 0]);
    const g = Uint8Array.from([0, 0, 0, 1, 1, 1]); // group 1 has no y = 1: TPR_s1 undefined
    expect(equalizedOddsGap(y, p, g)).toBeNaN();
    expect(demographicParityGap(p, g)).toBeCloseTo(Math.abs(1 / 3 - 1 / 3), 12);
  });

  test('accuracy of zero records is NaN', () => {
    expect(accuracy(new Uint8Array(0), new Uint8Array(0))).toBeNaN();
  });
});

describe('input errors', () => {
  test('length mismatch names the vectors and their lengths', () => {
    expect(() => accuracy(yTrue, yPred.subarray(0, 9))).toThrow(/length mismatch.*yTrue=10.*yPred=9/);
    expect(() => equalizedOddsGap(yTrue, yPred, s.subarray(0, 3))).toThrow(/length mismatch/);
  });

  test('non-binary values are rejected', () => {
    expect(() => demographicParityGap([0, 1, 2], [0, 1, 1])).toThrow(/yPred\[2\] is 2/);
  });
});

describe('evaluateClassifier', () => {
  test('estimates are the hand-computed values and every interval contains its estimate', () => {
    const report = evaluateClassifier(yTrue, yPred, s, new Rng(1), { resamples: 500 });
    expect(report.n).toBe(10);
    expect(report.nS0).toBe(5);
    expect(report.nS1).toBe(5);
    expect(report.accuracy.estimate).toBeCloseTo(0.5, 12);
    expect(report.dpGap.estimate).toBeCloseTo(0.4, 12);
    expect(report.eoGap.estimate).toBeCloseTo(2 / 3, 12);
    expect(report.accuracyS0.estimate).toBeCloseTo(0.6, 12);
    expect(report.accuracyS1.estimate).toBeCloseTo(0.4, 12);
    expect(report.positiveRateS0.estimate).toBeCloseTo(0.4, 12);
    expect(report.positiveRateS1.estimate).toBeCloseTo(0.8, 12);
    for (const key of ['accuracy', 'dpGap', 'accuracyS0', 'accuracyS1', 'positiveRateS0', 'positiveRateS1'] as const) {
      const interval = report[key];
      expect(interval.low).toBeLessThanOrEqual(interval.estimate);
      expect(interval.high).toBeGreaterThanOrEqual(interval.estimate);
      expect(interval.low).toBeLessThan(interval.high); // 10 records: the intervals are wide, not points
    }
    // With 10 records many resamples lack positives or negatives in a group: the EO gap is skipped there.
    expect(report.bootstrap.skipped.eoGap).toBeGreaterThan(0);
    expect(report.bootstrap.skipped.accuracy).toBe(0);
  });

  test('deterministic given the rng seed, and different for another seed', () => {
    const a = evaluateClassifier(yTrue, yPred, s, new Rng(7), { resamples: 200 });
    const b = evaluateClassifier(yTrue, yPred, s, new Rng(7), { resamples: 200 });
    const c = evaluateClassifier(yTrue, yPred, s, new Rng(8), { resamples: 200 });
    expect(b).toEqual(a);
    expect(c.dpGap).not.toEqual(a.dpGap);
  });

  test('intervals narrow with more records and cover the population value', () => {
    // Predictor with known group positive rates 0.3 (s=0) and 0.5 (s=1): DP gap 0.2.
    const rng = new Rng(3);
    const make = (n: number) => {
      const yt = new Uint8Array(n);
      const yp = new Uint8Array(n);
      const g = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        g[i] = rng.bernoulli(0.5) ? 1 : 0;
        yt[i] = rng.bernoulli(0.4) ? 1 : 0;
        yp[i] = rng.bernoulli(g[i] === 1 ? 0.5 : 0.3) ? 1 : 0;
      }
      return evaluateClassifier(yt, yp, g, new Rng(11), { resamples: 300 });
    };
    const small = make(400);
    const large = make(4000);
    const width = (r: ReturnType<typeof make>) => r.dpGap.high - r.dpGap.low;
    // 10× the records → about √10 ≈ 3.2× narrower.
    expect(width(large)).toBeLessThan(width(small) / 2.5);
    expect(large.dpGap.low).toBeLessThan(0.2);
    expect(large.dpGap.high).toBeGreaterThan(0.2);
  });

  test('rejects an empty test set', () => {
    expect(() => evaluateClassifier([], [], [], new Rng(1))).toThrow(/empty/);
  });
});

describe('compareClassifiers: paired differences on the same test records', () => {
  // 400 records; B agrees with A except on 48 records where A is right and B wrong.
  const n = 400;
  const yTrue = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
  const s = Uint8Array.from({ length: n }, (_, i) => i % 2);
  const predA = Uint8Array.from(yTrue, (y, i) => (i % 5 === 0 ? 1 - y : y));
  const predB = Uint8Array.from(predA, (p, i) => (i % 5 !== 0 && i < 60 ? 1 - p : p));

  test('the estimate is the difference of the two metrics on the full set', () => {
    const d = compareClassifiers(yTrue, s, predA, predB, new Rng(1));
    const a = evaluateClassifier(yTrue, predA, s, new Rng(2));
    const b = evaluateClassifier(yTrue, predB, s, new Rng(3));
    expect(d.accuracy.estimate).toBeCloseTo(a.accuracy.estimate - b.accuracy.estimate, 12);
    expect(d.dpGap.estimate).toBeCloseTo(a.dpGap.estimate - b.dpGap.estimate, 12);
    expect(d.accuracy.estimate).toBeCloseTo(48 / n, 12);
  });

  test('pairing cancels the shared noise: the interval is narrower than the two separate ones, and excludes 0', () => {
    const d = compareClassifiers(yTrue, s, predA, predB, new Rng(1));
    const a = evaluateClassifier(yTrue, predA, s, new Rng(2));
    expect(d.accuracy.low).toBeGreaterThan(0);
    expect(d.accuracy.high - d.accuracy.low).toBeLessThan(a.accuracy.high - a.accuracy.low);
    // A classifier against itself differs by exactly 0 on every resample.
    expect(compareClassifiers(yTrue, s, predA, predA, new Rng(1)).accuracy).toEqual({ estimate: 0, low: 0, high: 0 });
    expect(() => compareClassifiers(yTrue, s, predA, predB.slice(1), new Rng(1))).toThrow();
  });
});
