/**
 * DP-SGD as the sharer's defence in a scenario (sharer.defences: dp-training; docs/privacy.md): the sharer chooses σ
 * for the target ε, trains with DP-SGD (a model of its own in the cache), reports the accountant's transcript as its
 * ground truth, and the referee puts the guarantee in the report. Refused for a model it cannot train.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { parseScenario } from '../shared/scenario';
import { dpSgdEpsilon } from '../shared/privacy/rdpAccountant';
import { runCli } from './helpers/cli';

const TINY = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml'), 'utf8');
const WITH_DP = TINY.replace('name: tiny', 'name: tiny-dp').replace(
  '  model: { kind: tabular-ddpm, timesteps: 50, hidden: [64, 64], trainSteps: 150, batchSize: 128 }',
  '  model: { kind: tabular-ddpm, timesteps: 50, hidden: [64, 64], trainSteps: 150, batchSize: 128 }\n  defences:\n    - kind: dp-training\n      targetEpsilon: 3\n      noiseDraws: 2',
);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-dp-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the defence parses with its defaults, and is refused for a model DP-SGD cannot train or in the wrong list', () => {
  expect(parseScenario(WITH_DP, '/virtual/dp.yaml').sharer.defences).toEqual([{ kind: 'dp-training', targetEpsilon: 3, delta: 1e-5, clipNorm: 1, noiseDraws: 2 }]);
  const vae = WITH_DP.replace('kind: tabular-ddpm, timesteps: 50, hidden: [64, 64], trainSteps: 150, batchSize: 128', 'kind: tabular-vae, trainSteps: 150');
  expect(() => parseScenario(vae, '/virtual/dp.yaml')).toThrow(/sharer\.defences\.0\.kind: trains the tabular DDPM only \(sharer\.model\.kind is tabular-vae\)/);
  const poisoningAsDefence = WITH_DP.replace('    - kind: dp-training\n      targetEpsilon: 3\n      noiseDraws: 2', '    - kind: greedy-mi');
  expect(() => parseScenario(poisoningAsDefence, '/virtual/dp.yaml')).toThrow(/sharer\.defences\.0\.kind: unknown sharer move: "greedy-mi" belongs in the poisoning slot/);
});

test('a run trains with DP-SGD at the σ that spends the target ε, and reports the guarantee', async () => {
  const file = path.join(tmp, 'dp.yaml');
  fs.writeFileSync(file, WITH_DP);
  const out = path.join(tmp, 'run');
  // A cache of its own, so that the model is trained here whatever ran before.
  const run = await runCli(['run', file, '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  const [transcript] = report.sharer.defences;
  // N = 1,500 private records, expected batch 128 (the model's batch size), 150 steps.
  expect(transcript).toMatchObject({ kind: 'dp-training', trainRows: 1500, expectedBatch: 128, steps: 150, samplingRate: 128 / 1500, delta: 1e-5, clipNorm: 1, noiseDraws: 2 });
  expect(transcript.epsilon).toBeLessThanOrEqual(3);
  expect(transcript.epsilon).toBeGreaterThan(3 - 1e-6);
  // The referee's section is the accountant's, and the accountant agrees with it from the transcript alone.
  expect(report.moves['dp-training']).toMatchObject({ epsilon: transcript.epsilon, noiseMultiplier: transcript.noiseMultiplier });
  expect(dpSgdEpsilon({ samplingRate: transcript.samplingRate, noiseMultiplier: transcript.noiseMultiplier, steps: 150, delta: 1e-5 }).epsilon).toBe(transcript.epsilon);
  // A DP model is a model of its own: not tiny.yaml's cached one.
  expect(report.sharer.model.cached).toBe(false);
  expect(report.receiver.draw.received).toBe(1000);
});
