/**
 * The audit at the broker's edge (broker/edgeAudit.ts): every call to the receiver-facing server gets a line, whatever
 * happens to it. Real processes, real gRPC: calls to services the scenario does not grant (with the receiver's token
 * and with a wrong one), a message over the size bound, a request that does not decode, a Sample its caller cancels half-way (audited and metered at
 * what left, CANCELLED), and a Sample in flight when the broker is killed (its open line stays without a close line).
 */
import * as grpc from '@grpc/grpc-js';
import { loadProto, MAX_MESSAGE_BYTES } from '../shared/grpc/proto';
import { bearerMetadata } from '../shared/grpc/auth';
import { callsLeftOpen, readAuditLog, readAuditTrail, type AuditRecord } from '../broker/audit';
import { BrokerClient } from '../receiver/brokerClient';
import type { SampleChunk__Output } from '../shared/grpc/generated/sharebox/SampleChunk';
import { startSharerAndBroker, type LivePair } from './helpers/liveParties';

const BUDGET = 40_000;
let live: LivePair;

beforeAll(async () => {
  // One record per chunk, so that HTTP/2 flow control holds the broker back within a few hundred records of a caller
  // that stops reading (the transport's buffers hold messages, not records).
  live = await startSharerAndBroker({ budgetSamples: BUDGET, maxChunkRecords: 1 });
}, 90_000);

afterAll(async () => {
  await live?.stop();
});

/** Waits until `predicate` holds (the close line is written once the call's end reaches the server). */
async function eventually<T>(read: () => T, predicate: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (predicate(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function streamCall(stream: grpc.ClientReadableStream<unknown>): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const out: unknown[] = [];
    stream.on('data', (m) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

const linesOf = (method: string): AuditRecord[] => readAuditLog(live.auditLog).filter((r) => r.method === method);

test('calls to services that are not granted are answered UNIMPLEMENTED and audited, whoever makes them', async () => {
  const proto = loadProto().sharebox;
  const gray = new proto.GrayBox(live.brokerAddress, grpc.credentials.createInsecure());
  const records = { count: 1, encoding: 'f32le-rows', shape: [1, 1], data: Buffer.alloc(4), classes: [0] };
  await expect(streamCall(gray.encode(records, bearerMetadata(live.receiverToken)))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  await expect(streamCall(gray.encode(records, bearerMetadata('x'.repeat(32))))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  gray.close();
  // The sharer's service, asked of the broker's receiver-facing port.
  const host = new proto.ModelHost(live.brokerAddress, grpc.credentials.createInsecure());
  await expect(streamCall(host.sample({ count: 1e12, seed: 1 }, bearerMetadata(live.receiverToken)))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  host.close();

  const encode = await eventually(() => linesOf('GrayBox.Encode'), (l) => l.length === 2);
  expect(encode.map((r) => [r.party, r.status, r.samplesReturned, r.phase])).toEqual([
    ['receiver', 'UNIMPLEMENTED', 0, 'close'],
    ['unauthenticated', 'UNIMPLEMENTED', 0, 'close'],
  ]);
  expect(await eventually(() => linesOf('ModelHost.Sample'), (l) => l.length === 1)).toMatchObject([{ party: 'receiver', status: 'UNIMPLEMENTED' }]);
});

test('a message over the size bound is refused by grpc-js before any handler, and audited with that status', async () => {
  const raw = new grpc.Client(live.brokerAddress, grpc.credentials.createInsecure());
  const oversized = Buffer.alloc(MAX_MESSAGE_BYTES + 1024);
  const stream = raw.makeServerStreamRequest('/sharebox.BlackBox/Sample', (b: Buffer) => b, (b: Buffer) => b, oversized, bearerMetadata(live.receiverToken));
  await expect(streamCall(stream)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
  raw.close();
  const lines = await eventually(() => linesOf('BlackBox.Sample').filter((r) => r.status === 'RESOURCE_EXHAUSTED'), (l) => l.length === 1);
  expect(lines).toMatchObject([{ party: 'receiver', samplesReturned: 0, arguments: {} }]);
});

test('a request whose bytes do not decode is INVALID_ARGUMENT (not grpc-js\'s INTERNAL), and audited so', async () => {
  // Found by the fuzzing (test/broker.fuzz.test.ts): grpc-js answers undecodable bytes INTERNAL, "Error deserializing
  // request", as if the broker had failed; the fault is the caller's.
  const raw = new grpc.Client(live.brokerAddress, grpc.credentials.createInsecure());
  const truncatedVarint = Buffer.from([0x08, 0xff]);
  const stream = raw.makeServerStreamRequest('/sharebox.BlackBox/Sample', (b: Buffer) => b, (b: Buffer) => b, truncatedVarint, bearerMetadata(live.receiverToken));
  await expect(streamCall(stream)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^BlackBox\.Sample: the request does not decode/) });
  raw.close();
  const lines = await eventually(() => linesOf('BlackBox.Sample').filter((r) => r.status === 'INVALID_ARGUMENT'), (l) => l.length === 1);
  expect(lines).toMatchObject([{ party: 'receiver', samplesReturned: 0, error: expect.stringMatching(/does not decode/) }]);
});

test('a Sample cancelled by its caller is audited CANCELLED at the records that left, and the rest is refunded', async () => {
  const client = new BrokerClient(live.brokerAddress, live.receiverToken);
  const before = (await client.describe()).budgetSamplesLeft;
  const proto = loadProto().sharebox;
  // A caller that reads slowly: a small HTTP/2 window, so the broker cannot run far ahead of what it has read.
  const blackBox = new proto.BlackBox(live.brokerAddress, grpc.credentials.createInsecure(), { 'grpc-node.flow_control_window': 1024 });
  // 1,500 records asked, the caller stops reading after 1,000 and cancels; and a longer call stopped as early.
  for (const [count, stopAt] of [
    [1500, 1000],
    [5_000, 1000],
  ] as const) {
    let received = 0;
    await new Promise<void>((resolve) => {
      const stream = blackBox.sample({ count, seed: 7 }, bearerMetadata(live.receiverToken));
      stream.on('data', (chunk: SampleChunk__Output) => {
        received += chunk.records?.count ?? 0;
        if (received === stopAt) {
          stream.pause();
          setTimeout(() => stream.cancel(), 300);
        }
      });
      stream.on('error', () => resolve());
      stream.on('end', () => resolve());
    });
    const line = (await eventually(() => linesOf('BlackBox.Sample').filter((r) => (r.arguments as { count?: number }).count === count), (l) => l.length === 1))[0];
    expect(line).toMatchObject({ status: 'CANCELLED', party: 'receiver' });
    // What left the broker: at least what the caller read, and not what it asked for (it stopped reading well before).
    expect(received).toBeGreaterThanOrEqual(stopAt);
    expect(line.samplesReturned).toBeGreaterThanOrEqual(received);
    expect(line.samplesReturned).toBeLessThan(count);
  }
  blackBox.close();
  // Metered at what left: the budget spent equals the audited records; the rest of each reservation is back.
  const audited = linesOf('BlackBox.Sample').filter((r) => r.status === 'CANCELLED').reduce((a, r) => a + r.samplesReturned, 0);
  expect((await client.describe()).budgetSamplesLeft).toBe(before - audited);
  client.close();
}, 60_000);

test('every streaming call writes an open line before it starts, paired with its close line', async () => {
  const client = new BrokerClient(live.brokerAddress, live.receiverToken);
  const d = await client.describe();
  await client.sample(d.schema, { count: 10, seed: 3 });
  client.close();
  const trail = readAuditTrail(live.auditLog);
  const close = (await eventually(() => linesOf('BlackBox.Sample').filter((r) => (r.arguments as { count?: number }).count === 10), (l) => l.length === 1))[0];
  const open = trail.findIndex((l) => l.phase === 'open' && l.callId === close.callId);
  expect(open).toBeGreaterThanOrEqual(0);
  expect(open).toBeLessThan(trail.findIndex((l) => l.phase === 'close' && l.callId === close.callId));
  expect(close).toMatchObject({ samplesReturned: 10, status: 'OK' });
  // Unary calls (Describe) have one line, no open line.
  expect(trail.some((l) => l.phase === 'open' && l.method === 'Gateway.Describe')).toBe(false);
});

test('a Sample in flight when the broker dies leaves its open line', async () => {
  const pair = await startSharerAndBroker({ budgetSamples: 50_000, maxChunkRecords: 100 });
  try {
    const proto = loadProto().sharebox;
    const blackBox = new proto.BlackBox(pair.brokerAddress, grpc.credentials.createInsecure());
    const stream = blackBox.sample({ count: 50_000, seed: 9 }, bearerMetadata(pair.receiverToken));
    const ended = new Promise<void>((resolve) => {
      stream.on('error', () => resolve());
      stream.on('end', () => resolve());
    });
    // The first chunk has arrived: the call is in flight. Then the broker dies at once (SIGKILL: no clean-up runs).
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.pause();
    pair.broker.kill();
    await ended;
    blackBox.close();
    const left = callsLeftOpen(readAuditTrail(pair.auditLog));
    expect(left).toMatchObject([{ method: 'BlackBox.Sample', party: 'receiver', phase: 'open' }]);
  } finally {
    await pair.stop();
  }
}, 90_000);
