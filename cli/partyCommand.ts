/**
 * The command lines of parties on hosts of their own (cli/remoteParties.ts): `sharebox party <role> --identity DIR
 * --listen HOST:PORT`, `sharebox run … --identity DIR --party role=HOST:PORT …` and `sharebox credentials --hosts`.
 * Every error is one line naming the flag.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadIdentity } from '../shared/grpc/transport';
import { CONTROL_PORT_ENV, CONTROL_TOKEN_FILE_ENV, LISTEN_HOST_ENV, PARTY_NAMES, TLS_DIR_ENV, readControlTokenFile, type PartyName } from '../shared/party/runtime';
import { repoRoot } from '../shared/repoRoot';
import { PARTY_TOKEN_FILE, parseHostPort, parsePartyAddresses, parseRole, type PartyAddresses } from './remoteParties';

/** The flags as util.parseArgs returns them (only those read here). */
export interface PartyFlags {
  identity?: string;
  listen?: string;
  party?: string[];
  insecure?: boolean;
  netns?: boolean;
}

/** What `sharebox party` runs: the party's own main.js, with the environment that makes it a party started by hand. */
export interface PartyLaunch {
  role: PartyName;
  script: string;
  environment: Record<string, string>;
}

export function parsePartyCommand(positionals: readonly string[], flags: PartyFlags): PartyLaunch {
  if (positionals.length !== 1) throw new Error(`expected one role (${PARTY_NAMES.join(', ')}), got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  const role = parseRole(positionals[0], 'role');
  if (!flags.identity) throw new Error(`--identity DIR is required: the ${role}'s folder of \`sharebox credentials\``);
  if (!flags.listen) throw new Error('--listen HOST:PORT is required: the address and fixed port its Control service listens on, which the runner is given');
  const listen = parseHostPort(flags.listen, '--listen', true);
  const identity = path.resolve(flags.identity);
  if (!fs.existsSync(identity)) throw new Error(`--identity ${flags.identity}: no such folder`);
  try {
    loadIdentity(identity, role);
  } catch (err) {
    throw new Error(`--identity ${flags.identity}: not the ${role}'s identity: ${(err as Error).message}`);
  }
  const tokenFile = path.join(identity, PARTY_TOKEN_FILE);
  if (!fs.existsSync(tokenFile)) throw new Error(`--identity ${flags.identity}: no ${PARTY_TOKEN_FILE}; issue the folders with \`sharebox credentials\``);
  try {
    readControlTokenFile(tokenFile);
  } catch (err) {
    throw new Error(`--identity ${flags.identity}: ${(err as Error).message}`);
  }
  const script = path.join(repoRoot(), 'dist', role, 'main.js');
  if (!fs.existsSync(script)) throw new Error(`${script} does not exist: build the project first (npm run build)`);
  return {
    role,
    script,
    environment: {
      [TLS_DIR_ENV]: identity,
      [LISTEN_HOST_ENV]: listen.host,
      [CONTROL_PORT_ENV]: String(listen.port),
      [CONTROL_TOKEN_FILE_ENV]: tokenFile,
    },
  };
}

/** `sharebox run`'s remote parties, or undefined when none is named (the runner spawns them, as always). */
export function parseRemoteRun(flags: PartyFlags): { identityDir: string; parties: PartyAddresses } | undefined {
  const specs = flags.party ?? [];
  if (specs.length === 0) {
    if (flags.identity !== undefined) throw new Error('--identity: only with --party (remote parties); a spawned run issues identities of its own');
    return undefined;
  }
  if (flags.identity === undefined) throw new Error('--party: needs --identity DIR, the runner folder of `sharebox credentials`');
  if (flags.insecure) throw new Error('--insecure: remote parties always talk mutual TLS (their identities are in their folders); drop --insecure or --party');
  if (flags.netns) throw new Error('--netns: the runner places only the parties it spawns; drop --netns or --party');
  return { identityDir: path.resolve(flags.identity), parties: parsePartyAddresses(specs) };
}

/** `--hosts sharer=HOST,broker=HOST,receiver=HOST`: used only to print the next steps. */
export function parseHostsList(value: string): Record<PartyName, string> {
  const hosts: Partial<Record<PartyName, string>> = {};
  for (const item of value.split(',').filter(Boolean)) {
    const at = item.indexOf('=');
    const role = parseRole(at < 0 ? item : item.slice(0, at), `--hosts ${item}`);
    const host = at < 0 ? '' : item.slice(at + 1);
    if (!host) throw new Error(`--hosts: ${role} has no address (expected ${role}=HOST)`);
    if (hosts[role]) throw new Error(`--hosts: ${role} is given twice`);
    hosts[role] = host;
  }
  const missing = PARTY_NAMES.filter((r) => !hosts[r]);
  if (missing.length > 0) throw new Error(`--hosts: missing ${missing.map((r) => `${r}=HOST`).join(', ')}`);
  return hosts as Record<PartyName, string>;
}
