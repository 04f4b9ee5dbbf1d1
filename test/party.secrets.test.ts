/**
 * What a party process exposes to other processes of the same machine (docs/architecture.md, "The sandbox's own
 * threat model"): its control token is handed down a stdin pipe, so it is not in /proc/<pid>/environ, which every
 * process of the same user can read; its umask is 077, so what it writes (the sharer's model cache, the broker's audit
 * log) no other user can read. Linux only (/proc).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { PartyProcess } from '../cli/partyProcess';
import { issueRunCredentials } from '../cli/runCredentials';
import { repoRoot } from '../shared/repoRoot';
import { TLS_DIR_ENV, TLS_OFF } from '../shared/party/runtime';

const onLinux = process.platform === 'linux' ? test : test.skip;

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-secrets-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

onLinux('a running party has no token in its environment, answers only the token it read on stdin, and writes with umask 077', async () => {
  // As `sharebox run` spawns it: with its TLS identity (the folder's path is in its environment, not a secret).
  const transport = issueRunCredentials(path.join(tmp, 'tls'));
  const party = await PartyProcess.spawn('receiver', path.join(tmp, 'logs'), transport);
  try {
    const pid = party.pid!;
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    expect(environ).not.toMatch(/TOKEN/);
    expect(environ).not.toContain((party as unknown as { token: string }).token);
    expect(fs.readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Umask:\s+0077$/m);
    // The token it read is the runner's: Control answers the runner (a wrong configuration, but an authenticated call).
    await expect(party.configure({})).rejects.toThrow(/configuration|expected|required/i);
  } finally {
    await party.shutdown();
    transport.dispose();
  }
}, 30_000);

onLinux('a party started by hand, with no token on stdin, exits 2 with one line saying how parties are started', async () => {
  const child = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'broker', 'main.js')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, [TLS_DIR_ENV]: TLS_OFF } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(2);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/stdin closed before a control token arrived; parties are started by `sharebox run`/);
}, 30_000);
