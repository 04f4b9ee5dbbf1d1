/**
 * The fair-reduction defence end to end (receiver.defences; receiver/moves/fair-reduction): the tiny FPA fixture as one
 * variant (label flipping at α = 0.5, and 400 training steps instead of 40: the 40-step model's records carry too
 * little of the poisoning for a well-trained classifier to pick it up, so the constraint would have nothing to do),
 * three real processes. The receiver's classifier is fitted by the exponentiated-gradient
 * reduction on the synthetic records it drew, so on those records its demographic-parity constraint holds within ε
 * while the unconstrained classifier (the reduction's first best response) picks up the poisoning. Small model: the
 * wiring and the constraint are tested, not the defence's effect on the test split (docs/fairness-defences.md, "The reduction").
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { parseScenario } from '../shared/scenario';
import { runCli } from './helpers/cli';

const TINY_FPA = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny-fpa.yaml'), 'utf8');
const EPSILON = 0.05;
/** One variant, no sweep, the defence listed: 30 epochs per inner fit (the receiver's 3 leave the classifier at its initial weights), at most 20 rounds. */
const DEFENDED = TINY_FPA.replace('name: tiny-fpa', 'name: tiny-fpa-reduction')
  .replace('trainSteps: 40,', 'trainSteps: 400,')
  .replace('poisoning: { method: greedy-mi, alpha: 0, trainRows: 600 }', 'poisoning: { method: label-flipping, alpha: 0.5, trainRows: 600 }')
  .replace('  balanceTest: true', `  balanceTest: true\n  defences:\n    - kind: fair-reduction\n      epsilon: ${EPSILON}\n      innerEpochs: 30\n      maxIterations: 20`)
  .replace(/\nsweep:[\s\S]*$/, '\n');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-reduction-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the defence parses with its defaults, and is refused when the sharer hides S, for ε = 0 or another constraint', () => {
  const parsed = parseScenario(DEFENDED, '/virtual/reduction.yaml');
  expect(parsed.receiver.defences).toEqual([{ kind: 'fair-reduction', constraint: 'demographic-parity', epsilon: EPSILON, maxIterations: 20, innerEpochs: 30, eta0: 2, prediction: 'draw' }]);
  const hidden = DEFENDED.replace('  data: private\n', '  data: private\n  hideColumns: [sex]\n');
  expect(() => parseScenario(hidden, '/virtual/reduction.yaml')).toThrow(/receiver\.defences\.0.*no column "sex" \(task\.sensitive\): the sharer hides it/);
  const badEpsilon = DEFENDED.replace(`epsilon: ${EPSILON}`, 'epsilon: 0');
  expect(() => parseScenario(badEpsilon, '/virtual/reduction.yaml')).toThrow(/receiver\.defences\.0\.epsilon/);
  const otherConstraint = DEFENDED.replace(`epsilon: ${EPSILON}`, `epsilon: ${EPSILON}\n      constraint: equalized-odds`);
  expect(() => parseScenario(otherConstraint, '/virtual/reduction.yaml')).toThrow(/receiver\.defences\.0\.constraint/);
});

test('a run fits the classifier by the reduction: within ε on the synthetic records, evidence scored', async () => {
  const file = path.join(tmp, 'reduction.yaml');
  fs.writeFileSync(file, DEFENDED);
  const out = path.join(tmp, 'run');
  const run = await runCli(['run', file, '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  const [defence] = report.receiver.defences;
  expect(defence).toMatchObject({ kind: 'fair-reduction', index: 0, epsilon: EPSILON, records: 400, prediction: 'draw' });
  const fit = defence.fits.logistic;
  // The poisoned records make the unconstrained classifier break the constraint: it had work to do.
  expect(fit.unconstrained.maxGroupDeviation).toBeGreaterThan(EPSILON);
  // The mixture meets it on the records it was fitted on, within Theorem 1's slack (1 + 2ν)/B, B = 1/ε.
  expect(fit.training.maxGroupDeviation).toBeLessThanOrEqual(EPSILON + EPSILON * (1 + 2 * fit.nu));
  expect(fit.training.maxGroupDeviation).toBeLessThan(fit.unconstrained.maxGroupDeviation);
  // The gap between the groups is the deviation over max(p₀, p₁) ≥ 1/2.
  expect(fit.training.dpGap).toBeLessThanOrEqual(2 * (EPSILON + EPSILON * (1 + 2 * fit.nu)));
  expect(fit.oracleCalls).toBeGreaterThanOrEqual(fit.iterations);
  expect(fit.supportSize).toBe(fit.weights.length);
  expect(fit.weights.reduce((a: number, w: number) => a + w, 0)).toBeCloseTo(1, 9);
  expect(report.moves['fair-reduction']).toMatchObject({
    constraint: 'demographic-parity',
    epsilon: EPSILON,
    logistic: { iterations: fit.iterations, supportSize: fit.supportSize, trainingDpGap: fit.training.dpGap, unconstrained: { trainingDpGap: fit.unconstrained.dpGap } },
  });
  expect(report.receiver.downstream.logistic.evaluation.dpGap.estimate).toBeGreaterThanOrEqual(0);
}, 60_000);

test('at run time, records without S are refused naming the field, by the move and by its plan', async () => {
  const { fairReduction } = await import('../receiver/moves/fair-reduction');
  const config = fairReduction.configSchema.parse({});
  const synthetic = { schema: { columns: [{ name: 'income', kind: 'categorical', values: ['<=50K', '>50K'] }] }, rows: [] } as never;
  const task = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };
  const ctx = { synthetic, task, index: 2, seed: 1, say: () => undefined } as never;
  await expect(fairReduction.run(config, ctx)).rejects.toThrow(/^receiver\.defences\[2\] \(fair-reduction\): the synthetic records have no column "sex" \(task\.sensitive\)/);
  const withS = { ...(ctx as object), synthetic: { schema: { columns: [{ name: 'sex' }] }, rows: [] } } as never;
  const { plan } = await fairReduction.run(config, withS);
  const x = { data: new Float32Array(4), rows: 2, cols: 2 };
  await expect(plan!.fit!(async () => ({ predictProbability: () => new Float32Array(2) }), { x, y: new Uint8Array(2), s: null, seed: 1, kind: 'logistic' })).rejects.toThrow(
    /receiver\.defences\[2\] \(fair-reduction\): the synthetic records have no column "sex"/,
  );
});

test('reweighing listed with the reduction is refused in one line, not silently dropped', async () => {
  const both = DEFENDED.replace('  defences:\n    - kind: fair-reduction', '  defences:\n    - kind: reweighing\n    - kind: fair-reduction');
  const file = path.join(tmp, 'both.yaml');
  fs.writeFileSync(file, both);
  const run = await runCli(['run', file, '--out', path.join(tmp, 'both-run'), '--cache', path.join(tmp, 'cache'), '--quiet']);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/an earlier defence weighs the records and receiver\.defences\[1\] \(fair-reduction\) fits the classifiers itself, which does not take base weights yet/);
}, 60_000);
