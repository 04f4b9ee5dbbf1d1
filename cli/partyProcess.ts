/**
 * One party as a child process seen from the runner: spawn, wait for its readiness line, drive it through
 * the Control service, and make sure it dies with the run. A party that exits on its own before the runner
 * shuts it down is a failure of the whole run.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import * as grpc from '@grpc/grpc-js';
import { nanoid } from 'nanoid';
import { loadProto } from '../shared/grpc/proto';
import { channelTo } from '../shared/grpc/transport';
import { bearerMetadata } from '../shared/grpc/auth';
import { collectStream, unary } from '../shared/grpc/streams';
import { LISTEN_HOST_ENV, READY_PREFIX, hostPort, type PartyName } from '../shared/party/runtime';
import { repoRoot } from '../shared/repoRoot';
import { createLogProgress, type ProgressSink } from './progress';
import type { RunTransport } from './runCredentials';
import type { PartyAccount } from './partyUsers';
import { LOOPBACK, type PartyPlacement } from './netns';
import type { ControlClient } from '../shared/grpc/generated/sharebox/Control';
import type { ProgressEvent__Output } from '../shared/grpc/generated/sharebox/ProgressEvent';

export class PartyFailure extends Error {
  constructor(
    readonly party: PartyName,
    message: string,
  ) {
    super(message);
  }
}

const READY_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 3_000;
const EXIT_WAIT_MS = 1_000;

export class PartyProcess {
  private client!: ControlClient;
  /** Where the party's Control service listens (known once it is ready). */
  controlAddress = '';
  private expectedExit = false;
  private readonly stderrTail: string[] = [];
  /** Rejects when the child exits without being asked to: every runner wait races against it. */
  readonly died: Promise<never>;
  private rejectDied!: (err: Error) => void;
  private exitedFlag = false;
  /** The party's progress events as lines in its log file, beside what it writes to stdout and stderr. */
  private readonly logProgress: ProgressSink;

  private constructor(
    readonly name: PartyName,
    /** null for a remote party (`sharebox party` on a host of its own): dialled, never spawned nor killed by the runner. */
    private readonly child: ChildProcess | null,
    readonly logFile: string,
    private readonly log: fs.WriteStream,
    /** Bearer token for this party's Control service; written on the child's stdin, never argv or the environment. */
    private readonly token: string,
    private readonly transport: RunTransport,
    private readonly placement: PartyPlacement,
  ) {
    this.logProgress = createLogProgress({ write: (text) => this.writeLog(text) });
    this.died = new Promise<never>((_, reject) => {
      this.rejectDied = reject;
    });
    this.died.catch(() => undefined); // observed by the runner's races; never an unhandled rejection
  }

  /** The address the runner and the other parties dial to reach `port`, a server of this party. */
  addressOf(port: number): string {
    return hostPort(this.placement.dialHost, port);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): boolean {
    return this.exitedFlag;
  }

  /**
   * `transport`: the run's, which tells the child where its own TLS identity is (or that the run is insecure);
   * `account`: run as that user, in its private folder (cli/partyUsers.ts); without it, as the runner's user.
   * `placement`: where it listens and is dialled, and how it is launched there (cli/netns.ts); the loopback by default.
   */
  static async spawn(name: PartyName, logDir: string, transport: RunTransport, account?: PartyAccount, placement: PartyPlacement = LOOPBACK.placementOf(name)): Promise<PartyProcess> {
    fs.mkdirSync(logDir, { recursive: true });
    const logFile = path.join(logDir, `${name}.log`);
    // Separated parties must not read each other's logs either: the runner's files are then its own (0600).
    const log = fs.createWriteStream(logFile, { flags: 'a', ...(account ? { mode: 0o600 } : {}) });
    const script = path.join(repoRoot(), 'dist', name, 'main.js');
    if (!fs.existsSync(script)) {
      throw new PartyFailure(name, `${script} does not exist: build the project first (npm run build)`);
    }
    const token = nanoid(32);
    // The TLS folder's path (not a secret: its files are the party's own, 0600) goes in the environment; the token
    // down the stdin pipe, which only the runner holds (shared/party/runtime.ts readControlToken).
    const environment = { ...process.env, ...transport.environmentFor(name), [LISTEN_HOST_ENV]: placement.listenHost };
    // In a namespace, `ip netns exec` needs root: the launch itself then switches to the party's user (setpriv).
    const launch = placement.launch(process.execPath, [script], account);
    const ids = account && !launch.switchesUser ? { uid: account.uid, gid: account.gid } : {};
    const asUser = account ? { ...ids, cwd: account.home, env: { ...environment, HOME: account.home, TMPDIR: account.home } } : { env: environment };
    const child = spawn(launch.command, launch.args, { stdio: ['pipe', 'pipe', 'pipe'], ...asUser });
    child.stdin!.on('error', () => undefined); // a party that died early: its exit is reported, not an EPIPE
    child.stdin!.write(`${token}\n`);
    const party = new PartyProcess(name, child, logFile, log, token, transport, placement);
    return party.boot();
  }

  /**
   * A party started by hand elsewhere (`sharebox party`, cli/remoteParties.ts), its Control listening at `address`:
   * waits until it answers, as the runner, checking that its certificate names `name`. Its own log stays on its host;
   * `logDir/<name>.log` gets its progress events. It is not killed on the way out: it exits after Control.Shutdown.
   */
  static async connect(name: PartyName, logDir: string, transport: RunTransport, token: string, address: string, placement: PartyPlacement): Promise<PartyProcess> {
    fs.mkdirSync(logDir, { recursive: true });
    const logFile = path.join(logDir, `${name}.log`);
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    const party = new PartyProcess(name, null, logFile, log, token, transport, placement);
    party.controlAddress = address;
    const Ctor = loadProto().sharebox.Control;
    const { credentials, options } = channelTo(transport.runner, name);
    party.client = new Ctor(address, credentials, options);
    await new Promise<void>((resolve, reject) =>
      party.client.waitForReady(Date.now() + READY_TIMEOUT_MS, (err) =>
        err
          ? reject(new PartyFailure(name, `${name} did not answer at ${address} within ${READY_TIMEOUT_MS / 1000} s (${err.message}): start \`sharebox party ${name} --identity DIR --listen ${address}\` on its host first`))
          : resolve(),
      ),
    );
    party.writeLog(`remote ${name}, Control at ${address}\n`);
    return party;
  }

  /** Lines can still arrive (a last stderr line, a progress event in flight) after the exit closed the log. */
  private writeLog(text: string): void {
    if (!this.log.writableEnded) this.log.write(text);
  }

  private boot(): Promise<PartyProcess> {
    return new Promise((resolve, reject) => {
      const child = this.child!;
      const timer = setTimeout(() => {
        reject(new PartyFailure(this.name, `${this.name} did not report ready within ${READY_TIMEOUT_MS / 1000} s (log: ${this.logFile})`));
      }, READY_TIMEOUT_MS);
      readline.createInterface({ input: child.stderr! }).on('line', (line) => {
        this.writeLog(line + '\n');
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
      });
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith(READY_PREFIX)) {
          clearTimeout(timer);
          const { port } = JSON.parse(line.slice(READY_PREFIX.length));
          this.controlAddress = hostPort(this.placement.dialHost, port);
          const Ctor = loadProto().sharebox.Control;
          // As the runner, and only to this party: its certificate must name it.
          const { credentials, options } = channelTo(this.transport.runner, this.name);
          this.client = new Ctor(this.controlAddress, credentials, options);
          resolve(this);
        } else {
          this.writeLog(line + '\n');
        }
      });
      child.on('exit', (code, signal) => {
        this.exitedFlag = true;
        clearTimeout(timer);
        this.log.end();
        if (!this.expectedExit) {
          const tail = this.stderrTail.slice(-8).map((l) => `    ${l}`).join('\n');
          const err = new PartyFailure(
            this.name,
            `${this.name} exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); log: ${this.logFile}` +
              (tail ? `\n  last lines:\n${tail}` : ''),
          );
          this.rejectDied(err);
          reject(err);
        }
      });
      child.on('error', (err) => reject(new PartyFailure(this.name, `${this.name} could not start: ${err.message}`)));
    });
  }

  private md(): grpc.Metadata {
    return bearerMetadata(this.token);
  }

  async configure(config: unknown): Promise<Record<string, unknown>> {
    const reply = await this.race(
      unary(this.client.configure.bind(this.client), { configJson: JSON.stringify(config) }, this.md()),
      'Control.Configure',
    );
    return JSON.parse((reply as { infoJson: string }).infoJson);
  }

  /** Starts the party's work and resolves when it is done (its progress stream ended). */
  start(onEvent: (event: ProgressEvent__Output) => void): Promise<void> {
    const stream = this.client.start({}, this.md());
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', this.logged(onEvent));
      stream.on('error', (err: grpc.ServiceError) => reject(new PartyFailure(this.name, `${this.name} failed: ${err.details || err.message}`)));
      stream.on('end', () => resolve());
    });
    return this.race(done, 'Control.Start');
  }

  /** Opens the progress stream of a party that serves until shutdown (the broker); errors surface via `died`. */
  startInBackground(onEvent: (event: ProgressEvent__Output) => void): void {
    const stream = this.client.start({}, this.md());
    stream.on('data', this.logged(onEvent));
    stream.on('error', () => undefined);
  }

  /** The runner's handler for progress events, writing each into this party's log first. */
  private logged(onEvent: (event: ProgressEvent__Output) => void): (event: ProgressEvent__Output) => void {
    return (event) => {
      this.logProgress.event(event);
      onEvent(event);
    };
  }

  async result(): Promise<unknown> {
    const pieces = await this.race(collectStream(this.client.result({}, this.md())), 'Control.Result');
    return JSON.parse(pieces.map((p) => p.resultJson).join(''));
  }

  /** Asks the party to exit, then makes sure it did. */
  async shutdown(): Promise<void> {
    if (this.exitedFlag) return;
    this.expectedExit = true;
    if (!this.child) {
      // Remote: asked once; it exits on its own after answering (shared/party/runtime.ts), or the error is logged.
      try {
        await unary(this.client.shutdown.bind(this.client), {}, this.md(), { deadline: Date.now() + 5000 });
      } catch (err) {
        this.writeLog(`Control.Shutdown: ${(err as grpc.ServiceError).details || (err as Error).message}\n`);
      }
      this.exitedFlag = true;
      this.client.close();
      this.log.end();
      return;
    }
    const exited = new Promise<void>((resolve) => this.child!.once('exit', () => resolve()));
    try {
      await Promise.race([unary(this.client.shutdown.bind(this.client), {}, this.md(), { deadline: Date.now() + 2000 }), exited]);
    } catch {
      // fall through to the kill below
    }
    await Promise.race([exited, delay(KILL_GRACE_MS)]);
    this.kill();
    this.client?.close();
  }

  /** Ends the child now (SIGKILL if it is still there): used on failure paths and at runner exit. */
  kill(): void {
    this.expectedExit = true;
    if (!this.exitedFlag && this.child) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private race<T>(work: Promise<T>, rpc: string): Promise<T> {
    return Promise.race([
      work.catch(async (err: grpc.ServiceError) => {
        // A dying process drops its connections a moment before its exit is seen: give the exit a chance to
        // be the reported cause, since "sharer exited (signal SIGKILL)" says more than "Connection dropped".
        await Promise.race([this.died, delay(EXIT_WAIT_MS)]);
        if (err instanceof PartyFailure) throw err;
        throw new PartyFailure(this.name, `${this.name} ${rpc}: ${err.details || err.message}`);
      }),
      this.died,
    ]);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
