/**
 * Gray-box and white-box access through real processes (docs/mia.md): each grant registers its own RPCs and
 * nothing else, every query is metered in units (one per denoiser evaluation of one record) and audited, the
 * schedule is described only under those grants.
 */
import * as grpc from '@grpc/grpc-js';
import { readAuditLog } from '../broker/audit';
import { BrokerClient } from '../receiver/brokerClient';
import { startSharerAndBroker, type LivePair } from './helpers/liveParties';

let gray: LivePair;
let white: LivePair;
const GRAY_BUDGET = 2000;

beforeAll(async () => {
  [gray, white] = await Promise.all([
    startSharerAndBroker({ budgetSamples: GRAY_BUDGET, maxChunkRecords: 7, access: ['black-box', 'gray-box'] }),
    startSharerAndBroker({ budgetSamples: 5000, maxChunkRecords: 7, access: ['white-box'] }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([gray?.stop(), white?.stop()]);
});

function someRows(columns: number, n: number): number[][] {
  // Valid records of the tiny census model: numeric columns any value, categorical codes 0/1 (every category list has ≥ 2).
  return Array.from({ length: n }, (_, i) => Array.from({ length: columns }, (_, j) => ((i + j) % 2)));
}

test('gray-box: schedule described, Encode and PredictX0 metered per record × timestep and audited; WhiteBox not registered', async () => {
  const client = new BrokerClient(gray.brokerAddress, gray.receiverToken);
  const d = await client.describe();
  expect(d.access).toEqual(['black-box', 'gray-box']);
  expect(d.schedule).not.toBeNull();
  expect(d.schedule!.timesteps).toBe(20);
  expect(d.schedule!.alphaBars).toHaveLength(20);
  expect(d.schedule!.alphaBars[0]).toBeGreaterThan(d.schedule!.alphaBars[19]);
  const oracle = client.grayBoxOracle();
  const rows = someRows(d.schema.columns.length, 10);

  const { x, classes } = await oracle.encode(rows);
  expect(x).toHaveLength(10 * d.schedule!.modelWidth);
  expect(Array.from(classes)).toEqual(rows.map((r) => r[d.schema.columns.findIndex((c) => c.name === 'income')]));
  const x0hat = await oracle.predictX0AtTimesteps(rows, [0, 5, 19], 11);
  expect(x0hat).toHaveLength(10 * 3 * d.schedule!.modelWidth); // re-chunked by 7 rows on the way, joined back
  expect(Array.from(x0hat).every(Number.isFinite)).toBe(true);
  const fromStates = await oracle.predictX0(x, new Int32Array(10).fill(3), classes);
  expect(fromStates).toHaveLength(x.length);
  // 10 (Encode) + 30 (PredictX0 at 3 timesteps) + 10 (states): 50 units.
  expect((await client.describe()).budgetSamplesLeft).toBe(GRAY_BUDGET - 50);

  // More than the budget left: refused before anything reaches the sharer, and nothing is spent.
  const big = someRows(d.schema.columns.length, 200);
  await expect(oracle.predictX0AtTimesteps(big, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
  // A timestep off the schedule is the caller's error; it is refunded.
  await expect(oracle.predictX0AtTimesteps(rows, [20], 1)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  expect((await client.describe()).budgetSamplesLeft).toBe(GRAY_BUDGET - 50);
  expect(() => client.whiteBoxOracle()).toThrow(/WhiteBox: not granted/);
  client.close();

  const proto = (await import('../shared/grpc/proto')).loadProto().sharebox;
  const whiteClient = new proto.WhiteBox(gray.brokerAddress, grpc.credentials.createInsecure());
  const { bearerMetadata } = await import('../shared/grpc/auth');
  const { tableChunk } = await import('../shared/grpc/records');
  const stream = whiteClient.timestepLoss({ records: tableChunk({ schema: d.schema, rows }, rows.map(() => 0), 0, rows.length), timesteps: [1], noiseSeed: 1 }, bearerMetadata(gray.receiverToken));
  await expect(new Promise((resolve, reject) => { stream.on('data', () => undefined); stream.on('end', resolve); stream.on('error', reject); })).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  whiteClient.close();

  const audit = readAuditLog(gray.auditLog).filter((r) => r.method.startsWith('GrayBox.'));
  expect(audit.map((r) => [r.method, r.status, r.samplesReturned])).toEqual([
    ['GrayBox.Encode', 'OK', 10],
    ['GrayBox.PredictX0', 'OK', 30],
    ['GrayBox.PredictX0', 'OK', 10],
    ['GrayBox.PredictX0', 'RESOURCE_EXHAUSTED', 0],
    ['GrayBox.PredictX0', 'INVALID_ARGUMENT', 0],
  ]);
  expect(audit[1]).toMatchObject({ party: 'receiver', arguments: { records: 10, encoding: 'f32le-rows', timesteps: [0, 5, 19], noiseSeed: 11 }, seed: 11 });
  expect(audit[1].responseSha256).toMatch(/^[0-9a-f]{64}$/);
});

test('white-box: TimestepLoss metered per record × timestep × draw; gray-box and black-box not registered', async () => {
  const client = new BrokerClient(white.brokerAddress, white.receiverToken);
  const d = await client.describe();
  expect(d.access).toEqual(['white-box']);
  const oracle = client.whiteBoxOracle();
  const rows = someRows(d.schema.columns.length, 12);
  const losses = await oracle.timestepLoss(rows, [2, 10], 5, 3);
  expect(losses).toHaveLength(12 * 2);
  expect(Array.from(losses).every((v) => v > 0 && Number.isFinite(v))).toBe(true);
  expect((await client.describe()).budgetSamplesLeft).toBe(5000 - 12 * 2 * 3);
  // The same query again: common random numbers make it identical.
  expect(Array.from(await oracle.timestepLoss(rows, [2, 10], 5, 3))).toEqual(Array.from(losses));
  expect(() => client.grayBoxOracle()).toThrow(/GrayBox: not granted/);
  await expect(client.sample(d.schema, { count: 1, seed: 1 })).rejects.toThrow(/BlackBox.Sample: not granted/);
  client.close();
  const audit = readAuditLog(white.auditLog).filter((r) => r.method === 'WhiteBox.TimestepLoss');
  expect(audit.map((r) => [r.status, r.samplesReturned])).toEqual([
    ['OK', 72],
    ['OK', 72],
  ]);
  expect(audit[0].arguments).toMatchObject({ records: 12, timesteps: [2, 10], noiseDraws: 3, noiseSeed: 5 });
});

test('a model without timesteps (a VAE, a GAN) answers FAILED_PRECONDITION naming its kind', async () => {
  const { EventEmitter } = await import('events');
  const { timestepAccessHandlers } = await import('../sharer/timestepAccess');
  const { bearerMetadata } = await import('../shared/grpc/auth');
  const token = 'b'.repeat(32);
  // A model that samples but has no schedule.
  const state = { model: { schema: { columns: [] }, sample: async () => ({}) }, modelKind: 'tabular-vae' };
  const handlers = timestepAccessHandlers(state, { broker: token }, (fn) => fn());
  for (const [name, request] of [
    ['PredictX0', { records: null, timesteps: [1], noiseSeed: 0, noiseDraws: 0 }],
    ['TimestepLoss', { records: null, timesteps: [1], noiseSeed: 0, noiseDraws: 0 }],
    ['Encode', { count: 0, encoding: 'f32le-rows', shape: [], data: Buffer.alloc(0), classes: [] }],
  ] as const) {
    const call = Object.assign(new EventEmitter(), { metadata: bearerMetadata(token), request, cancelled: false, end: jest.fn(), write: jest.fn() });
    const failed = new Promise<any>((resolve) => call.on('error', resolve));
    (handlers as any)[name](call);
    const err = await failed;
    expect({ name, code: err.code }).toEqual({ name, code: grpc.status.FAILED_PRECONDITION });
    expect(err.message).toMatch(new RegExp(`ModelHost\\.${name}: the sharer's model is a tabular-vae, which has no diffusion timesteps`));
    expect(call.end).not.toHaveBeenCalled();
  }
});
