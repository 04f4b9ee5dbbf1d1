/**
 * Gray-box and white-box access through real processes (docs/mia.md): each grant registers its own RPCs and
 * nothing else, every query is metered in units (one per denoiser evaluation of one record) and audited, the
 * schedule is described only under those grants.
 */
import * as grpc from '@grpc/grpc-js';
import { readAuditLog } from '../broker/audit';
import { BrokerClient } from '../receiver/brokerClient';
import { stepsFromChunk } from '../shared/grpc/records';
import { trajectoryAttack } from '../receiver/moves/membership/scores';
import { generationView } from '../receiver/moves/context';
import { trajectoryAttackConfigSchema } from '../receiver/moves/membership/config';
import { moveCost } from './helpers/moveCost';
import { TINY_MODEL, startSharerAndBroker, type LivePair } from './helpers/liveParties';

let gray: LivePair;
let white: LivePair;
const GRAY_BUDGET = 2000;

beforeAll(async () => {
  [gray, white] = await Promise.all([
    // A sampler that strides (5 of the 20 steps), so that a trajectory can ask for a timestep off its schedule.
    startSharerAndBroker({
      budgetSamples: GRAY_BUDGET,
      maxChunkRecords: 7,
      access: ['black-box', 'gray-box'],
      model: { ...TINY_MODEL, sampler: { kind: 'ddpm', steps: 5 } },
    }),
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

test('gray-box: Trajectory returns the states asked for, its final records are Sample\'s, it costs count × steps and is audited', async () => {
  const client = new BrokerClient(gray.brokerAddress, gray.receiverToken);
  const d = await client.describe();
  const schedule = d.schedule!;
  expect(schedule.samplerTimesteps).toEqual([0, 5, 10, 14, 19]);
  const S = schedule.samplerTimesteps!.length;
  const width = schedule.modelWidth;
  const left = d.budgetSamplesLeft;

  // 9 records through chunks of at most 7 (the broker's bound), joined back.
  const traj = await client.trajectory({ count: 9, seed: 77, timesteps: [19, 10, 0], includePredictedX0: true });
  expect(traj.rows).toHaveLength(9);
  expect(traj.states).toHaveLength(9 * 3 * width);
  expect(traj.predictedX0).toHaveLength(9 * 3 * width);
  expect(traj.budgetSamplesLeft).toBe(left - 9 * S);
  // The final records are exactly what Sample returns for the same count and seed.
  const plain = await client.sample(d.schema, { count: 9, seed: 77 });
  expect(traj.rows).toEqual(plain.rows);
  expect(traj.classes).toEqual(plain.classes);
  // States come back in the order asked for: the same chain asked in another order gives the same states, permuted.
  const again = await client.trajectory({ count: 9, seed: 77, timesteps: [0, 19] });
  expect(again.predictedX0).toBeNull();
  const stateAt = (buffer: Float32Array, K: number, i: number, k: number) => Array.from(buffer.subarray((i * K + k) * width, (i * K + k + 1) * width));
  for (let i = 0; i < 9; i++) {
    expect(stateAt(again.states, 2, i, 0)).toEqual(stateAt(traj.states, 3, i, 2));
    expect(stateAt(again.states, 2, i, 1)).toEqual(stateAt(traj.states, 3, i, 0));
  }
  // x̂₀ at a kept step is the model's prediction at that state (the tiny model samples with guidance scale 1).
  const x0 = await client.grayBoxOracle().predictX0(
    Float32Array.from({ length: 9 * width }, (_, j) => traj.states[(Math.floor(j / width) * 3 + 1) * width + (j % width)]),
    new Int32Array(9).fill(10),
    Int32Array.from(traj.classes),
  );
  for (let i = 0; i < 9; i++) {
    stateAt(traj.predictedX0!, 3, i, 1).forEach((v, j) => expect(Math.abs(v - x0[i * width + j])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(v))));
  }
  // 9 × S + 9 (Sample) + 9 × S + 9 (the states above).
  expect((await client.describe()).budgetSamplesLeft).toBe(left - 2 * 9 * S - 18);

  // Off the sampler's schedule: INVALID_ARGUMENT naming the field, refused before anything is reserved.
  await expect(client.trajectory({ count: 2, seed: 1, timesteps: [19, 7] })).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
    details: expect.stringMatching(/^GrayBox\.Trajectory: timesteps: 7 is not on the sampler's schedule/),
  });
  await expect(client.trajectory({ count: 2, seed: 1, timesteps: [5, 5] })).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
    details: expect.stringMatching(/timesteps: each timestep at most once/),
  });
  // More than the budget left: refused before the sharer does any work.
  await expect(client.trajectory({ count: 1000, seed: 1, timesteps: [0] })).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
  expect((await client.describe()).budgetSamplesLeft).toBe(left - 2 * 9 * S - 18);
  client.close();

  const audit = readAuditLog(gray.auditLog).filter((r) => r.method === 'GrayBox.Trajectory');
  expect(audit.map((r) => [r.status, r.samplesReturned])).toEqual([
    ['OK', 9 * S],
    ['OK', 9 * S],
    ['INVALID_ARGUMENT', 0],
    ['INVALID_ARGUMENT', 0],
    ['RESOURCE_EXHAUSTED', 0],
  ]);
  expect(audit[0]).toMatchObject({
    party: 'receiver',
    arguments: { count: 9, seed: 77, conditional: false, timesteps: [19, 10, 0], includePredictedX0: true, steps: S },
    seed: 77,
  });
  expect(audit[0].responseSha256).toMatch(/^[0-9a-f]{64}$/);
  expect(audit[0].responseSha256).not.toBe(audit[1].responseSha256);

  // The wire layout, read raw from the sharer's own stream through the broker's proto: [count, K, width] per part.
  const proto = (await import('../shared/grpc/proto')).loadProto().sharebox;
  const { asBroker } = await import('./helpers/brokerCredentials');
  const host = new proto.ModelHost(gray.sharerAddress, grpc.credentials.createInsecure());
  const chunks: any[] = [];
  await new Promise((resolve, reject) => {
    const stream = host.trajectory({ sample: { count: 3, seed: 5 }, timesteps: [14], includePredictedX0: false }, asBroker(gray.brokerToken, 'ModelHost.Trajectory', 1_000_000, gray.reservationKey));
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  host.close();
  expect(chunks).toHaveLength(1);
  expect(chunks[0].states).toMatchObject({ count: 3, encoding: 'f32le-model-steps', shape: [3, 1, width] });
  expect(stepsFromChunk(chunks[0].states, 1, width).values).toHaveLength(3 * width);
  expect(chunks[0].samples).toMatchObject({ count: 3, encoding: 'f32le-rows' });
  expect(chunks[0].predictedX0).toBeNull();
});

test('the trajectory attack through the broker spends exactly what attackBudgetCost says, one Trajectory call per class and batch', async () => {
  const client = new BrokerClient(gray.brokerAddress, gray.receiverToken);
  const d = await client.describe();
  const rows = someRows(d.schema.columns.length, 10);
  const config = trajectoryAttackConfigSchema.parse({ samples: 6, timesteps: { count: 2 }, aggregations: ['mean'], batchTrajectories: 4 });
  const generation = generationView(d, { schema: d.schema, rows })!;
  expect(generation).toEqual({ samplerTimesteps: [0, 5, 10, 14, 19], classes: 2 });
  const before = d.budgetSamplesLeft;
  const auditBefore = readAuditLog(gray.auditLog).length;
  const { scores, details } = await trajectoryAttack(client.grayBoxOracle(), rows, config, 3);
  expect(details.timesteps).toEqual([0, 5]); // the sampler's steps ≤ ⌊19/2⌋ = 9
  expect(scores.mean).toHaveLength(10);
  // Encode 10, then 6 chains of S = 5 steps per class in calls of 4 + 2: 10 + 2 × 6 × 5 = 70.
  const spent = before - (await client.describe()).budgetSamplesLeft;
  expect(spent).toBe(moveCost({ kind: 'mia-trajectory', ...config }, 10, 20, generation));
  expect(spent).toBe(70);
  client.close();
  const audit = readAuditLog(gray.auditLog).slice(auditBefore).filter((r) => r.method.startsWith('GrayBox.'));
  expect(audit.map((r) => [r.method, (r.arguments as any).classIndex ?? null, r.samplesReturned])).toEqual([
    ['GrayBox.Encode', null, 10],
    ['GrayBox.Trajectory', 0, 20],
    ['GrayBox.Trajectory', 0, 10],
    ['GrayBox.Trajectory', 1, 20],
    ['GrayBox.Trajectory', 1, 10],
  ]);
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
  const { testBrokerGate } = await import('./helpers/brokerCredentials');
  const handlers = timestepAccessHandlers(state, testBrokerGate(token), (fn) => fn());
  for (const [name, request] of [
    ['PredictX0', { records: null, timesteps: [1], noiseSeed: 0, noiseDraws: 0 }],
    ['TimestepLoss', { records: null, timesteps: [1], noiseSeed: 0, noiseDraws: 0 }],
    ['Encode', { count: 0, encoding: 'f32le-rows', shape: [], data: Buffer.alloc(0), classes: [] }],
    ['Trajectory', { sample: { count: 1, seed: 1, conditional: false, classIndex: 0 }, timesteps: [1], includePredictedX0: false }],
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
