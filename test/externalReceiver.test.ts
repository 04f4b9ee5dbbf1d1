/**
 * Bring your own attacker (issue 23; docs/external-receiver.md) through real processes: the runner starts the sharer
 * and the broker, writes the connection file, and the Python example (examples/python-receiver) takes the receiver's
 * seat — started by the runner (--receiver-command) or by hand — and submits its evidence through Evidence.Submit.
 * Each failure case ends the run with exit code 2, every party stopped, the refusal in the audit log.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, execFileSync } from 'child_process';
import { readAuditLog } from '../broker/audit';
import { repoRoot } from '../shared/repoRoot';
import { runCli } from './helpers/cli';
import { pythonWithGrpc } from './helpers/python';

const FIXTURE = path.join(repoRoot(), 'test', 'fixtures', 'tiny-external.yaml');
const RECEIVER = path.join(repoRoot(), 'examples', 'python-receiver', 'receiver.py');

let tmp: string;
let cache: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-external-'));
  cache = path.join(tmp, 'cache');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The fixture with `deadlineSeconds` replaced, written under tmp. */
function fixtureWithDeadline(seconds: number): string {
  const source = fs.readFileSync(FIXTURE, 'utf8');
  const changed = source.replace('external: { deadlineSeconds: 60 }', `external: { deadlineSeconds: ${seconds} }`);
  expect(changed).not.toBe(source);
  const file = path.join(tmp, `tiny-external-${seconds}.yaml`);
  fs.writeFileSync(file, changed);
  return file;
}

function command(...flags: string[]): string {
  return [pythonWithGrpc(), RECEIVER, ...flags].join(' ');
}

/**
 * The command lines that start with `prefix` once they are gone, or after 5 s: SIGKILL is delivered at once, but on a
 * loaded machine the process may need a moment to disappear. The tests give each stopped program a sleep duration no
 * other process of the machine uses, to find it by.
 */
async function processesStillRunning(prefix: string): Promise<string[]> {
  const running = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(prefix));
  for (let i = 0; i < 50 && running().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return running();
}

/** No process of the run is left: nothing runs the run folder's files or the receiver script any more. */
function leftOver(runDir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(runDir) || (line.includes('receiver.py') && line.includes(runDir)));
}

test('the Python example in the receiver\'s seat over mutual TLS: scored by the referee like the built-in moves', async () => {
  const out = path.join(tmp, 'ok');
  const { code, stdout, stderr } = await runCli(['run', FIXTURE, '--out', out, '--cache', cache, '--quiet', '--receiver-command', command()]);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('PASS  membership.game.challenge');
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  expect(report.transport).toBe('mutual-tls');
  // Scored by the built-in membership scorer: AUC with its interval beside chance, the rung it claimed.
  const external = report.membership.scores.external;
  expect(external).toMatchObject({ attack: 'external-membership', access: ['black-box'], nMembers: 100, nNonMembers: 100 });
  expect(external.auc.low).toBeLessThanOrEqual(external.auc.estimate);
  expect(report.membership.byAccess['black-box']).toBeDefined();
  // And by the property-inference scorer: the truth, the estimate's error and its Hoeffding bound at the n it rests on.
  const pia = report.pia.attacks[0];
  expect(pia).toMatchObject({ discriminator: 'external', property: 'sex = Female' });
  expect(pia.byN['300'].n).toBe(300);
  expect(pia.byN['300'].error).toBeCloseTo(Math.abs(pia.byN['300'].pHat - pia.truth), 12);
  // The report says the receiver was external; the audit holds every call, and the units it spent match the meter.
  expect(report.receiver.external).toMatchObject({ submissions: 1 });
  expect(report.receiver.external.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(report.audit).toMatchObject({ consistentWithReceiver: true, callsLeftOpen: 0, refusedCalls: 0 });
  const audit = readAuditLog(path.join(out, 'audit.jsonl'));
  expect(audit.filter((l) => l.method === 'BlackBox.Sample').map((l) => l.samplesReturned)).toEqual([200, 300]);
  const submit = audit.filter((l) => l.method === 'Evidence.Submit');
  expect(submit.map((l) => [l.status, (l.arguments as { sha256: string }).sha256])).toEqual([['OK', report.receiver.external.sha256]]);
  // The connection file is the receiver's alone.
  expect(fs.statSync(path.join(out, 'receiver-connection.json')).mode & 0o777).toBe(0o600);
}, 120_000);

test('started by hand: the runner prints the connection file and waits for the evidence', async () => {
  const out = path.join(tmp, 'by-hand');
  const file = path.join(out, 'receiver-connection.json');
  let started = false;
  const run = runCli(['run', FIXTURE, '--out', out, '--cache', cache], (text) => {
    if (started || !text.includes(file)) return;
    started = true;
    spawn(pythonWithGrpc(), [RECEIVER, file], { stdio: 'ignore' });
  });
  const { code, stderr } = await run;
  expect(started).toBe(true);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: expect.anything() });
  expect(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).membership.scores.external.nMembers).toBe(100);
}, 120_000);

describe('every failure ends the run with exit code 2, a one-line reason, and every party stopped', () => {
  const cases: Array<[string, string[], RegExp, string | null]> = [
    ['malformed evidence', ['--malformed'], /Evidence\.Submit refused with INVALID_ARGUMENT: Evidence\.Submit: attacks\[\d\] \(attack 0\), external-membership: membership\.scores holds 199 scores, expected one per challenge record \(200\)/, 'INVALID_ARGUMENT'],
    ['a second submission', ['--submit-twice'], /Evidence\.Submit refused with ALREADY_EXISTS: Evidence\.Submit: evidence was already submitted/, 'ALREADY_EXISTS'],
    ['a program that exits without submitting', ['--never-submit'], /the program exited \(code 0\) without submitting evidence \(Evidence\.Submit\); log: .*receiver\.log/, null],
  ];
  test.each(cases)('%s', async (name, flags, message, refusal) => {
    const out = path.join(tmp, name.replace(/\W+/g, '-'));
    const { code, stderr } = await runCli(['run', FIXTURE, '--out', out, '--cache', cache, '--quiet', '--receiver-command', command(...flags)]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(out, 'report.json'))).toBe(false);
    const submits = readAuditLog(path.join(out, 'audit.jsonl')).filter((l) => l.method === 'Evidence.Submit').map((l) => l.status);
    if (refusal) expect(submits).toContain(refusal);
    else expect(submits).toEqual([]);
    expect(leftOver(out)).toEqual([]);
  }, 120_000);

  test('no evidence by the deadline: the program is stopped', async () => {
    const out = path.join(tmp, 'late');
    // A program that never answers: it sleeps, whatever it is given.
    const sleeper = path.join(tmp, 'sleeper.sh');
    fs.writeFileSync(sleeper, '#!/bin/sh\nexec sleep 297\n', { mode: 0o755 });
    const started = Date.now();
    const { code, stderr } = await runCli(['run', fixtureWithDeadline(3), '--out', out, '--cache', cache, '--quiet', '--receiver-command', sleeper]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no evidence was submitted within receiver\.external\.deadlineSeconds \(3 s\) of writing .*receiver-connection\.json \(the program was stopped; log: /);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(leftOver(out)).toEqual([]);
    expect(await processesStillRunning('sleep 297')).toEqual([]);
  }, 120_000);
});

test('evidence submitted, but the program does not exit by the deadline: stopped, and the run fails naming it', async () => {
  const out = path.join(tmp, 'lingers');
  const lingering = path.join(tmp, 'submit-then-linger.sh');
  fs.writeFileSync(lingering, `#!/bin/sh\n${pythonWithGrpc()} ${RECEIVER} "$1"\nexec sleep 296\n`, { mode: 0o755 });
  const { code, stderr } = await runCli(['run', fixtureWithDeadline(15), '--out', out, '--cache', cache, '--quiet', '--receiver-command', lingering]);
  expect(code).toBe(2);
  expect(stderr).toMatch(/the program submitted its evidence but had not exited by the deadline \(receiver\.external\.deadlineSeconds, 15 s\); it was stopped/);
  expect(readAuditLog(path.join(out, 'audit.jsonl')).filter((l) => l.method === 'Evidence.Submit').map((l) => l.status)).toEqual(['OK']);
  expect(leftOver(out)).toEqual([]);
  expect(await processesStillRunning('sleep 296')).toEqual([]);
}, 120_000);

test('--receiver-command on a scenario whose receiver is sharebox\'s own is refused before anything runs', async () => {
  const out = path.join(tmp, 'not-external');
  const { code, stderr } = await runCli(['run', path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml'), '--out', out, '--cache', cache, '--receiver-command', 'true']);
  expect(code).toBe(2);
  expect(stderr).toMatch(/--receiver-command: .*tiny\.yaml has no receiver\.external/);
  expect(fs.existsSync(out)).toBe(false);
});

test('the Python scores equal the built-in nearestSyntheticScores on the same tables (float precision)', () => {
  const script = path.join(repoRoot(), 'examples', 'python-receiver', 'compare_with_typescript.js');
  const output = execFileSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, PYTHON: pythonWithGrpc() } });
  const difference = Number(/([0-9.e+-]+)\s*$/.exec(output.trim())?.[1]);
  expect(difference).toBeLessThan(1e-9);
}, 60_000);

test('the program started by the runner gets the connection file and a few variables, not the runner\'s environment', async () => {
  const out = path.join(tmp, 'environment');
  const dump = path.join(tmp, 'environment.txt');
  const script = path.join(tmp, 'dump-env.sh');
  fs.writeFileSync(script, `#!/bin/sh\nenv > ${dump}\nexit 0\n`, { mode: 0o755 });
  const { code } = await runCli(['run', FIXTURE, '--out', out, '--cache', cache, '--quiet', '--receiver-command', script], undefined, {
    ...process.env,
    SHAREBOX_OPERATOR_SECRET: 'do-not-pass',
  });
  expect(code).toBe(2); // it submits nothing
  const names = fs.readFileSync(dump, 'utf8').split('\n').filter(Boolean).map((l) => l.split('=')[0]);
  expect(names).not.toContain('SHAREBOX_OPERATOR_SECRET');
  expect(names).toContain('SHAREBOX_CONNECTION');
  expect(names).toContain('PATH');
}, 120_000);
