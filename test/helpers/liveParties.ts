/**
 * Starts a real sharer and broker (compiled, as child processes) for protocol tests, with a tiny model so
 * training takes a second or two. `npm test` builds dist/ before jest runs. They talk plaintext unless `tls` is
 * asked for: these tests knock on the doors with clients of their own; test/tls.test.ts knocks with certificates,
 * and every `sharebox run` (test/runner.test.ts and the scenario tests) runs with mutual TLS.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nanoid } from 'nanoid';
import { PartyProcess } from '../../cli/partyProcess';
import { newReservationKey } from '../../shared/grpc/reservation';
import type { PeerRole, Transport } from '../../shared/grpc/transport';
import { INSECURE_RUN, issueRunCredentials } from '../../cli/runCredentials';

export interface LivePair {
  sharer: PartyProcess;
  broker: PartyProcess;
  sharerAddress: string;
  brokerAddress: string;
  receiverToken: string;
  brokerToken: string;
  /** The run's reservation key: sign a ModelHost call's reservation with it (test/helpers/brokerCredentials.ts asBroker). */
  reservationKey: string;
  auditLog: string;
  dir: string;
  /** The identity of `role`, to dial the pair as it (plaintext when the pair is). */
  identity(role: PeerRole): Transport;
  stop(): Promise<void>;
}

export const TINY_DATASET = { source: 'census', rows: 600, pSensitive: 0.5, dependence: 0.3, name: 'private', seed: 11 };
export const TINY_TASK = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };
export const TINY_MODEL = {
  kind: 'tabular-ddpm',
  timesteps: 20,
  schedule: 'cosine',
  hidden: [32, 32],
  timeEmbedding: 16,
  trainSteps: 30,
  batchSize: 64,
  learningRate: 0.001,
  lrSchedule: 'cosine',
  warmupSteps: 0,
  emaDecay: 0,
  guidanceScale: 1,
  condDropProb: 0.1,
  sampler: { kind: 'ddpm' },
};

export async function startSharerAndBroker(opts: {
  budgetSamples: number;
  maxChunkRecords?: number;
  access?: string[];
  /** Replaces TINY_MODEL (e.g. another sampler). */
  model?: Record<string, unknown>;
  /** Replaces TINY_DATASET, the sharer's private data. */
  data?: Record<string, unknown>;
  /** sharer.encoderData: a resolved dataset the sharer fits its encoder on (sharer/encoderData.ts). */
  encoderData?: Record<string, unknown>;
  /** broker.defences: the broker's moves, links of its chain. */
  defences?: Array<{ kind: string } & Record<string, unknown>>;
  /** sharer.maxUnitsPerCall (the sharer's own bound on one call); the scenario default when absent. */
  sharerMaxUnitsPerCall?: number;
  /** Mutual TLS under a CA of the pair's own, as `sharebox run` does. */
  tls?: boolean;
}): Promise<LivePair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-live-'));
  const transport = opts.tls ? issueRunCredentials(path.join(dir, 'tls')) : INSECURE_RUN;
  const sharer = await PartyProcess.spawn('sharer', path.join(dir, 'logs'), transport);
  const broker = await PartyProcess.spawn('broker', path.join(dir, 'logs'), transport);
  const brokerToken = nanoid(32);
  const receiverToken = nanoid(32);
  const reservationKey = newReservationKey();
  const { port: sharerPort } = await sharer.configure({
    scenario: 'test',
    seed: 5,
    data: opts.data ?? TINY_DATASET,
    ...(opts.encoderData ? { encoderData: opts.encoderData } : {}),
    task: TINY_TASK,
    model: opts.model ?? TINY_MODEL,
    hideColumns: [],
    brokerToken,
    reservationKey,
    ...(opts.sharerMaxUnitsPerCall ? { maxUnitsPerCall: opts.sharerMaxUnitsPerCall } : {}),
    cacheDir: path.join(dir, 'cache'),
  });
  await sharer.start(() => undefined);
  const auditLog = path.join(dir, 'audit.jsonl');
  const { port: brokerPort } = await broker.configure({
    scenario: 'test',
    seed: 6,
    access: opts.access ?? ['black-box'],
    budgetSamples: opts.budgetSamples,
    maxChunkRecords: opts.maxChunkRecords ?? 100,
    sharerAddress: `127.0.0.1:${sharerPort}`,
    sharerToken: brokerToken,
    reservationKey,
    receiverToken,
    auditLogPath: auditLog,
    ...(opts.defences ? { defences: opts.defences } : {}),
  });
  broker.startInBackground(() => undefined);
  return {
    sharer,
    broker,
    sharerAddress: `127.0.0.1:${sharerPort}`,
    brokerAddress: `127.0.0.1:${brokerPort}`,
    receiverToken,
    brokerToken,
    reservationKey,
    auditLog,
    dir,
    identity: (role) => transport.identityOf(role),
    async stop() {
      await Promise.all([sharer.shutdown(), broker.shutdown()]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
