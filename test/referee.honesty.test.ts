/**
 * Referee honesty (docs/metrics.md, "Baselines and assertions"): every shipped scenario asserts something, and the
 * property-inference assertions are ones a do-nothing attack fails. The PIA check replays each shipped PIA
 * scenario's own `expect:` on reports built by the real scoring code (the property-inference move's scorer → piaStudy) from two
 * receivers: one whose estimate is a constant (the midpoint, whatever it sees) and one that tracks the truth. The
 * constant must fail, the tracking one must pass: an assertion that a constant passes tells a user nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { loadScenario, scenarioVariants, type Scenario } from '../shared/scenario';
import { checkExpectations, verdictOf } from '../cli/expectations';
import { piaStudy } from '../cli/studies/pia';
import { scorePropertyInferenceRun } from '../receiver/moves/property-inference/score';
import type { PropertyInferenceEvidence } from '../receiver/moves/property-inference/run';
import type { Table } from '../shared/data/table';

const SCENARIOS = path.join(repoRoot(), 'scenarios');
const shipped = fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml'));
// The property-inference studies. A defence scenario that runs the attack against a property decoy asserts claims
// about the decoy, not the attack; its honesty test is its own (test/privacy.decoy.test.ts).
const runsDecoy = (s: Scenario) => scenarioVariants(s).some((v) => v.scenario.sharer.defences.some((d) => d.kind === 'property-decoy'));
// The attack × defence matrix (a sweep with a `cases` axis) asserts claims about the defences; its property-inference
// row is reported, never asserted (checked below), so a constant estimate has nothing to pass there.
const isMatrix = (s: Scenario) => (s.sweep ?? []).some((entry) => 'cases' in entry);
const runsPia = (s: Scenario) => s.receiver.attacks.some((a) => a.kind === 'property-inference');
const piaScenarios = shipped.filter((f) => {
  const scenario = loadScenario(path.join(SCENARIOS, f));
  return runsPia(scenario) && !runsDecoy(scenario) && !isMatrix(scenario);
});
const matrixScenarios = shipped.filter((f) => isMatrix(loadScenario(path.join(SCENARIOS, f))));

describe('shipped scenarios', () => {
  test.each(shipped)('%s asserts something (a run with nothing to check could only be report-only)', (file) => {
    expect(loadScenario(path.join(SCENARIOS, file)).expect.length).toBeGreaterThan(0);
  });

  test.each(['fpa-census.yaml', 'fpa-adult.yaml'])('%s asserts its FPA claims on means over at least three seeds', (file) => {
    const scenario = loadScenario(path.join(SCENARIOS, file));
    expect(scenario.replicates?.seeds.length).toBeGreaterThanOrEqual(3);
    const fpaClaims = scenario.expect.filter((e) => e.metric.includes('fpa.rows'));
    expect(fpaClaims.length).toBeGreaterThan(0);
    for (const e of [...fpaClaims.map((c) => c.metric), ...fpaClaims.flatMap((c) => (c.baseline ? [c.baseline] : []))]) {
      expect(e).toMatch(/^acrossSeeds\.fpa\.rows\[/);
    }
  });

  test.each(matrixScenarios)('%s, a matrix, asserts nothing about property inference (its row is reported only)', (file) => {
    const scenario = loadScenario(path.join(SCENARIOS, file));
    expect(scenario.expect.filter((e) => /(^|\.)pia\./.test(e.metric) || /(^|\.)pia\./.test(e.baseline ?? ''))).toEqual([]);
  });

  test('there are PIA scenarios to check', () => {
    expect(piaScenarios.length).toBeGreaterThanOrEqual(5);
  });
});

/** What a receiver's estimator answers for truth p: the estimate and the interval it reports with it. */
type Estimator = (p: number) => { estimate: number; interval: [number, number] };

const constantMidpoint: Estimator = () => ({ estimate: 0.5, interval: [0.45, 0.55] });
const tracksTheTruth: Estimator = (p) => ({ estimate: p + 0.01, interval: [p - 0.04, p + 0.06] });

/** The sharer's training records with `column` = `value` at share p, and the other category otherwise. */
function recordsAtShare(column: string, value: string, p: number, rows = 1000): Table {
  const positives = Math.round(p * rows);
  return {
    schema: { columns: [{ name: column, type: 'categorical', categories: [`not-${value}`, value] }] },
    rows: Array.from({ length: rows }, (_, i) => [i < positives ? 1 : 0]),
  };
}

/** The report a PIA sweep would produce if the receiver's estimator were `estimator` (every other part real). */
function reportWith(scenario: Scenario, estimator: Estimator): unknown {
  const variants = scenarioVariants(scenario).map((variant) => {
    const attacks = variant.scenario.receiver.attacks.flatMap((config, index) => (config.kind === 'property-inference' ? [{ config, index }] : []));
    const { property } = attacks[0].config as unknown as { property: { column: string; value: string } };
    const share = Object.values(variant.scenario.datasets).find((d) => d.propertyShare)!.propertyShare!.share;
    const truth = Math.round(share * 1000) / 1000;
    const evidence = attacks.map(({ config, index }) => ({
      kind: 'property-inference',
      index,
      property: `${property.column} == "${property.value}"`,
      propertySpec: property,
      estimates: (config as unknown as { samples: number[] }).samples.map((n) => {
        const { estimate, interval } = estimator(truth);
        return {
          kind: 'binary',
          n,
          discriminator: 'aux-trained',
          discriminatorError: 0.2,
          hoeffdingRadius: Math.sqrt(Math.log(2 / 0.05) / (2 * n)),
          pHat: estimate,
          interval,
          corrected: estimate,
          correctedInterval: interval,
          correctedIntervalWithCalibration: interval,
        };
      }),
    }));
    const trainingRecords = recordsAtShare(property.column, property.value, share);
    // The move's own scorer, as the referee calls it (no aux data: the aux prior is null).
    const pia = { attacks: evidence.map((e) => scorePropertyInferenceRun(e as unknown as PropertyInferenceEvidence, {}, { trainingRecords, receiverDatasets: {} })) };
    return { label: variant.label, result: { pia, overrides: variant.overrides, sharer: { model: { kind: variant.scenario.sharer.model.kind } } } };
  });
  return { piaStudy: piaStudy(variants) };
}

describe.each(piaScenarios)('%s: its PIA assertions fail a constant estimate', (file) => {
  const scenario = loadScenario(path.join(SCENARIOS, file));
  // Every assertion the scenario makes about the property-inference study.
  const attackClaims = scenario.expect.filter((e) => e.metric.startsWith('piaStudy.'));

  test('it has an assertion against the constant guess', () => {
    expect(attackClaims.some((e) => /errorRatioToConstant|marginOverConstant/.test(e.metric))).toBe(true);
  });

  test('a receiver that answers the midpoint whatever it sees fails them', () => {
    const outcomes = checkExpectations(reportWith(scenario, constantMidpoint), attackClaims);
    expect(verdictOf(outcomes)).toBe('failed');
    // Not for want of a value: the constant's numbers are in the report and miss their bound.
    expect(outcomes.filter((o) => !o.passed).every((o) => o.value !== null)).toBe(true);
  });

  test('a receiver that tracks the truth passes them (the assertions can hold)', () => {
    const outcomes = checkExpectations(reportWith(scenario, tracksTheTruth), attackClaims);
    expect(outcomes.map((o) => o.message).filter((_, i) => !outcomes[i].passed)).toEqual([]);
  });
});
