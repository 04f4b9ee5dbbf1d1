/**
 * Broker overhead: records/s a receiver gets through the real chain (receiver → broker → sharer, three
 * processes, gRPC on loopback, auth + metering + audit log) against the same model sampled in-process with the
 * same batching. Target (issue "The spine"): overhead ≤ 5%.
 *
 * Both sides run one model on one core each (wasm is single-threaded), so the comparison is of the same work;
 * the gRPC side adds serialisation, three hops and an fsync'd audit line per call.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nanoid } from 'nanoid';
import { newReservationKey } from '../shared/grpc/reservation';
import { PartyProcess } from '../cli/partyProcess';
import { BrokerClient } from '../receiver/brokerClient';
import { issueRunCredentials } from '../cli/runCredentials';
import { TabularModel } from '../sharer/tabularModel';
import { GENERATION_BATCH } from '../sharer/modelHost';
import { loadDataset, type DatasetSpec } from '../shared/data/loadDataset';
import { initBackend } from '../shared/tf';
import { deriveSeed, Rng } from '../shared/random';
import type { BenchRow } from './table';

const TASK = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };
const DATA = { source: 'census', rows: 8000, name: 'private', seed: 1 } as const;
/** The quickstart's model shape; a few training steps are enough, since sampling speed does not depend on them. */
const MODEL = {
  kind: 'tabular-ddpm' as const,
  timesteps: 200,
  schedule: 'cosine' as const,
  hidden: [256, 256, 256],
  timeEmbedding: 64,
  trainSteps: 20,
  batchSize: 256,
  learningRate: 0.002,
  lrSchedule: 'constant' as const,
  warmupSteps: 0,
  emaDecay: 0,
  guidanceScale: 1,
  condDropProb: 0.1,
  sampler: { kind: 'ddim' as const, steps: 50 },
};
const SHARER_SEED = 5;

export async function benchBrokerOverhead(rows: BenchRow[], opts: { records: number; repeats: number }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-bench-broker-'));
  const cacheDir = path.join(dir, 'cache');
  const parties: PartyProcess[] = [];
  try {
    // Through the broker: real processes, as `sharebox run` starts them (mutual TLS included).
    const transport = issueRunCredentials(path.join(dir, 'tls'));
    const sharer = await PartyProcess.spawn('sharer', path.join(dir, 'logs'), transport);
    parties.push(sharer);
    const broker = await PartyProcess.spawn('broker', path.join(dir, 'logs'), transport);
    parties.push(broker);
    const brokerToken = nanoid(32);
    const receiverToken = nanoid(32);
    const reservationKey = newReservationKey();
    const { port: sharerPort } = await sharer.configure({
      scenario: 'bench', seed: SHARER_SEED, data: DATA, task: TASK, model: MODEL, hideColumns: [], brokerToken, reservationKey, cacheDir,
    });
    await sharer.start(() => undefined);
    const { port: brokerPort } = await broker.configure({
      scenario: 'bench', seed: 6, access: ['black-box'], budgetSamples: opts.records * (opts.repeats + 1), maxChunkRecords: 1000,
      sharerAddress: `127.0.0.1:${sharerPort}`, sharerToken: brokerToken, reservationKey, receiverToken, auditLogPath: path.join(dir, 'audit.jsonl'),
    });
    broker.startInBackground(() => undefined);
    const client = new BrokerClient(`127.0.0.1:${brokerPort}`, receiverToken, transport.identityOf('receiver'));
    const description = await client.describe();

    // In-process: the same cached model (same data, config and seed), the same batching as ModelHost.Sample.
    await initBackend({ quiet: true });
    const table = loadDataset(DATA as unknown as DatasetSpec, DATA.seed);
    const { model } = await TabularModel.trainOrLoad(table, TASK, MODEL, deriveSeed(SHARER_SEED, 'model'), cacheDir, () => undefined);

    const throughBroker = async (seed: number, count: number) => {
      const got = await client.sample(description.schema, { count, seed, classIndex: 0 });
      if (got.rows.length !== count) throw new Error(`bench: got ${got.rows.length} records, expected ${count}`);
    };
    const inProcess = async (seed: number, count: number) => {
      const rng = new Rng(seed);
      for (let start = 0, batch = 0; start < count; start += GENERATION_BATCH, batch++) {
        await model.sample(Math.min(GENERATION_BATCH, count - start), 0, deriveSeed(seed, `batch/${batch}`), () => rng.next());
      }
    };
    const timed = async (fn: () => Promise<void>) => {
      const started = performance.now();
      await fn();
      return (performance.now() - started) / 1000;
    };
    const warmUp = Math.min(opts.records, 500);
    await throughBroker(99, warmUp);
    await inProcess(99, warmUp);
    // Interleaved, so that load from elsewhere on the machine hits both sides alike.
    let grpcSeconds = 0;
    let localSeconds = 0;
    for (let r = 0; r < opts.repeats; r++) {
      grpcSeconds += await timed(() => throughBroker(1000 + r, opts.records));
      localSeconds += await timed(() => inProcess(1000 + r, opts.records));
    }
    client.close();
    model.dispose();
    await Promise.all(parties.map((p) => p.shutdown()));

    const total = opts.records * opts.repeats;
    const grpcRate = total / grpcSeconds;
    const localRate = total / localSeconds;
    const note = `${opts.repeats}× ${opts.records} records, DDIM 50 steps, MLP 3×256`;
    const task = 'tabular sampling: broker overhead';
    rows.push({ task, runner: 'in-process (TabularModel.sample)', value: localRate, unit: 'records/s', note });
    rows.push({ task, runner: 'through broker (3 processes, gRPC)', value: grpcRate, unit: 'records/s', note });
    rows.push({ task, runner: 'overhead (1 − gRPC/in-process)', value: 100 * (1 - grpcRate / localRate), unit: '%', note: 'target ≤ 5%' });
  } finally {
    parties.forEach((p) => p.kill());
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  (async () => {
    const { printTable, writeResults } = await import('./table');
    const rows: BenchRow[] = [];
    const quick = process.argv.includes('--quick');
    await benchBrokerOverhead(rows, { records: quick ? 2000 : 8000, repeats: quick ? 1 : 3 });
    printTable(rows);
    console.log(`results: ${writeResults('broker-overhead', rows)}`);
    process.exit(0);
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
