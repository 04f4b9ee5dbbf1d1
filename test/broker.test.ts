/**
 * The broker is the only door: these tests knock on it with real processes and real gRPC.
 * Bad or missing tokens, services that were not granted, and an exact sample budget.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../shared/grpc/proto';
import { bearerMetadata } from '../shared/grpc/auth';
import { readAuditLog } from '../broker/audit';
import { BrokerClient } from '../receiver/brokerClient';
import { tableChunk } from '../shared/grpc/records';
import { startSharerAndBroker, type LivePair } from './helpers/liveParties';

const BUDGET = 450;
let live: LivePair;

beforeAll(async () => {
  live = await startSharerAndBroker({ budgetSamples: BUDGET, maxChunkRecords: 100 });
}, 90_000);

afterAll(async () => {
  await live?.stop();
});

function describeWith(address: string, md: grpc.Metadata): Promise<unknown> {
  const proto = loadProto().sharebox;
  const client = new proto.Gateway(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.describe({}, md, (err, res) => {
      client.close();
      err ? reject(err) : resolve(res);
    }),
  );
}

function streamCall(stream: grpc.ClientReadableStream<unknown>): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const out: unknown[] = [];
    stream.on('data', (m) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

test('a call without a token, or with a wrong one, is UNAUTHENTICATED', async () => {
  await expect(describeWith(live.brokerAddress, new grpc.Metadata())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  await expect(describeWith(live.brokerAddress, bearerMetadata('x'.repeat(32)))).rejects.toMatchObject({
    code: grpc.status.UNAUTHENTICATED,
  });
  await expect(describeWith(live.brokerAddress, bearerMetadata(live.receiverToken))).resolves.toBeTruthy();
});

test("the receiver's token does not open the sharer's ModelHost (only the broker's does)", async () => {
  const proto = loadProto().sharebox;
  const host = new proto.ModelHost(live.sharerAddress, grpc.credentials.createInsecure());
  const call = (token: string) =>
    new Promise((resolve, reject) => host.describe({}, bearerMetadata(token), (err, res) => (err ? reject(err) : resolve(res))));
  await expect(call(live.receiverToken)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  await expect(call(live.brokerToken)).resolves.toMatchObject({ ready: true });
  host.close();
});

test('gray-box and white-box RPCs under a black-box grant are refused (not registered)', async () => {
  // Well-formed queries (the same ones succeed under their grants in test/mia.broker.test.ts): records of the
  // model's schema at a timestep on its schedule. Refused before any handler of the broker's: nothing is metered, but
  // every call is audited (broker/edgeAudit.ts).
  const client = new BrokerClient(live.brokerAddress, live.receiverToken);
  const description = await client.describe();
  client.close();
  expect(description.access).toEqual(['black-box']);
  expect(description.schedule).toBeNull();
  const records = tableChunk({ schema: description.schema, rows: [description.schema.columns.map(() => 0)] }, [0], 0, 1);
  const proto = loadProto().sharebox;
  const gray = new proto.GrayBox(live.brokerAddress, grpc.credentials.createInsecure());
  const white = new proto.WhiteBox(live.brokerAddress, grpc.credentials.createInsecure());
  const md = bearerMetadata(live.receiverToken);
  const query = { records, timesteps: [1], noiseSeed: 3, noiseDraws: 1 };
  await expect(streamCall(gray.encode(records, md))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  await expect(streamCall(gray.predictX0(query, md))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  await expect(streamCall(white.timestepLoss(query, md))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  const trajectory = { sample: { count: 1, seed: 3 }, timesteps: [0], includePredictedX0: true };
  await expect(streamCall(gray.trajectory(trajectory, md))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  gray.close();
  white.close();
  const refused = readAuditLog(live.auditLog).filter((r) => /^(GrayBox|WhiteBox)\./.test(r.method));
  expect(refused.map((r) => [r.method, r.party, r.status, r.samplesReturned])).toEqual([
    ['GrayBox.Encode', 'receiver', 'UNIMPLEMENTED', 0],
    ['GrayBox.PredictX0', 'receiver', 'UNIMPLEMENTED', 0],
    ['WhiteBox.TimestepLoss', 'receiver', 'UNIMPLEMENTED', 0],
    ['GrayBox.Trajectory', 'receiver', 'UNIMPLEMENTED', 0],
  ]);
});

test('the budget is exact: never one sample more, RESOURCE_EXHAUSTED after, every call audited', async () => {
  const client = new BrokerClient(live.brokerAddress, live.receiverToken);
  const description = await client.describe();
  expect(description.budgetSamplesLeft).toBe(BUDGET);

  const first = await client.sample(description.schema, { count: 250, seed: 1 });
  expect(first.rows).toHaveLength(250);
  expect(first.budgetSamplesLeft).toBe(BUDGET - 250);
  await expect(client.sample(description.schema, { count: 201, seed: 2 })).rejects.toMatchObject({
    code: grpc.status.RESOURCE_EXHAUSTED,
  });
  const second = await client.sample(description.schema, { count: 200, seed: 3, classIndex: 1 });
  expect(second.rows).toHaveLength(200);
  expect(second.classes.every((c) => c === 1)).toBe(true);
  await expect(client.sample(description.schema, { count: 1, seed: 4 })).rejects.toMatchObject({
    code: grpc.status.RESOURCE_EXHAUSTED,
  });
  await expect(client.sample(description.schema, { count: 0, seed: 5 })).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
  });
  client.close();

  const audit = readAuditLog(live.auditLog);
  const samples = audit.filter((r) => r.method === 'BlackBox.Sample');
  expect(samples.map((r) => r.status)).toEqual(['OK', 'RESOURCE_EXHAUSTED', 'OK', 'RESOURCE_EXHAUSTED', 'INVALID_ARGUMENT']);
  expect(samples.reduce((a, r) => a + r.samplesReturned, 0)).toBe(BUDGET);
  expect(samples[0]).toMatchObject({ party: 'receiver', arguments: { count: 250, seed: 1 }, seed: 1 });
  expect(samples[0].responseSha256).toMatch(/^[0-9a-f]{64}$/);
  // Unauthenticated attempts from the first test are in the log too, attributed to nobody.
  expect(audit.some((r) => r.party === 'unauthenticated' && r.status === 'UNAUTHENTICATED')).toBe(true);
});

test('the same seed gives the same records; another seed gives others', async () => {
  // A fresh pair: the first one's budget is spent.
  const pair = await startSharerAndBroker({ budgetSamples: 300 });
  try {
    const client = new BrokerClient(pair.brokerAddress, pair.receiverToken);
    const d = await client.describe();
    const a = await client.sample(d.schema, { count: 100, seed: 42 });
    const b = await client.sample(d.schema, { count: 100, seed: 42 });
    const c = await client.sample(d.schema, { count: 100, seed: 43 });
    expect(b.rows).toEqual(a.rows);
    expect(c.rows).not.toEqual(a.rows);
    client.close();
  } finally {
    await pair.stop();
  }
}, 90_000);
