/**
 * Parties on hosts of their own (cli/remoteParties.ts, cli/partyCommand.ts): the command lines and their one-line
 * errors, the folders `sharebox credentials` issues, and, as root with iproute2, a whole run whose three parties were
 * each started by hand (`sharebox party`) in a network namespace of its own and dialled by the runner
 * (`sharebox run --party`). Elsewhere that test is skipped and its name says why.
 */
import { namespaces } from './helpers/netnsState';
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { repoRoot } from '../shared/repoRoot';
import { CONTROL_PORT_ENV, controlPortFromEnvironment, readControlTokenFile } from '../shared/party/runtime';
import { createNamespaceNetwork, namespacesUnavailable } from '../cli/netns';
import { PARTY_TOKEN_FILE, issuePartyCredentials, loadRunnerCredentials, parseHostPort, parsePartyAddresses, runnerTokenFile } from '../cli/remoteParties';
import { parseHostsList, parsePartyCommand, parseRemoteRun } from '../cli/partyCommand';
import { CLI, runCli } from './helpers/cli';

const TINY = path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml');

let tmp: string;
let creds: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-remote-'));
  creds = path.join(tmp, 'creds');
  issuePartyCredentials(creds);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Expects `fn` to throw one line matching `pattern`. */
function oneLineError(fn: () => unknown, pattern: RegExp): void {
  let message = '';
  try {
    fn();
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toMatch(pattern);
  expect(message).not.toMatch(/\n/);
}

describe('sharebox credentials', () => {
  test('a folder per identity: each party holds only its key, certificate, the CA certificate and its token', () => {
    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    expect(fs.readdirSync(creds).sort()).toEqual(['broker', 'receiver', 'runner', 'sharer']);
    expect(mode(creds)).toBe(0o700);
    for (const party of ['sharer', 'broker', 'receiver']) {
      const folder = path.join(creds, party);
      expect(mode(folder)).toBe(0o700);
      expect(fs.readdirSync(folder).sort()).toEqual(['ca.pem', 'cert.pem', PARTY_TOKEN_FILE, 'key.pem']);
      for (const file of fs.readdirSync(folder)) expect(mode(path.join(folder, file))).toBe(0o600);
      // The runner holds the same token, and the party's certificate names its role.
      expect(readControlTokenFile(path.join(folder, PARTY_TOKEN_FILE))).toBe(fs.readFileSync(path.join(creds, 'runner', runnerTokenFile(party as 'sharer')), 'utf8').trim());
      expect(() => parsePartyCommand([party], { identity: folder, listen: '127.0.0.1:7001' })).not.toThrow();
    }
    const runner = path.join(creds, 'runner');
    expect(fs.readdirSync(runner).sort()).toEqual(['broker.token', 'ca.pem', 'cert.pem', 'key.pem', 'receiver.token', 'sharer.token']);
    for (const file of fs.readdirSync(runner)) expect(mode(path.join(runner, file))).toBe(0o600);
    expect(loadRunnerCredentials(runner).transport.runner).toMatchObject({ mode: 'mutual-tls', role: 'runner' });
  });

  test('refuses an existing folder, and --hosts must name every party', async () => {
    oneLineError(() => issuePartyCredentials(creds), /already exists/);
    oneLineError(() => parseHostsList('sharer=10.0.0.2,broker=10.0.0.3'), /^--hosts: missing receiver=HOST$/);
    oneLineError(() => parseHostsList('sharer=a,sharer=b'), /^--hosts: sharer is given twice$/);
    const r = await runCli(['credentials', path.join(tmp, 'never'), '--hosts', 'sharer=a,judge=b']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^--hosts judge=b: expected one of sharer, broker, receiver, got "judge"$/);
    expect(fs.existsSync(path.join(tmp, 'never'))).toBe(false);
  });
});

describe('the command lines', () => {
  test('HOST:PORT and --party role=HOST:PORT', () => {
    expect(parseHostPort('10.0.0.2:7001', '--listen', true)).toEqual({ host: '10.0.0.2', port: 7001 });
    expect(parseHostPort('[fd00::2]:7001', '--listen', true)).toEqual({ host: 'fd00::2', port: 7001 });
    expect(parseHostPort('sharer.example:7001', '--party')).toEqual({ host: 'sharer.example', port: 7001 });
    oneLineError(() => parseHostPort('sharer.example:7001', '--listen', true), /^--listen: "sharer.example" is not an IP address/);
    oneLineError(() => parseHostPort('10.0.0.2', '--listen'), /^--listen: expected HOST:PORT/);
    oneLineError(() => parseHostPort('10.0.0.2:70000', '--listen'), /^--listen: port 70000 .* is not 1-65535$/);
    const all = ['sharer=10.0.0.2:7001', 'broker=10.0.0.3:7002', 'receiver=10.0.0.4:7003'];
    expect(parsePartyAddresses(all).broker).toEqual({ host: '10.0.0.3', port: 7002 });
    oneLineError(() => parsePartyAddresses(all.slice(0, 2)), /^--party: every party must be named once; missing receiver=HOST:PORT$/);
    oneLineError(() => parsePartyAddresses([...all, 'sharer=10.0.0.9:1']), /^--party: sharer is given twice$/);
    oneLineError(() => parsePartyAddresses(['judge=10.0.0.9:1']), /^--party judge=10\.0\.0\.9:1: expected one of sharer, broker, receiver/);
    oneLineError(() => parsePartyAddresses(['10.0.0.9:1']), /^--party: expected ROLE=HOST:PORT/);
  });

  test('run: --party needs --identity and excludes --insecure and --netns; without either nothing changes', () => {
    const all = ['sharer=10.0.0.2:7001', 'broker=10.0.0.3:7002', 'receiver=10.0.0.4:7003'];
    expect(parseRemoteRun({})).toBeUndefined();
    expect(parseRemoteRun({ identity: 'runner', party: all })?.parties.sharer.port).toBe(7001);
    oneLineError(() => parseRemoteRun({ party: all }), /^--party: needs --identity DIR/);
    oneLineError(() => parseRemoteRun({ identity: 'runner' }), /^--identity: only with --party/);
    oneLineError(() => parseRemoteRun({ identity: 'runner', party: all, insecure: true }), /^--insecure: /);
    oneLineError(() => parseRemoteRun({ identity: 'runner', party: all, netns: true }), /^--netns: /);
    oneLineError(() => loadRunnerCredentials(path.join(creds, 'sharer')), /^--identity .*: not the runner's folder of `sharebox credentials`: .*expected the certificate of "runner", but it names "sharer"$/);
  });

  test('party: a role, its own folder, an IP address to listen on; the token file owner-only', () => {
    const sharer = path.join(creds, 'sharer');
    oneLineError(() => parsePartyCommand([], { identity: sharer, listen: '127.0.0.1:1' }), /^expected one role/);
    oneLineError(() => parsePartyCommand(['judge'], { identity: sharer, listen: '127.0.0.1:1' }), /^role: expected one of sharer, broker, receiver, got "judge"$/);
    oneLineError(() => parsePartyCommand(['sharer'], { listen: '127.0.0.1:1' }), /^--identity DIR is required/);
    oneLineError(() => parsePartyCommand(['sharer'], { identity: sharer }), /^--listen HOST:PORT is required/);
    oneLineError(() => parsePartyCommand(['broker'], { identity: sharer, listen: '127.0.0.1:1' }), /^--identity .*: not the broker's identity: .*names "sharer"$/);
    oneLineError(() => parsePartyCommand(['sharer'], { identity: path.join(tmp, 'none'), listen: '127.0.0.1:1' }), /^--identity .*: no such folder$/);
    const launch = parsePartyCommand(['sharer'], { identity: sharer, listen: '10.0.0.2:7001' });
    expect(launch.script).toBe(path.join(repoRoot(), 'dist', 'sharer', 'main.js'));
    expect(launch.environment).toMatchObject({ SHAREBOX_LISTEN_HOST: '10.0.0.2', [CONTROL_PORT_ENV]: '7001', SHAREBOX_TLS_DIR: sharer });
    expect(controlPortFromEnvironment({ [CONTROL_PORT_ENV]: '7001' })).toBe(7001);
    expect(controlPortFromEnvironment({})).toBe(0);
    const loose = path.join(tmp, 'loose.token');
    fs.writeFileSync(loose, 'abc\n', { mode: 0o644 });
    fs.chmodSync(loose, 0o644);
    oneLineError(() => readControlTokenFile(loose), /must be readable by its owner only \(mode 644\)/);
  });

  test('through the CLI: one line naming the flag, exit 2, before anything starts', async () => {
    const out = path.join(tmp, 'no-identity');
    const r = await runCli(['run', TINY, '--party', 'sharer=127.0.0.1:1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('sharebox run: --party: needs --identity DIR, the runner folder of `sharebox credentials`');
    expect(fs.existsSync(out)).toBe(false);
    const p = await runCli(['party', 'sharer', '--identity', path.join(creds, 'sharer'), '--listen', 'localhost:7001']);
    expect(p.code).toBe(2);
    expect(p.stderr.trim()).toMatch(/^sharebox party: --listen: "localhost" is not an IP address/);
    expect(p.stderr.trim().split('\n')).toHaveLength(1);
    const stray = await runCli(['party', 'sharer', '--out', out]);
    expect(stray.code).toBe(2);
    expect(stray.stderr.split('\n')[0]).toBe('sharebox party: --out is not an option of party');
  });
});

const unavailable = namespacesUnavailable();
const rootTest = unavailable ? test.skip : test;
const skipped = unavailable ? ` [skipped: ${unavailable.replace(/--netns/g, 'namespaces')}]` : '';


describe('sharebox party on hosts of their own (network namespaces)', () => {
  rootTest(`three parties started by hand, each in its namespace, run the tiny scenario for a runner that dials them${skipped}`, async () => {
    const before = namespaces();
    // A run id no runner pid can have (pids stop at 2^22), and not the one test/netns.test.ts uses.
    const runId = 6_000_000 + (process.pid % 1_000_000);
    const network = createNamespaceNetwork(runId);
    const runCreds = path.join(tmp, 'run-creds');
    issuePartyCredentials(runCreds);
    const roles = ['sharer', 'broker', 'receiver'] as const;
    const port = { sharer: 7101, broker: 7102, receiver: 7103 };
    const children: ChildProcess[] = [];
    try {
      const started = await Promise.all(
        roles.map(async (role) => {
          const host = network.placementOf(role).listenHost;
          // By hand, as an operator would on the party's host: `sharebox party` inside the party's namespace.
          const child = spawn('ip', ['netns', 'exec', `sharebox-${runId}-${role}`, process.execPath, CLI, 'party', role, '--identity', path.join(runCreds, role), '--listen', `${host}:${port[role]}`], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          children.push(child);
          let stderr = '';
          child.stderr!.on('data', (d) => (stderr += d));
          const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
          await new Promise<void>((resolve, reject) => {
            readline.createInterface({ input: child.stdout! }).on('line', (l) => l.startsWith('SHAREBOX_READY ') && resolve());
            exited.then((e) => reject(new Error(`${role} exited before it was ready: ${e.stderr}`)));
          });
          // Wrapped: an async function returning the promise itself would wait for the exit.
          return { exited };
        }),
      );
      const out = path.join(tmp, 'tiny');
      const parties = roles.flatMap((role) => ['--party', `${role}=${network.placementOf(role).dialHost}:${port[role]}`]);
      const r = await runCli(['run', TINY, '--identity', path.join(runCreds, 'runner'), ...parties, '--out', out, '--cache', path.join(tmp, 'cache')]);
      expect(r.stderr).not.toMatch(/sharebox run:/);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/PASS\s+receiver\.draw\.received/);
      const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
      expect(report.network).toBe('remote');
      expect(report.networkLayout).toMatch(/^remote: sharer 10\.213\.\d+\.2:7101, broker 10\.213\.\d+\.6:7102, receiver 10\.213\.\d+\.10:7103/);
      expect(report.transport).toBe('mutual-tls');
      expect(report.audit.consistentWithReceiver).toBe(true);
      // Each party served its one run and exited on Control.Shutdown.
      for (const [i, exit] of (await Promise.all(started.map((s) => s.exited))).entries()) {
        expect(exit.stderr).toMatch(new RegExp(`\\[${roles[i]}\\] serving Control on 10\\.213\\.\\d+\\.\\d+:${port[roles[i]]} for one run`));
        expect(exit.stderr).toMatch(new RegExp(`\\[${roles[i]}\\] shutdown requested`));
        expect(exit.code).toBe(0);
      }
    } finally {
      // Whatever is left in the namespaces (a party that did not exit), then the namespaces themselves.
      for (const role of roles) {
        const ns = `sharebox-${runId}-${role}`;
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      }
      children.forEach((c) => c.kill('SIGKILL'));
      network.dispose();
    }
    expect(namespaces()).toEqual(before);
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toMatch(new RegExp(`sbx${runId}-`));
  }, 120_000);
});
