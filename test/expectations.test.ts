/**
 * The referee's assertions (cli/expectations.ts) and the means over seeds (shared/metrics/overSeeds.ts,
 * cli/studies/acrossSeeds.ts): interval ends, margins over a baseline, the report-only verdict, t-intervals.
 */
import { checkExpectations, verdictOf } from '../cli/expectations';
import { acrossSeeds } from '../cli/studies/acrossSeeds';
import { meanOverSeeds } from '../shared/metrics/overSeeds';

const report = {
  membership: { trimmedVsMean: { loss: { difference: { estimate: 0.004, low: -0.001, high: 0.009 } } } },
  piaStudy: { byN: { '1000': { meanAttackError: 0.06, constantGuessError: 0.24 } } },
};

describe('expectations', () => {
  test('an interval-valued metric is read at its estimate, and .low / .high bound its ends', () => {
    const [estimate, low] = checkExpectations(report, [
      { metric: 'membership.trimmedVsMean.loss.difference', min: 0 },
      { metric: 'membership.trimmedVsMean.loss.difference.low', min: 0 },
    ]);
    // The point estimate passes, the interval's low end does not: the claim "trimmed ≥ mean" is not shown.
    expect(estimate).toMatchObject({ value: 0.004, passed: true });
    expect(low).toMatchObject({ value: -0.001, passed: false });
    expect(low.message).toBe('membership.trimmedVsMean.loss.difference.low = -0.001000 (expected ≥ 0)');
  });

  test('a baseline is subtracted first: a bound on the margin over it', () => {
    const [margin] = checkExpectations(report, [{ metric: 'piaStudy.byN.1000.constantGuessError', baseline: 'piaStudy.byN.1000.meanAttackError', min: 0.1 }]);
    expect(margin.value).toBeCloseTo(0.18, 12);
    expect(margin.passed).toBe(true);
    expect(margin.message).toMatch(/constantGuessError − piaStudy\.byN\.1000\.meanAttackError = 0\.1800 \(0\.2400 − 0\.06000\)/);
    const [missing] = checkExpectations(report, [{ metric: 'piaStudy.byN.1000.meanAttackError', baseline: 'piaStudy.byN.500.x', max: 1 }]);
    expect(missing).toMatchObject({ value: null, passed: false });
    expect(missing.message).toMatch(/^piaStudy\.byN\.500\.x: no numeric value/);
  });

  test('no expectation is a report-only run, not a pass', () => {
    expect(verdictOf([])).toBe('report-only');
    expect(verdictOf(checkExpectations(report, [{ metric: 'piaStudy.byN.1000.meanAttackError', max: 0.1 }]))).toBe('passed');
    expect(verdictOf(checkExpectations(report, [{ metric: 'piaStudy.byN.1000.meanAttackError', max: 0.01 }]))).toBe('failed');
  });
});

describe('means over seeds', () => {
  test('mean ± t(0.975, k − 1) · sd / √k, against a hand computation', () => {
    const m = meanOverSeeds([0.028, 0.026, 0.041]);
    const mean = (0.028 + 0.026 + 0.041) / 3;
    const sd = Math.sqrt(((0.028 - mean) ** 2 + (0.026 - mean) ** 2 + (0.041 - mean) ** 2) / 2);
    // t quantile for 2 degrees of freedom: 4.302653 (any statistics table).
    expect(m.estimate).toBeCloseTo(mean, 12);
    expect(m.sd).toBeCloseTo(sd, 12);
    expect(m.high - m.estimate).toBeCloseTo((4.302653 * sd) / Math.sqrt(3), 6);
    expect(m.estimate - m.low).toBeCloseTo(m.high - m.estimate, 12);
    expect(meanOverSeeds([1, 2, 3, 4, 5]).high - 3).toBeCloseTo((2.776445 * Math.sqrt(2.5)) / Math.sqrt(5), 5);
    expect(() => meanOverSeeds([0.1])).toThrow(/at least two/);
  });

  test('acrossSeeds mirrors a replicate: numbers and interval estimates become means; lists, text that differs and run facts stay out', () => {
    const replicate = (acc: number, loss: number) => ({
      scenario: { seed: 1 },
      sharer: { model: { trainSeconds: 3 } },
      fpa: {
        honestLabel: 'honest',
        rows: { 'poisoning=greedy-0.5': { alpha: 0.5, method: 'greedy-mi', note: `seed ${acc}`, cells: [[1]], logistic: { accuracy: { estimate: acc, low: 0, high: 1 }, accuracyLossVsHonest: loss } } },
      },
    });
    const summary = acrossSeeds([replicate(0.8, 0.03), replicate(0.7, 0.05), replicate(0.75, 0.04)]) as any;
    const row = summary.fpa.rows['poisoning=greedy-0.5'];
    expect(row.logistic.accuracy.estimate).toBeCloseTo(0.75, 12);
    expect(row.logistic.accuracy.values).toEqual([0.8, 0.7, 0.75]);
    expect(row.logistic.accuracyLossVsHonest.estimate).toBeCloseTo(0.04, 12);
    expect(row.alpha).toMatchObject({ estimate: 0.5, sd: 0 });
    expect(row.cells).toBeUndefined();
    // Text every replicate shares names what the numbers are (a row's method, the honest label); text that differs goes.
    expect(row.method).toBe('greedy-mi');
    expect(summary.fpa.honestLabel).toBe('honest');
    expect(row.note).toBeUndefined();
    expect(summary.sharer).toBeUndefined();
    expect(summary.scenario).toBeUndefined();
  });
});
