/**
 * The property decoy (sharer.defences: property-decoy; docs/privacy.md): the training set resampled so that the share
 * of task.sensitive = task.privileged is p₀. Checked on the algorithm (share to within one record, P(Y | S) kept,
 * determinism, any column), on the scenario format (bad configs refused with the field named), and end to end: the
 * sharer trains on the decoy set, the PIA section still scores against the owner's p, and the referee scores p̂
 * against p₀ too.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateCensus } from '../shared/data/census';
import { subsampleWithProportion } from '../shared/data/split';
import { binaryColumn, type Table, type TaskSpec } from '../shared/data/table';
import { Rng } from '../shared/random';
import { repoRoot } from '../shared/repoRoot';
import { parseScenario } from '../shared/scenario';
import { apportion, propertyDecoy, type DecoyOptions } from '../sharer/moves/property-decoy/decoy';
import { propertyDecoyMove } from '../sharer/moves/property-decoy';
import { decoyFollowed, decoyStudy, type DecoyStudyVariant } from '../cli/studies/decoy';
import type { PiaSection } from '../cli/studies/pia';
import { acrossSeeds } from '../cli/studies/acrossSeeds';
import { checkExpectations, verdictOf } from '../cli/expectations';
import { loadScenario, scenarioVariants } from '../shared/scenario';
import { scorePropertyInferenceRun } from '../receiver/moves/property-inference/score';
import type { PropertyInferenceEvidence } from '../receiver/moves/property-inference/run';
import { runCli } from './helpers/cli';

const TASK: TaskSpec = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };
const pool = generateCensus({ rows: 8000, seed: 5 });
/** The owner's 2,000 records at p = 0.5. */
const owner = subsampleWithProportion(pool, 'sex', 'Male', 0.5, 2000, new Rng(6));

const share = (t: Table, task: TaskSpec) => binaryColumn(t, task.sensitive, task.privileged).reduce((a, b) => a + b, 0) / t.rows.length;

/** P(Y = positive | S = s) for s = 0, 1. */
function positiveShares(t: Table, task: TaskSpec): [number, number] {
  const s = binaryColumn(t, task.sensitive, task.privileged);
  const y = binaryColumn(t, task.label, task.positive);
  const n = [0, 0];
  const pos = [0, 0];
  for (let i = 0; i < s.length; i++) {
    n[s[i]]++;
    pos[s[i]] += y[i];
  }
  return [pos[0] / n[0], pos[1] / n[1]];
}

const options = (decoyShare: number, method: DecoyOptions['method'] = 'subsample', keepLabelShares = true): DecoyOptions => ({ decoyShare, method, keepLabelShares });

describe('the decoy set', () => {
  test.each([
    [0.05, 'subsample'],
    [0.2, 'subsample'],
    [0.8, 'subsample'],
    [0.97, 'subsample'],
    [0.2, 'oversample'],
    [0.8, 'oversample'],
  ] as const)('p₀ = %s (%s): the share is p₀ to within one record', (p0, method) => {
    const { table, report } = propertyDecoy(owner, TASK, options(p0, method), 1);
    const n = table.rows.length;
    const privileged = share(table, TASK) * n;
    expect(Math.abs(privileged - p0 * n)).toBeLessThanOrEqual(1);
    expect(report.achievedShare).toBeCloseTo(share(table, TASK), 12);
    expect(report.ownerShare).toBe(0.5);
    expect(report.rowsBefore).toBe(2000);
    expect(report.rowsAfter).toBe(n);
    if (method === 'subsample') {
      // No duplicates: every owner record at most once, and all of the under-represented group kept.
      expect(report.duplicates).toBe(0);
      expect(new Set(table.rows).size).toBe(n);
      expect(n).toBeLessThan(2000);
      expect(Math.max(report.cellsAfter.s0y0 + report.cellsAfter.s0y1, report.cellsAfter.s1y0 + report.cellsAfter.s1y1)).toBe(1000);
    } else {
      // N kept, the under-represented group repeated.
      expect(n).toBe(2000);
      expect(report.duplicates).toBeGreaterThan(0);
      expect(report.duplicates).toBe(n - new Set(table.rows).size);
    }
  });

  test('keepLabelShares keeps P(Y | S) to within one record per group; without it the draw is random within each group', () => {
    const before = positiveShares(owner, TASK);
    for (const method of ['subsample', 'oversample'] as const) {
      for (const p0 of [0.1, 0.3, 0.85]) {
        const { table, report } = propertyDecoy(owner, TASK, options(p0, method), 3);
        const after = positiveShares(table, TASK);
        const groups = [report.cellsAfter.s0y0 + report.cellsAfter.s0y1, report.cellsAfter.s1y0 + report.cellsAfter.s1y1];
        for (const g of [0, 1]) expect(Math.abs(after[g] - before[g])).toBeLessThanOrEqual(1 / groups[g]);
        expect(report.positiveShareAfter.privileged).toBeCloseTo(after[1], 12);
        expect(report.positiveShareBefore.other).toBeCloseTo(before[0], 12);
      }
    }
    // Without stratification the label share of the subsampled group wanders by sampling noise (a hypergeometric
    // draw of 250 of 1,000 men): over 20 seeds it leaves the one-record band at least once.
    const wandered = Array.from({ length: 20 }, (_, seed) => {
      const { table } = propertyDecoy(owner, TASK, options(0.2, 'subsample', false), seed);
      return Math.abs(positiveShares(table, TASK)[1] - before[1]) > 1 / 250;
    });
    expect(wandered.some(Boolean)).toBe(true);
  });

  test('the same seed gives the same set, another seed another', () => {
    const a = propertyDecoy(owner, TASK, options(0.2), 42).table;
    const b = propertyDecoy(owner, TASK, options(0.2), 42).table;
    const c = propertyDecoy(owner, TASK, options(0.2), 43).table;
    expect(b.rows).toEqual(a.rows);
    expect(c.rows).not.toEqual(a.rows);
    // Rows keep the owner's order, so the set, not the draw's order, decides the model's cache key.
    const index = new Map(owner.rows.map((r, i) => [r, i]));
    const positions = a.rows.map((r) => index.get(r)!);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
  });

  test('general over any categorical column and value: a three-valued group column, not census', () => {
    const groups = ['a', 'b', 'c'];
    const rng = new Rng(9);
    const table: Table = {
      schema: {
        columns: [
          { name: 'x', type: 'numeric' },
          { name: 'group', type: 'categorical', categories: groups },
          { name: 'outcome', type: 'categorical', categories: ['no', 'yes'] },
        ],
      },
      // group b is 60% of 500 records; outcome depends on the group.
      rows: Array.from({ length: 500 }, (_, i) => {
        const g = i < 300 ? 1 : i < 400 ? 0 : 2;
        return [rng.normal(), g, rng.bernoulli(g === 1 ? 0.7 : 0.2) ? 1 : 0];
      }),
    };
    const task: TaskSpec = { label: 'outcome', positive: 'yes', sensitive: 'group', privileged: 'b' };
    const before = positiveShares(table, task);
    const { table: decoy, report } = propertyDecoy(table, task, options(0.25), 2);
    expect(report.column).toBe('group');
    expect(report.value).toBe('b');
    expect(report.ownerShare).toBeCloseTo(0.6, 12);
    expect(Math.abs(share(decoy, task) * decoy.rows.length - 0.25 * decoy.rows.length)).toBeLessThanOrEqual(1);
    // All 200 records outside b kept (a and c in their own proportions), 67 of b's 300.
    expect(decoy.rows.filter((r) => r[1] !== 1)).toHaveLength(200);
    expect(decoy.rows.length).toBe(267);
    const after = positiveShares(decoy, task);
    expect(Math.abs(after[1] - before[1])).toBeLessThanOrEqual(1 / 67);
  });

  test('refused with the reason when the data cannot give the decoy', () => {
    const allMale = subsampleWithProportion(pool, 'sex', 'Male', 1, 100, new Rng(1));
    expect(() => propertyDecoy(allMale, TASK, options(0.5), 1)).toThrow(/no record with sex ≠ Male: no share in \(0, 1\) can be reached/);
    // 0.0001 of 1,000 women's worth of men is no man at all.
    expect(() => propertyDecoy(owner, TASK, options(0.0001), 1)).toThrow(/^decoyShare: 0\.0001 keeps no record with sex = Male out of 2000/);
    expect(() => propertyDecoy(owner, TASK, options(1), 1)).toThrow(/^decoyShare: expected a share strictly between 0 and 1, got 1$/);
  });

  test('apportion splits exactly, each part within one of its share', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [100, 0])).toEqual([7, 0]);
    expect(apportion(250, [780, 220])).toEqual([195, 55]);
  });
});

describe('in a scenario', () => {
  const TINY = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml'), 'utf8');
  const MODEL_LINE = '  model: { kind: tabular-ddpm, timesteps: 50, hidden: [64, 64], trainSteps: 150, batchSize: 128 }';
  const withDefence = (entry: string) => TINY.replace(MODEL_LINE, `${MODEL_LINE}\n  defences:\n    - ${entry}`);

  test('the defence parses with its defaults', () => {
    expect(parseScenario(withDefence('{ kind: property-decoy, decoyShare: 0.2 }'), '/virtual/d.yaml').sharer.defences).toEqual([
      { kind: 'property-decoy', decoyShare: 0.2, method: 'subsample', keepLabelShares: true },
    ]);
  });

  test.each([
    ['{ kind: property-decoy, decoyShare: 1.5 }', /sharer\.defences\.0\.decoyShare: expected a number < 1 \(got 1\.5\)/],
    ['{ kind: property-decoy, decoyShare: 0 }', /sharer\.defences\.0\.decoyShare: expected a number > 0 \(got 0\)/],
    ['{ kind: property-decoy }', /sharer\.defences\.0\.decoyShare: required field is missing \(expected a number\)/],
    ['{ kind: property-decoy, decoyShare: "half" }', /sharer\.defences\.0\.decoyShare: expected a number \(got "half"\)/],
    ['{ kind: property-decoy, decoyShare: 0.2, method: duplicate }', /sharer\.defences\.0\.method: .*subsample.*oversample/],
    ['{ kind: property-decoy, decoyShare: 0.2, share: 0.3 }', /sharer\.defences\.0.*share/],
  ])('%s is refused in one line naming the field', (entry, message) => {
    let error = '';
    try {
      parseScenario(withDefence(entry), '/virtual/d.yaml');
    } catch (err) {
      error = (err as Error).message;
    }
    expect(error).toMatch(message);
    expect(error.split('\n').filter((l) => /decoyShare|method|share/.test(l))).toHaveLength(1);
  });

  test('refused in a membership game, whose members are the training set', () => {
    const game = withDefence('{ kind: property-decoy, decoyShare: 0.2 }').replace('sharer:\n', 'membership: { members: 300, nonMembers: 300 }\nsharer:\n');
    expect(() => parseScenario(game, '/virtual/d.yaml')).toThrow(/sharer\.defences\.0\.kind: changes which records are trained on, which would falsify the membership game/);
  });

  test("the referee scores p̂ against p₀ on the attack's own bound", () => {
    const pia: PiaSection = {
      attacks: [
        {
          index: 0,
          property: 'sex == "Male"',
          discriminator: 'aux-trained',
          truth: 0.5,
          outcomes: ['not', 'Male'],
          truthOf: '',
          baselines: { midpoint: { guess: 0.5, error: 0 }, auxPrior: null },
          byN: {
            '1000': { n: 1000, pHat: 0.3, corrected: 0.22, hoeffdingRadius: 0.043, discriminatorError: 0.1, bound: 0.143, error: 0.2, correctedError: 0.28, held: false, correctedHeld: false, interval: [0.1, 0.35], intervalKind: 'corrected-with-calibration', covered: false },
          },
        },
        // Another property: the decoy says nothing about it.
        { index: 1, property: 'income == ">50K"', discriminator: 'identity', truth: 0.2, outcomes: [], truthOf: '', baselines: { midpoint: { guess: 0.5, error: 0.3 }, auxPrior: null }, byN: {} },
      ],
    };
    const [scored, ...others] = decoyFollowed({ column: 'sex', value: 'Male', decoyShare: 0.2 }, pia);
    expect(others).toEqual([]);
    expect(scored.index).toBe(0);
    const e = scored.byN['1000'];
    expect(e.errorToDecoy).toBeCloseTo(0.1, 12);
    expect(e.correctedErrorToDecoy).toBeCloseTo(0.02, 12);
    expect(e.heldToDecoy).toBe(true);
    expect(e.decoyCovered).toBe(true);
    expect(decoyFollowed({ column: 'sex', value: 'Male', decoyShare: 0.6 }, pia)[0].byN['1000']).toMatchObject({ heldToDecoy: false, decoyCovered: false });
  });

  test('end to end: the model is trained on the decoy set, PIA is still scored against the owner\'s p, and p̂ against p₀', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-decoy-'));
    try {
      // tiny-pia with sex visible (an exact count) and the owner's p = 0.7, the decoy p₀ = 0.2.
      const yaml = fs
        .readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny-pia.yaml'), 'utf8')
        .replace('name: tiny-pia', 'name: tiny-decoy')
        .replace('share: 0.3, rows: 1000', 'share: 0.7, rows: 1000')
        .replace('  hideColumns: [sex]\n', '  defences: [{ kind: property-decoy, decoyShare: 0.2 }]\n')
        // tiny-pia's and tiny's models have not learnt the sex marginal (measured: p̂ 0.1-0.3 whatever the data's share);
        // this one has (4 s of training): undefended p̂ = 0.60 at p = 0.7, with the decoy 0.10.
        .replace(/  model: .*\n/, '  model: { kind: tabular-ddpm, timesteps: 100, hidden: [128, 128], trainSteps: 1500, batchSize: 256, warmupSteps: 100 }\n')
        .replace(/sweep:[\s\S]*$/, '');
      const file = path.join(tmp, 'decoy.yaml');
      fs.writeFileSync(file, yaml);
      const out = path.join(tmp, 'run');
      const run = await runCli(['run', file, '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
      // The owner's 1,000 records at p = 0.7: the decoy keeps all 300 women and 75 men.
      expect(report.sharer.trainingData).toMatchObject({ rows: 1000, sensitiveShare: 0.7 });
      expect(report.sharer.defences[0]).toMatchObject({ kind: 'property-decoy', ownerShare: 0.7, decoyShare: 0.2, achievedShare: 0.2, rowsBefore: 1000, rowsAfter: 375, duplicates: 0 });
      expect(report.moves['property-decoy']).toMatchObject({ ownerShare: 0.7, decoyShare: 0.2, achievedShare: 0.2, rowsAfter: 375 });
      // The receiver's classifier trained on synthetic records beside the owner's whole data (not the decoy set).
      expect(report.fidelity.logistic.realTrainRows).toBe(1000);
      const attack = report.pia.attacks[0];
      expect(attack.truth).toBe(0.7);
      const e = attack.byN['500'];
      const followed = report.moves['property-decoy'].pia[0].byN['500'];
      expect(followed.errorToDecoy).toBeCloseTo(Math.abs(e.pHat - 0.2), 12);
      expect(followed.heldToDecoy).toBe(followed.errorToDecoy <= e.bound);
      // The samples show far fewer men than the owner has: the estimate followed the decoy (a sharer that trained on
      // the owner's set instead gives p̂ ≈ 0.6).
      expect(e.pHat).toBeLessThan(0.45);
      expect(e.error).toBeGreaterThan(e.bound);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 90_000);
});

/**
 * Referee honesty for scenarios/defend-decoy-census.yaml (as test/referee.honesty.test.ts does for the PIA studies):
 * its property-inference claims, replayed on reports built by the real scoring code (the PIA move's scorer → the
 * decoy study → the means over seeds) from a receiver whose estimate follows what the generator was trained on. A
 * decoy that changes nothing (the estimate stays at the owner's p) must fail them; one that works must pass them.
 */
describe('defend-decoy-census.yaml: its claims fail a decoy that does nothing', () => {
  const scenario = loadScenario(path.join(repoRoot(), 'scenarios', 'defend-decoy-census.yaml'));
  const claims = scenario.expect.filter((e) => e.metric.includes('.pia.'));
  const E = 0.3;

  /** The report of the scenario if each variant's generator showed `shown(p, p0)` (p0 null when undefended). */
  function reportWith(shown: (p: number, p0: number | null) => number): unknown {
    const seeds = scenario.replicates!.seeds;
    const runs = seeds.map((seed, k) => {
      const variants: DecoyStudyVariant[] = scenarioVariants(scenario).map((variant) => {
        const decoy = variant.scenario.sharer.defences.find((d) => d.kind === 'property-decoy') as { decoyShare: number } | undefined;
        const p = variant.scenario.datasets.private.propertyShare!.share;
        const config = variant.scenario.receiver.attacks[0] as unknown as { samples: number[]; property: { column: string; value: string } };
        // A small seed-to-seed wobble, so that the intervals over seeds have a width.
        const estimate = Math.min(1, Math.max(0, shown(p, decoy?.decoyShare ?? null) + 0.01 * (k - 1)));
        const evidence = {
          kind: 'property-inference',
          index: 0,
          property: 'sex == "Male"',
          propertySpec: config.property,
          estimates: config.samples.map((n) => {
            const r = Math.sqrt(Math.log(2 / 0.05) / (2 * n));
            const interval: [number, number] = [Math.max(0, estimate - 0.15), Math.min(1, estimate + 0.15)];
            return { kind: 'binary', n, discriminator: 'aux-trained', discriminatorError: E, hoeffdingRadius: r, pHat: estimate, interval, corrected: estimate, correctedInterval: interval, correctedIntervalWithCalibration: interval };
          }),
        };
        const trainingRecords: Table = {
          schema: { columns: [{ name: 'sex', type: 'categorical', categories: ['Female', 'Male'] }] },
          rows: Array.from({ length: 1000 }, (_, i) => [i < Math.round(p * 1000) ? 1 : 0]),
        };
        const pia = { attacks: [scorePropertyInferenceRun(evidence as unknown as PropertyInferenceEvidence, {}, { trainingRecords, receiverDatasets: {} })] };
        return {
          label: variant.label,
          seed,
          testPredictions: { yTrue: [], s: [], predictions: {} },
          result: {
            overrides: variant.overrides,
            pia,
            sharer: decoy ? { defences: [{ kind: 'property-decoy', index: 0, column: 'sex', value: 'Male', decoyShare: decoy.decoyShare }] } : { defences: [] },
            moves: decoy ? { 'property-decoy': { ownerShare: p, achievedShare: decoy.decoyShare, rowsBefore: 6000, rowsAfter: 3750, duplicates: 0 } } : {},
          },
        };
      });
      return { decoyStudy: decoyStudy(variants) };
    });
    return { acrossSeeds: acrossSeeds(runs) };
  }

  test('it asserts on the estimates against p₀ and against the undefended twin', () => {
    expect(claims.some((e) => /errorToDecoy/.test(e.metric))).toBe(true);
    expect(claims.some((e) => /errorRiseVsUndefended/.test(e.metric))).toBe(true);
  });

  test('a decoy the generator ignores (the estimate stays at p) fails them', () => {
    const outcomes = checkExpectations(reportWith((p) => p), claims);
    expect(verdictOf(outcomes)).toBe('failed');
    // Every claim that separates p₀ from p fails; only |p̂ − p₀| ≤ r + e holds, as it does on the real runs for p
    // too (r + e ≈ 0.35 is loose for a weak discriminator: docs/privacy.md).
    expect(outcomes.filter((o) => o.passed).map((o) => o.metric).every((m) => m.endsWith('.errorToDecoy.high'))).toBe(true);
    expect(outcomes.filter((o) => !o.passed).every((o) => o.value !== null)).toBe(true);
  });

  test('a decoy the estimate follows passes them (the assertions can hold)', () => {
    const outcomes = checkExpectations(reportWith((p, p0) => p0 ?? p), claims);
    expect(outcomes.filter((o) => !o.passed).map((o) => o.message)).toEqual([]);
  });
});
