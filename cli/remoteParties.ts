/**
 * Parties on hosts of their own (docs/architecture.md "Across hosts"): the operator issues a run's identities once
 * (`sharebox credentials`), copies each party's folder to its host, starts each party there by hand (`sharebox party`),
 * and the runner dials them (`sharebox run --identity … --party role=host:port …`) instead of spawning them.
 *
 *     <dir>/runner/    key.pem cert.pem ca.pem  sharer.token broker.token receiver.token   (stays with the runner)
 *     <dir>/sharer/    key.pem cert.pem ca.pem  control.token                               (copied to the sharer's host)
 *     <dir>/broker/    …                                                                    (the broker's host)
 *     <dir>/receiver/  …                                                                    (the receiver's host)
 *
 * Folders 0700, files 0600. The CA's key is deleted once the four certificates are signed (cli/runCredentials.ts), so
 * nothing can add an identity to the run; certificates name roles, not addresses, so the hosts may change.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { nanoid } from 'nanoid';
import { loadIdentity, type Transport } from '../shared/grpc/transport';
import { PARTY_NAMES, hostPort, type PartyName } from '../shared/party/runtime';
import { issueRunCredentials, type RunTransport } from './runCredentials';
import type { PartyNetwork } from './netns';


/** The control token's file in a party's folder, and each party's token in the runner's. */
export const PARTY_TOKEN_FILE = 'control.token';
export const runnerTokenFile = (party: PartyName) => `${party}.token`;

const PRIVATE_FILE_MODE = 0o600;

export interface HostPort {
  host: string;
  port: number;
}

export type PartyAddresses = Record<PartyName, HostPort>;

/** A role named on the command line, or a one-line error naming the flag. */
export function parseRole(value: string | undefined, flag: string): PartyName {
  if (value && (PARTY_NAMES as readonly string[]).includes(value)) return value as PartyName;
  throw new Error(`${flag}: expected one of ${PARTY_NAMES.join(', ')}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
}

/**
 * `HOST:PORT` (an IPv6 address in brackets, `[fd00::2]:7001`). `mustBeIp`: for an address to listen on, which the
 * party binds as is (shared/party/runtime.ts); an address to dial may be a host name.
 */
export function parseHostPort(value: string, flag: string, mustBeIp = false): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(value);
  if (!match) throw new Error(`${flag}: expected HOST:PORT (an IPv6 address in brackets), got ${JSON.stringify(value)}`);
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${flag}: port ${match[3]} in ${JSON.stringify(value)} is not 1-65535`);
  if (match[1] !== undefined && net.isIPv6(host) === false) throw new Error(`${flag}: ${JSON.stringify(host)} in brackets is not an IPv6 address`);
  if (mustBeIp && net.isIP(host) === 0) throw new Error(`${flag}: ${JSON.stringify(host)} is not an IP address; give the address this host listens on, e.g. 10.0.0.2:7001`);
  return { host, port };
}

/** Every `--party role=HOST:PORT`, one per role, all three roles. */
export function parsePartyAddresses(specs: readonly string[]): PartyAddresses {
  const found: Partial<PartyAddresses> = {};
  for (const spec of specs) {
    const at = spec.indexOf('=');
    if (at < 0) throw new Error(`--party: expected ROLE=HOST:PORT (e.g. sharer=10.0.0.2:7001), got ${JSON.stringify(spec)}`);
    const role = parseRole(spec.slice(0, at), `--party ${spec}`);
    if (found[role]) throw new Error(`--party: ${role} is given twice`);
    found[role] = parseHostPort(spec.slice(at + 1), `--party ${spec}`);
  }
  const missing = PARTY_NAMES.filter((r) => !found[r]);
  if (missing.length > 0) throw new Error(`--party: every party must be named once; missing ${missing.map((r) => `${r}=HOST:PORT`).join(', ')}`);
  return found as PartyAddresses;
}

/**
 * Issues a run's identities into `dir` (which must not exist), with one control token per party: see the layout
 * above. Returns the folders, by identity.
 */
export function issuePartyCredentials(dir: string): Record<'runner' | PartyName, string> {
  if (fs.existsSync(dir)) throw new Error(`sharebox credentials: ${dir} already exists; name a new folder (each run gets identities of its own)`);
  // The folders and identities are the spawned runs' own (a CA per run, its key deleted at once); not disposed here.
  issueRunCredentials(dir);
  const folderOf = (role: 'runner' | PartyName) => path.join(dir, role);
  for (const party of PARTY_NAMES) {
    const token = nanoid(32);
    fs.writeFileSync(path.join(folderOf(party), PARTY_TOKEN_FILE), `${token}\n`, { mode: PRIVATE_FILE_MODE });
    fs.writeFileSync(path.join(folderOf('runner'), runnerTokenFile(party)), `${token}\n`, { mode: PRIVATE_FILE_MODE });
  }
  return { runner: folderOf('runner'), sharer: folderOf('sharer'), broker: folderOf('broker'), receiver: folderOf('receiver') };
}

/** The runner's identity and every party's control token, from the runner's folder. */
export function loadRunnerCredentials(dir: string): { transport: RunTransport; tokens: Record<PartyName, string> } {
  let runner: Transport;
  try {
    runner = loadIdentity(dir, 'runner');
  } catch (err) {
    throw new Error(`--identity ${dir}: not the runner's folder of \`sharebox credentials\`: ${(err as Error).message}`);
  }
  const tokens = {} as Record<PartyName, string>;
  for (const party of PARTY_NAMES) {
    const file = path.join(dir, runnerTokenFile(party));
    const token = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n')[0].trim() : '';
    if (!token) throw new Error(`--identity ${dir}: no ${party}'s control token (${runnerTokenFile(party)}); issue the folders with \`sharebox credentials\``);
    tokens[party] = token;
  }
  const transport: RunTransport = {
    mode: 'mutual-tls',
    runner,
    environmentFor: (party) => {
      throw new Error(`${party} is remote: it is not spawned, so it has no environment to give`);
    },
    identityOf: (role) => {
      if (role !== 'runner') throw new Error(`only the runner's identity is on this host, not the ${role}'s`);
      return runner;
    },
    // The operator's folder: used again (the same identities) only if every party is restarted; never deleted here.
    dispose: () => undefined,
  };
  return { transport, tokens };
}

/** Where each remote party is dialled: its Control at the given port, its services at the same host. */
export function remoteNetwork(addresses: PartyAddresses): PartyNetwork {
  return {
    mode: 'remote',
    placementOf: (party) => ({
      listenHost: addresses[party].host,
      dialHost: addresses[party].host,
      launch: () => {
        throw new Error(`${party} is remote (--party): the runner does not launch it`);
      },
    }),
    describe: () =>
      `remote: ${PARTY_NAMES.map((p) => `${p} ${hostPort(addresses[p].host, addresses[p].port)}`).join(', ')}; ` +
      'each started by hand on its host (`sharebox party`), its Control dialled by the runner',
    probeReach: async () => null,
    dispose: () => undefined,
  };
}
