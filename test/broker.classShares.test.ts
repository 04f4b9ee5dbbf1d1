/**
 * The `class-shares` grant (issue 19, finding 3; docs/privacy.md "What each grant reveals"): Gateway.Describe gives the
 * exact class shares of the sharer's training data only under that grant; without it none, and the receiver's draw in
 * the model's proportions becomes one unconditional request whose classes the sharer picks from its shares at random.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readAuditLog } from '../broker/audit';
import { BrokerClient } from '../receiver/brokerClient';
import { planDraw } from '../receiver/draw';
import { repoRoot } from '../shared/repoRoot';
import { parseScenario } from '../shared/scenario';
import { runCli } from './helpers/cli';
import { startSharerAndBroker, type LivePair } from './helpers/liveParties';

let plain: LivePair;
let hidden: LivePair;
beforeAll(async () => {
  [plain, hidden] = await Promise.all([
    startSharerAndBroker({ budgetSamples: 1000, access: ['black-box', 'class-shares'] }),
    startSharerAndBroker({ budgetSamples: 1000 }),
  ]);
}, 90_000);
afterAll(async () => {
  await Promise.all([plain?.stop(), hidden?.stop()]);
});

test('Describe gives the training data\'s class shares only under the class-shares grant; the rest of the description is the same', async () => {
  const a = await new BrokerClient(plain.brokerAddress, plain.receiverToken).describe();
  const b = await new BrokerClient(hidden.brokerAddress, hidden.receiverToken).describe();
  expect(a.classes.shares.length).toBe(2);
  expect(a.classes.shares.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9);
  expect(b.classes.shares).toEqual([]);
  expect(b.classes.values).toEqual(a.classes.values);
  expect(b.schema).toEqual(a.schema);
  expect(a.access).toContain('class-shares');
  expect(b.access).toEqual(['black-box']);
});

test('class-shares alone opens no service, so a scenario granting only it is refused', async () => {
  const { parseGrants } = await import('../broker/grants');
  expect(() => parseGrants(['class-shares'])).toThrow(/broker\.access: at least one of black-box, gray-box, white-box, fine-tune must be granted/);
  expect([...parseGrants(['black-box', 'class-shares'])]).toEqual(['black-box', 'class-shares']);
});

test('a draw in the model\'s proportions without shares is one unconditional request; a balanced draw still splits by class', () => {
  expect(planDraw(1000, { values: ['a', 'b'], shares: [] }, 'match')).toEqual([{ classIndex: null, count: 1000 }]);
  expect(planDraw(1000, { values: ['a', 'b'], shares: [] }, 'balanced')).toEqual([
    { classIndex: 0, count: 500 },
    { classIndex: 1, count: 500 },
  ]);
  expect(planDraw(1000, { values: ['a', 'b'], shares: [0.75, 0.25] }, 'match')).toEqual([
    { classIndex: 0, count: 750 },
    { classIndex: 1, count: 250 },
  ]);
});

test('through the CLI: without the class-shares grant the receiver\'s draw in the model\'s proportions is one unconditional Sample', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-shares-'));
  try {
    const granted = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml'), 'utf8');
    const source = granted.replace('access: [black-box, class-shares]', 'access: [black-box]');
    expect(source).not.toBe(granted);
    const file = path.join(tmp, 'tiny-hidden.yaml');
    fs.writeFileSync(file, source);
    const out = path.join(tmp, 'run');
    const { code, stderr } = await runCli(['run', file, '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const samples = readAuditLog(path.join(out, 'audit.jsonl')).filter((l) => l.method === 'BlackBox.Sample');
    expect(samples.map((l) => [(l.arguments as { conditional?: boolean }).conditional ?? false, l.samplesReturned])).toEqual([[false, 1000]]);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.receiver.draw.received).toBe(1000);
    // Joint fidelity (issue 21) is in every tabular report, each statistic beside its baseline (cli/jointFidelity.ts).
    const { joint, dependence, detection } = report.fidelity;
    expect(joint.summary.pairs).toBe(joint.pairs.length);
    expect(joint.summary.maxDifference).toBeGreaterThanOrEqual(joint.summary.meanDifference);
    expect(joint.halvesBaseline).toMatchObject({ rowsPerHalf: 750, maxDifference: expect.any(Number), meanDifference: expect.any(Number) });
    expect(dependence).toMatchObject({ nSynthetic: 1000, nReal: 1500, intervalsOverlap: expect.any(Boolean) });
    for (const side of ['synthetic', 'real', 'syntheticMinusReal']) expect(dependence[side].low).toBeLessThanOrEqual(dependence[side].high);
    expect(detection).toMatchObject({ chance: 0.5, syntheticVsReal: { recordsPerSide: 1000, testPerSide: 300 }, realHalves: { recordsPerSide: 750 } });
    expect(detection.syntheticVsReal.auc.estimate).toBeGreaterThanOrEqual(0);
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toContain('## Joint fidelity');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 120_000);

test('the loader refuses class-shares granted alone, at broker.access', () => {
  const source = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml'), 'utf8').replace('access: [black-box, class-shares]', 'access: [class-shares]');
  expect(() => parseScenario(source, '/virtual/shares.yaml')).toThrow(/broker\.access: class-shares alone opens no service/);
});
