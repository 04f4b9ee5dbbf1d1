/**
 * Property inference end to end (docs/pia.md): a tiny sweep of the sharer's share of sex = Male (hidden from
 * the samples) through the compiled CLI, three real processes per variant. Checks the report's per-variant
 * `pia` section against the configured share, the cross-variant `piaStudy`, the visible-column path, and the
 * scenario rules (aux data, budget, an impossible propertyShare). Small model: the estimates are not
 * scientific here, the wiring is.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { parseScenario, receiverSlice, sharerSlice } from '../shared/scenario';
import { runCli } from './helpers/cli';

const TINY_PIA = path.join(repoRoot(), 'test', 'fixtures', 'tiny-pia.yaml');
const SOURCE = fs.readFileSync(TINY_PIA, 'utf8');
const NS = ['100', '500'];

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-pia-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function runVariant(name: string, yaml: string): Promise<{ code: number | null; stderr: string; dir: string }> {
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(file, yaml);
  const dir = path.join(tmp, name);
  return { ...(await runCli(['run', file, '--out', dir, '--cache', path.join(tmp, 'cache'), '--quiet'])), dir };
}

describe('property inference through the CLI', () => {
  let report: any;

  beforeAll(async () => {
    const out = path.join(tmp, 'run');
    const { code, stderr } = await runCli(['run', TINY_PIA, '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  }, 60_000);

  test("each variant's pia section has per-n estimates, scored against the configured share", () => {
    for (const share of [0.3, 0.7]) {
      const v = report.variants[`share=${share}`];
      const attack = v.pia.attacks[0];
      // The referee's truth is the share in the sharer's records: round(share × 1000) / 1000, exactly.
      expect(attack.truth).toBe(Math.round(share * 1000) / 1000);
      expect(v.sharer.trainingData.sensitiveShare).toBe(attack.truth);
      expect(v.sharer.trainingData.rows).toBe(1000);
      expect(v.sharer.trainingData.hiddenColumns).toEqual(['sex']);
      expect(attack.discriminator).toBe('aux-trained');
      expect(Object.keys(attack.byN)).toEqual(NS);
      for (const n of NS) {
        const e = attack.byN[n];
        expect(e.n).toBe(Number(n));
        expect(e.pHat).toBeGreaterThanOrEqual(0);
        expect(e.pHat).toBeLessThanOrEqual(1);
        expect(e.hoeffdingRadius).toBeCloseTo(Math.sqrt(Math.log(2 / 0.05) / (2 * Number(n))), 12);
        expect(e.discriminatorError).toBeGreaterThan(0);
        expect(e.bound).toBeCloseTo(e.hoeffdingRadius + e.discriminatorError, 12);
        expect(e.error).toBeCloseTo(Math.abs(e.pHat - attack.truth), 12);
        expect(e.held).toBe(e.error <= e.bound);
      }
      // The receiver drew max(samples) records for the attack, and the audit log counts them with the draw.
      expect(v.receiver.attacks[0]).toMatchObject({ kind: 'property-inference', samplesDrawn: 500, auxData: 'aux' });
      expect(v.audit.consistentWithReceiver).toBe(true);
      expect(v.audit.samplesReturned).toBe(700);
    }
  });

  test('the sweep summary averages the variants per n', () => {
    const study = report.piaStudy;
    expect(Object.keys(study.byN)).toEqual(NS);
    const a = report.variants['share=0.3'].pia.attacks[0].byN['500'];
    const b = report.variants['share=0.7'].pia.attacks[0].byN['500'];
    expect(study.byN['500'].meanAbsError).toBeCloseTo((a.error + b.error) / 2, 12);
    expect(study.byN['500'].boundHeldShare).toBe((Number(a.held) + Number(b.held)) / 2);
    expect(study.rows).toHaveLength(4);
    expect(report.expectations).toEqual([expect.objectContaining({ metric: 'piaStudy.byN.500.hoeffdingRadius', passed: true })]);
    const md = fs.readFileSync(path.join(tmp, 'run', 'report.md'), 'utf8');
    expect(md).toContain('## Property inference across the variants: sex == "Male" (aux-trained discriminator)');
  });

  test('with sex visible the receiver counts it directly (identity discriminator, e = 0)', async () => {
    const yaml = SOURCE.replace('  hideColumns: [sex]\n', '')
      .replace(/\nsweep:[\s\S]*?\nexpect:/, '\nexpect:')
      .replace('piaStudy.byN.500.hoeffdingRadius', 'pia.attacks.0.byN.500.hoeffdingRadius');
    const { code, stderr, dir } = await runVariant('visible', yaml);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const r = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const attack = r.pia.attacks[0];
    expect(attack).toMatchObject({ discriminator: 'identity', truth: 0.3 });
    expect(attack.byN['500']).toMatchObject({ discriminatorError: 0 });
    expect(attack.byN['500'].bound).toBe(attack.byN['500'].hoeffdingRadius);
    expect(r.piaStudy).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('## Property inference: sex == "Male"');
  }, 30_000);

  test('a budget that does not cover draw + attack samples fails with exit 2, naming broker.budget.samples', async () => {
    const { code, stderr } = await runVariant('budget', SOURCE.replace('budget: { samples: 700 }', 'budget: { samples: 600 }'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/broker\.budget\.samples: expected at least 700 units: receiver\.draw\.samples \(200\) \+ property-inference 500/);
  }, 30_000);

  test('a propertyShare the data cannot meet fails the run, naming the field', async () => {
    const { code, stderr } = await runVariant('impossible', SOURCE.replace('share: 0.3, rows: 1000', 'share: 0.3, rows: 2900'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/datasets\.private\.propertyShare: .*2900 rows with sex = "Male" at share 0\.3/);
  }, 30_000);
});

describe('property inference scenario fields', () => {
  const base = SOURCE.replace(/\nsweep:[\s\S]*$/, '\n');
  const parse = (yaml: string) => parseScenario(yaml, '/virtual/pia.yaml');

  test('the attack gets its defaults; the aux dataset reaches the receiver only', () => {
    const s = parse(base);
    expect(s.receiver.attacks[0]).toEqual({
      kind: 'property-inference',
      property: { column: 'sex', value: 'Male' },
      auxData: 'aux',
      samples: [100, 500],
      eta: 0.05,
      classifier: 'logistic',
      correction: true,
    });
    const receiver = receiverSlice(s);
    expect(Object.keys(receiver.attackData)).toEqual(['aux']);
    expect(receiver.attackData.aux).toMatchObject({ source: 'census', rows: 1500, name: 'aux' });
    expect(JSON.stringify(receiver)).not.toContain('propertyShare');
    expect(JSON.stringify(sharerSlice(s))).not.toContain('"aux"');
    expect(parse(base.replace('samples: [100, 500]\n', '').replace('samples: 700', 'samples: 2200')).receiver.attacks[0].samples).toEqual([
      100, 200, 500, 1000, 2000,
    ]);
  });

  test('aux data must be a declared dataset other than the sharer’s; the property and fields are checked', () => {
    expect(() => parse(base.replace('auxData: aux', 'auxData: private'))).toThrow(/receiver\.attacks\.0\.auxData: must not be the sharer's dataset "private"/);
    expect(() => parse(base.replace('auxData: aux', 'auxData: nope'))).toThrow(/receiver\.attacks\.0\.auxData: expected the name of a dataset declared/);
    expect(() => parse(base.replace('eta: 0.05', '').replace('auxData: aux', 'auxData: aux\n      eta: 1'))).toThrow(/receiver\.attacks\.0\.eta/);
    expect(() => parse(base.replace('samples: [100, 500]', 'sampels: [100]'))).toThrow(/receiver\.attacks\.0/);
    expect(() => parse(base.replace('column: sex, value: Male, share', 'column: age, value: Male, share'))).toThrow(
      /datasets\.private\.propertyShare\.column: expected a categorical column/,
    );
    expect(() => parse(base.replace('share: 0.3, rows: 1000', 'share: 0.3, rows: 4000'))).toThrow(/datasets\.private\.propertyShare\.rows: expected at most/);
  });

  test('a hidden property needs auxData or pretrained (not both); aux data must have the property column; K-way needs K ≥ 2', () => {
    expect(() => parse(base.replace('      auxData: aux\n', ''))).toThrow(
      /receiver\.attacks\.0: the property column "sex" is hidden by sharer\.hideColumns, so the samples lack it: expected auxData .* or pretrained/,
    );
    // Visible column: the identity discriminator needs neither.
    expect(parse(base.replace('      auxData: aux\n', '').replace('  hideColumns: [sex]\n', '')).receiver.attacks[0].auxData).toBeUndefined();
    expect(() => parse(base.replace('auxData: aux', 'auxData: aux\n      pretrained: ./somewhere'))).toThrow(/receiver\.attacks\.0\.pretrained: expected auxData .* or pretrained .*, not both/);
    expect(() => parse(base.replace('property: { column: sex, value: Male }', 'property: { column: race, value: White }'))).toThrow(
      /receiver\.attacks\.0\.auxData: dataset "aux" has no column "race", the property's/,
    );
    expect(() => parse(base.replace('property: { column: sex, value: Male }', 'property: { column: sex, values: [Male] }'))).toThrow(/receiver\.attacks\.0\.property/);
  });

  test('a pretrained directory must hold the discriminator files, named relative to the scenario file', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'empty-model-'));
    const yaml = base.replace('auxData: aux', `pretrained: ./${path.basename(dir)}`);
    expect(() => parseScenario(yaml, path.join(tmp, 'pia.yaml'))).toThrow(
      /pia\.yaml:\d+:\d+: receiver\.attacks\.0\.pretrained: expected a discriminator directory, .* lacks model\.json and sharebox-discriminator\.json/,
    );
  });
});

describe('property inference with a pretrained discriminator (no aux data)', () => {
  test('the receiver loads it from the scenario-relative path; a discriminator for another property is refused', async () => {
    const { tf, initBackend } = await import('../shared/tf');
    const { TableEncoder } = await import('../shared/data/encoder');
    const { generateCensus } = await import('../shared/data/census');
    const { dropColumns } = await import('../shared/data/table');
    const { savePretrainedDiscriminator, resolveProperty } = await import('../receiver/moves/property-inference/algorithms');
    await initBackend();
    // A stand-in for a model trained elsewhere: a fixed linear layer over the shared columns. What is under test
    // is the route (scenario → receiver → loader → estimate), not the model's accuracy.
    const shared = dropColumns(generateCensus({ rows: 200, seed: 5 }), ['sex', 'income']);
    const encoder = TableEncoder.fit(shared);
    const save = async (dir: string, property: unknown) => {
      const model = tf.sequential({
        layers: [tf.layers.dense({ units: 2, activation: 'softmax', inputShape: [encoder.width], kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) })],
      });
      await savePretrainedDiscriminator(model, dir, {
        version: 1,
        property: property as never,
        outcomes: resolveProperty(property as never, generateCensus({ rows: 10, seed: 1 }).schema, 'census').outcomes,
        encoder: encoder.toJSON(),
        calibration: { counts: [[70, 30], [20, 80]] },
      });
      model.dispose();
    };
    fs.mkdirSync(path.join(tmp, 'pretrained-male'));
    await save(path.join(tmp, 'pretrained-male'), { value: 'Male', column: 'sex' });
    const yaml = SOURCE.replace('auxData: aux', 'pretrained: ./pretrained-male').replace(/\nsweep:[\s\S]*?\nexpect:/, '\nexpect:')
      .replace('piaStudy.byN.500.hoeffdingRadius', 'pia.attacks.0.byN.500.hoeffdingRadius');
    const { code, stderr, dir } = await runVariant('pretrained', yaml);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const r = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(r.receiver.attacks[0]).toMatchObject({ auxData: null, pretrained: path.join(tmp, 'pretrained-male') });
    const attack = r.pia.attacks[0];
    expect(attack.discriminator).toBe('pretrained');
    // The sidecar's calibration (TPR 0.8, FPR 0.3) is the discriminator error the bound adds.
    expect(attack.byN['500'].discriminatorError).toBeGreaterThan(0);
    expect(attack.byN['500'].corrected).toBeCloseTo(Math.min(1, Math.max(0, (attack.byN['500'].pHat - 0.3) / 0.5)), 12);

    fs.mkdirSync(path.join(tmp, 'pretrained-female'));
    await save(path.join(tmp, 'pretrained-female'), { column: 'sex', value: 'Female' });
    const wrong = await runVariant('pretrained-wrong', yaml.replace('./pretrained-male', './pretrained-female'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/receiver\.attacks\[0\]\.pretrained: .*pretrained-female holds a discriminator for sex == "Female", but the attack infers sex == "Male"/);
  }, 60_000);
});

describe('a K-way property through the CLI', () => {
  test('marital status (4 values, hidden): per-value estimates, truth and the union-bound radius', async () => {
    const values = ['Married', 'Never-married', 'Divorced', 'Widowed'];
    const yaml = SOURCE.replace('  hideColumns: [sex]\n', '  hideColumns: [marital_status]\n')
      .replace('property: { column: sex, value: Male }', `property: { column: marital_status, values: [${values.join(', ')}] }`)
      .replace(/\nsweep:[\s\S]*?\nexpect:/, '\nexpect:')
      .replace('piaStudy.byN.500.hoeffdingRadius', 'pia.attacks.0.byN.500.hoeffdingRadius');
    const { code, stderr, dir } = await runVariant('kway', yaml);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const r = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const attack = r.pia.attacks[0];
    expect(attack.discriminator).toBe('aux-trained');
    expect(attack.outcomes).toEqual(values);
    // The truth is the share of each value among the sharer's 1,000 records: the four cover every census record.
    expect(attack.truth).toHaveLength(4);
    expect(attack.truth.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 12);
    for (const n of NS) {
      const e = attack.byN[n];
      expect(e.pHat).toHaveLength(4);
      expect(e.pHat.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 9);
      // Union bound over the K = 4 outcomes: sqrt(ln(2K/η)/(2n)).
      expect(e.hoeffdingRadius).toBeCloseTo(Math.sqrt(Math.log((2 * 4) / 0.05) / (2 * Number(n))), 12);
      const largest = Math.max(...e.pHat.map((p: number, k: number) => Math.abs(p - attack.truth[k])));
      expect(e.error).toBeCloseTo(largest, 12);
    }
  }, 60_000);
});

