/**
 * Where each party lives on the network, seen from the runner: the address its servers bind, the address the runner
 * and the other parties dial for it, and how its command is launched there.
 *
 * Two placements. `LOOPBACK` (the default) is today's: every party on 127.0.0.1 of the runner's host. `--netns` gives
 * each party a Linux network namespace of its own, so that the parties talk over real links rather than the loopback,
 * as they would across hosts, and the links that exist are exactly the ones the protocol needs:
 *
 *     root namespace (the runner)
 *       sbx<pid>-s 10.213.N.1/30 ── to-runner 10.213.N.2   sharer's namespace
 *       sbx<pid>-b 10.213.N.5/30 ── to-runner 10.213.N.6   broker's namespace
 *       sbx<pid>-r 10.213.N.9/30 ── to-runner 10.213.N.10  receiver's namespace
 *     broker's namespace  to-sharer   ── to-broker  sharer's namespace    (unnumbered; one host route each way)
 *     broker's namespace  to-receiver ── to-broker  receiver's namespace  (unnumbered; one host route each way)
 *
 * Each party has one address (on its link to the runner), binds it, and is dialled at it: by the runner over that
 * link, by its peer over their direct link (a /32 route). No namespace has a default route and forwarding is off in
 * each, so the receiver's namespace has no route to the sharer's address at all: only the broker reaches the model,
 * whatever the root namespace's own ip_forward says. The runner checks that on every run (`probeReach`).
 */
import { execFileSync, spawn } from 'child_process';
import { DEFAULT_LISTEN_HOST, PARTY_NAMES, type PartyName } from '../shared/party/runtime';
import type { PartyAccount } from './partyUsers';

/** 'remote': parties started by hand on hosts of their own and dialled, not spawned (cli/remoteParties.ts). */
export type NetworkMode = 'loopback' | 'namespaces' | 'remote';

/** A command to spawn, and whether it switches to the party's user itself (then spawn must not: it stays root). */
export interface Launch {
  command: string;
  args: string[];
  switchesUser: boolean;
}

export interface PartyPlacement {
  /** What the party's servers bind (shared/party/runtime.ts LISTEN_HOST_ENV). */
  listenHost: string;
  /** What the runner dials for the party's Control, and its peer for its service (ModelHost, Gateway). */
  dialHost: string;
  /** The party's command as it must be spawned there, as `account`'s user when given. */
  launch(command: string, args: string[], account?: PartyAccount): Launch;
}

/** How one TCP connection attempt ended: 'connected', or the error code (ENETUNREACH, ECONNREFUSED, …) or 'timeout'. */
export type ReachOutcome = string;

export interface PartyNetwork {
  readonly mode: NetworkMode;
  placementOf(party: PartyName): PartyPlacement;
  /** One line for the log and report.md. */
  describe(): string;
  /** Tries a TCP connection from `from`'s namespace to host:port (nothing to try on the loopback: null). */
  probeReach(from: PartyName, host: string, port: number, timeoutMs?: number): Promise<ReachOutcome | null>;
  /** Deletes every namespace and link it made; synchronous (it runs in the runner's exit handler) and safe to repeat. */
  dispose(): void;
}


export const LOOPBACK: PartyNetwork = {
  mode: 'loopback',
  placementOf: () => ({
    listenHost: DEFAULT_LISTEN_HOST,
    dialHost: DEFAULT_LISTEN_HOST,
    launch: (command, args) => ({ command, args, switchesUser: false }),
  }),
  describe: () => 'loopback: every party listens on 127.0.0.1 of the runner\'s host',
  probeReach: async () => null,
  dispose: () => undefined,
};

/** Why --netns cannot run here, in one line, or null when it can. */
export function namespacesUnavailable(runnerUid: number | undefined = process.getuid?.()): string | null {
  if (runnerUid !== 0) {
    return `--netns needs root (it creates network namespaces and veth pairs); the runner is ${runnerUid === undefined ? 'on a platform without user ids' : `uid ${runnerUid}`}: run as root, or without --netns`;
  }
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return '--netns needs the ip command of iproute2 (Debian: apt-get install iproute2), or run without --netns';
  }
  return null;
}

/** The first 10.213.N.0/24 (from `start`) that no address or route of the root namespace touches. */
function freeSubnet(start: number): string {
  const inUse = ip(['-o', '-4', 'addr', 'show']) + ip(['-4', 'route', 'show', 'table', 'all']);
  for (let i = 0; i < 256; i++) {
    const prefix = `10.213.${(start + i) % 256}.`;
    if (!inUse.includes(prefix)) return prefix;
  }
  throw new Error('--netns: every 10.213.N.0/24 is in use on this host; delete stale sharebox namespaces (ip netns list | grep sharebox-)');
}

/** Each party's last octet on its link to the runner: the runner's side is one below. */
const PARTY_OCTET: Readonly<Record<PartyName, number>> = { sharer: 2, broker: 6, receiver: 10 };
const LINK_INITIAL: Readonly<Record<PartyName, string>> = { sharer: 's', broker: 'b', receiver: 'r' };

/**
 * Makes the three namespaces and their links (names carry `runId`, the runner's pid by default, so concurrent runs
 * do not meet). Throws with the failing `ip` command after deleting whatever it had made.
 */
export function createNamespaceNetwork(runId: number = process.pid): PartyNetwork {
  const namespaceOf = (party: PartyName) => `sharebox-${runId}-${party}`;
  const rootLinkOf = (party: PartyName) => `sbx${runId}-${LINK_INITIAL[party]}`;
  const madeNamespaces: string[] = [];
  const madeRootLinks: string[] = [];
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    // Deleting the root end of a veth deletes its pair now, even while a killed party still holds its namespace.
    for (const link of madeRootLinks) ipQuietly(['link', 'del', link]);
    for (const ns of madeNamespaces) ipQuietly(['netns', 'del', ns]);
  };

  const prefix = freeSubnet(runId % 256);
  const addressOf = (party: PartyName) => `${prefix}${PARTY_OCTET[party]}`;
  try {
    for (const party of PARTY_NAMES) {
      const ns = namespaceOf(party);
      ip(['netns', 'add', ns]);
      madeNamespaces.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      // No forwarding inside any namespace: the broker's must not carry the receiver's packets to the sharer.
      ip(['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0']);
      const rootLink = rootLinkOf(party);
      ip(['link', 'add', rootLink, 'type', 'veth', 'peer', 'name', 'to-runner', 'netns', ns]);
      madeRootLinks.push(rootLink);
      ip(['addr', 'add', `${prefix}${PARTY_OCTET[party] - 1}/30`, 'dev', rootLink]);
      ip(['link', 'set', rootLink, 'up']);
      ip(['-n', ns, 'addr', 'add', `${addressOf(party)}/30`, 'dev', 'to-runner']);
      ip(['-n', ns, 'link', 'set', 'to-runner', 'up']);
    }
    // The protocol's two edges, each a direct link: broker ↔ sharer, broker ↔ receiver.
    for (const peer of ['sharer', 'receiver'] as const) {
      const [brokerNs, peerNs] = [namespaceOf('broker'), namespaceOf(peer)];
      ip(['-n', brokerNs, 'link', 'add', `to-${peer}`, 'type', 'veth', 'peer', 'name', 'to-broker', 'netns', peerNs]);
      ip(['-n', brokerNs, 'link', 'set', `to-${peer}`, 'up']);
      ip(['-n', peerNs, 'link', 'set', 'to-broker', 'up']);
      ip(['-n', brokerNs, 'route', 'add', `${addressOf(peer)}/32`, 'dev', `to-${peer}`, 'src', addressOf('broker')]);
      ip(['-n', peerNs, 'route', 'add', `${addressOf('broker')}/32`, 'dev', 'to-broker', 'src', addressOf(peer)]);
    }
  } catch (err) {
    dispose();
    throw err;
  }

  return {
    mode: 'namespaces',
    placementOf: (party) => ({
      listenHost: addressOf(party),
      dialHost: addressOf(party),
      // `ip netns exec` must run as root; it then execs setpriv, which drops to the party's user and execs node:
      // one process throughout, so the pid, the stdin token pipe and the environment are the party's own.
      launch: (command, args, account) =>
        account
          ? {
              command: 'ip',
              args: ['netns', 'exec', namespaceOf(party), 'setpriv', `--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', '--', command, ...args],
              switchesUser: true,
            }
          : { command: 'ip', args: ['netns', 'exec', namespaceOf(party), command, ...args], switchesUser: false },
    }),
    describe: () =>
      `namespaces: ${PARTY_NAMES.map((p) => `${p} ${addressOf(p)} (${namespaceOf(p)})`).join(', ')}; ` +
      'each linked to the runner, the broker to the sharer and to the receiver; no route from the receiver to the sharer',
    probeReach: (from, host, port, timeoutMs = 2000) => probeFrom(namespaceOf(from), host, port, timeoutMs),
    dispose,
  };
}

/** A TCP connect from inside `ns` (node, as root): what happened, within `timeoutMs`. */
const PROBE_SCRIPT = `
const [host, port, ms] = process.argv.slice(1);
const socket = require('net').connect({ host, port: Number(port) });
const done = (what) => { process.stdout.write(what); socket.destroy(); process.exit(0); };
socket.setTimeout(Number(ms), () => done('timeout'));
socket.on('connect', () => done('connected'));
socket.on('error', (e) => done(e.code || e.message));
`;

function probeFrom(ns: string, host: string, port: number, timeoutMs: number): Promise<ReachOutcome> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', PROBE_SCRIPT, host, String(port), String(timeoutMs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs + 5000,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve(`probe failed: ${e.message}`));
    child.on('close', () => resolve(out.trim() || `probe failed: ${err.trim().split('\n')[0] || 'no answer'}`));
  });
}

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new Error(`--netns: \`ip ${args.join(' ')}\` failed: ${e.stderr?.trim() || e.message}`);
  }
}

function ipQuietly(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore' });
  } catch {
    // already gone (a namespace's links go with it)
  }
}
