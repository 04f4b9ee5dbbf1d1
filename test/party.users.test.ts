/**
 * The parties as OS users of their own (cli/partyUsers.ts, docs/architecture.md "The sandbox's own threat model").
 * The decision is unit-tested with injected facts (no root needed): not root, or a party user that cannot reach what
 * its party reads, means a run as today and a report that says so. As root (how CI runs), a real run is watched: the
 * three children run under distinct unprivileged uids, the model cache belongs to the sharer (0700 / 0600), and a
 * process with the receiver's uid cannot read the cache, the sharer's folder or the audit log.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decideIsolation, existingPathsIn, PARTY_IDS } from '../cli/partyUsers';
import { repoRoot } from '../shared/repoRoot';
import { runCli } from './helpers/cli';

const TINY = path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml');

describe('whether the parties are separated (decided from injected facts)', () => {
  test('not root: not separated, and the reason says so and what to do', () => {
    const isolation = decideIsolation({ runnerUid: 1000, takenIds: [] });
    expect(isolation.separateUsers).toBe(false);
    expect(isolation.reason).toMatch(/the runner is not root \(uid 1000\): all three parties run as the runner's user.*run as root/);
    expect(isolation.parties).toBeUndefined();
  });

  test('no POSIX user ids (Windows): not separated', () => {
    expect(decideIsolation({ runnerUid: undefined, takenIds: [] })).toEqual({ separateUsers: false, reason: expect.stringMatching(/no POSIX user ids/) });
  });

  test('root, but a party user cannot reach what its party reads: not separated, naming the party and the path', () => {
    const isolation = decideIsolation({
      runnerUid: 0,
      takenIds: [],
      problems: { sharer: ['cannot read checkout/dist (EACCES)'], broker: ['cannot read checkout/dist (EACCES)'], receiver: ['cannot read datasets/test.csv (EACCES)'] },
    });
    expect(isolation.separateUsers).toBe(false);
    expect(isolation.reason).toContain(`sharer (uid ${PARTY_IDS.sharer}), broker (uid ${PARTY_IDS.broker}): cannot read checkout/dist (EACCES)`);
    expect(isolation.reason).toContain(`receiver (uid ${PARTY_IDS.receiver}): cannot read datasets/test.csv (EACCES)`);
    expect(isolation.reason).toMatch(/all three parties run as the runner's user.*o\+rx/);
  });

  test('root, but a party id belongs to a named account: not separated', () => {
    const isolation = decideIsolation({ runnerUid: 0, takenIds: [`${PARTY_IDS.receiver} (alice)`] });
    expect(isolation.separateUsers).toBe(false);
    expect(isolation.reason).toContain(`${PARTY_IDS.receiver} (alice)`);
  });

  test('root and everything within reach: separated, three distinct unprivileged ids', () => {
    const isolation = decideIsolation({ runnerUid: 0, takenIds: [], problems: { sharer: [], broker: [], receiver: [] } });
    expect(isolation.separateUsers).toBe(true);
    const uids = Object.values(isolation.parties!).map((p) => p.uid);
    expect(new Set(uids).size).toBe(3);
    for (const uid of uids) expect(uid).toBeGreaterThanOrEqual(1000);
  });

  test('the files a party opens are the absolute paths in its config that exist', () => {
    const file = path.join(os.tmpdir(), `sharebox-users-${process.pid}.csv`);
    fs.writeFileSync(file, 'a\n1\n');
    try {
      const config = { data: { source: 'csv', path: file }, aux: [{ path: path.join(os.tmpdir(), 'no-such-file-here') }], label: 'income' };
      expect(existingPathsIn(config)).toEqual([file]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});

/** As `uid`: what reading `target` (a folder is listed) gives: 'ok' or the error code. */
function readAs(uid: number, target: string): string {
  const script = `const fs = require('fs'); const p = process.argv[1];
    try { fs.statSync(p).isDirectory() ? fs.readdirSync(p) : fs.readFileSync(p); console.log('ok'); } catch (e) { console.log(e.code); }`;
  const r = spawnSync(process.execPath, ['-e', script, target], { uid, gid: uid, cwd: path.sep, encoding: 'utf8' });
  return r.stdout.trim() || `no answer (${r.error?.message ?? r.stderr.trim()})`;
}

/**
 * Why separation cannot happen on this machine whatever the test does, or null: not root, or the checkout out of
 * the party users' reach (a clone inside a 0700 folder). Output folders are the test's own, made traversable below.
 */
function whyNoSeparationHere(): string | null {
  if (process.platform !== 'linux') return 'not Linux (the test reads /proc)';
  if (process.getuid?.() !== 0) return `not root (uid ${process.getuid?.()}): parties run as the runner's user`;
  const answer = readAs(PARTY_IDS.receiver, path.join(repoRoot(), 'dist', 'receiver', 'main.js'));
  if (answer !== 'ok') return `the checkout is out of reach of other users (reading dist/receiver/main.js as uid ${PARTY_IDS.receiver}: ${answer})`;
  return null;
}

const skipReason = whyNoSeparationHere();
if (skipReason) console.warn(`party.users.test.ts: the separated run is skipped: ${skipReason}`);
const asRoot = skipReason ? test.skip : test;

/** The runner's children, by party, with the uid, gid and groups /proc gives for each. */
function partyProcesses(runnerPid: number): Record<string, { pid: number; uid: number; gid: number; groups: string; cwd: string }> {
  let lines: string[] = [];
  try {
    lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(runnerPid)], { encoding: 'utf8' }).split('\n').filter((l) => l.trim());
  } catch {
    // ps exits 1 when there are none
  }
  const found: ReturnType<typeof partyProcesses> = {};
  for (const line of lines) {
    const [, pid, args] = /^\s*(\d+)\s+(.*)$/.exec(line)!;
    const party = /dist\/(sharer|broker|receiver)\/main\.js/.exec(args)?.[1];
    if (!party) continue;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    found[party] = {
      pid: Number(pid),
      uid: Number(/^Uid:\s+(\d+)/m.exec(status)![1]),
      gid: Number(/^Gid:\s+(\d+)/m.exec(status)![1]),
      groups: /^Groups:(.*)$/m.exec(status)![1].trim(),
      cwd: fs.readlinkSync(`/proc/${pid}/cwd`),
    };
  }
  return found;
}

let base: string;
beforeAll(() => {
  // Under os.tmpdir() (1777): made traversable, so that where the clone lives is the only thing that could stop separation.
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-users-'));
  fs.chmodSync(base, 0o755);
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

asRoot('as root, each party runs as its own user; the receiver reads neither the cache nor the audit log nor the sharer\'s folder', async () => {
  const out = path.join(base, 'out');
  const cache = path.join(base, 'cache');
  let seen: ReturnType<typeof partyProcesses> = {};
  const sharerProcFromReceiver: Record<string, string> = {};
  const run = await runCli(['run', TINY, '--out', out, '--cache', cache], (stderr, child) => {
    // All three are spawned before the sharer trains, and live until the end: watch them once training has begun.
    if (Object.keys(seen).length === 0 && /\[sharer\] train/.test(stderr)) {
      seen = partyProcesses(child.pid!);
      // While the sharer runs: its environment and memory, as the receiver's uid.
      if (seen.sharer && seen.receiver) {
        for (const file of ['environ', 'mem']) sharerProcFromReceiver[file] = readAs(seen.receiver.uid, `/proc/${seen.sharer.pid}/${file}`);
      }
    }
  });
  expect(run.code).toBe(0);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  expect(report.isolation).toEqual({ separateUsers: true, reason: expect.stringMatching(/the runner is root/), parties: expect.any(Object) });
  expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/parties separated \(each its own OS user\): \*\*yes\*\*/);

  // What the kernel says the children ran as: three distinct users, none root, in no group of root's, each at home.
  expect(Object.keys(seen).sort()).toEqual(['broker', 'receiver', 'sharer']);
  const uids = Object.values(seen).map((p) => p.uid);
  expect(new Set(uids).size).toBe(3);
  for (const [party, p] of Object.entries(seen)) {
    expect(p.uid).not.toBe(0);
    expect(p.gid).not.toBe(0);
    expect(p.groups).toBe('');
    expect(p.uid).toBe(report.isolation.parties[party].uid);
    expect(p.cwd).toBe(path.join(out, 'parties', party));
  }

  // The cache: every entry the sharer's, folders 0700, files 0600.
  const entries: string[] = [];
  const walk = (p: string) => {
    entries.push(p);
    if (fs.lstatSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(cache);
  const cacheFiles = entries.filter((p) => fs.lstatSync(p).isFile());
  expect(cacheFiles.length).toBeGreaterThan(0);
  for (const p of entries) {
    const st = fs.lstatSync(p);
    expect({ p, uid: st.uid, mode: st.mode & 0o777 }).toEqual({ p, uid: seen.sharer.uid, mode: st.isDirectory() ? 0o700 : 0o600 });
  }
  const auditLog = path.join(out, 'audit.jsonl');
  expect(fs.statSync(auditLog).uid).toBe(seen.broker.uid);

  // As the receiver's uid (the one it actually ran as): refused everywhere that is not its own.
  const weights = cacheFiles.find((p) => p.endsWith('weights.bin')) ?? cacheFiles[0];
  for (const target of [cache, weights, auditLog, path.join(out, 'parties', 'sharer'), path.join(out, 'logs', 'sharer.log')]) {
    expect({ target, answer: readAs(seen.receiver.uid, target) }).toEqual({ target, answer: 'EACCES' });
  }
  expect(sharerProcFromReceiver).toEqual({ environ: 'EACCES', mem: 'EACCES' });
  // The owners can: the refusals above are the separation, not a broken file.
  expect(readAs(seen.sharer.uid, weights)).toBe('ok');
  expect(readAs(seen.broker.uid, auditLog)).toBe('ok');
}, 120_000);

const asRootAnywhere = process.platform === 'linux' && process.getuid?.() === 0 ? test : test.skip;

asRootAnywhere('as root with --out inside a folder other users cannot enter, the run falls back to one user and says why', async () => {
  const closed = path.join(base, 'closed');
  fs.mkdirSync(closed, { mode: 0o700 });
  fs.chmodSync(closed, 0o700);
  const out = path.join(closed, 'out');
  const run = await runCli(['run', TINY, '--quiet', '--out', out, '--cache', path.join(base, 'cache-fallback')]);
  expect(run.code).toBe(0);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  expect(report.isolation.separateUsers).toBe(false);
  // The checkout's own location may be the first refusal on some machines; here it is at least the closed folder.
  expect(report.isolation.reason).toMatch(/the party users cannot reach what their party reads .*cannot (reach|read) .*EACCES.*all three parties run as the runner's user/);
  if (!skipReason) expect(report.isolation.reason).toContain(`cannot reach ${closed} (EACCES)`);
  expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/parties separated \(each its own OS user\): \*\*no\*\*, the party users cannot reach/);
  expect(fs.existsSync(path.join(out, 'parties'))).toBe(false);
}, 120_000);
