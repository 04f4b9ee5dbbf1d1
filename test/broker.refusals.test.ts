/**
 * A call the platform refuses ends the receiver's move, not the run (receiver/main.ts, cli/referee.ts): through the
 * compiled CLI, a timestep floor refuses the naive attacker's first question below it, the report lists that move
 * under `refused` with the broker's message, the attacker who asks above the floor is scored as usual, and the audit
 * log still matches what the receiver says it spent (the refused move's Encode included).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { runCli } from './helpers/cli';

const TINY_MIA = path.join(repoRoot(), 'test', 'fixtures', 'tiny-mia.yaml');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-refusals-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a move the broker refuses is reported as refused and the run goes on', async () => {
  const source = fs.readFileSync(TINY_MIA, 'utf8');
  const attacks = source.slice(source.indexOf('  attacks:'), source.indexOf('expect:'));
  const scenario = source
    .replace('  maxChunkRecords: 70', '  maxChunkRecords: 70\n  defences:\n    - { kind: timestep-floor, minTimestep: 5 }')
    .replace(
      attacks,
      [
        '  attacks:',
        '    - { kind: mia-x0-error, timesteps: { count: 4, min: 5 } }',
        '    - { kind: mia-x0-error, timesteps: { count: 4 } }',
        '    - { kind: mia-loss, timesteps: { count: 4, min: 5 }, noiseDraws: 2 }',
        '',
      ].join('\n'),
    );
  const file = path.join(tmp, 'floor.yaml');
  fs.writeFileSync(file, scenario);
  const out = path.join(tmp, 'run');
  const { code, stderr } = await runCli(['run', file, '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  expect(Object.keys(report.refused)).toEqual(['x0-error-a1']);
  expect(report.refused['x0-error-a1']).toMatchObject({ kind: 'mia-x0-error', refused: 1 });
  expect(report.refused['x0-error-a1'].message).toMatch(/GrayBox\.PredictX0: .*t ≥ 5.*t = 0/);
  // The attackers who ask above the floor are scored; the refused one is not.
  expect(Object.keys(report.membership.scores).some((k) => k.startsWith('x0-error-a0'))).toBe(true);
  expect(Object.keys(report.membership.scores).some((k) => k.startsWith('loss-'))).toBe(true);
  expect(Object.keys(report.membership.scores).some((k) => k.startsWith('x0-error-a1'))).toBe(false);
  expect(report.moves['timestep-floor'].refused).toBe(1);
  expect(report.audit).toMatchObject({ refusedCalls: 1, consistentWithReceiver: true });
  expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/x0-error-a1 \(mia-x0-error\) was refused by the broker/);
}, 120_000);
