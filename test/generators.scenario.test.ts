/**
 * The VAE and GAN baselines as sharer models (docs/generators.md): their scenario fields and errors, sweeps whose
 * values replace a whole field (one variant per generator), the sharer's wrapper (class conditioning on the task
 * label, determinism, the model cache), the per-generator PIA summary, and a tiny run through the CLI.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { parseScenario, scenarioVariants } from '../shared/scenario';
import { tf, initBackend } from '../shared/tf';
import { generateCensus } from '../shared/data/census';
import { columnIndex } from '../shared/data/table';
import { Rng } from '../shared/random';
import { BaselineModel } from '../sharer/baselineModel';
import { piaStudy, type PiaSection } from '../cli/studies/pia';
import { runCli } from './helpers/cli';

const TINY_PIA = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny-pia.yaml'), 'utf8');
const DDPM_LINE = '  model: { kind: tabular-ddpm, timesteps: 20, hidden: [32, 32], trainSteps: 40, batchSize: 128, warmupSteps: 5 }\n';
const withModel = (model: string) => TINY_PIA.replace(DDPM_LINE, `  model: ${model}\n`).replace(/\nsweep:[\s\S]*?\nexpect:/, '\nexpect:');
const parse = (yaml: string) => parseScenario(yaml, '/virtual/generators.yaml');

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-gen-scenario-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('sharer.model kinds tabular-vae and tabular-gan', () => {
  test('defaults are applied', () => {
    expect(TINY_PIA).toContain(DDPM_LINE);
    expect(parse(withModel('{ kind: tabular-vae }')).sharer.model).toEqual({
      kind: 'tabular-vae',
      hidden: [128, 128],
      latentDim: 16,
      klWeight: 1,
      trainSteps: 3000,
      batchSize: 256,
      learningRate: 1e-3,
    });
    expect(parse(withModel('{ kind: tabular-gan }')).sharer.model).toEqual({
      kind: 'tabular-gan',
      generatorHidden: [128, 128],
      discriminatorHidden: [128, 128],
      latentDim: 32,
      gumbelTemperature: 0.2,
      discriminatorSteps: 1,
      trainSteps: 3000,
      batchSize: 256,
      learningRate: 2e-4,
    });
  });

  test('a bad field is an error naming it, with its line', () => {
    expect(() => parse(withModel('{ kind: tabular-vae, latentDim: 0 }'))).toThrow(/generators\.yaml:\d+:\d+: sharer\.model\.latentDim: expected a number ≥ 1 \(got 0\)/);
    expect(() => parse(withModel('{ kind: tabular-vae, klWeight: -1 }'))).toThrow(/sharer\.model\.klWeight/);
    expect(() => parse(withModel('{ kind: tabular-gan, generatorHidden: [] }'))).toThrow(/sharer\.model\.generatorHidden/);
    expect(() => parse(withModel('{ kind: tabular-gan, learningRate: 0 }'))).toThrow(/sharer\.model\.learningRate/);
    // Fields of another kind are unknown fields here.
    expect(() => parse(withModel('{ kind: tabular-vae, timesteps: 100 }'))).toThrow(/sharer\.model.*timesteps/);
    expect(() => parse(withModel('{ kind: tabular-gan, hidden: [8] }'))).toThrow(/sharer\.model.*hidden/);
    expect(() => parse(withModel('{ kind: tabular-flow }'))).toThrow(/sharer\.model\.kind/);
  });
});

describe('sweeps over whole objects and lists', () => {
  const base = withModel('{ kind: tabular-ddpm }');
  const sweep = (entries: string) => parse(`${base}sweep:\n${entries}`);

  test('an object value replaces the field (defaults applied per variant), named by labels', () => {
    const s = sweep(
      '  - path: sharer.model\n    values: [{ kind: tabular-vae, latentDim: 4 }, { kind: tabular-gan }]\n    labels: [vae, gan]\n' +
        '  - path: sharer.hideColumns\n    values: [[sex], []]\n    labels: [hidden, visible]\n',
    );
    const variants = scenarioVariants(s);
    expect(variants.map((v) => v.label)).toEqual(['model=vae,hideColumns=hidden', 'model=vae,hideColumns=visible', 'model=gan,hideColumns=hidden', 'model=gan,hideColumns=visible']);
    expect(variants[0].scenario.sharer.model).toMatchObject({ kind: 'tabular-vae', latentDim: 4, hidden: [128, 128] });
    expect(variants[0].scenario.sharer.model).not.toHaveProperty('timesteps');
    expect(variants[2].scenario.sharer.model).toMatchObject({ kind: 'tabular-gan', latentDim: 32 });
    expect(variants[1].scenario.sharer.hideColumns).toEqual([]);
    expect(variants[0].scenario.sharer.hideColumns).toEqual(['sex']);
    expect(variants[3].overrides).toEqual({ 'sharer.model': { kind: 'tabular-gan' }, 'sharer.hideColumns': [] });
  });

  test('object values need labels, one per value, distinct; a variant with a bad object names it', () => {
    expect(() => sweep('  - path: sharer.model\n    values: [{ kind: tabular-vae }, { kind: tabular-gan }]\n')).toThrow(
      /sweep\.0\.labels: expected labels: an object or list value needs a name/,
    );
    expect(() => sweep('  - path: sharer.model\n    values: [{ kind: tabular-vae }, { kind: tabular-gan }]\n    labels: [a]\n')).toThrow(
      /sweep\.0\.labels: expected one label per value \(2\), got 1/,
    );
    expect(() => sweep('  - path: sharer.model\n    values: [{ kind: tabular-vae }, { kind: tabular-vae }]\n    labels: [a, b]\n')).toThrow(/expected distinct values/);
    expect(() => sweep('  - path: sharer.model\n    values: [{ kind: tabular-vae }, { kind: tabular-gan }]\n    labels: [a, a]\n')).toThrow(/expected distinct labels/);
    expect(() => sweep('  - path: sharer.model\n    values: [{ kind: tabular-vae }, { kind: tabular-gan }]\n    labels: ["a,b", c]\n')).toThrow(/sweep\.0\.labels\.0/);
    expect(() => sweep('  - path: sharer.model\n    values: [{ kind: tabular-vae, latentDim: 0 }]\n    labels: [bad]\n')).toThrow(
      /sweep: sweep variant model=bad: sharer\.model\.latentDim/,
    );
  });
});

describe('the sharer wrapper around a baseline network', () => {
  const census = generateCensus({ rows: 1200, seed: 21 });
  const task = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };
  const vae = { kind: 'tabular-vae' as const, hidden: [32], latentDim: 4, klWeight: 1, trainSteps: 60, batchSize: 128, learningRate: 1e-3 };
  const gan = {
    kind: 'tabular-gan' as const,
    generatorHidden: [32],
    discriminatorHidden: [32],
    latentDim: 8,
    gumbelTemperature: 0.2,
    discriminatorSteps: 1,
    trainSteps: 60,
    batchSize: 128,
    learningRate: 2e-4,
  };

  test.each([vae, gan])('$kind: class-conditional records in the shared schema, deterministic, cached', async (config) => {
    const cache = path.join(tmp, `cache-${config.kind}`);
    const progress: number[] = [];
    const first = await BaselineModel.trainOrLoad(census, task, config, 5, cache, (step) => progress.push(step));
    expect(first.report.cached).toBe(false);
    expect(progress[progress.length - 1]).toBe(60);
    expect(first.model).toMatchObject({ kind: config.kind, supportsTimesteps: false });
    expect(first.model.classes).toMatchObject({ column: 'income', values: ['<=50K', '>50K'] });
    const before = tf.memory().numTensors;
    const rich = await first.model.sample(300, 1, 42, () => 0);
    expect(tf.memory().numTensors).toBe(before);
    expect(rich.table.schema).toEqual(census.schema);
    const label = columnIndex(census.schema, 'income');
    expect(rich.table.rows.every((r) => r[label] === 1)).toBe(true);
    for (const [j, col] of census.schema.columns.entries()) {
      for (const r of rich.table.rows) {
        if (col.type === 'categorical') expect(Number.isInteger(r[j]) && r[j] >= 0 && r[j] < col.categories!.length).toBe(true);
        else expect(Number.isFinite(r[j])).toBe(true);
      }
    }
    // Unconditional draws follow the training shares of the label (about 0.24 >50K in this census draw).
    const classRng = new Rng(3);
    const mixed = await first.model.sample(2000, null, 43, () => classRng.next());
    expect(Math.abs(mixed.classes.filter((c) => c === 1).length / 2000 - first.model.classes.shares[1])).toBeLessThan(0.04);

    const again = await BaselineModel.trainOrLoad(census, task, config, 5, cache, () => {
      throw new Error('a cached model does not train');
    });
    expect(again.report).toMatchObject({ cached: true, cacheKey: first.report.cacheKey, losses: first.report.losses });
    expect((await again.model.sample(300, 1, 42, () => 0)).table.rows).toEqual(rich.table.rows);
    // Another seed is another model (and another cache entry).
    const other = await BaselineModel.trainOrLoad(census, task, config, 6, cache, () => undefined);
    expect(other.report.cacheKey).not.toBe(first.report.cacheKey);
    expect((await other.model.sample(300, 1, 42, () => 0)).table.rows).not.toEqual(rich.table.rows);
    [first, again, other].forEach((m) => m.model.dispose());
  }, 60_000);
});

describe('piaStudy per group of variants', () => {
  const attack = (truth: number, pHat: number): PiaSection => ({
    attacks: [
      {
        index: 0,
        property: 'sex == "Male"',
        discriminator: 'identity',
        truth,
        outcomes: ['not', 'Male'],
        truthOf: '',
        byN: { '1000': { n: 1000, pHat, corrected: pHat, hoeffdingRadius: 0.043, discriminatorError: 0, bound: 0.043, error: Math.abs(pHat - truth), correctedError: Math.abs(pHat - truth), held: Math.abs(pHat - truth) <= 0.043, correctedHeld: true, interval: [pHat - 0.043, pHat + 0.043], intervalKind: 'hoeffding', covered: Math.abs(pHat - truth) <= 0.043 } },
        baselines: { midpoint: { guess: 0.5, error: Math.abs(0.5 - truth) }, auxPrior: null },
      },
    ],
  });
  const variant = (model: string, kind: string, share: number, pHat: number, tv: number, gap: number) => ({
    label: `model=${model},share=${share}`,
    result: {
      overrides: { 'sharer.model': { kind }, 'datasets.private.propertyShare.share': share },
      pia: attack(share, pHat),
      fidelity: { marginals: { maxTotalVariation: tv, meanTotalVariation: tv / 2 }, logistic: { accuracyGap: gap, accuracyBelowReal: { estimate: -gap, low: -gap - 0.01, high: -gap + 0.01 } } },
      sharer: { model: { kind } },
    },
  });

  test('groups the variants by their values other than the share and averages within each group', () => {
    const study = piaStudy([
      variant('ddpm', 'tabular-ddpm', 0.1, 0.12, 0.02, 0.01),
      variant('ddpm', 'tabular-ddpm', 0.9, 0.86, 0.04, 0.03),
      variant('gan', 'tabular-gan', 0.1, 0.3, 0.2, 0.05),
      variant('gan', 'tabular-gan', 0.9, 0.6, 0.3, 0.07),
    ])!;
    expect(study.byN['1000'].meanAbsError).toBeCloseTo((0.02 + 0.04 + 0.2 + 0.3) / 4, 12);
    expect(Object.keys(study.byGroup!)).toEqual(['model=ddpm', 'model=gan']);
    const gan = study.byGroup!['model=gan'];
    expect(gan).toMatchObject({ variants: ['model=gan,share=0.1', 'model=gan,share=0.9'], modelKind: 'tabular-gan' });
    expect(gan.byN['1000'].meanAbsError).toBeCloseTo(0.25, 12);
    expect(gan.byN['1000'].boundHeldShare).toBe(0);
    expect(gan.maxTotalVariation).toBeCloseTo(0.25, 12);
    expect(gan.meanTotalVariation).toBeCloseTo(0.125, 12);
    expect(gan.accuracyGap.logistic).toBeCloseTo(0.06, 12);
    expect(gan.accuracyBelowReal.logistic).toBeCloseTo(-0.06, 12);
    expect(study.byGroup!['model=ddpm'].byN['1000'].meanAbsError).toBeCloseTo(0.03, 12);
  });

  test('a sweep of the share alone has no groups', () => {
    const only = [variant('ddpm', 'tabular-ddpm', 0.1, 0.12, 0.02, 0.01), variant('ddpm', 'tabular-ddpm', 0.9, 0.86, 0.04, 0.03)].map((v) => ({
      label: v.label.replace('model=ddpm,', ''),
      result: { ...v.result, overrides: { 'datasets.private.propertyShare.share': v.result.overrides['datasets.private.propertyShare.share'] } },
    }));
    expect(piaStudy(only)!.byGroup).toBeUndefined();
  });
});

describe('through the CLI', () => {
  test('a VAE and a GAN sharer: PIA per generator side by side in the report', async () => {
    const yaml =
      withModel('{ kind: tabular-vae, hidden: [32], latentDim: 4, trainSteps: 60, batchSize: 128 }').replace(
        /\nexpect:[\s\S]*$/,
        '\n',
      ) +
      'sweep:\n' +
      '  - path: sharer.model\n' +
      '    values:\n' +
      '      - { kind: tabular-vae, hidden: [32], latentDim: 4, trainSteps: 60, batchSize: 128 }\n' +
      '      - { kind: tabular-gan, generatorHidden: [32], discriminatorHidden: [32], latentDim: 8, trainSteps: 60, batchSize: 128 }\n' +
      '    labels: [vae, gan]\n' +
      '  - { path: datasets.private.propertyShare.share, values: [0.3] }\n' +
      'expect:\n  - { metric: "piaStudy.byGroup[model=vae].byN.500.hoeffdingRadius", max: 0.1 }\n';
    const file = path.join(tmp, 'vae-gan.yaml');
    fs.writeFileSync(file, yaml);
    const out = path.join(tmp, 'run');
    const { code, stderr } = await runCli(['run', file, '--out', out, '--cache', path.join(tmp, 'cli-cache'), '--quiet']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    for (const [label, kind] of [
      ['model=vae,share=0.3', 'tabular-vae'],
      ['model=gan,share=0.3', 'tabular-gan'],
    ]) {
      const v = report.variants[label];
      expect(v.sharer.model).toMatchObject({ kind, cached: false });
      expect(v.receiver.draw.received).toBe(200);
      expect(v.pia.attacks[0].truth).toBe(0.3);
      expect(v.fidelity.marginals.maxTotalVariation).toBeGreaterThanOrEqual(0);
      expect(v.audit.consistentWithReceiver).toBe(true);
    }
    expect(Object.keys(report.piaStudy.byGroup)).toEqual(['model=vae', 'model=gan']);
    expect(report.piaStudy.byGroup['model=gan']).toMatchObject({ modelKind: 'tabular-gan', variants: ['model=gan,share=0.3'] });
    expect(report.piaStudy.byGroup['model=vae'].byN['500'].meanAbsError).toBeCloseTo(report.variants['model=vae,share=0.3'].pia.attacks[0].byN['500'].error, 12);
    expect(report.expectations).toEqual([expect.objectContaining({ passed: true })]);
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/\| model=vae \| tabular-vae \| [0-9.]+ \| [0-9.]+ \|/);
    expect(md).toMatch(/\| model=gan \| tabular-gan \|/);
  }, 60_000);
});
