/**
 * OS-level separation of the parties (docs/architecture.md, "The sandbox's own threat model"). When the runner is
 * root, each party runs as an unprivileged user of its own (fixed numeric ids, no /etc/passwd entry needed: node
 * starts with an unnamed uid once HOME is set), in a private 0700 folder under the run folder; the model cache belongs
 * to the sharer (0700) and the audit log to the broker (0600). The receiver then cannot read either, nor the other
 * parties' folders, and the runner (root) still reads everything for the report.
 *
 * Separation is only worth having if the run still works: a party user that cannot read the code (a checkout inside a
 * 0700 folder, as CI's mktemp clones are) or its datasets would not even start. So the runner first asks each party
 * user, with a throwaway `node -e` under that uid, to walk what its party will read; any refusal, and any failure to
 * hand the folders over, falls back to today's behaviour (every party as the runner's user), and the report says so
 * and why (`isolation` in report.json, one line in report.md).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PARTY_NAMES, type PartyName } from '../shared/party/runtime';
import { receiverSlice, scenarioVariants, sharerSlice, type Scenario } from '../shared/scenario';


/**
 * Each party's uid, and gid of the same number. At the top of the range `useradd` hands out to people (UID_MAX 60000
 * in login.defs, allocated upwards, so reached last), below Debian's 60000–64999 and systemd's dynamic users
 * (61184–65519), and under 65536 so that a container mapping 64 Ki ids can still switch to them. A named account
 * holding one of them is taken as a clash: the run falls back rather than give that account the parties' files.
 */
export const PARTY_IDS: Readonly<Record<PartyName, number>> = { sharer: 59101, broker: 59102, receiver: 59103 };

/** What the report states about the separation of the parties. */
export interface Isolation {
  separateUsers: boolean;
  /** Why, in one sentence a reader can act on. */
  reason: string;
  /** The uid and gid each party ran as; only when separated (otherwise they are the runner's). */
  parties?: Record<PartyName, { uid: number; gid: number }>;
}

/** Who a party runs as, and its private folder (its working directory, HOME and TMPDIR). */
export interface PartyAccount {
  uid: number;
  gid: number;
  home: string;
}

/** The facts the decision rests on, gathered by `planIsolation` and injected by the tests. */
export interface IsolationFacts {
  /** process.getuid(), or undefined on a platform without POSIX user ids. */
  runnerUid: number | undefined;
  /** Party ids that already belong to a named account, as "59101 (alice)". */
  takenIds: string[];
  /** What each party user could not reach (the probe below); empty or absent when it could reach everything. */
  problems?: Partial<Record<PartyName, string[]>>;
}

/** Separated only as root, with the ids free and every path each party needs within its user's reach. */
export function decideIsolation({ runnerUid, takenIds, problems = {} }: IsolationFacts): Isolation {
  const together = "all three parties run as the runner's user, so any of them could read what another writes (the sharer's model cache, the broker's audit log)";
  if (runnerUid === undefined) return { separateUsers: false, reason: `this platform has no POSIX user ids: ${together}` };
  if (runnerUid !== 0) {
    return { separateUsers: false, reason: `the runner is not root (uid ${runnerUid}): ${together}; run as root to give each party a user of its own` };
  }
  if (takenIds.length > 0) {
    return { separateUsers: false, reason: `the party ids belong to named accounts (${takenIds.join(', ')}), which would own the parties' files: ${together}` };
  }
  // Parties refused the same things (the usual case: the checkout is out of reach) are named together.
  const byProblems = new Map<string, PartyName[]>();
  for (const name of PARTY_NAMES) {
    const said = (problems[name] ?? []).join('; ');
    if (said) byProblems.set(said, [...(byProblems.get(said) ?? []), name]);
  }
  const refused = [...byProblems].map(([said, names]) => `${names.map((n) => `${n} (uid ${PARTY_IDS[n]})`).join(', ')}: ${said}`);
  if (refused.length > 0) {
    return {
      separateUsers: false,
      reason:
        `the party users cannot reach what their party reads (${refused.join(' | ')}): ${together}. To separate them, make the checkout, ` +
        'the datasets and the folders holding --cache and --out readable and traversable by other users (o+rx on every parent)',
    };
  }
  return {
    separateUsers: true,
    reason:
      `the runner is root: sharer, broker and receiver run as uids ${PARTY_NAMES.map((n) => PARTY_IDS[n]).join(', ')} (gids the same, no other groups), ` +
      'each in a private 0700 folder (parties/<party> in the run folder); the model cache belongs to the sharer (0700), the audit log to the broker (0600)',
    parties: Object.fromEntries(PARTY_NAMES.map((n) => [n, { uid: PARTY_IDS[n], gid: PARTY_IDS[n] }])) as Record<PartyName, { uid: number; gid: number }>,
  };
}

/** Every absolute path to something that exists among a config's strings: the files a party will open. */
export function existingPathsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (path.isAbsolute(value) && fs.existsSync(value)) found.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) existingPathsIn(item, found);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) existingPathsIn(item, found);
  }
  return found;
}

/**
 * The files each party reads, from its config slices over every sweep variant: the sharer's dataset (unless a
 * membership game hands it its records), the receiver's test split, aux data and pretrained models. The broker reads none.
 */
export function datasetPathsOf(scenario: Scenario): Record<PartyName, string[]> {
  const variants = scenarioVariants(scenario).map((v) => v.scenario);
  const all = variants.length > 0 ? variants : [scenario];
  const unique = (paths: string[]) => [...new Set(paths)];
  return {
    sharer: unique(all.flatMap((s) => (s.membership ? [] : existingPathsIn(sharerSlice(s))))),
    broker: [],
    receiver: unique(all.flatMap((s) => existingPathsIn(receiverSlice(s)))),
  };
}

/** What the probe checks: `tree` reads a file, or a folder and everything in it; `search` reaches a folder. */
interface AccessCheck {
  path: string;
  need: 'tree' | 'search';
}

/**
 * Runs under a party's uid (plain JavaScript, so that it needs nothing but node): walks each check with access(2) and
 * prints the refusals as JSON. Symbolic links are checked, not followed into (no loops); `.cache` folders are skipped
 * (tool caches, never loaded). At most 5 refusals: one is enough to fall back.
 */
const PROBE_SCRIPT = `
const fs = require('fs'), path = require('path');
const { R_OK, X_OK } = fs.constants;
const problems = [];
function refused(p, mode) {
  try { fs.accessSync(p, mode); return false; } catch (e) {
    if (e.code === 'ENOENT') return false;
    problems.push((mode & R_OK ? 'cannot read ' : 'cannot reach ') + p + ' (' + e.code + ')');
    return true;
  }
}
function walk(p, top) {
  if (problems.length >= 5) return;
  let st;
  try { st = top ? fs.statSync(p) : fs.lstatSync(p); } catch (e) { refused(p, R_OK); return; }
  if (st.isSymbolicLink()) { refused(p, R_OK); return; }
  if (!st.isDirectory()) { refused(p, R_OK); return; }
  if (refused(p, R_OK | X_OK)) return;
  for (const entry of fs.readdirSync(p)) if (entry !== '.cache') walk(path.join(p, entry), false);
}
for (const check of JSON.parse(process.argv[1])) {
  if (check.need === 'search') refused(check.path, X_OK); else walk(check.path, true);
}
process.stdout.write(JSON.stringify([...new Set(problems)].slice(0, 5)));
`;

const PROBE_TIMEOUT_MS = 30_000;

/** Runs the probe as `uid`; resolves to its refusals, or to why node would not even start as that user. */
export function probeAccess(uid: number, gid: number, checks: AccessCheck[]): Promise<string[]> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', PROBE_SCRIPT, JSON.stringify(checks)], {
      uid,
      gid,
      cwd: path.parse(process.cwd()).root,
      env: { PATH: process.env.PATH ?? '', HOME: path.parse(process.cwd()).root },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: PROBE_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => resolve([`node (${process.execPath}) does not start as uid ${uid}: ${err.message}`]));
    child.on('close', (code, signal) => {
      if (code === 0) {
        try {
          resolve(JSON.parse(stdout) as string[]);
          return;
        } catch {
          // fall through: an answer that is not the probe's is a refusal too
        }
      }
      const firstLine = stderr.split('\n').find((l) => l.trim()) ?? (signal ? `signal ${signal}` : `exit code ${code}`);
      resolve([`node (${process.execPath}) does not run as uid ${uid}: ${firstLine.trim()}`]);
    });
  });
}

/** Named accounts in /etc/passwd that hold one of the party ids. */
function takenPartyIds(): string[] {
  let passwd = '';
  try {
    passwd = fs.readFileSync(path.join(path.sep, 'etc', 'passwd'), 'utf8');
  } catch {
    return [];
  }
  const ids = new Set(Object.values(PARTY_IDS));
  return passwd
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => fields.length > 3 && ids.has(Number(fields[2])))
    .map((fields) => `${fields[2]} (${fields[0]})`);
}

/** The runner's side of separated parties: their folders in each run, and the files handed over to them. */
export interface PartyUsers {
  /** Each party's private folder in `runDir` (a variant's or replicate's folder under the run folder), created and owned. */
  accountsFor(runDir: string): Record<PartyName, PartyAccount>;
  /** An empty file (0600) owned by `party`, which it will append to: the broker's audit log. */
  handOver(file: string, party: PartyName): void;
  /** A folder of the party's own (its TLS identity: key, certificate, CA): owned by it, 0700/0600, its parent passable. */
  handOverFolder(dir: string, party: PartyName): void;
}

export interface IsolationPlan {
  isolation: Isolation;
  /** null: every party runs as the runner's user (not root, or the fallback). */
  users: PartyUsers | null;
}

/**
 * Decides whether the parties run as users of their own, and if so prepares what is shared: the run folder made
 * traversable (not listable beyond what it was), the cache handed to the sharer. Called after both folders exist.
 */
export async function planIsolation(input: { repo: string; cacheDir: string; runDir: string; reads: Record<PartyName, string[]> }): Promise<IsolationPlan> {
  const runnerUid = process.getuid?.();
  // The folder the sharer will write, not a link to it: the link's target is what must change hands.
  const cacheDir = fs.realpathSync(input.cacheDir);
  const takenIds = runnerUid === 0 ? takenPartyIds() : [];
  if (runnerUid !== 0 || takenIds.length > 0) return { isolation: decideIsolation({ runnerUid, takenIds }), users: null };

  const code: AccessCheck[] = ['package.json', 'dist', 'node_modules', 'protos', path.join('native', 'build')]
    .map((p) => path.join(input.repo, p))
    .filter((p) => fs.existsSync(p))
    .map((p) => ({ path: p, need: 'tree' }));
  const checksOf = (name: PartyName): AccessCheck[] => [
    ...code,
    ...input.reads[name].map((p): AccessCheck => ({ path: p, need: 'tree' })),
    // Each party's private folder is in the run folder; the cache folder itself is handed to the sharer below.
    { path: path.dirname(input.runDir), need: 'search' },
    ...(name === 'sharer' ? [{ path: path.dirname(cacheDir), need: 'search' as const }] : []),
  ];
  const answers = await Promise.all(PARTY_NAMES.map((name) => probeAccess(PARTY_IDS[name], PARTY_IDS[name], checksOf(name))));
  const problems = Object.fromEntries(PARTY_NAMES.map((name, i) => [name, answers[i]]));
  const isolation = decideIsolation({ runnerUid, takenIds, problems });
  if (!isolation.separateUsers) return { isolation, users: null };

  try {
    allowSearch(input.runDir);
    // A trial chown in the run folder: a file system that refuses it (some network mounts) falls back here, not mid-run.
    const trial = path.join(input.runDir, `.sharebox-chown-check-${process.pid}`);
    fs.writeFileSync(trial, '', { mode: 0o600 });
    try {
      fs.chownSync(trial, PARTY_IDS.broker, PARTY_IDS.broker);
    } finally {
      fs.rmSync(trial, { force: true });
    }
    handOverTree(cacheDir, PARTY_IDS.sharer);
  } catch (err) {
    const why = (err as Error).message;
    return {
      isolation: decideIsolation({ runnerUid, takenIds, problems: { sharer: [`the run folder or the cache cannot be handed over (${why})`] } }),
      users: null,
    };
  }
  return { isolation, users: partyUsersUnder(input.runDir) };
}

function partyUsersUnder(runRoot: string): PartyUsers {
  return {
    accountsFor(runDir) {
      // Every folder from the run folder down to this run's: traversable by the parties, to reach their own folders.
      const below = path.relative(runRoot, runDir).split(path.sep).filter(Boolean);
      below.forEach((_, i) => allowSearch(path.join(runRoot, ...below.slice(0, i + 1))));
      const partiesDir = path.join(runDir, 'parties');
      fs.mkdirSync(partiesDir, { recursive: true });
      fs.chmodSync(partiesDir, 0o711);
      return Object.fromEntries(
        PARTY_NAMES.map((name) => {
          const home = path.join(partiesDir, name);
          fs.mkdirSync(home, { recursive: true });
          fs.chmodSync(home, 0o700);
          fs.chownSync(home, PARTY_IDS[name], PARTY_IDS[name]);
          return [name, { uid: PARTY_IDS[name], gid: PARTY_IDS[name], home }];
        }),
      ) as Record<PartyName, PartyAccount>;
    },
    handOverFolder(dir, party) {
      allowSearch(path.dirname(dir));
      handOverTree(dir, PARTY_IDS[party]);
    },
    handOver(file, party) {
      fs.writeFileSync(file, '', { flag: 'a', mode: 0o600 });
      fs.chmodSync(file, 0o600);
      fs.chownSync(file, PARTY_IDS[party], PARTY_IDS[party]);
    },
  };
}

/** Adds search (x) for group and others, nothing else: the parties pass through, listing stays as it was. */
function allowSearch(dir: string): void {
  fs.chmodSync(dir, (fs.statSync(dir).mode & 0o7777) | 0o011);
}

/** The cache, whatever wrote it before (an earlier run as another user): owned by `uid`, folders 0700, files 0600. */
function handOverTree(dir: string, uid: number): void {
  const st = fs.lstatSync(dir);
  fs.lchownSync(dir, uid, uid);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    fs.chmodSync(dir, 0o700);
    for (const entry of fs.readdirSync(dir)) handOverTree(path.join(dir, entry), uid);
  } else {
    fs.chmodSync(dir, 0o600);
  }
}
