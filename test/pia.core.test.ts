/**
 * Property inference core (receiver/moves/property-inference) on the embedded census data. "Synthetic samples"
 * are drawn straight from a census subsample with a known share p of sex = Male (subsampleWithProportion): a
 * generator with perfect distribution coverage (p_G = p), which isolates the estimator from the diffusion model.
 */
import { propertyInference } from '../receiver/moves/property-inference';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateCensus } from '../shared/data/census';
import { TableEncoder } from '../shared/data/encoder';
import { subsampleWithProportion } from '../shared/data/split';
import { binaryColumn, dropColumns, selectRows, type Table } from '../shared/data/table';
import { hoeffdingRadius, unionBoundRadius } from '../shared/metrics/hoeffding';
import { Rng } from '../shared/random';
import { initBackend, tf } from '../shared/tf';
import {
  estimateProportion,
  identityDiscriminator,
  invertMatrix,
  loadPretrainedDiscriminator,
  PropertyInferenceError,
  resolveProperty,
  savePretrainedDiscriminator,
  trainDiscriminator,
  type BinaryProportionEstimate,
  type MultiProportionEstimate,
  type PropertyDiscriminator,
  type PropertySpec,
} from '../receiver/moves/property-inference/algorithms';

const MALE: PropertySpec = { column: 'sex', value: 'Male' };
const ETA = 0.05;
const N = 1000;
const TRUE_SHARES = [0.1, 0.5, 0.9];
/** Rows of the sharer's (simulated) training set; the receiver draws N samples from it with replacement. */
const SHARER_ROWS = 4000;
/** Allowance for the discriminator's TPR/FPR being measured on a finite held-out split. */
const CALIBRATION_SLACK = 0.05;

const pool = generateCensus({ rows: 16000, seed: 11 });
// A disjoint draw: the receiver's own census data, never seen by the sharer.
const aux = generateCensus({ rows: 6000, seed: 22 });
const measured: string[] = [];

/** i.i.d. draws with replacement from the sharer's data: a generator whose distribution is exactly p_G = p. */
function drawSamples(sharerData: Table, n: number, seed: number): Table {
  const rng = new Rng(seed);
  return selectRows(sharerData, Array.from({ length: n }, () => rng.int(sharerData.rows.length)));
}

function sharerDataAt(p: number, seed: number): Table {
  return subsampleWithProportion(pool, 'sex', 'Male', p, SHARER_ROWS, new Rng(seed));
}

function share(table: Table, column: string, value: string): number {
  const has = binaryColumn(table, column, value);
  return has.reduce((a, b) => a + b, 0) / has.length;
}

function asBinary(estimate: ReturnType<typeof estimateProportion>): BinaryProportionEstimate {
  if (estimate.kind !== 'binary') throw new Error(`expected a binary estimate, got ${estimate.kind}`);
  return estimate;
}

function asMulti(estimate: ReturnType<typeof estimateProportion>): MultiProportionEstimate {
  if (estimate.kind !== 'multi') throw new Error(`expected a K-way estimate, got ${estimate.kind}`);
  return estimate;
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PropertyInferenceError);
    expect((error as PropertyInferenceError).code).toBe(code);
    return;
  }
  throw new Error(`expected a PropertyInferenceError with code ${code}, but nothing was thrown`);
}

async function expectCodeAsync(fn: () => Promise<unknown>, code: string): Promise<void> {
  await expect(fn()).rejects.toMatchObject({ name: 'PropertyInferenceError', code });
}

beforeAll(async () => {
  await initBackend();
});

afterAll(() => {
  // The measured numbers, for the docs and the session report.
  process.stdout.write(`\nPIA measurements:\n${measured.join('\n')}\n`);
});

describe('the move', () => {
  test('declares its id, paper, the black-box grant, and costs its largest sample count', () => {
    expect(propertyInference.id).toBe('property-inference');
    expect(propertyInference.paper).toMatch(/Luo et al\. 2024/);
    expect(propertyInference.requires).toEqual({ access: ['black-box'] });
    const config = propertyInference.configSchema.parse({ property: { column: 'sex', value: 'Male' }, samples: [100, 700, 300] });
    expect(propertyInference.cost(config, { challenge: 0, T: null, generation: null })).toBe(700);
  });
});

describe('visible property column: identity discriminator (count directly)', () => {
  test.each(TRUE_SHARES)('p = %p: |p̂ − p| within the Hoeffding radius at n = 1000, η = 0.05', (p) => {
    const sharerData = sharerDataAt(p, 100 + p * 10);
    const samples = drawSamples(sharerData, N, 200 + p * 10);
    const discriminator = identityDiscriminator(MALE, samples.schema);
    const estimate = asBinary(estimateProportion(samples, discriminator, { eta: ETA }));

    expect(estimate.n).toBe(N);
    expect(estimate.discriminator).toBe('identity');
    expect(estimate.discriminatorError).toBe(0);
    expect(estimate.hoeffdingRadius).toBeCloseTo(hoeffdingRadius(N, ETA), 12);
    expect(estimate.hoeffdingRadius).toBeCloseTo(0.0429, 3);
    expect(estimate.pHat).toBeCloseTo(share(samples, 'sex', 'Male'), 12);
    expect(Math.abs(estimate.pHat - p)).toBeLessThanOrEqual(estimate.hoeffdingRadius);
    expect(estimate.interval[0]).toBeLessThanOrEqual(p);
    expect(estimate.interval[1]).toBeGreaterThanOrEqual(p);
    expect(estimate.interval[0]).toBeGreaterThanOrEqual(0);
    expect(estimate.interval[1]).toBeLessThanOrEqual(1);
    // Exact discriminator: the correction is the identity.
    expect(estimate.corrected).toBeCloseTo(estimate.pHat, 12);
    measured.push(`visible  p=${p}: p̂=${estimate.pHat.toFixed(3)} r=${estimate.hoeffdingRadius.toFixed(4)} interval=[${estimate.interval.map((v) => v.toFixed(3))}]`);
  });

  test('coverage: over 200 independent sample sets the interval misses p at most η of the time', () => {
    const sharerData = sharerDataAt(0.3, 12);
    const truth = share(sharerData, 'sex', 'Male');
    const discriminator = identityDiscriminator(MALE, sharerData.schema);
    let misses = 0;
    const repetitions = 200;
    for (let rep = 0; rep < repetitions; rep++) {
      const estimate = asBinary(estimateProportion(drawSamples(sharerData, N, 1000 + rep), discriminator, { eta: ETA }));
      if (truth < estimate.interval[0] || truth > estimate.interval[1]) misses++;
    }
    // Hoeffding is conservative: the normal approximation predicts about 0.4 % misses at this radius.
    expect(misses).toBeLessThanOrEqual(ETA * repetitions);
    measured.push(`coverage p=0.3 n=${N}: ${misses}/${repetitions} intervals missed (η = ${ETA})`);
  });

  test('n selects the first n samples; the radius grows as sqrt(1/n)', () => {
    const samples = drawSamples(sharerDataAt(0.5, 7), N, 8);
    const discriminator = identityDiscriminator(MALE, samples.schema);
    const first200 = asBinary(estimateProportion(samples, discriminator, { eta: ETA, n: 200 }));
    expect(first200.n).toBe(200);
    expect(first200.pHat).toBeCloseTo(share(selectRows(samples, Array.from({ length: 200 }, (_, i) => i)), 'sex', 'Male'), 12);
    expect(first200.hoeffdingRadius).toBeCloseTo(0.096, 3);
  });

  test('a rule on a visible numeric column counts the records it holds for', () => {
    const samples = drawSamples(sharerDataAt(0.5, 9), N, 10);
    const young: PropertySpec = { rule: { column: 'age', op: '<', value: 30 } };
    const estimate = asBinary(estimateProportion(samples, identityDiscriminator(young, samples.schema), { eta: ETA }));
    const ageIndex = samples.schema.columns.findIndex((c) => c.name === 'age');
    const expected = samples.rows.filter((r) => r[ageIndex] < 30).length / samples.rows.length;
    expect(estimate.pHat).toBeCloseTo(expected, 12);
    expect(estimate.pHat).toBeGreaterThan(0.1);
    expect(estimate.pHat).toBeLessThan(0.9);
    const notPrivate: PropertySpec = { rule: { column: 'workclass', op: '!=', value: 'Private' } };
    const inList: PropertySpec = { rule: { column: 'workclass', op: 'in', value: ['Self-employed', 'Government', 'Without-pay'] } };
    const a = asBinary(estimateProportion(samples, identityDiscriminator(notPrivate, samples.schema), { eta: ETA }));
    const b = asBinary(estimateProportion(samples, identityDiscriminator(inList, samples.schema), { eta: ETA }));
    expect(a.pHat).toBeCloseTo(1 - share(samples, 'workclass', 'Private'), 12);
    expect(b.pHat).toBeCloseTo(a.pHat, 12);
  });
});

describe('hidden property column: discriminator trained on aux census data', () => {
  let discriminator: PropertyDiscriminator;

  beforeAll(async () => {
    const hiddenSchema = dropColumns(pool, ['sex']).schema;
    discriminator = await trainDiscriminator(aux, MALE, hiddenSchema, { seed: 5, classifier: 'logistic' });
  });

  afterAll(() => discriminator.dispose());

  test('reads only shared columns and is better than chance but far from perfect (sex is partly inferable)', () => {
    expect(discriminator.kind).toBe('aux-trained');
    expect(discriminator.featureColumns).not.toContain('sex');
    const c = discriminator.calibration!;
    expect(c.heldOutRows).toBe(1800);
    expect(c.tpr! - c.fpr!).toBeGreaterThan(0.2);
    expect(c.error).toBeGreaterThan(0.15);
    expect(c.error).toBeLessThan(0.45);
    measured.push(
      `discriminator (logistic, aux 4200/1800): error=${c.error.toFixed(3)} balancedError=${c.balancedError.toFixed(3)} ` +
        `TPR=${c.tpr!.toFixed(3)} FPR=${c.fpr!.toFixed(3)}`,
    );
  });

  test.each(TRUE_SHARES)('p = %p: corrected estimate within radius + slack; raw estimate pulled toward 0.5', (p) => {
    const samples = dropColumns(drawSamples(sharerDataAt(p, 300 + p * 10), N, 400 + p * 10), ['sex']);
    const estimate = asBinary(estimateProportion(samples, discriminator, { eta: ETA }));
    const { tpr, fpr } = discriminator.calibration!;
    const correctedRadius = estimate.hoeffdingRadius / (tpr! - fpr!);

    expect(estimate.discriminator).toBe('aux-trained');
    expect(estimate.discriminatorError).toBeCloseTo(discriminator.calibration!.error, 12);
    expect(estimate.corrected).not.toBeNull();
    const corrected = estimate.corrected!;
    expect(Math.abs(corrected - p)).toBeLessThanOrEqual(correctedRadius + CALIBRATION_SLACK);
    // The interval pushed through the correction has that radius (before clipping).
    const [lo, hi] = estimate.correctedInterval!;
    expect(lo).toBeLessThanOrEqual(corrected);
    expect(hi).toBeGreaterThanOrEqual(corrected);
    expect(hi - lo).toBeLessThanOrEqual(2 * correctedRadius + 1e-9);
    // The interval that also covers the calibration error contains the truth, and Theorem 1's does too.
    const [clo, chi] = estimate.correctedIntervalWithCalibration!;
    expect(clo).toBeLessThanOrEqual(p);
    expect(chi).toBeGreaterThanOrEqual(p);
    const [tlo, thi] = estimate.theorem1Interval!;
    expect(tlo).toBeLessThanOrEqual(p);
    expect(thi).toBeGreaterThanOrEqual(p);

    if (p !== 0.5) {
      // A noisy discriminator pulls the raw share toward its FPR–TPR band, i.e. toward 0.5 here.
      expect(Math.sign(0.5 - p) * (estimate.pHat - p)).toBeGreaterThan(0.05);
      expect(Math.abs(corrected - p)).toBeLessThan(Math.abs(estimate.pHat - p));
    }
    measured.push(
      `hidden   p=${p}: raw p̂=${estimate.pHat.toFixed(3)} corrected=${corrected.toFixed(3)} ` +
        `correctedInterval=[${estimate.correctedInterval!.map((v) => v.toFixed(3))}] ` +
        `withCalibration=[${estimate.correctedIntervalWithCalibration!.map((v) => v.toFixed(3))}]`,
    );
  });
});

describe('K-way properties', () => {
  const MARITAL: PropertySpec = { column: 'marital_status', values: ['Married', 'Never-married', 'Divorced', 'Widowed'] };

  test('visible marital_status: shares sum to 1 and each is within the union-bound radius', () => {
    const sharerData = sharerDataAt(0.5, 31);
    const samples = drawSamples(sharerData, N, 32);
    const estimate = asMulti(estimateProportion(samples, identityDiscriminator(MARITAL, samples.schema), { eta: ETA }));
    expect(estimate.outcomes).toEqual(['Married', 'Never-married', 'Divorced', 'Widowed']);
    expect(estimate.hoeffdingRadius).toBeCloseTo(unionBoundRadius(N, ETA, 4), 12);
    expect(estimate.pHat.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(estimate.corrected!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const v of estimate.perValue) {
      const truth = share(sharerData, 'marital_status', v.outcome);
      expect(Math.abs(v.pHat - truth)).toBeLessThanOrEqual(estimate.hoeffdingRadius);
      expect(v.interval[0]).toBeLessThanOrEqual(truth);
      expect(v.interval[1]).toBeGreaterThanOrEqual(truth);
    }
    measured.push(
      `K-way visible marital: ${estimate.perValue.map((v) => `${v.outcome}=${v.pHat.toFixed(3)} (true ${share(sharerData, 'marital_status', v.outcome).toFixed(3)})`).join(', ')} rK=${estimate.hoeffdingRadius.toFixed(4)}`,
    );
  });

  test('values that do not cover the column get a pooled "(other)" class', () => {
    const samples = drawSamples(sharerDataAt(0.5, 33), N, 34);
    const partial: PropertySpec = { column: 'occupation', values: ['Craft-repair', 'Adm-clerical'] };
    const estimate = asMulti(estimateProportion(samples, identityDiscriminator(partial, samples.schema), { eta: ETA }));
    expect(estimate.outcomes).toEqual(['Craft-repair', 'Adm-clerical', '(other)']);
    expect(estimate.pHat.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(estimate.pHat[2]).toBeCloseTo(1 - share(samples, 'occupation', 'Craft-repair') - share(samples, 'occupation', 'Adm-clerical'), 12);
  });

  test('hidden marital_status (inferable from age): one-vs-rest discriminator, corrected shares sum to 1 and beat raw', async () => {
    const spec: PropertySpec = { column: 'marital_status', values: ['Married', 'Never-married'] };
    const hiddenSchema = dropColumns(pool, ['marital_status']).schema;
    const discriminator = await trainDiscriminator(aux, spec, hiddenSchema, { seed: 6 });
    try {
      // Label shift: the sharer over-represents never-married people (60 % vs about 38 % in the census).
      const sharerData = subsampleWithProportion(pool, 'marital_status', 'Never-married', 0.6, SHARER_ROWS, new Rng(35));
      const samples = dropColumns(drawSamples(sharerData, N, 36), ['marital_status']);
      const estimate = asMulti(estimateProportion(samples, discriminator, { eta: ETA }));
      const truth = [share(sharerData, 'marital_status', 'Married'), share(sharerData, 'marital_status', 'Never-married')];
      truth.push(1 - truth[0] - truth[1]);
      expect(estimate.outcomes).toEqual(['Married', 'Never-married', '(other)']);
      expect(estimate.corrected).not.toBeNull();
      expect(estimate.corrected!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      const l1 = (v: number[]) => v.reduce((sum, x, k) => sum + Math.abs(x - truth[k]), 0);
      expect(l1(estimate.corrected!)).toBeLessThan(l1(estimate.pHat));
      for (const [k, v] of estimate.perValue.entries()) {
        expect(Math.abs(v.corrected! - truth[k])).toBeLessThanOrEqual(estimate.correctedRadius! + CALIBRATION_SLACK);
      }
      const c = discriminator.calibration!;
      measured.push(
        `K-way hidden marital (OvR logistic): error=${c.error.toFixed(3)} truth=[${truth.map((v) => v.toFixed(3))}] ` +
          `raw=[${estimate.pHat.map((v) => v.toFixed(3))}] corrected=[${estimate.corrected!.map((v) => v.toFixed(3))}] ` +
          `correctedRadius=${estimate.correctedRadius!.toFixed(3)} L1 raw=${l1(estimate.pHat).toFixed(3)} corrected=${l1(estimate.corrected!).toFixed(3)}`,
      );
    } finally {
      discriminator.dispose();
    }
  });

  test('invertMatrix inverts and refuses singular matrices', () => {
    const m = [
      [0.8, 0.1, 0.1],
      [0.2, 0.7, 0.1],
      [0.1, 0.2, 0.7],
    ];
    const inv = invertMatrix(m)!;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const v = m[i].reduce((sum, a, k) => sum + a * inv[k][j], 0);
        expect(v).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
    expect(invertMatrix([[0.5, 0.5], [0.5, 0.5]])).toBeNull();
  });
});

describe('errors', () => {
  const samples = drawSamples(sharerDataAt(0.5, 41), 500, 42);
  const identity = identityDiscriminator(MALE, samples.schema);

  test('n larger than the samples, n above the budget, n not a positive integer, bad eta', () => {
    expectCode(() => estimateProportion(samples, identity, { eta: ETA, n: 501 }), 'sample-budget');
    expect(() => estimateProportion(samples, identity, { eta: ETA, n: 501 })).toThrow(/501 samples requested but only 500 are available/);
    expectCode(() => estimateProportion(samples, identity, { eta: ETA, n: 300, budgetSamples: 200 }), 'sample-budget');
    expect(() => estimateProportion(samples, identity, { eta: ETA, budgetSamples: 200 })).toThrow(/exceeds the sample budget of 200/);
    expectCode(() => estimateProportion(samples, identity, { eta: ETA, n: 0 }), 'sample-budget');
    expectCode(() => estimateProportion({ schema: samples.schema, rows: [] }, identity, { eta: ETA }), 'sample-budget');
    expectCode(() => estimateProportion(samples, identity, { eta: 1.5 }), 'invalid-option');
  });

  test('a property the tables lack: column or value', async () => {
    const hiddenSchema = dropColumns(samples, ['sex']).schema;
    await expectCodeAsync(() => trainDiscriminator(dropColumns(aux, ['sex']), MALE, hiddenSchema, { seed: 1 }), 'missing-column');
    await expectCodeAsync(() => trainDiscriminator(aux, { column: 'sex', value: 'Other' }, hiddenSchema, { seed: 1 }), 'missing-value');
    await expect(trainDiscriminator(aux, { column: 'sex', value: 'Other' }, hiddenSchema, { seed: 1 })).rejects.toThrow(
      /column "sex" has no value "Other".*values: Female, Male/,
    );
    expectCode(() => identityDiscriminator(MALE, hiddenSchema), 'missing-column');
    expectCode(() => identityDiscriminator({ column: 'marital_status', values: ['Married', 'Eloped'] }, samples.schema), 'missing-value');
    // A feature of the shared schema the aux data does not have.
    await expectCodeAsync(() => trainDiscriminator(dropColumns(aux, ['occupation']), MALE, hiddenSchema, { seed: 1 }), 'missing-feature');
    // Samples without a column the trained discriminator reads are refused at estimate time (checked in the
    // hidden-path suite's discriminator; here a cheap one-epoch model).
    const quick = await trainDiscriminator(aux, MALE, hiddenSchema, { seed: 1, epochs: 1 });
    try {
      expectCode(() => estimateProportion(dropColumns(samples, ['sex', 'occupation']), quick, { eta: ETA }), 'missing-feature');
    } finally {
      quick.dispose();
    }
  });

  test('K < 2, duplicate values, ordering a categorical column', () => {
    expectCode(() => identityDiscriminator({ column: 'sex', values: ['Male'] }, samples.schema), 'invalid-property');
    expect(() => identityDiscriminator({ column: 'sex', values: ['Male'] }, samples.schema)).toThrow(/K ≥ 2/);
    expectCode(() => identityDiscriminator({ column: 'sex', values: ['Male', 'Male'] }, samples.schema), 'invalid-property');
    expectCode(() => identityDiscriminator({ rule: { column: 'occupation', op: '<', value: 'Sales' } }, samples.schema), 'invalid-property');
    expectCode(() => identityDiscriminator({ rule: { column: 'age', op: '<', value: 'thirty' } }, samples.schema), 'invalid-property');
    expectCode(() => resolveProperty({ column: 'age', value: '30' }, samples.schema, 'samples'), 'invalid-property');
  });

  test('an aux set with one class only', async () => {
    const menOnly = subsampleWithProportion(aux, 'sex', 'Male', 1, 1000, new Rng(3));
    const hiddenSchema = dropColumns(samples, ['sex']).schema;
    await expectCodeAsync(() => trainDiscriminator(menOnly, MALE, hiddenSchema, { seed: 1 }), 'single-class-aux');
    await expect(trainDiscriminator(menOnly, MALE, hiddenSchema, { seed: 1 })).rejects.toThrow(/no record of class \[not sex == "Male"\]/);
  });
});

describe('pretrained discriminator from a file:// path', () => {
  test('saves and loads a tfjs layers model through the fs IOHandler; no calibration means no correction', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sharebox-pia-'));
    try {
      const features = dropColumns(aux, ['sex', 'income']);
      const encoder = TableEncoder.fit(features);
      const model = tf.sequential({
        layers: [tf.layers.dense({ units: 2, activation: 'softmax', inputShape: [encoder.width], kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) })],
      });
      const hiddenSamples = dropColumns(drawSamples(sharerDataAt(0.5, 51), 300, 52), ['sex']);
      const x = encoder.encode(hiddenSamples);
      const expected = tf.tidy(() => (model.predict(tf.tensor2d(x, [300, encoder.width])) as tf.Tensor).argMax(1).dataSync());
      const outcomes = resolveProperty(MALE, aux.schema, 'aux').outcomes;
      await savePretrainedDiscriminator(model, `file://${dir}`, { version: 1, property: MALE, outcomes, encoder: encoder.toJSON() });
      model.dispose();

      const loaded = await loadPretrainedDiscriminator(`file://${dir}`);
      try {
        expect(loaded.kind).toBe('pretrained');
        expect(Array.from(loaded.classify(hiddenSamples))).toEqual(Array.from(expected));
        const estimate = asBinary(estimateProportion(hiddenSamples, loaded, { eta: ETA }));
        expect(estimate.discriminatorError).toBeNull();
        expect(estimate.corrected).toBeNull();
        expect(estimate.theorem1Interval).toBeNull();
        expect(estimate.correctionNote).toMatch(/no calibration/);
      } finally {
        loaded.dispose();
      }

      // With calibration counts in the sidecar, the correction is offered.
      const sidecarPath = path.join(dir, 'sharebox-discriminator.json');
      const sidecar = JSON.parse(await fs.readFile(sidecarPath, 'utf8'));
      sidecar.calibration = { counts: [[70, 30], [20, 80]] };
      await fs.writeFile(sidecarPath, JSON.stringify(sidecar));
      const calibrated = await loadPretrainedDiscriminator(dir);
      try {
        expect(calibrated.calibration!.tpr).toBeCloseTo(0.8, 12);
        expect(calibrated.calibration!.fpr).toBeCloseTo(0.3, 12);
        const estimate = asBinary(estimateProportion(hiddenSamples, calibrated, { eta: ETA }));
        expect(estimate.corrected).toBeCloseTo(Math.min(1, Math.max(0, (estimate.pHat - 0.3) / 0.5)), 12);
      } finally {
        calibrated.dispose();
      }
      await expectCodeAsync(() => loadPretrainedDiscriminator(path.join(dir, 'missing')), 'pretrained-model');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
