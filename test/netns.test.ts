/**
 * Parties on a network rather than the loopback (cli/netns.ts): the listen address a party is given, and with
 * `--netns` three network namespaces joined by veth pairs. The namespace tests need root and iproute2; elsewhere they
 * are skipped and their names say why.
 */
import { linksNamed, namespaces } from './helpers/netnsState';
import { waitUntil } from './helpers/waitUntil';
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { repoRoot } from '../shared/repoRoot';
import { DEFAULT_LISTEN_HOST, LISTEN_HOST_ENV, hostPort, listenHostFromEnvironment } from '../shared/party/runtime';
import { createNamespaceNetwork, namespacesUnavailable } from '../cli/netns';
import { runCli } from './helpers/cli';

const TINY = path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml');
const TINY_SLOW = path.join(repoRoot(), 'test', 'fixtures', 'tiny-slow.yaml');

const unavailable = namespacesUnavailable();
const rootTest = unavailable ? test.skip : test;
const skipped = unavailable ? ` [skipped: ${unavailable}]` : '';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-netns-'));
  // Party users must pass through it (cli/partyUsers.ts), as they do through the os tmpdir.
  fs.chmodSync(tmp, 0o755);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));




describe('the address a party listens on', () => {
  test('is 127.0.0.1 unless the runner says otherwise, and must be an IP address', () => {
    expect(listenHostFromEnvironment({})).toBe(DEFAULT_LISTEN_HOST);
    expect(listenHostFromEnvironment({ [LISTEN_HOST_ENV]: '' })).toBe('127.0.0.1');
    expect(listenHostFromEnvironment({ [LISTEN_HOST_ENV]: '10.213.4.2' })).toBe('10.213.4.2');
    expect(() => listenHostFromEnvironment({ [LISTEN_HOST_ENV]: 'sharer.example' })).toThrow(/SHAREBOX_LISTEN_HOST="sharer.example" is not an IP address/);
  });

  test('is dialled as host:port, an IPv6 address in brackets', () => {
    expect(hostPort('10.213.4.2', 5000)).toBe('10.213.4.2:5000');
    expect(hostPort('fd00::2', 5000)).toBe('[fd00::2]:5000');
  });
});

describe('--netns', () => {
  test('refuses in one line when the runner is not root', () => {
    const why = namespacesUnavailable(1000);
    expect(why).toMatch(/^--netns needs root .*uid 1000/);
    expect(why).not.toMatch(/\n/);
  });

  // The refusal is seen by running the CLI as `nobody`, which must be able to read the checkout: a clone inside a
  // folder other users cannot enter (a 0700 mktemp, as CI may make) stops node before the runner can refuse.
  const cli = path.join(repoRoot(), 'dist', 'cli', 'main.js');
  const unreadable = unavailable ? null : (() => {
    try {
      execFileSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(cli)}, require('fs').constants.R_OK)`], { uid: 65534, gid: 65534, stdio: 'ignore' });
      return null;
    } catch {
      return "uid 65534 (nobody) cannot read the checkout's dist/cli/main.js";
    }
  })();
  if (unreadable) console.warn(`netns.test.ts: the non-root refusal through the CLI is skipped: ${unreadable}`);
  const nobodyTest = unreadable ? test.skip : rootTest;
  nobodyTest(`a non-root runner is refused before any folder is made${skipped}${unreadable ? ` [skipped: ${unreadable}]` : ''}`, async () => {
    const out = path.join(tmp, 'not-root');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, 'run', TINY, '--netns', '--out', out], {
        uid: 65534,
        gid: 65534,
        cwd: tmp,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^sharebox run: --netns needs root \(it creates network namespaces and veth pairs\); the runner is uid 65534/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
  });

  rootTest(`the layout: the broker reaches the sharer, the receiver cannot, and nothing is left behind${skipped}`, async () => {
    const before = namespaces();
    // A run id no runner pid can have (pids stop at 2^22), so this test meets no concurrent run.
    const runId = 5_000_000 + (process.pid % 1_000_000);
    const network = createNamespaceNetwork(runId);
    let listener: ChildProcess | undefined;
    try {
      expect(namespaces()).toEqual([...before, ...['sharer', 'broker', 'receiver'].map((p) => `sharebox-${runId}-${p}`)].sort());
      const sharer = network.placementOf('sharer');
      // A stand-in for the sharer's ModelHost: a TCP server on the sharer's address, inside its namespace.
      const launch = sharer.launch(process.execPath, ['-e', `const s = require('net').createServer((c) => c.end()).listen(0, ${JSON.stringify(sharer.listenHost)}, () => console.log(s.address().port));`]);
      listener = spawn(launch.command, launch.args, { stdio: ['ignore', 'pipe', 'inherit'] });
      const port = await new Promise<number>((resolve) => readline.createInterface({ input: listener!.stdout! }).once('line', (l) => resolve(Number(l))));

      expect(await network.probeReach('broker', sharer.dialHost, port)).toBe('connected');
      const fromReceiver = await network.probeReach('receiver', sharer.dialHost, port, 1500);
      expect(['ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'timeout']).toContain(fromReceiver);
      // The runner, in the root namespace, reaches it over the sharer's own link.
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host: sharer.dialHost, port }, () => (socket.destroy(), resolve()));
        socket.on('error', reject);
      });
      // And the receiver does reach the broker, its one peer.
      const broker = network.placementOf('broker');
      const brokerLaunch = broker.launch(process.execPath, ['-e', `const s = require('net').createServer((c) => c.end()).listen(0, ${JSON.stringify(broker.listenHost)}, () => console.log(s.address().port));`]);
      const brokerListener = spawn(brokerLaunch.command, brokerLaunch.args, { stdio: ['ignore', 'pipe', 'inherit'] });
      const brokerPort = await new Promise<number>((resolve) => readline.createInterface({ input: brokerListener.stdout! }).once('line', (l) => resolve(Number(l))));
      expect(await network.probeReach('receiver', broker.dialHost, brokerPort)).toBe('connected');
      brokerListener.kill('SIGKILL');
    } finally {
      listener?.kill('SIGKILL');
      network.dispose();
    }
    expect(namespaces()).toEqual(before);
    expect(linksNamed(`sbx${runId}-`)).toEqual([]);
  }, 30_000);

  rootTest(`the tiny scenario runs with every party in a namespace of its own, over mutual TLS${skipped}`, async () => {
    const before = namespaces();
    const out = path.join(tmp, 'tiny');
    const started = Date.now();
    const r = await runCli(['run', TINY, '--netns', '--out', out, '--cache', path.join(tmp, 'cache')]);
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`tiny --netns took ${seconds.toFixed(1)} s\n`);
    expect(r.stderr).not.toMatch(/sharebox run:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PASS\s+receiver\.draw\.received/);
    // The runner tried the sharer's real ModelHost address from the receiver's namespace, and could not get there.
    expect(r.stderr).toMatch(/the receiver's namespace cannot reach the sharer's ModelHost 10\.213\.\d+\.2:\d+ \((ENETUNREACH|EHOSTUNREACH|ECONNREFUSED|timeout)\)/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.network).toBe('namespaces');
    expect(report.transport).toBe('mutual-tls');
    // As root with a reachable checkout the parties also run as users of their own (ip netns exec, then setpriv);
    // otherwise as the runner's: either way the run must work.
    process.stderr.write(`parties separated: ${report.isolation.separateUsers}\n`);
    expect(report.audit.consistentWithReceiver).toBe(true);
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/^- network: \*\*namespaces\*\*, namespaces: sharer 10\.213\.\d+\.2 /m);
    expect(namespaces()).toEqual(before);
    expect(linksNamed('sbx')).toEqual([]);
  }, 120_000);

  rootTest(`SIGINT and a party's death both delete the namespaces${skipped}`, async () => {
    const before = namespaces();
    for (const how of ['SIGINT', 'sharer killed'] as const) {
      let signalled = false;
      const r = await runCli(['run', TINY_SLOW, '--netns', '--out', path.join(tmp, `slow-${how.replace(' ', '-')}`), '--cache', path.join(tmp, `cache-${how.replace(' ', '-')}`)], (stderr, child) => {
        if (signalled || !/\[sharer\] train /.test(stderr)) return;
        signalled = true;
        // Mid-run, the namespaces are there.
        expect(namespaces().filter((ns) => ns.startsWith(`sharebox-${child.pid}-`))).toHaveLength(3);
        if (how === 'SIGINT') child.kill('SIGINT');
        else {
          const sharerPid = execFileSync('ip', ['netns', 'pids', `sharebox-${child.pid}-sharer`], { encoding: 'utf8' }).trim().split('\n')[0];
          process.kill(Number(sharerPid), 'SIGKILL');
        }
      });
      expect(signalled).toBe(true);
      expect(r.code).toBe(how === 'SIGINT' ? 130 : 2);
      if (how === 'sharer killed') expect(r.stderr).toMatch(/sharer exited unexpectedly \(signal SIGKILL\)/);
      expect(await waitUntil(() => namespaces().join() === before.join(), 5000)).toBe(true);
      expect(linksNamed('sbx')).toEqual([]);
    }
  }, 120_000);
});
