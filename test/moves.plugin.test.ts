/**
 * Adding a move is one folder, its test and one registry line (docs/moves.md): the example move in
 * test/fixtures/moves/label-share-guess, which ships with no party, is parsed with its own field and default, charged in
 * the budget check, run by a real receiver process, scored by the referee, and asserted on by the scenario's
 * `expect:`, once SHAREBOX_MOVES names its module. Without it, the same scenario is refused at its `kind`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readAuditLog } from '../broker/audit';
import { repoRoot } from '../shared/repoRoot';
import { parseScenario } from '../shared/scenario';
import { registerMove, unregisterMove } from '../shared/moves/registry';
import { MOVE_PLUGINS_ENV } from '../shared/moves/plugins';
import { labelShareGuess } from './fixtures/moves/label-share-guess';
import { sampleCap } from './fixtures/moves/sample-cap';
import { runCli } from './helpers/cli';

// tiny.yaml (same data, model and seed, so its cached model serves) with the example move and expectations on its score.
const SCENARIO = fs
  .readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml'), 'utf8')
  .replace('name: tiny', 'name: tiny-plugin-move')
  .replace('budget: { samples: 1200 }', 'budget: { samples: 1600 }\n  defences:\n    - kind: sample-cap\n      maxRecordsPerCall: 5000')
  .replace('  classifierEpochs: 5', '  classifierEpochs: 5\n  attacks:\n    - kind: label-share-guess\n      draws: 400')
  .replace(/expect:[\s\S]*$/, [
    'expect:',
    '  # The guess from 400 samples is within 0.1 of the truth, and closer to it than the trivial guess 1/K.',
    '  - metric: moves.label-share-guess.error',
    '    max: 0.1',
    '  - metric: moves.label-share-guess.baseline.error',
    '    baseline: moves.label-share-guess.error',
    '    min: 0',
    '',
  ].join('\n'));

const PLUGIN = path.join(repoRoot(), 'dist', 'test', 'fixtures', 'moves', 'index.js');

describe('a move registered by a test', () => {
  beforeAll(() => [labelShareGuess, sampleCap].forEach(registerMove));
  afterAll(() => [labelShareGuess, sampleCap].forEach((m) => unregisterMove(m.id)));

  test('its own field is parsed with its default, and an unknown field is an error', () => {
    const withDefault = parseScenario(SCENARIO.replace('      draws: 400\n', ''), '/virtual/plugin.yaml');
    expect(withDefault.receiver.attacks).toEqual([{ kind: 'label-share-guess', draws: 200 }]);
    expect(withDefault.broker.defences).toEqual([{ kind: 'sample-cap', maxRecordsPerCall: 5000 }]);
    expect(() => parseScenario(SCENARIO.replace('draws: 400', 'draw: 400'), '/virtual/plugin.yaml')).toThrow(/receiver\.attacks\.0\.draw/);
  });

  test('a move listed under another party is refused, naming the party it belongs to', () => {
    const swapped = SCENARIO.replace('    - kind: sample-cap\n      maxRecordsPerCall: 5000', '    - kind: label-share-guess');
    expect(() => parseScenario(swapped, '/virtual/plugin.yaml')).toThrow(/broker\.defences\.0\.kind: unknown broker move: "label-share-guess" is a receiver move/);
  });

  test('its cost counts in the budget check, named by its id', () => {
    expect(() => parseScenario(SCENARIO.replace('draws: 400', 'draws: 700'), '/virtual/plugin.yaml')).toThrow(
      /broker\.budget\.samples: expected at least 1700 units: receiver\.draw\.samples \(1000\) \+ label-share-guess 700/,
    );
  });
});

test('without the plugin the scenario is refused at the move’s kind', () => {
  expect(() => parseScenario(SCENARIO, '/virtual/plugin.yaml')).toThrow(/receiver\.attacks\.0\.kind: unknown receiver move/);
});

describe('end to end through SHAREBOX_MOVES', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-plugin-'));
    fs.writeFileSync(path.join(tmp, 'plugin.yaml'), SCENARIO);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('the receiver runs it, the referee scores it beside its baseline, and its expectations are checked', async () => {
    const out = path.join(tmp, 'run');
    const env = { ...process.env, [MOVE_PLUGINS_ENV]: PLUGIN };
    const run = await runCli(['run', path.join(tmp, 'plugin.yaml'), '--out', out, '--quiet'], undefined, env);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    const scored = report.moves['label-share-guess'];
    expect(scored.error).toBeCloseTo(Math.abs(scored.guess - scored.truth), 12);
    expect(scored.baseline.guess).toBe(0.5);
    expect(report.receiver.attacks[0]).toMatchObject({ kind: 'label-share-guess', samplesDrawn: 400 });
    // The broker metered the move's draws: the audit log holds the draw and the move's samples, nothing more.
    expect(report.audit).toMatchObject({ samplesReturned: 1400, consistentWithReceiver: true });
    expect(report.expectations.map((e: { passed: boolean }) => e.passed)).toEqual([true, true]);
    // The broker's move saw every Sample call between meter and forward, and refused none under a high cap.
    const sampleCalls = readAuditLog(path.join(out, 'audit.jsonl')).filter((r) => r.method === 'BlackBox.Sample').length;
    expect(report.moves['sample-cap']).toEqual({ maxRecordsPerCall: 5000, sampleCallsChecked: sampleCalls, refused: 0 });
    expect(sampleCalls).toBeGreaterThan(1);
  });

  test('a broker move that refuses a call fails the run loudly, and the refusal is audited and refunded', async () => {
    const file = path.join(tmp, 'capped.yaml');
    fs.writeFileSync(file, SCENARIO.replace('maxRecordsPerCall: 5000', 'maxRecordsPerCall: 300'));
    const out = path.join(tmp, 'capped');
    const run = await runCli(['run', file, '--out', out, '--quiet'], undefined, { ...process.env, [MOVE_PLUGINS_ENV]: PLUGIN });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/BlackBox\.Sample: the platform allows at most 300 records per call/);
    const refused = readAuditLog(path.join(out, 'audit.jsonl')).filter((r) => r.status !== 'OK');
    expect(refused[0]).toMatchObject({ method: 'BlackBox.Sample', status: 'PERMISSION_DENIED', samplesReturned: 0 });
  });

  test('a wrong bound on its score fails the run with exit 1', async () => {
    const file = path.join(tmp, 'failing.yaml');
    fs.writeFileSync(file, SCENARIO.replace('    max: 0.1', '    max: 0'));
    const run = await runCli(['run', file, '--out', path.join(tmp, 'failing'), '--quiet'], undefined, { ...process.env, [MOVE_PLUGINS_ENV]: PLUGIN });
    expect(run.code).toBe(1);
  });

  test('a plugin module that does not exist fails the run loudly, naming the variable', async () => {
    const run = await runCli(['validate', path.join(tmp, 'plugin.yaml')], undefined, { ...process.env, [MOVE_PLUGINS_ENV]: path.join(tmp, 'nowhere.js') });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/SHAREBOX_MOVES: cannot load .*nowhere\.js/);
  });
});
