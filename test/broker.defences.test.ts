/**
 * The platform's defences (docs/privacy.md "Broker defences"): output-noise perturbs the gray- and white-box answers
 * with the configured σ before the receiver sees them (and the audit hashes what it saw), deterministically for a seed
 * and afresh for every call; timestep-floor refuses questions below its floor, refunded and audited; the averaging
 * attacker's k repeats divide the noise's std by √k and cost k times the units.
 */
import * as crypto from 'crypto';
import * as grpc from '@grpc/grpc-js';
import { readAuditLog } from '../broker/audit';
import type { CallContext, ChainLink } from '../broker/chain';
import { outputNoise, type OutputNoiseConfig } from '../broker/moves/output-noise';
import { BrokerClient } from '../receiver/brokerClient';
import { averageOf, averagingWhiteBox } from '../receiver/moves/membership/repeat';
import { resolveGrid, timestepGrid } from '../receiver/moves/membership/config';
import { bearerMetadata } from '../shared/grpc/auth';
import { loadProto } from '../shared/grpc/proto';
import { collectStream } from '../shared/grpc/streams';
import { LOSSES_ENCODING, MODEL_ENCODING, matrixChunk, matrixFromChunk, tableChunk } from '../shared/grpc/records';
import type { RecordChunk__Output } from '../shared/grpc/generated/sharebox/RecordChunk';
import { parseScenario } from '../shared/scenario';
import { moveCost } from './helpers/moveCost';
import { asBroker } from './helpers/brokerCredentials';
import { startSharerAndBroker, type LivePair } from './helpers/liveParties';

const SIGMA_X0 = 0.5;
const SIGMA_LOSS = 0.2;
const FLOOR = 5;

let noisy: LivePair;
let floored: LivePair;

beforeAll(async () => {
  [noisy, floored] = await Promise.all([
    startSharerAndBroker({
      budgetSamples: 100_000,
      maxChunkRecords: 7,
      access: ['gray-box', 'white-box'],
      defences: [{ kind: 'output-noise', sigmaX0: SIGMA_X0, sigmaLoss: SIGMA_LOSS }],
    }),
    startSharerAndBroker({ budgetSamples: 5000, maxChunkRecords: 7, access: ['gray-box', 'white-box'], defences: [{ kind: 'timestep-floor', minTimestep: FLOOR }] }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([noisy?.stop(), floored?.stop()]);
});

function someRows(columns: number, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: columns }, (_, j) => (i * 7 + j) % 2));
}

/** The same request straight to the sharer's ModelHost with the broker's token: the answer before the broker's links. */
async function fromSharer(pair: LivePair, method: 'predictX0' | 'timestepLoss', request: Record<string, unknown>, encoding: string): Promise<Float32Array> {
  const host = new (loadProto().sharebox.ModelHost)(pair.sharerAddress, grpc.credentials.createInsecure());
  try {
    const chunks = await collectStream<RecordChunk__Output>(host[method](request, asBroker(pair.brokerToken, method === 'predictX0' ? 'ModelHost.PredictX0' : 'ModelHost.TimestepLoss', 1_000_000, pair.reservationKey)));
    const parts = chunks.map((c) => matrixFromChunk(c, encoding).values);
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  } finally {
    host.close();
  }
}

function meanAndStd(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / (values.length - 1)) };
}

const differences = (a: Float32Array, b: Float32Array) => Float64Array.from(a, (v, i) => v - b[i]);
const sha256 = (values: Float32Array) => crypto.createHash('sha256').update(Buffer.from(values.buffer, values.byteOffset, values.byteLength)).digest('hex');

describe('output-noise through a real broker', () => {
  test('PredictX0 answers carry N(0, σX0²) on every value, every row delivered and metered, the audit hashing what the receiver got', async () => {
    const client = new BrokerClient(noisy.brokerAddress, noisy.receiverToken);
    const d = await client.describe();
    const width = d.schedule!.modelWidth;
    const oracle = client.grayBoxOracle();
    const { x, classes } = await oracle.encode(someRows(d.schema.columns.length, 40));
    const t = new Int32Array(40).fill(3);
    const left = (await client.describe()).budgetSamplesLeft;
    const answer = await oracle.predictX0(x, t, classes);
    const again = await oracle.predictX0(x, t, classes);
    const clean = await fromSharer(noisy, 'predictX0', { records: matrixChunk(MODEL_ENCODING, x, width, classes), timesteps: Array.from(t), noiseSeed: 0 }, MODEL_ENCODING);
    expect(answer).toHaveLength(40 * width);
    expect(clean).toHaveLength(40 * width);
    // The encoded records the receiver sent are its own: Encode is never perturbed.
    const noise = meanAndStd(differences(answer, clean));
    expect(Math.abs(noise.mean)).toBeLessThan(0.1 * SIGMA_X0);
    expect(noise.std).toBeGreaterThan(0.9 * SIGMA_X0);
    expect(noise.std).toBeLessThan(1.1 * SIGMA_X0);
    // The same question twice: fresh noise each time (what the averaging attacker exploits), the same model underneath.
    const between = meanAndStd(differences(answer, again));
    expect(between.std).toBeGreaterThan(0.9 * Math.SQRT2 * SIGMA_X0);
    expect(between.std).toBeLessThan(1.1 * Math.SQRT2 * SIGMA_X0);
    expect((await client.describe()).budgetSamplesLeft).toBe(left - 80);
    client.close();

    const audit = readAuditLog(noisy.auditLog).filter((r) => r.method === 'GrayBox.PredictX0');
    expect(audit.map((r) => [r.status, r.samplesReturned])).toEqual([
      ['OK', 40],
      ['OK', 40],
    ]);
    expect(audit[0].responseSha256).toBe(sha256(answer));
    expect(audit[1].responseSha256).toBe(sha256(again));
    expect(audit[0].responseSha256).not.toBe(sha256(clean));
  });

  test('TimestepLoss answers carry N(0, σLoss²) on every loss; the averaging attacker’s 16 repeats cut it to σ/4', async () => {
    const client = new BrokerClient(noisy.brokerAddress, noisy.receiverToken);
    const d = await client.describe();
    const rows = someRows(d.schema.columns.length, 60);
    const timesteps = [2, 9, 15];
    const oracle = client.whiteBoxOracle();
    const left = d.budgetSamplesLeft;
    const answer = await oracle.timestepLoss(rows, timesteps, 21, 2);
    const averaged = await averagingWhiteBox(oracle, 16).timestepLoss(rows, timesteps, 21, 2);
    const records = tableChunk({ schema: d.schema, rows }, new Array(rows.length).fill(0), 0, rows.length);
    const clean = await fromSharer(noisy, 'timestepLoss', { records, timesteps, noiseSeed: 21, noiseDraws: 2 }, LOSSES_ENCODING);
    expect(answer).toHaveLength(60 * 3);
    const once = meanAndStd(differences(answer, clean));
    expect(Math.abs(once.mean)).toBeLessThan(0.1);
    expect(once.std).toBeGreaterThan(0.85 * SIGMA_LOSS);
    expect(once.std).toBeLessThan(1.15 * SIGMA_LOSS);
    const sixteen = meanAndStd(differences(averaged, clean));
    expect(sixteen.std).toBeGreaterThan(0.85 * (SIGMA_LOSS / 4));
    expect(sixteen.std).toBeLessThan(1.15 * (SIGMA_LOSS / 4));
    // 17 calls of 60 records × 3 timesteps × 2 draws, each metered.
    expect((await client.describe()).budgetSamplesLeft).toBe(left - 17 * 360);
    client.close();

    const result = (await noisy.broker.result()) as { defences: Array<Record<string, unknown>> };
    expect(result.defences[0]).toMatchObject({
      kind: 'output-noise',
      index: 0,
      applyTo: ['GrayBox.PredictX0', 'GrayBox.Trajectory', 'WhiteBox.TimestepLoss'],
      byRpc: { 'WhiteBox.TimestepLoss': { calls: 17, values: 17 * 180 } },
    });
    const width = d.schedule!.modelWidth;
    expect((result.defences[0].byRpc as Record<string, unknown>)['GrayBox.PredictX0']).toEqual({ calls: 2, values: 2 * 40 * width });
  });
});

describe('output-noise as a link', () => {
  const call = (rpc = 'WhiteBox.TimestepLoss'): CallContext => ({ rpc, grant: 'white-box', metadata: new grpc.Metadata(), args: {}, cost: 1 });
  const zeros = (n: number): RecordChunk__Output => ({ count: n, encoding: LOSSES_ENCODING, shape: [n, 1], data: Buffer.alloc(4 * n), classes: [] });
  const valuesOf = (chunk: RecordChunk__Output) => matrixFromChunk(chunk, LOSSES_ENCODING).values;
  async function link(config: OutputNoiseConfig, seed = 3): Promise<ChainLink> {
    return outputNoise.run(config, { seed, index: 0, access: ['gray-box', 'white-box'] });
  }
  async function answer(l: ChainLink, n: number, rpc?: string): Promise<Float32Array> {
    const ctx = call(rpc);
    l.check!(ctx);
    return valuesOf(l.filterChunk!(ctx, 'losses', zeros(n)));
  }

  test('the same broker seed gives the same noise, call by call; another seed, or the next call, other noise', async () => {
    const [a, b, c] = await Promise.all([link({ sigmaLoss: 1 }), link({ sigmaLoss: 1 }), link({ sigmaLoss: 1 }, 4)]);
    const first = await answer(a, 500);
    expect(Array.from(await answer(b, 500))).toEqual(Array.from(first));
    expect(Array.from(await answer(c, 500))).not.toEqual(Array.from(first));
    expect(Array.from(await answer(a, 500))).not.toEqual(Array.from(first));
  });

  test('where the chunks split does not change the noise (one stream per call and part)', async () => {
    const [whole, split] = await Promise.all([link({ sigmaLoss: 1 }), link({ sigmaLoss: 1 })]);
    const one = await answer(whole, 10);
    const ctx = call();
    split.check!(ctx);
    const parts = [valuesOf(split.filterChunk!(ctx, 'losses', zeros(4))), valuesOf(split.filterChunk!(ctx, 'losses', zeros(6)))];
    expect([...parts[0], ...parts[1]]).toEqual(Array.from(one));
  });

  test('k answers of one query average to noise of std σ/√k', async () => {
    const l = await link({ sigmaLoss: 1 });
    for (const k of [1, 4, 16]) {
      const averaged = await averageOf(k, () => answer(l, 4000));
      const { std } = meanAndStd(averaged);
      expect(std).toBeGreaterThan(0.93 / Math.sqrt(k));
      expect(std).toBeLessThan(1.07 / Math.sqrt(k));
    }
  });

  test('rounding after the noise; σ = 0 without rounding leaves the answer untouched; other RPCs and parts pass', async () => {
    const rounded = await link({ sigmaLoss: 0.3, round: 1 });
    for (const v of await answer(rounded, 100)) expect(Math.abs(v * 10 - Math.round(v * 10))).toBeLessThan(1e-4);
    const silent = await link({ sigmaLoss: 0 });
    const chunk = zeros(5);
    const ctx = call();
    silent.check!(ctx);
    expect(silent.filterChunk!(ctx, 'losses', chunk)).toBe(chunk);
    const onlyLoss = await link({ sigmaLoss: 1, applyTo: ['WhiteBox.TimestepLoss'] });
    const gray = call('GrayBox.PredictX0');
    onlyLoss.check!(gray);
    expect(onlyLoss.filterChunk!(gray, 'predictedX0', chunk)).toBe(chunk);
    const white = call();
    onlyLoss.check!(white);
    expect(onlyLoss.filterChunk!(white, 'samples', chunk)).toBe(chunk);
    expect(onlyLoss.report()).toMatchObject({ calls: 0, values: 0 });
  });
});

describe('timestep-floor through a real broker', () => {
  test('a query below the floor is refused naming the RPC, the floor and t; refunded and audited; at the floor it is answered', async () => {
    const client = new BrokerClient(floored.brokerAddress, floored.receiverToken);
    const d = await client.describe();
    const rows = someRows(d.schema.columns.length, 10);
    const gray = client.grayBoxOracle();
    const left = d.budgetSamplesLeft;
    await expect(gray.predictX0AtTimesteps(rows, [FLOOR, 2, 12], 1)).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: `GrayBox.PredictX0: the platform answers only at t ≥ ${FLOOR} (timestep floor); this call asks at t = 2`,
    });
    await expect(client.whiteBoxOracle().timestepLoss(rows, [0], 1, 1)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringMatching(/^WhiteBox\.TimestepLoss: .* t ≥ 5 .* t = 0$/) });
    await expect(client.trajectory({ count: 2, seed: 1, timesteps: [10, 4] })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringMatching(/^GrayBox\.Trajectory: .* t = 4$/) });
    expect((await client.describe()).budgetSamplesLeft).toBe(left);
    // The attacker who knows the floor: its grid starts at t_min.
    const grid = resolveGrid({ count: 3, min: FLOOR }, d.schedule!.timesteps);
    expect(grid).toEqual([5, 12, 19]);
    await expect(gray.predictX0AtTimesteps(rows, grid, 1)).resolves.toHaveLength(10 * 3 * d.schedule!.modelWidth);
    expect((await client.describe()).budgetSamplesLeft).toBe(left - 30);
    client.close();

    const audit = readAuditLog(floored.auditLog).filter((r) => r.method !== 'Gateway.Describe');
    expect(audit.map((r) => [r.method, r.status, r.samplesReturned])).toEqual([
      ['GrayBox.PredictX0', 'PERMISSION_DENIED', 0],
      ['WhiteBox.TimestepLoss', 'PERMISSION_DENIED', 0],
      ['GrayBox.Trajectory', 'PERMISSION_DENIED', 0],
      ['GrayBox.PredictX0', 'OK', 30],
    ]);
    expect(audit[0].error).toMatch(/t ≥ 5/);
    const result = (await floored.broker.result()) as { defences: Array<Record<string, unknown>> };
    expect(result.defences[0]).toMatchObject({ kind: 'timestep-floor', checked: 4, refused: 3, byRpc: { 'GrayBox.PredictX0': { checked: 2, refused: 1 } } });
  });
});

describe('configs and costs', () => {
  const base = [
    'name: t',
    'seed: 1',
    'datasets: { pool: { source: census, rows: 600 }, test: { source: census, rows: 300 } }',
    'task: { label: income, positive: ">50K", sensitive: sex, privileged: Male }',
    'membership: { members: 50, nonMembers: 50 }',
    'sharer: { data: pool, model: { kind: tabular-ddpm, timesteps: 20, hidden: [16], trainSteps: 10 } }',
    'broker:',
    '  access: [ACCESS]',
    '  budget: { samples: 100000 }',
    '  defences: [DEFENCE]',
    'receiver:',
    '  testData: test',
    '  draw: { samples: 10 }',
    '  attacks: [ATTACK]',
  ].join('\n');
  const scenario = (defence: string, attack = '{ kind: mia-loss }', access = 'gray-box, white-box') =>
    parseScenario(base.replace('DEFENCE', defence).replace('ATTACK', attack).replace('ACCESS', access), '/virtual/defences.yaml');

  test('bad configs are refused in one line naming the field', () => {
    expect(scenario('{ kind: output-noise, sigmaX0: 0.5 }').broker.defences).toEqual([{ kind: 'output-noise', sigmaX0: 0.5 }]);
    expect(() => scenario('{ kind: output-noise }')).toThrow(/broker\.defences\.0: expected sigmaX0 .* or sigmaLoss/);
    expect(() => scenario('{ kind: output-noise, sigmaX0: -1 }')).toThrow(/broker\.defences\.0\.sigmaX0/);
    expect(() => scenario('{ kind: output-noise, sigma: 1 }')).toThrow(/broker\.defences\.0.*sigma/);
    expect(() => scenario('{ kind: output-noise, sigmaX0: 1, applyTo: [GrayBox.Encode] }')).toThrow(/broker\.defences\.0\.applyTo\.0/);
    expect(() => scenario('{ kind: output-noise, sigmaLoss: 1, applyTo: [WhiteBox.TimestepLoss] }', '{ kind: mia-x0-error }', 'gray-box')).toThrow(
      /broker\.defences\.0\.applyTo\.0: WhiteBox\.TimestepLoss needs the "white-box" grant/,
    );
    expect(() => scenario('{ kind: timestep-floor, minTimestep: 0 }')).toThrow(/broker\.defences\.0\.minTimestep/);
    expect(() => scenario('{ kind: timestep-floor, minTimestep: 20 }')).toThrow(/broker\.defences\.0\.minTimestep: expected at most T − 1 = 19/);
    expect(() => scenario('{ kind: timestep-floor, minTimestep: 5 }', '{ kind: mia-loss, timesteps: { min: 12, max: 10 } }')).toThrow(
      /receiver\.attacks\.0\.timesteps\.min: expected at most timesteps\.max = 10 \(got 12\)/,
    );
    expect(() => scenario('{ kind: timestep-floor, minTimestep: 5 }', '{ kind: mia-loss, repeats: 0 }')).toThrow(/receiver\.attacks\.0\.repeats/);
  });

  test('costs include the repeats (Encode is asked once), and the budget check counts them', () => {
    const grid = { count: 5 };
    expect(moveCost({ kind: 'mia-loss', timesteps: grid, noiseDraws: 2, repeats: 3 }, 100, 20)).toBe(100 * 5 * 2 * 3);
    expect(moveCost({ kind: 'mia-x0-error', timesteps: grid, noiseDraws: 2, repeats: 3 }, 100, 20)).toBe(100 + 100 * 5 * 2 * 3);
    expect(moveCost({ kind: 'mia-pia', timesteps: [2, 4], repeats: 4 }, 100, 20)).toBe(100 + 100 * 3 * 4);
    expect(moveCost({ kind: 'mia-secmi', tSec: 4, stride: 2, repeats: 2 }, 100, 20)).toBe(100 + 100 * (2 + 2) * 2);
    // Without repeats, what they cost before it existed.
    expect(moveCost({ kind: 'mia-secmi', tSec: 4, stride: 2 }, 100, 20)).toBe(100 * (1 + 2 + 2));
    expect(moveCost({ kind: 'mia-pia', timesteps: [2, 4] }, 100, 20)).toBe(100 * (2 + 2));
    expect(() => scenario('{ kind: output-noise, sigmaLoss: 1 }', '{ kind: mia-loss, timesteps: { count: 20 }, noiseDraws: 16, repeats: 4 }')).toThrow(
      /broker\.budget\.samples: expected at least 128010 units: receiver\.draw\.samples \(10\) \+ mia-loss 128000/,
    );
  });

  test('the grid over [min, max]: min 0 is the grid as it was', () => {
    expect(timestepGrid(5, 100, 20)).toEqual([20, 40, 60, 80, 100]);
    expect(timestepGrid(5, 100, 0)).toEqual(timestepGrid(5, 100));
    expect(timestepGrid(20, 199, 0)).toEqual([0, 10, 21, 31, 42, 52, 63, 73, 84, 94, 105, 115, 126, 136, 147, 157, 168, 178, 189, 199]);
    expect(timestepGrid(10, 12, 10)).toEqual([10, 11, 12]);
    expect(resolveGrid({ count: 4, min: 50 }, 200)).toEqual([50, 100, 149, 199]);
  });
});
