/**
 * The receiver's seat taken by an outside program (`receiver.external`; docs/external-receiver.md). The runner starts
 * the sharer and the broker as usual, then writes the connection file (0600) — the broker's address, the receiver's
 * token and TLS identity, the grants, the budget, the deadline and the receiver's slice: the task, the unlabelled
 * challenge set, its own datasets, the attacks it must submit evidence for — and waits for the broker to tell it that
 * evidence arrived (Evidence.Submit, broker/services/evidence.ts). With `--receiver-command` it also starts the
 * program itself, as the receiver would be started (its user, its namespace), and waits for it to exit.
 * Whatever goes wrong — no evidence by the deadline, malformed evidence, a second submission, a program that fails —
 * ends the run with exit code 2, every party stopped.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import { TLS_DIR_ENV, TLS_OFF } from '../shared/party/runtime';
import { IDENTITY_FILES } from '../shared/grpc/transport';
import { loadDataset } from '../shared/data/loadDataset';
import type { Table } from '../shared/data/table';
import { moveById } from '../shared/moves/registry';
import type { Scenario } from '../shared/scenario';
import type { ReceiverConfig } from '../shared/scenario/slices';
import type { EvidenceOutcome, EvidenceSeat, SubmittedEvidence } from '../shared/external/evidence';
import type { BrokerResult, ReceiverResult } from '../shared/party/results';
import type { RunTransport } from './runCredentials';
import type { PartyPlacement } from './netns';
import type { PartyAccount } from './partyUsers';
import { writeFileAtomically } from './atomicFile';
import { PartyFailure } from './partyProcess';

/** The connection file's name in the run folder, and its format tag (bumped when a field changes meaning). */
export const CONNECTION_FILE = 'receiver-connection.json';
export const CONNECTION_FORMAT = 'sharebox-connection/1';
/** The environment variable that carries the connection file's path to `--receiver-command`. */
export const CONNECTION_ENV = 'SHAREBOX_CONNECTION';

/** What the seat expects: one piece of evidence per listed attack, of its move's kind. */
export function evidenceSeat(scenario: Scenario, challengeRecords: number, deadline: Date): EvidenceSeat {
  return {
    deadline: deadline.toISOString(),
    attacks: scenario.receiver.attacks.map((attack, index) => {
      const evidence = moveById(attack.kind)?.requires.externalReceiver;
      // The loader admits only external moves in an external receiver's list (shared/scenario/consistency.ts).
      if (!evidence) throw new Error(`receiver.attacks[${index}] (${attack.kind}): not evidence an external receiver submits`);
      return { index, kind: attack.kind, evidence, ...(evidence === 'membership' ? { challengeRecords } : {}) };
    }),
  };
}

export interface ConnectionFacts {
  scenario: string;
  brokerAddress: string;
  token: string;
  transport: RunTransport;
  grants: string[];
  budgetUnits: number;
  seat: EvidenceSeat;
  receiver: ReceiverConfig;
  challenge: Table | null;
}

/** A table as the wire carries it: rows in schema order, a categorical value as its index into the column's categories. */
function plainTable(table: Table): { schema: Table['schema']; rows: number[][] } {
  return { schema: table.schema, rows: table.rows };
}

/**
 * The connection file's content: everything the receiver would be handed, nothing more — its token and identity, its
 * slice (no sharer data, no membership labels), the attacks with their own configs. The receiver's datasets go as
 * records, since an outside program cannot load sharebox's sources.
 */
export function connectionDocument(facts: ConnectionFacts): Record<string, unknown> {
  const tlsFolder = facts.transport.environmentFor('receiver')[TLS_DIR_ENV];
  const read = (file: string) => fs.readFileSync(path.join(tlsFolder, file), 'utf8');
  const datasets: Record<string, unknown> = { [facts.receiver.testData.name]: plainTable(loadDataset(facts.receiver.testData, facts.receiver.testData.seed)) };
  for (const [name, spec] of Object.entries(facts.receiver.attackData)) datasets[name] = plainTable(loadDataset(spec, spec.seed));
  return {
    format: CONNECTION_FORMAT,
    scenario: facts.scenario,
    broker: {
      address: facts.brokerAddress,
      token: facts.token,
      // The broker's certificate names its role (DNS:broker): dial the address, check the name.
      tls: tlsFolder === TLS_OFF ? null : { caPem: read(IDENTITY_FILES.ca), certPem: read(IDENTITY_FILES.cert), keyPem: read(IDENTITY_FILES.key), serverName: 'broker' },
    },
    grants: facts.grants,
    budgetUnits: facts.budgetUnits,
    deadline: facts.seat.deadline,
    seed: facts.receiver.seed,
    task: facts.receiver.task,
    testData: facts.receiver.testData.name,
    attacks: facts.seat.attacks.map((a) => ({ ...facts.receiver.attacks[a.index], index: a.index, evidence: a.evidence })),
    challenge: facts.challenge ? plainTable(facts.challenge) : null,
    datasets,
  };
}

/** Written whole or not at all (a temporary sibling renamed into place), readable by its owner only. */
export function writeConnectionFile(file: string, document: Record<string, unknown>): void {
  writeFileAtomically(file, JSON.stringify(document, null, 1) + '\n', 0o600);
}

/** The runner's environment variables an outside program started by `--receiver-command` gets (and no others). */
export const PASSED_ENVIRONMENT = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ'] as const;

/** The outside program started by the runner (`--receiver-command`): its exit, and its output in the receiver's log. */
export interface ReceiverCommand {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

export function startReceiverCommand(command: string, connectionFile: string, logFile: string, placement: PartyPlacement, account?: PartyAccount): ReceiverCommand {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a', 0o600);
  // `sh -c 'command "$1"' sh FILE`: the user's command line as typed, the file as its last argument, never spliced in.
  const launch = placement.launch('sh', ['-c', `${command} "$1"`, 'sh', connectionFile], account);
  // Code sharebox does not know gets the connection file and what a program needs to start, not the runner's whole
  // environment (which may hold anything of the operator's).
  const kept = Object.fromEntries(PASSED_ENVIRONMENT.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
  const env = { ...kept, [CONNECTION_ENV]: connectionFile, ...(account ? { HOME: account.home, TMPDIR: account.home } : {}) };
  const ids = account && !launch.switchesUser ? { uid: account.uid, gid: account.gid } : {};
  // In the runner's folder, where the command line was typed (its relative paths mean what the user meant).
  const child: ChildProcess = spawn(launch.command, launch.args, { stdio: ['ignore', log, log], env, cwd: process.cwd(), detached: true, ...ids });
  fs.closeSync(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: 127, signal: null }));
  });
  return {
    exited,
    // Its whole process group: a shell's children go with it.
    kill: () => {
      try {
        if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
  };
}

/** Outcomes the broker reports (stage `evidence` on its progress stream), awaited by `waitForEvidence`. */
export class EvidenceInbox {
  readonly outcomes: EvidenceOutcome[] = [];
  private wake: (() => void) | null = null;

  /** The broker's progress event, as the runner receives it. */
  receive(message: string): void {
    this.outcomes.push(JSON.parse(message) as EvidenceOutcome);
    this.wake?.();
  }

  /** Resolves at the next outcome (or at once when one is already there beyond `seen`). */
  next(seen: number): Promise<void> {
    if (this.outcomes.length > seen) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }
}

/**
 * Waits until the seat is done: without a command, at the first outcome (the run goes on with accepted evidence and
 * ends on a refused one); with one, when the program exits (so a second submission is seen too). The deadline, a
 * party's death or the program's failure ends it with an error naming what happened.
 */
export async function waitForEvidence(opts: {
  inbox: EvidenceInbox;
  deadline: Date;
  deadlineSeconds: number;
  connectionFile: string;
  command: ReceiverCommand | null;
  logFile: string;
  anyDeath: Promise<never>;
}): Promise<void> {
  const { inbox, command } = opts;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, opts.deadline.getTime() - Date.now()));
  });
  try {
    const settled = command
      ? command.exited.then((exit) => ({ exit }))
      : (async () => {
          await inbox.next(0);
          return { exit: null };
        })();
    // A party that dies rejects `anyDeath` (its PartyFailure ends the run); it never resolves.
    const outcome = await Promise.race([settled, late, opts.anyDeath]);
    if (outcome === 'late') {
      command?.kill();
      if (inbox.outcomes.some((o) => o.outcome === 'accepted')) {
        throw new PartyFailure('receiver', `receiver (external): the program submitted its evidence but had not exited by the deadline (receiver.external.deadlineSeconds, ${opts.deadlineSeconds} s); it was stopped (log: ${opts.logFile})`);
      }
      throw new PartyFailure('receiver', `receiver (external): no evidence was submitted within receiver.external.deadlineSeconds (${opts.deadlineSeconds} s) of writing ${opts.connectionFile}${command ? ` (the program was stopped; log: ${opts.logFile})` : ''}`);
    }
    const refused = inbox.outcomes.find((o) => o.outcome === 'refused');
    if (refused) throw new PartyFailure('receiver', `receiver (external): Evidence.Submit refused with ${refused.status}: ${refused.message}`);
    if (!inbox.outcomes.some((o) => o.outcome === 'accepted')) {
      const exit = outcome.exit;
      throw new PartyFailure('receiver', `receiver (external): the program exited (${exit?.signal ?? `code ${exit?.code}`}) without submitting evidence (Evidence.Submit); log: ${opts.logFile}`);
    }
    if (outcome.exit && outcome.exit.code !== 0) {
      throw new PartyFailure('receiver', `receiver (external): the program submitted evidence but exited with ${outcome.exit.signal ?? `code ${outcome.exit.code}`}; log: ${opts.logFile}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The receiver's result the referee scores, made from the accepted evidence: each piece as its move's evidence (the
 * same shapes the built-in moves return), no draw and no classifiers of its own. The units the program spent are the
 * broker's meter, which the referee checks against the audit log.
 */
export function externalReceiverResult(scenario: Scenario, broker: BrokerResult, accepted: { evidence: SubmittedEvidence[]; sha256: string }): ReceiverResult {
  const { evidence } = accepted;
  const attacks = evidence.map((piece) => {
    const common = { kind: piece.kind, index: piece.index, samplesDrawn: 0, seconds: 0 };
    if (piece.evidence === 'membership') {
      const config = scenario.receiver.attacks[piece.index] as { access?: string[] };
      return { ...common, access: config.access ?? ['black-box'], queryUnits: 0, scores: { score: piece.scores }, details: { external: true } };
    }
    return { ...common, estimate: piece.estimate, samples: piece.samples };
  });
  return {
    backend: 'external',
    describe: { access: broker.grants, modelKind: 'unknown', columns: [], classes: { column: scenario.task.label, values: [], shares: [] } },
    // The external program's draws and queries, all of them: what the broker charged.
    draw: { plan: [], received: broker.budgetSamplesUsed, seconds: 0, budgetSamplesLeft: broker.budgetSamplesLeft },
    testRows: 0,
    testBalanced: false,
    downstream: {},
    attacks,
    // That the seat was external, and the submission the referee scored (its SHA-256 is in the audit line).
    external: { sha256: accepted.sha256, submissions: broker.externalEvidence?.outcomes.length ?? 1 },
  };
}
