/**
 * Joint fidelity (issue 21): the pairwise dependence statistics on hand-made columns with known answers, the
 * real-against-synthetic comparison with its halves baseline, the records' S–Y dependence with intervals, and the
 * detection AUC (chance for another draw of one distribution, near 1 for a shifted column).
 */
import { correlationRatio, cramersV, pearsonCorrelation } from '../shared/metrics/association';
import { dataParityGapComparison } from '../shared/metrics/dataParityGap';
import { jointFidelity, pairwiseDependence } from '../shared/metrics/jointFidelity';
import { detectionAuc } from '../shared/evaluation/detection';
import { jointFidelitySections } from '../cli/jointFidelity';
import { dropColumns } from '../shared/data/table';
import type { Table } from '../shared/data/table';
import { Rng } from '../shared/random';
import { initBackend } from '../shared/tf';

const SCHEMA: Table['schema'] = {
  columns: [
    { name: 'x', type: 'numeric' },
    { name: 'z', type: 'numeric' },
    { name: 'colour', type: 'categorical', categories: ['red', 'green', 'blue'] },
    { name: 'shade', type: 'categorical', categories: ['light', 'mid', 'dark'] },
  ],
};

/**
 * Records where z = x + small noise, shade = colour (but for `noise` of them) and x is larger for a later colour: every
 * pair strongly dependent. `shiftX` moves the x column (a marginal difference a detector should see).
 */
function dependentTable(n: number, seed: number, opts: { shiftX?: number; independent?: boolean } = {}): Table {
  const rng = new Rng(seed);
  const rows = Array.from({ length: n }, () => {
    const colour = rng.int(3);
    const x = colour + 0.5 * rng.normal() + (opts.shiftX ?? 0);
    const z = opts.independent ? rng.normal() : x + 0.1 * rng.normal();
    const shade = opts.independent ? rng.int(3) : rng.bernoulli(0.05) ? rng.int(3) : colour;
    return [x, z, colour, shade];
  });
  return { schema: SCHEMA, rows };
}

/** Cramér's V without the bias correction, √(χ² / (n · (min(k, m) − 1))), for comparison. */
function plainCramersV(a: number[], b: number[], k: number, m: number): number {
  const n = a.length;
  const cells = Array.from({ length: k }, () => new Array<number>(m).fill(0));
  a.forEach((u, i) => cells[u][b[i]]++);
  const rows = cells.map((r) => r.reduce((x, y) => x + y, 0));
  const cols = Array.from({ length: m }, (_, v) => cells.reduce((x, r) => x + r[v], 0));
  let chi2 = 0;
  for (let u = 0; u < k; u++) for (let v = 0; v < m; v++) chi2 += (cells[u][v] - (rows[u] * cols[v]) / n) ** 2 / ((rows[u] * cols[v]) / n);
  return Math.sqrt(chi2 / (n * (Math.min(k, m) - 1)));
}

describe('pairwise dependence statistics', () => {
  test('Pearson r: ±1 for exact linear relations, 0 for a constant column, about 0 for independent columns', () => {
    const x = [1, 2, 3, 4, 5];
    expect(pearsonCorrelation(x, x.map((v) => 3 * v - 2))).toBeCloseTo(1, 12);
    expect(pearsonCorrelation(x, x.map((v) => -v))).toBeCloseTo(-1, 12);
    expect(pearsonCorrelation(x, [7, 7, 7, 7, 7])).toBe(0);
    const rng = new Rng(1);
    const a = Array.from({ length: 20000 }, () => rng.normal());
    const b = Array.from({ length: 20000 }, () => rng.normal());
    expect(Math.abs(pearsonCorrelation(a, b))).toBeLessThan(0.03);
  });

  test("bias-corrected Cramér's V: 1 for a column and its copy, about 0 for independent columns with many categories", () => {
    const rng = new Rng(2);
    const a = Array.from({ length: 2000 }, () => rng.int(3));
    expect(cramersV(a, a, 3, 3)).toBeCloseTo(1, 12);
    // A relabelled copy (a bijection of the categories) is as dependent as the copy.
    expect(cramersV(a, a.map((v) => (v + 1) % 3), 3, 3)).toBeCloseTo(1, 12);
    // 10 × 10 categories on 1,000 records: the plain V of independent columns is about √(81/1000/9) ≈ 0.095; the
    // corrected one is 0 up to noise (its mean over draws well below the plain one's).
    const draws = Array.from({ length: 20 }, () => {
      const u = Array.from({ length: 1000 }, () => rng.int(10));
      const v = Array.from({ length: 1000 }, () => rng.int(10));
      return { corrected: cramersV(u, v, 10, 10), plain: plainCramersV(u, v, 10, 10) };
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(draws.map((d) => d.plain))).toBeGreaterThan(0.08);
    expect(mean(draws.map((d) => d.corrected))).toBeLessThan(0.03);
    // A hand-computed 2 × 2 table [[30, 10], [10, 30]], n = 80: χ² = 20, φ² = 0.25, φ̃² = 0.25 − 1/79, r̃ − 1 = 1 − 1/79.
    const s = [...Array(40).fill(0), ...Array(40).fill(1)];
    const y = [...Array(30).fill(0), ...Array(10).fill(1), ...Array(10).fill(0), ...Array(30).fill(1)];
    expect(cramersV(s, y, 2, 2)).toBeCloseTo(Math.sqrt((0.25 - 1 / 79) / (1 - 1 / 79)), 12);
    // Unused categories do not count as dimensions; one observed value is no dependence.
    expect(cramersV(a, a, 7, 5)).toBeCloseTo(1, 12);
    expect(cramersV(a, a.map(() => 0), 3, 3)).toBe(0);
  });

  test('correlation ratio η: 1 when the category fixes the value, about 0 when it says nothing, |r| for a binary category', () => {
    const rng = new Rng(3);
    const g = Array.from({ length: 3000 }, () => rng.int(4));
    expect(correlationRatio(g, g.map((c) => 10 * c * c), 4)).toBeCloseTo(1, 12);
    expect(correlationRatio(g, g.map(() => rng.normal()), 4)).toBeLessThan(0.06);
    expect(correlationRatio(g, g.map(() => 5), 4)).toBe(0);
    const b = g.map((c) => c % 2);
    const values = b.map((c) => c + rng.normal());
    expect(correlationRatio(b, values, 2)).toBeCloseTo(Math.abs(pearsonCorrelation(b, values)), 10);
  });

  test('each pair gets the statistic of its types', () => {
    const t = dependentTable(3000, 4);
    const d = pairwiseDependence(t);
    expect(Object.keys(d)).toEqual(['x × z', 'x × colour', 'x × shade', 'z × colour', 'z × shade', 'colour × shade']);
    expect(d['x × z']).toBeGreaterThan(0.95);
    expect(d['colour × shade']).toBeGreaterThan(0.9);
    expect(d['x × colour']).toBeGreaterThan(0.7);
  });
});

describe('jointFidelity: real against synthetic, beside real halves', () => {
  test('a copy of the real records differs by 0; independent columns lose every dependence, far above the halves baseline', () => {
    const real = dependentTable(4000, 5);
    const copy = jointFidelity(real, real, new Rng(6));
    expect(copy.summary.maxDifference).toBe(0);
    expect(copy.summary.pairs).toBe(6);
    expect(copy.pairs).toHaveLength(6);

    const independent = jointFidelity(dependentTable(4000, 7, { independent: true }), real, new Rng(6));
    const pair = independent.pairs.find((p) => p.columns.join() === 'colour,shade')!;
    expect(pair).toMatchObject({ statistic: 'cramersV' });
    expect(pair.real).toBeGreaterThan(0.9);
    expect(pair.synthetic).toBeLessThan(0.05);
    expect(independent.summary.worstPairs.slice(0, 2).sort()).toEqual(['colour × shade', 'x × z']);
    // The baseline: two halves of 2,000 real records, whose differences are sampling noise only.
    expect(independent.halvesBaseline.rowsPerHalf).toBe(2000);
    expect(independent.halvesBaseline.maxDifference).toBeGreaterThan(0);
    expect(independent.halvesBaseline.maxDifference).toBeLessThan(0.05);
    expect(independent.summary.maxDifference).toBeGreaterThan(10 * independent.halvesBaseline.maxDifference);
    for (const p of independent.pairs) expect(p.halvesDifference).toBeLessThan(0.05);
    // Another draw of the same distribution stays at the noise level.
    const redraw = jointFidelity(dependentTable(4000, 8), real, new Rng(6));
    expect(redraw.summary.maxDifference).toBeLessThan(0.05);
  });

  test('the real records are aligned to the synthetic schema by category value', () => {
    const real = dependentTable(500, 9);
    const reordered: Table = {
      schema: { columns: [SCHEMA.columns[3], SCHEMA.columns[0], SCHEMA.columns[1], { ...SCHEMA.columns[2], categories: ['blue', 'red', 'green'] }] },
      rows: real.rows.map(([x, z, colour, shade]) => [shade, x, z, (colour + 1) % 3]),
    };
    expect(jointFidelity(real, reordered, new Rng(1)).summary.maxDifference).toBe(0);
  });
});

describe('dataParityGapComparison: the S–Y dependence of the records, synthetic against real', () => {
  /** n records per group with the given share of y = 1 in each: s = 1 first. */
  const records = (n: number, p1: number, p0: number) => {
    const s = [...Array(n).fill(1), ...Array(n).fill(0)];
    const y = [...Array(n).fill(0).map((_, i) => (i < p1 * n ? 1 : 0)), ...Array(n).fill(0).map((_, i) => (i < p0 * n ? 1 : 0))];
    return { s, y };
  };

  test('exact signed gaps and their difference; a halved gap on 2 × 1,000 records has disjoint intervals', () => {
    const c = dataParityGapComparison(records(1000, 0.3, 0.2), records(1000, 0.6, 0.2), new Rng(1), { resamples: 400 });
    expect(c.synthetic.estimate).toBeCloseTo(0.1, 12);
    expect(c.real.estimate).toBeCloseTo(0.4, 12);
    expect(c.syntheticMinusReal.estimate).toBeCloseTo(-0.3, 12);
    expect(c.syntheticMinusReal.high).toBeLessThan(-0.2);
    expect(c.syntheticMinusReal.low).toBeGreaterThan(-0.4);
    expect(c.synthetic.low).toBeLessThan(0.1);
    expect(c.synthetic.high).toBeGreaterThan(0.1);
    expect(c.intervalsOverlap).toBe(false);
    expect(c).toMatchObject({ nSynthetic: 2000, nReal: 2000, skippedResamples: 0 });
  });

  test('the same records on both sides: overlapping intervals and a difference interval around 0', () => {
    const c = dataParityGapComparison(records(500, 0.5, 0.3), records(500, 0.5, 0.3), new Rng(2), { resamples: 400 });
    expect(c.syntheticMinusReal.estimate).toBe(0);
    expect(c.syntheticMinusReal.low).toBeLessThan(0);
    expect(c.syntheticMinusReal.high).toBeGreaterThan(0);
    expect(c.intervalsOverlap).toBe(true);
  });

  test('a reversed dependence is not faithful: the gap is signed', () => {
    const c = dataParityGapComparison(records(500, 0.2, 0.5), records(500, 0.5, 0.2), new Rng(3), { resamples: 200 });
    expect(c.synthetic.estimate).toBeCloseTo(-0.3, 12);
    expect(c.real.estimate).toBeCloseTo(0.3, 12);
  });
});

describe('detectionAuc: a classifier two-sample test', () => {
  beforeAll(async () => {
    await initBackend();
  });

  test('about 0.5 for another draw of the same distribution, near 1 when a column is shifted; deterministic from the seed', async () => {
    const real = dependentTable(1500, 10);
    const same = await detectionAuc(dependentTable(1500, 11), real, { seed: 1 });
    expect(same).toMatchObject({ recordsPerSide: 1500, trainPerSide: 1050, testPerSide: 450 });
    expect(Math.abs(same.auc.estimate - 0.5)).toBeLessThan(0.06);
    expect(same.auc.low).toBeLessThan(0.5 + 0.02);
    const shifted = await detectionAuc(dependentTable(1500, 11, { shiftX: 2 }), real, { seed: 1 });
    expect(shifted.auc.estimate).toBeGreaterThan(0.9);
    expect(shifted.auc.low).toBeGreaterThan(0.85);
    expect(await detectionAuc(dependentTable(1500, 11), real, { seed: 1 })).toEqual(same);
  });

  test('the marginals alone do not hide lost dependences: independent columns with the right marginals are detected', async () => {
    const real = dependentTable(1500, 12);
    // Each column drawn from its own real marginal (a column-wise shuffle): marginal TV ≈ 0, joint structure gone.
    const rng = new Rng(13);
    const columns = SCHEMA.columns.map((_, j) => rng.shuffle(real.rows.map((r) => r[j])));
    const shuffled: Table = { schema: SCHEMA, rows: real.rows.map((_, i) => columns.map((c) => c[i])) };
    const result = await detectionAuc(shuffled, dependentTable(1500, 14), { seed: 2, maxRecordsPerSide: 1000 });
    expect(result.recordsPerSide).toBe(1000);
    expect(result.auc.estimate).toBeGreaterThan(0.8);
  });
});

describe("the referee's three sections (cli/jointFidelity.ts)", () => {
  const task = { label: 'shade', positive: 'dark', sensitive: 'colour', privileged: 'blue' };
  beforeAll(async () => {
    await initBackend();
  });

  test('each beside its baseline; a hidden sensitive column is named; too few records leave them out', async () => {
    const real = dependentTable(600, 20);
    const sections = (await jointFidelitySections(dependentTable(400, 21), real, task, 5, () => {}))!;
    expect(sections.joint.halvesBaseline.rowsPerHalf).toBe(300);
    expect(sections.dependence).toMatchObject({ nSynthetic: 400, nReal: 600 });
    // shade follows colour: P(dark | blue) − P(dark | other) ≈ 0.95 + 0.05/3 − 0.05/3.
    expect((sections.dependence as { real: { estimate: number } }).real.estimate).toBeGreaterThan(0.85);
    expect(sections.detection).toMatchObject({ chance: 0.5, syntheticVsReal: { recordsPerSide: 400 }, realHalves: { recordsPerSide: 300 } });
    const hidden = (await jointFidelitySections(dropColumns(dependentTable(400, 21), ['colour']), dropColumns(real, ['colour']), task, 5, () => {}))!;
    expect(hidden.dependence).toEqual({ unavailable: expect.stringContaining('no column "colour"') });
    expect(await jointFidelitySections(dependentTable(9, 22), real, task, 5, () => {})).toBeNull();
  });
});
