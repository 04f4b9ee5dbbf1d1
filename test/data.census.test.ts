import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { CENSUS_TASK, generateCensus } from '../shared/data/census';
import { TableEncoder } from '../shared/data/encoder';
import { binaryColumn, columnIndex, Table } from '../shared/data/table';

function column(table: Table, name: string): number[] {
  const j = columnIndex(table.schema, name);
  return table.rows.map((r) => r[j]);
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** P(Y = 1 | S = 1) − P(Y = 1 | S = 0). */
function incomeGapBySex(table: Table): number {
  const s = binaryColumn(table, 'sex', 'Male');
  const y = binaryColumn(table, 'income', '>50K');
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < s.length; i++) counts[s[i] * 2 + y[i]]++;
  return counts[3] / (counts[2] + counts[3]) - counts[1] / (counts[0] + counts[1]);
}

/** Plain logistic regression by full-batch gradient descent: enough to show Y is learnable, not a benchmark. */
function logisticAccuracy(xTrain: Float32Array, yTrain: Uint8Array, xTest: Float32Array, yTest: Uint8Array, width: number): number {
  const w = new Float64Array(width + 1);
  const nTrain = yTrain.length;
  for (let step = 0; step < 200; step++) {
    const grad = new Float64Array(width + 1);
    for (let i = 0; i < nTrain; i++) {
      let z = w[width];
      for (let j = 0; j < width; j++) z += w[j] * xTrain[i * width + j];
      const err = 1 / (1 + Math.exp(-z)) - yTrain[i];
      for (let j = 0; j < width; j++) grad[j] += err * xTrain[i * width + j];
      grad[width] += err;
    }
    for (let j = 0; j <= width; j++) w[j] -= (1.0 * grad[j]) / nTrain;
  }
  let correct = 0;
  for (let i = 0; i < yTest.length; i++) {
    let z = w[width];
    for (let j = 0; j < width; j++) z += w[j] * xTest[i * width + j];
    if ((z > 0 ? 1 : 0) === yTest[i]) correct++;
  }
  return correct / yTest.length;
}

describe('generateCensus', () => {
  it('has the documented columns, types and categories', () => {
    const t = generateCensus({ rows: 10, seed: 1 });
    expect(t.schema.columns.map((c) => [c.name, c.type])).toEqual([
      ['age', 'numeric'],
      ['hours_per_week', 'numeric'],
      ['capital_gain', 'numeric'],
      ['education_years', 'numeric'],
      ['workclass', 'categorical'],
      ['occupation', 'categorical'],
      ['marital_status', 'categorical'],
      ['sex', 'categorical'],
      ['income', 'categorical'],
    ]);
    const categories = Object.fromEntries(t.schema.columns.map((c) => [c.name, c.categories]));
    expect(categories.sex).toEqual(['Female', 'Male']);
    expect(categories.income).toEqual(['<=50K', '>50K']);
    expect(categories.workclass!.length).toBeGreaterThanOrEqual(4);
    expect(categories.workclass!.length).toBeLessThanOrEqual(5);
    expect(categories.occupation!.length).toBeGreaterThanOrEqual(6);
    expect(categories.occupation!.length).toBeLessThanOrEqual(8);
    expect(categories.marital_status!.length).toBeGreaterThanOrEqual(3);
    expect(categories.marital_status!.length).toBeLessThanOrEqual(4);
    expect(CENSUS_TASK).toEqual({ label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' });
  });

  it('is deterministic in the seed', () => {
    const a = generateCensus({ rows: 2000, seed: 42 });
    const b = generateCensus({ rows: 2000, seed: 42 });
    const c = generateCensus({ rows: 2000, seed: 43 });
    expect(b).toEqual(a);
    expect(c.rows).not.toEqual(a.rows);
  });

  it('produces values in range: integer ages/hours/years, valid codes, a mostly-zero heavy-tailed capital_gain', () => {
    const t = generateCensus({ rows: 20000, seed: 7 });
    const age = column(t, 'age');
    const hours = column(t, 'hours_per_week');
    const years = column(t, 'education_years');
    const gain = column(t, 'capital_gain');
    for (const [values, lo, hi] of [
      [age, 17, 90],
      [hours, 1, 99],
      [years, 1, 16],
      [gain, 0, 99999],
    ] as const) {
      expect(values.every((v) => Number.isInteger(v) && v >= lo && v <= hi)).toBe(true);
    }
    expect(mean(age)).toBeGreaterThan(33);
    expect(mean(age)).toBeLessThan(45);
    const zeroShare = gain.filter((g) => g === 0).length / gain.length;
    expect(zeroShare).toBeGreaterThan(0.85);
    expect(zeroShare).toBeLessThan(0.99);
    expect(Math.max(...gain)).toBeGreaterThan(20000);
    t.schema.columns.forEach((c, j) => {
      if (c.type !== 'categorical') return;
      const used = new Set(t.rows.map((r) => r[j]));
      expect([...used].every((v) => Number.isInteger(v) && v >= 0 && v < c.categories!.length)).toBe(true);
      expect(used.size).toBe(c.categories!.length); // every category occurs in 20k rows
    });
  });

  it('has a base rate of >50K between 25% and 35% and P(Male) = pSensitive', () => {
    const t = generateCensus({ rows: 30000, seed: 3 });
    const baseRate = mean(binaryColumn(t, 'income', '>50K'));
    expect(baseRate).toBeGreaterThan(0.25);
    expect(baseRate).toBeLessThan(0.35);
    expect(mean(binaryColumn(t, 'sex', 'Male'))).toBeCloseTo(0.5, 1);
    const skewed = generateCensus({ rows: 30000, seed: 3, pSensitive: 0.8 });
    expect(Math.abs(mean(binaryColumn(skewed, 'sex', 'Male')) - 0.8)).toBeLessThan(0.01);
  });

  it('makes income independent of sex at dependence 0 and clearly dependent at 0.6', () => {
    const independent = generateCensus({ rows: 60000, seed: 11, dependence: 0 });
    const moderate = generateCensus({ rows: 60000, seed: 11, dependence: 0.3 });
    const strong = generateCensus({ rows: 60000, seed: 11, dependence: 0.6 });
    const corr = (t: Table) => pearson(binaryColumn(t, 'sex', 'Male'), binaryColumn(t, 'income', '>50K'));
    // Standard error of a correlation (and of the gap) at n = 60k is about 0.004.
    expect(Math.abs(corr(independent))).toBeLessThan(0.02);
    expect(Math.abs(incomeGapBySex(independent))).toBeLessThan(0.02);
    expect(corr(strong)).toBeGreaterThan(0.15);
    expect(incomeGapBySex(strong)).toBeGreaterThan(0.15);
    expect(incomeGapBySex(moderate)).toBeGreaterThan(0.05);
    expect(incomeGapBySex(moderate)).toBeLessThan(incomeGapBySex(strong));
  });

  it('leaves sex partly inferable from the other columns even at dependence 0 (occupation segregation)', () => {
    const t = generateCensus({ rows: 40000, seed: 5, dependence: 0 });
    const s = binaryColumn(t, 'sex', 'Male');
    const occupation = column(t, 'occupation');
    // Majority vote of sex per occupation, scored on the same rows: far above the 50% chance level.
    const males = new Map<number, number>();
    const totals = new Map<number, number>();
    occupation.forEach((o, i) => {
      males.set(o, (males.get(o) ?? 0) + s[i]);
      totals.set(o, (totals.get(o) ?? 0) + 1);
    });
    let correct = 0;
    occupation.forEach((o, i) => {
      const guess = males.get(o)! * 2 > totals.get(o)! ? 1 : 0;
      if (guess === s[i]) correct++;
    });
    expect(correct / t.rows.length).toBeGreaterThan(0.65);
  });

  it('makes income learnable to about 80% accuracy, but not perfectly', () => {
    const train = generateCensus({ rows: 12000, seed: 21 });
    const test = generateCensus({ rows: 8000, seed: 22 });
    const encoder = TableEncoder.fit(train, { exclude: ['income', 'sex'] });
    const accuracy = logisticAccuracy(
      encoder.encode(train),
      binaryColumn(train, 'income', '>50K'),
      encoder.encode(test),
      binaryColumn(test, 'income', '>50K'),
      encoder.width,
    );
    const majority = 1 - mean(binaryColumn(test, 'income', '>50K'));
    expect(accuracy).toBeGreaterThan(0.77);
    expect(accuracy).toBeLessThan(0.9);
    expect(accuracy).toBeGreaterThan(majority + 0.05);
  });

  it('generates 100k rows in well under a second (timed in plain node)', () => {
    // Jest runs modules in a vm sandbox where every global lookup (Math.*) is several times slower, so timing
    // here would measure Jest. Instead transpile the three modules and time them in a child node process.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'census-perf-'));
    try {
      for (const source of ['shared/random.ts', 'shared/data/table.ts', 'shared/data/census.ts']) {
        const text = fs.readFileSync(path.join(__dirname, '..', source), 'utf8');
        const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
        const out = path.join(dir, source.replace(/\.ts$/, '.js'));
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, js.outputText);
      }
      const script =
        `const { generateCensus } = require(${JSON.stringify(path.join(dir, 'shared/data/census.js'))});` +
        'generateCensus({ rows: 1000, seed: 0 });' +
        'const t0 = process.hrtime.bigint(); const t = generateCensus({ rows: 100000, seed: 0 });' +
        'console.log(JSON.stringify({ rows: t.rows.length, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));';
      const result = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
      expect(result.rows).toBe(100000);
      expect(result.ms).toBeLessThan(500);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects out-of-range options', () => {
    expect(() => generateCensus({ rows: 10, seed: 0, dependence: 1.5 })).toThrow(/dependence/);
    expect(() => generateCensus({ rows: 10, seed: 0, pSensitive: -0.1 })).toThrow(/pSensitive/);
    expect(() => generateCensus({ rows: 2.5, seed: 0 })).toThrow(/rows/);
  });
});
