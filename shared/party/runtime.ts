/**
 * What every party process shares: it serves the Control service to the runner, announces its port on
 * stdout, and exits as soon as the runner goes away (stdin closes), so a crashed runner leaves no orphans.
 * A party started by hand on a host of its own (`sharebox party`, CONTROL_TOKEN_FILE_ENV below) has no such tie: it
 * serves one run and exits after Control.Shutdown, or on SIGINT/SIGTERM.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as grpc from '@grpc/grpc-js';
import { loadProto, CHANNEL_OPTIONS } from '../grpc/proto';
import { authenticate } from '../grpc/auth';
import { rpcError, toRpcError } from '../grpc/errors';
import { failStream, writeWithBackpressure } from '../grpc/streams';
import { INSECURE, loadIdentity, serverCredentials, type PeerRole, type Transport } from '../grpc/transport';
import { peerRoleInterceptors } from '../grpc/peerRole';
import type { ProgressEvent } from '../grpc/generated/sharebox/ProgressEvent';
import type { ControlHandlers } from '../grpc/generated/sharebox/Control';

export type PartyName = Exclude<PeerRole, 'runner'>;
/** The three parties, in the order the runner starts them (the sharer first: the broker dials it). One list for all. */
export const PARTY_NAMES: readonly PartyName[] = ['sharer', 'broker', 'receiver'];

/** The line a party prints when its Control server listens; the runner waits for it. */
/** Characters per Control.Result message: well under the channel's message cap even if every one takes 3 bytes. */
const RESULT_PIECE_CHARS = 1 << 20;

/** A result's JSON cut into pieces for Control.Result, never between the two halves of a surrogate pair. */
export function resultPieces(json: string, size = RESULT_PIECE_CHARS): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < json.length; ) {
    let end = Math.min(json.length, at + size);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && end - 1 > at && last >= 0xd800 && last <= 0xdbff) end--;
    pieces.push(json.slice(at, end));
    at = end;
  }
  return pieces;
}

export const READY_PREFIX = 'SHAREBOX_READY ';

/** How long a party waits for its control token on stdin before it gives up. */
const TOKEN_TIMEOUT_MS = 10_000;

/**
 * The control token, the first line the runner writes on the party's stdin. Not argv (ps shows it) and not the
 * environment (/proc/<pid>/environ shows it to every process of the same user): a pipe only the runner holds.
 */
function readControlToken(partyName: string): Promise<string> {
  return new Promise((resolve) => {
    let buffered = '';
    const fail = (why: string) => {
      console.error(`${partyName}: ${why}; parties are started by \`sharebox run\`, which writes their control token on stdin`);
      process.exit(2);
    };
    const timer = setTimeout(() => fail(`no control token on stdin within ${TOKEN_TIMEOUT_MS / 1000} s`), TOKEN_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
      const token = buffered.slice(0, end).trim();
      if (!token) fail('an empty control token on stdin');
      resolve(token);
    };
    const onEnd = () => fail('stdin closed before a control token arrived');
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
  });
}

/**
 * Environment variable naming the folder with this party's key, certificate and the run's CA certificate
 * (shared/grpc/transport.ts IDENTITY_FILES), or holding TLS_OFF when the run is `--insecure`. Required: a party never
 * falls back to plaintext on its own.
 */
export const TLS_DIR_ENV = 'SHAREBOX_TLS_DIR';
export const TLS_OFF = 'insecure';

/** The transport the runner chose for this party: its identity under TLS, or plaintext. */
export function transportFromEnvironment(party: PartyName, env: NodeJS.ProcessEnv = process.env): Transport {
  const value = env[TLS_DIR_ENV];
  if (!value) throw new Error(`${party}: ${TLS_DIR_ENV} is not set (a folder with its TLS identity, or "${TLS_OFF}"); parties are started by \`sharebox run\``);
  return value === TLS_OFF ? INSECURE : loadIdentity(value, party);
}

export type Emit = (event: Omit<ProgressEvent, 'party'>) => void;

export interface Party {
  name: PartyName;
  /**
   * Validates and applies this party's config slice; returns information for the runner (e.g. ports). `transport` is
   * the party's identity, for the servers it opens and the channels it dials.
   */
  configure(config: unknown, transport: Transport): Promise<Record<string, unknown>>;
  /** Does the party's work, reporting progress; resolves to its result (JSON-serialisable). */
  start(emit: Emit): Promise<unknown>;
  /** Releases servers and models before the process exits. */
  shutdown?(): Promise<void>;
  /**
   * For a party that serves until shut down (the broker), `start` never resolves; `snapshot` gives the
   * runner its result so far (e.g. the broker's metering and audit summary). A party whose `start` resolves but
   * that keeps serving (the sharer) may also have one: once it is done, Result returns the snapshot, so what it
   * counted while serving (its release guards' refusals) reaches the runner when it asks again.
   */
  snapshot?(): unknown;
}

/**
 * Environment variable naming the address every server of a party binds (its Control service, the sharer's ModelHost,
 * the broker's Gateway); 127.0.0.1 when unset. Set by the runner when a party lives elsewhere than on the loopback (a
 * network namespace of its own, cli/netns.ts). Not a secret: the environment is fine.
 */
export const LISTEN_HOST_ENV = 'SHAREBOX_LISTEN_HOST';
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/** The address this party's servers bind: an IP address (v4 or v6), never a name to resolve. */
export function listenHostFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[LISTEN_HOST_ENV];
  if (value === undefined || value === '') return DEFAULT_LISTEN_HOST;
  if (net.isIP(value) === 0) throw new Error(`${LISTEN_HOST_ENV}=${JSON.stringify(value)} is not an IP address; give the address this party listens on, e.g. 10.0.0.2`);
  return value;
}

/** `host:port` for gRPC, with an IPv6 address in brackets. */
export function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A party started by hand on a host of its own (`sharebox party <role>`, cli/partyCommand.ts) rather than spawned by
 * the runner: its control token is the first line of this file (0600, in its identity folder) instead of its stdin,
 * and its Control service listens on CONTROL_PORT_ENV, a fixed port the runner was told, instead of a free one. Such a
 * party has no stdin tie to any runner: it serves one run and exits after Control.Shutdown, or on SIGINT/SIGTERM.
 * Neither is set for a spawned party. Paths and a port, not secrets: the environment is fine.
 */
export const CONTROL_TOKEN_FILE_ENV = 'SHAREBOX_CONTROL_TOKEN_FILE';
export const CONTROL_PORT_ENV = 'SHAREBOX_CONTROL_PORT';

/** The token of a party started by hand, from its file: refused if empty, or readable by anyone but its owner. */
export function readControlTokenFile(file: string): string {
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new Error(`${file}: the control token must be readable by its owner only (mode ${mode.toString(8)}); chmod 600 it`);
  const token = fs.readFileSync(file, 'utf8').split('\n')[0].trim();
  if (!token) throw new Error(`${file}: empty control token`);
  return token;
}

/** The fixed Control port of a party started by hand, or 0 (a free one) for a spawned party. */
export function controlPortFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[CONTROL_PORT_ENV];
  if (value === undefined || value === '') return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${CONTROL_PORT_ENV}=${JSON.stringify(value)} is not a port (1-65535)`);
  return port;
}

/**
 * Binds `server` on `port` of `host` (by default a free port of the address the runner gave this party) and resolves
 * to the port.
 */
export async function bindServer(server: grpc.Server, transport: Transport, host: string = listenHostFromEnvironment(), port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(hostPort(host, port), serverCredentials(transport), (err, port) =>
      err ? reject(err) : resolve(port),
    );
  });
}

/**
 * A server with the protocol's message bounds that serves only callers whose certificate names `caller` (under TLS);
 * `interceptors` wrap every call it serves (the broker's edge audit), outside the role check, so they see refused calls.
 */
export function newServer(transport: Transport, caller: PeerRole, interceptors: grpc.ServerInterceptor[] = []): grpc.Server {
  return new grpc.Server({ ...CHANNEL_OPTIONS, interceptors: [...interceptors, ...peerRoleInterceptors(transport, caller)] });
}

/** Runs a party process: call from each party's main.ts. */
export async function runParty(party: Party): Promise<void> {
  // Whatever a party writes (the sharer's model cache, the broker's audit log) is its own: no other user reads it.
  process.umask(0o077);
  let transport: Transport;
  let listenHost: string;
  let controlPort: number;
  let tokenFile: string | undefined;
  let fileToken: string | undefined;
  try {
    transport = transportFromEnvironment(party.name);
    listenHost = listenHostFromEnvironment();
    controlPort = controlPortFromEnvironment();
    tokenFile = process.env[CONTROL_TOKEN_FILE_ENV] || undefined;
    if (tokenFile) fileToken = readControlTokenFile(tokenFile);
  } catch (err) {
    console.error(`${party.name}: ${(err as Error).message}`);
    process.exit(2);
  }
  const token = fileToken ?? (await readControlToken(party.name));
  const log = (msg: string) => process.stderr.write(`[${party.name}] ${msg}\n`);

  if (tokenFile) {
    // Started by hand (`sharebox party`): no runner holds our stdin. We serve one run, then Control.Shutdown ends us.
    process.once('SIGINT', () => exitSoon(130, 'SIGINT received; exiting'));
    process.once('SIGTERM', () => exitSoon(143, 'SIGTERM received; exiting'));
  } else {
    // The runner holds our stdin open; when it dies, stdin ends and we must not outlive it.
    process.stdin.on('end', () => exitSoon(3, 'the runner closed our stdin (it stopped); exiting'));
    process.stdin.on('error', () => exitSoon(3, 'stdin error; exiting'));
    process.stdin.on('data', () => undefined); // nothing more is expected; reading keeps 'end' coming
    process.stdin.resume();
  }
  process.on('uncaughtException', (err) => exitSoon(1, `uncaught: ${err.stack ?? err}`));
  process.on('unhandledRejection', (err) => exitSoon(1, `unhandled rejection: ${(err as Error)?.stack ?? err}`));

  let exiting = false;
  function exitSoon(code: number, message: string): void {
    if (exiting) return;
    exiting = true;
    log(message);
    const done = () => process.exit(code);
    Promise.resolve(party.shutdown?.()).then(done, done);
    setTimeout(done, 2000).unref();
  }

  let state: 'new' | 'configured' | 'running' | 'done' | 'failed' = 'new';
  let result: unknown = null;
  let failure: string | null = null;
  const known = { runner: token };

  const handlers: ControlHandlers = {
    Configure(call, callback) {
      try {
        authenticate(call.metadata, known, 'Control.Configure');
        if (state !== 'new') throw rpcError(grpc.status.FAILED_PRECONDITION, 'Control.Configure: already configured');
        const config = JSON.parse(call.request.configJson);
        party.configure(config, transport).then(
          (info) => {
            state = 'configured';
            callback(null, { infoJson: JSON.stringify(info) });
          },
          (err) => callback(toRpcError(err, 'Control.Configure')),
        );
      } catch (err) {
        callback(toRpcError(err, 'Control.Configure'));
      }
    },
    Start(call) {
      try {
        authenticate(call.metadata, known, 'Control.Start');
        if (state !== 'configured') {
          throw rpcError(grpc.status.FAILED_PRECONDITION, `Control.Start: party is ${state}, expected configured`);
        }
      } catch (err) {
        call.emit('error', toRpcError(err, 'Control.Start'));
        return;
      }
      state = 'running';
      const emit: Emit = (event) => {
        if (!call.writableEnded) call.write({ party: party.name, ...event });
      };
      party.start(emit).then(
        (value) => {
          result = value;
          state = 'done';
          call.end();
        },
        (err) => {
          failure = err instanceof Error ? err.message : String(err);
          state = 'failed';
          log(`failed: ${err instanceof Error ? err.stack : err}`);
          call.emit('error', toRpcError(err, `${party.name}`));
        },
      );
    },
    async Result(call) {
      try {
        authenticate(call.metadata, known, 'Control.Result');
        if (state === 'failed') throw rpcError(grpc.status.ABORTED, `Control.Result: ${party.name} failed: ${failure}`);
        let json: string;
        if ((state === 'running' || state === 'done') && party.snapshot) json = JSON.stringify(party.snapshot());
        else if (state !== 'done') throw rpcError(grpc.status.FAILED_PRECONDITION, `Control.Result: party is ${state}`);
        else json = JSON.stringify(result);
        for (const piece of resultPieces(json)) await writeWithBackpressure(call, { resultJson: piece });
        call.end();
      } catch (err) {
        failStream(call, toRpcError(err, 'Control.Result'));
      }
    },
    Shutdown(call, callback) {
      try {
        authenticate(call.metadata, known, 'Control.Shutdown');
      } catch (err) {
        callback(toRpcError(err, 'Control.Shutdown'));
        return;
      }
      callback(null, {});
      setTimeout(() => exitSoon(0, 'shutdown requested'), 20);
    },
  };

  const server = newServer(transport, 'runner');
  server.addService(loadProto().sharebox.Control.service, handlers);
  let port: number;
  try {
    port = await bindServer(server, transport, listenHost, controlPort);
  } catch (err) {
    // A fixed port already taken (another party, or one left from an earlier run) is the usual cause.
    console.error(`${party.name}: cannot listen for Control on ${hostPort(listenHost, controlPort)}: ${(err as Error).message}`);
    process.exit(2);
  }
  if (tokenFile) log(`serving Control on ${hostPort(listenHost, port)} for one run (exits after Control.Shutdown, or on SIGINT/SIGTERM)`);
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ port, pid: process.pid })}\n`);
}
