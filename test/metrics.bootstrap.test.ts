import { bootstrapInterval, bootstrapIntervals, hoeffdingRadius, quantileSorted, unionBoundRadius } from '../shared/metrics';
import { Rng } from '../shared/random';

function bernoulliSample(n: number, p: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => (rng.bernoulli(p) ? 1 : 0));
}

function meanOf(values: ArrayLike<number>): (indices: Int32Array) => number {
  return (indices) => {
    let total = 0;
    for (let k = 0; k < indices.length; k++) total += values[indices[k]];
    return total / indices.length;
  };
}

describe('bootstrapInterval', () => {
  test('estimate is the statistic on all records and lies inside the interval', () => {
    const x = bernoulliSample(300, 0.3, 1);
    const fullMean = meanOf(x)(Int32Array.from({ length: 300 }, (_, i) => i));
    const r = bootstrapInterval(300, meanOf(x), { rng: new Rng(2) });
    expect(r.estimate).toBe(fullMean);
    expect(r.low).toBeLessThan(r.estimate);
    expect(r.high).toBeGreaterThan(r.estimate);
    expect(r.resamples).toBe(1000);
    expect(r.skipped).toBe(0);
    expect(r.confidence).toBe(0.95);
  });

  test('width matches the normal approximation 2·1.96·sqrt(p(1−p)/n) and narrows with n', () => {
    const widths = [100, 1600].map((n) => {
      const x = bernoulliSample(n, 0.3, 5);
      const r = bootstrapInterval(n, meanOf(x), { rng: new Rng(6), resamples: 600 });
      const p = r.estimate;
      const expected = 2 * 1.96 * Math.sqrt((p * (1 - p)) / n);
      expect((r.high - r.low) / expected).toBeGreaterThan(0.85);
      expect((r.high - r.low) / expected).toBeLessThan(1.15);
      return r.high - r.low;
    });
    // 16× the records → about 4× narrower.
    expect(widths[1]).toBeLessThan(widths[0] / 3);
  });

  test('a lower confidence gives a narrower interval', () => {
    const x = bernoulliSample(200, 0.5, 9);
    const wide = bootstrapInterval(200, meanOf(x), { rng: new Rng(1), resamples: 500, confidence: 0.99 });
    const narrow = bootstrapInterval(200, meanOf(x), { rng: new Rng(1), resamples: 500, confidence: 0.5 });
    expect(narrow.high - narrow.low).toBeLessThan((wide.high - wide.low) / 2);
  });

  test('deterministic with a seed, different with another', () => {
    const x = bernoulliSample(200, 0.4, 3);
    const a = bootstrapInterval(200, meanOf(x), { rng: new Rng(42), resamples: 300 });
    const b = bootstrapInterval(200, meanOf(x), { rng: new Rng(42), resamples: 300 });
    const c = bootstrapInterval(200, meanOf(x), { rng: new Rng(43), resamples: 300 });
    expect(b).toEqual(a);
    expect([c.low, c.high]).not.toEqual([a.low, a.high]);
  });

  test('NaN statistics on degenerate resamples are skipped and counted', () => {
    // NaN whenever record 0 is drawn: P = 1 − (2/3)³ ≈ 0.704 per resample.
    const r = bootstrapInterval(3, (idx) => (idx.includes(0) ? NaN : 1), { rng: new Rng(4), resamples: 2000 });
    expect(r.skipped + r.resamples).toBe(2000);
    expect(r.skipped / 2000).toBeGreaterThan(0.66);
    expect(r.skipped / 2000).toBeLessThan(0.75);
    expect(r.low).toBe(1);
    expect(r.high).toBe(1);
  });

  test('an always-NaN statistic gives a NaN interval, not 0', () => {
    const r = bootstrapInterval(5, () => NaN, { rng: new Rng(1), resamples: 50 });
    expect(r.estimate).toBeNaN();
    expect(r.low).toBeNaN();
    expect(r.high).toBeNaN();
    expect(r.skipped).toBe(50);
  });

  test('stratified resampling keeps the stratum sizes', () => {
    const strata = Uint8Array.from({ length: 50 }, (_, i) => (i < 7 ? 1 : 0));
    const countStratum1 = (idx: Int32Array) => idx.filter((i) => strata[i] === 1).length;
    const stratified = bootstrapInterval(50, countStratum1, { rng: new Rng(1), resamples: 200, strata });
    expect([stratified.low, stratified.estimate, stratified.high]).toEqual([7, 7, 7]);
    const plain = bootstrapInterval(50, countStratum1, { rng: new Rng(1), resamples: 200 });
    expect(plain.high - plain.low).toBeGreaterThan(2);
  });

  test('bootstrapIntervals uses the same resamples for every statistic', () => {
    const x = bernoulliSample(100, 0.5, 8);
    const r = bootstrapIntervals(100, (idx) => ({ mean: meanOf(x)(idx), twice: 2 * meanOf(x)(idx) }), {
      rng: new Rng(3),
      resamples: 300,
    });
    expect(r.twice.low).toBeCloseTo(2 * r.mean.low, 12);
    expect(r.twice.high).toBeCloseTo(2 * r.mean.high, 12);
  });

  test('rejects bad arguments', () => {
    expect(() => bootstrapInterval(0, () => 0, { rng: new Rng(1) })).toThrow(/n must be a positive integer/);
    expect(() => bootstrapInterval(5, () => 0, { rng: new Rng(1), confidence: 1 })).toThrow(/confidence/);
    expect(() => bootstrapInterval(5, () => 0, { rng: new Rng(1), resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapInterval(5, () => 0, { rng: new Rng(1), strata: [0, 1] })).toThrow(/strata/);
  });
});

describe('quantileSorted (type 7)', () => {
  test('interpolates between order statistics', () => {
    const v = [1, 2, 3, 4];
    expect(quantileSorted(v, 0)).toBe(1);
    expect(quantileSorted(v, 1)).toBe(4);
    expect(quantileSorted(v, 0.5)).toBe(2.5);
    expect(quantileSorted(v, 0.25)).toBeCloseTo(1.75, 12);
  });
});

describe('Hoeffding radii', () => {
  test('hand-computed values', () => {
    expect(hoeffdingRadius(100, 0.05)).toBeCloseTo(Math.sqrt(Math.log(40) / 200), 12); // ≈ 0.1358
    expect(hoeffdingRadius(100, 0.05)).toBeCloseTo(0.13581, 4);
    expect(unionBoundRadius(100, 0.05, 1)).toBe(hoeffdingRadius(100, 0.05));
    expect(unionBoundRadius(100, 0.05, 10)).toBeCloseTo(Math.sqrt(Math.log(400) / 200), 12);
    expect(unionBoundRadius(100, 0.05, 10)).toBeGreaterThan(hoeffdingRadius(100, 0.05));
    expect(hoeffdingRadius(400, 0.05)).toBeCloseTo(hoeffdingRadius(100, 0.05) / 2, 12);
  });

  test('rejects bad arguments', () => {
    expect(() => hoeffdingRadius(0, 0.05)).toThrow(/n must be/);
    expect(() => hoeffdingRadius(10, 0)).toThrow(/eta/);
    expect(() => unionBoundRadius(10, 0.1, 0)).toThrow(/k must be/);
  });
});
