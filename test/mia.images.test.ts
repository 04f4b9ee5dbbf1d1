/**
 * Gray-box and white-box access for the image model (issue 6; docs/mia.md "Images"): ImageModel's timestep
 * methods on a tiny U-Net trained for a few steps on real digits (shapes, model coordinates 2·pixel − 1,
 * determinism by seed, the identity ‖ε − ε̂‖² = ᾱ_t/(1−ᾱ_t)·‖x₀ − x̂₀‖² between PredictX0 and TimestepLoss on the
 * same noise), the sharer's ModelHost serving image records over gRPC (the generation trajectory included: its final
 * images are Sample's, its states come in the order asked for, x̂₀ is PredictX0 at the kept state, an off-schedule
 * timestep is INVALID_ARGUMENT), the attacks and the image distance of the black-box attack, and a tiny membership
 * game on MNIST through the CLI. Nothing here is trained long enough to say how strong the attacks are.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { initBackend } from '../shared/tf';
import { repoRoot } from '../shared/repoRoot';
import { loadDataset } from '../shared/data/loadDataset';
import { dropColumns, type Table, type TableSchema } from '../shared/data/table';
import { imageShapeOf, pixelsOf } from '../shared/data/imageTable';
import { fillStandardNormal } from '../sharer/diffusion/standardNormal';
import { spacedTimesteps } from '../shared/diffusion/schedule';
import { IMAGE_ENCODING, LOSSES_ENCODING, MODEL_ENCODING, matrixFromChunk, rowsFromChunk, tableChunk } from '../shared/grpc/records';
import { loadProto } from '../shared/grpc/proto';
import { asBroker, testBrokerGate } from './helpers/brokerCredentials';
import { collectStream } from '../shared/grpc/streams';
import { bindServer, newServer } from '../shared/party/runtime';
import { INSECURE } from '../shared/grpc/transport';
import type { RecordChunk__Output } from '../shared/grpc/generated/sharebox/RecordChunk';
import type { ModelHostClient } from '../shared/grpc/generated/sharebox/ModelHost';
import { membershipGame, parseScenario, receiverGameSlice } from '../shared/scenario';
import { parseReceiverRuntimeConfig } from '../receiver/config';
import type { ImageDdpmModelConfig } from '../shared/scenario/schema';
import { ImageModel } from '../sharer/imageModel';
import { modelHostHandlers } from '../sharer/modelHost';
import { hasTimesteps, scheduleOf } from '../sharer/timestepAccess';
import { lossAttack, nearestSyntheticScores, piaAttack, secmiAttack, trajectoryAttack, x0ErrorAttack } from '../receiver/moves/membership/scores';
import { trajectoryAttackConfigSchema } from '../receiver/moves/membership/config';
import { moveCost } from './helpers/moveCost';
import { samplerTimestepsOf } from '../shared/diffusion/schedule';
import type { TrajectoryChunk__Output } from '../shared/grpc/generated/sharebox/TrajectoryChunk';
import { stepsFromChunk } from '../shared/grpc/records';
import { localOracles } from './helpers/localOracle';
import { readAuditLog } from '../broker/audit';
import { runCli } from './helpers/cli';

const TASK = { label: 'digit', positive: '1', sensitive: 'stroke', privileged: 'thick' };
const MODEL: ImageDdpmModelConfig = {
  kind: 'image-ddpm',
  baseChannels: 8,
  channelMults: [1, 2],
  timesteps: 100,
  schedule: 'linear',
  trainSteps: 15,
  batchSize: 16,
  learningRate: 2e-3,
  warmupSteps: 5,
  lrSchedule: 'constant',
  emaDecay: 0,
  condDropProb: 0.1,
  guidanceScale: 1,
  sampler: { kind: 'ddpm', steps: 10, eta: 0 },
};
const D = 784;
const FIXTURE = path.join(repoRoot(), 'test', 'fixtures', 'tiny-mnist-mia.yaml');

let model: ImageModel;
/** 32 digits in the shared columns (digit, px0 … px783): the training set. */
let members: Table;
/** 8 other digits of the pool. */
let others: Table;
let tmp: string;

beforeAll(async () => {
  await initBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-mia-images-'));
  const scenario = parseScenario(fs.readFileSync(FIXTURE, 'utf8'), FIXTURE);
  const pool = dropColumns(loadDataset(scenario.datasets.pool, 1), ['stroke']);
  members = { schema: pool.schema, rows: pool.rows.slice(0, 32) };
  others = { schema: pool.schema, rows: pool.rows.slice(32, 40) };
  ({ model } = await ImageModel.trainOrLoad(members, TASK, MODEL, 3, path.join(tmp, 'cache'), () => undefined));
}, 60_000);

afterAll(() => {
  model?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const rowsOf = (table: Table, n: number): Table => ({ schema: table.schema, rows: table.rows.slice(0, n) });

test('the schedule, and records in model coordinates: 2·pixel − 1 conditioned on the label', () => {
  expect(hasTimesteps(model)).toBe(true);
  expect(model.supportsTimesteps).toBe(true);
  const s = model.diffusionSchedule;
  expect(s).toMatchObject({ timesteps: 100, kind: 'linear', modelWidth: D, samplerTimesteps: spacedTimesteps(100, 10) });
  // The scenario loader's view of the sampler (it prices the trajectory attack before any model exists) is the model's.
  expect(samplerTimestepsOf(MODEL)).toEqual(s.samplerTimesteps);
  expect(s.alphaBars).toHaveLength(100);
  expect(scheduleOf(model)).toMatchObject({ timesteps: 100, modelWidth: D });
  expect(model.schema.columns.map((c) => c.name).slice(0, 2)).toEqual(['digit', 'px0']);

  const table = rowsOf(members, 5);
  const { x, classes } = model.encodeRecords(table);
  expect(x).toHaveLength(5 * D);
  expect(Array.from(classes)).toEqual(table.rows.map((r) => r[0]));
  const { pixels } = pixelsOf(table);
  for (let j = 0; j < x.length; j += 37) expect(x[j]).toBeCloseTo(2 * pixels[j] - 1, 6);
  expect(() => model.encodeRecords({ schema: table.schema, rows: [[2, ...table.rows[0].slice(1)]] })).toThrow(/label code 2 is not a class of column "digit"/);
});

test('MNIST intensities are k/255 rounded to 3 decimals: the 8-bit wire moves a pixel by at most 0.5/1000', () => {
  const table = rowsOf(members, 32);
  const wire = rowsFromChunk(tableChunk(table, new Array(32).fill(0), 0, 32) as unknown as RecordChunk__Output, table.schema);
  let most = 0;
  table.rows.forEach((row, i) => row.forEach((v, j) => (most = Math.max(most, Math.abs(v - wire[i][j])))));
  expect(most).toBeGreaterThan(0); // not lossless: the package stores 0.624 for 159/255 = 0.62353
  expect(most).toBeLessThanOrEqual(0.0005 + 1e-9);
});

test('PredictX0 at timesteps: shapes, determinism by seed, and the same as PredictX0 on the states it builds', () => {
  const table = rowsOf(members, 4);
  const timesteps = [0, 10, 60];
  const a = model.predictX0AtTimesteps(table, timesteps, 5);
  expect(a).toHaveLength(4 * 3 * D);
  expect(Array.from(a).every(Number.isFinite)).toBe(true);
  expect(Array.from(model.predictX0AtTimesteps(table, timesteps, 5))).toEqual(Array.from(a));
  expect(Array.from(model.predictX0AtTimesteps(table, timesteps, 6))).not.toEqual(Array.from(a));

  // The states x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε_k with ε_k common to every record, drawn from the seed.
  const { x, classes } = model.encodeRecords(table);
  const noise = new Float32Array(3 * D);
  fillStandardNormal(noise, 5);
  const ab = model.diffusionSchedule.alphaBars;
  const xt = new Float32Array(4 * 3 * D);
  const t = new Int32Array(12);
  const cls = new Int32Array(12);
  for (let i = 0; i < 4; i++) {
    timesteps.forEach((tk, k) => {
      const r = i * 3 + k;
      for (let j = 0; j < D; j++) xt[r * D + j] = Math.fround(Math.sqrt(ab[tk])) * x[i * D + j] + Math.fround(Math.sqrt(1 - ab[tk])) * noise[k * D + j];
      t[r] = tk;
      cls[r] = classes[i];
    });
  }
  const b = model.predictX0(xt, t, cls);
  for (let j = 0; j < a.length; j += 101) expect(b[j]).toBeCloseTo(a[j], 2);
});

test('TimestepLoss: n × K losses ≥ 0, deterministic; with one draw, ‖ε − ε̂‖²/D = ᾱ/(1−ᾱ)·‖x₀ − x̂₀‖²/D on the same noise', () => {
  const table = { schema: members.schema, rows: [...members.rows.slice(0, 3), ...others.rows.slice(0, 3)] };
  const timesteps = [1, 20, 70];
  const losses = model.timestepLoss(table, timesteps, 77, 1);
  expect(losses).toHaveLength(6 * 3);
  expect(Array.from(losses).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  expect(Array.from(model.timestepLoss(table, timesteps, 77, 1))).toEqual(Array.from(losses));
  const x0hat = model.predictX0AtTimesteps(table, timesteps, 77);
  const { x } = model.encodeRecords(table);
  const ab = model.diffusionSchedule.alphaBars;
  for (let i = 0; i < 6; i++) {
    timesteps.forEach((t, k) => {
      let err = 0;
      for (let j = 0; j < D; j++) err += (x0hat[(i * 3 + k) * D + j] - x[i * D + j]) ** 2 / D;
      const implied = (ab[t] / (1 - ab[t])) * err;
      expect(Math.abs(implied - losses[i * 3 + k]) / losses[i * 3 + k]).toBeLessThan(2e-3);
    });
  }
  // More draws average more noise vectors: another value, still ≥ 0.
  const two = model.timestepLoss(table, timesteps, 77, 2);
  expect(two).toHaveLength(18);
  expect(Array.from(two).every((v) => v >= 0)).toBe(true);
  expect(Array.from(two)).not.toEqual(Array.from(losses));
});

test('the attacks run on image records in model coordinates and charge what attackBudgetCost says', async () => {
  const { gray, white, calls } = localOracles(model);
  const rows = [...members.rows.slice(0, 6), ...others.rows.slice(0, 6)];
  const trajectoryConfig = trajectoryAttackConfigSchema.parse({ samples: 3, timesteps: { count: 3 }, aggregations: ['mean', 'min'], batchTrajectories: 2 });
  const generation = { samplerTimesteps: model.diffusionSchedule.samplerTimesteps, classes: new Set(rows.map((r) => r[0])).size };
  expect(generation.classes).toBe(2);
  const cases: Array<[Record<string, unknown> & { kind: string }, () => Promise<{ scores: Record<string, number[]> }>]> = [
    [{ kind: 'mia-loss', timesteps: { count: 3 }, noiseDraws: 2 }, () => lossAttack(white, rows, { timesteps: { count: 3 }, noiseDraws: 2, aggregations: ['mean', 'trimmed'], batchRecords: 5 }, 1)],
    [{ kind: 'mia-x0-error', timesteps: { count: 3 }, noiseDraws: 1 }, () => x0ErrorAttack(gray, rows, { timesteps: { count: 3 }, noiseDraws: 1, aggregations: ['mean'], batchRecords: 5 }, 1)],
    [{ kind: 'mia-secmi' }, () => secmiAttack(gray, rows, { batchRecords: 5 })],
    [{ kind: 'mia-pia' }, () => piaAttack(gray, rows, { norm: 4, batchRecords: 5 })],
    [{ kind: 'mia-trajectory', ...trajectoryConfig }, () => trajectoryAttack(gray, rows, trajectoryConfig, 1)],
  ];
  for (const [config, run] of cases) {
    calls.rows = 0;
    const { scores } = await run();
    for (const list of Object.values(scores)) {
      expect(list).toHaveLength(12);
      expect(list.every(Number.isFinite)).toBe(true);
    }
    expect([config.kind, calls.rows]).toEqual([config.kind, moveCost(config, rows.length, 100, generation)]);
  }
  // The trajectory: Encode the 12, then 3 chains of S = 10 steps for each of the 2 classes.
  expect(moveCost({ kind: 'mia-trajectory', ...trajectoryConfig }, 12, 100, generation)).toBe(12 + 2 * 3 * 10);
});

test('black-box on images: the nearest synthetic image by ℓ2 on pixels, the label left out', () => {
  const synthetic = rowsOf(members, 10);
  const challenge = { schema: members.schema, rows: [members.rows[3], others.rows[0], [1 - others.rows[1][0], ...others.rows[1].slice(1)]] };
  const { scores, details } = nearestSyntheticScores(challenge, synthetic);
  expect(details).toMatchObject({ samples: 10, distance: 'l2-pixels' });
  expect(scores.score[0]).toBe(0);
  const distance = (a: number[], b: number[]) => Math.sqrt(a.slice(1).reduce((s, v, j) => s + (v - b[j + 1]) ** 2, 0));
  const expected = Math.min(...synthetic.rows.map((r) => distance(others.rows[0], r)));
  expect(-scores.score[1]).toBeCloseTo(expected, 3);
  // The label does not enter the distance.
  expect(-scores.score[2]).toBeCloseTo(Math.min(...synthetic.rows.map((r) => distance(others.rows[1], r))), 3);
});

describe('the sharer serves image records over gRPC', () => {
  let server: grpc.Server;
  let client: ModelHostClient;
  const token = 'a-test-token-of-sufficient-length';
  const md = (rpc: string) => asBroker(token, rpc);

  beforeAll(async () => {
    server = newServer(INSECURE, 'broker');
    server.addService(loadProto().sharebox.ModelHost.service, modelHostHandlers({ model, modelKind: 'image-ddpm' }, testBrokerGate(token)));
    const port = await bindServer(server, INSECURE);
    client = new (loadProto().sharebox.ModelHost)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  afterAll(() => {
    client?.close();
    server?.forceShutdown();
  });

  test('Encode, PredictX0 and TimestepLoss take records as 8-bit image rows', async () => {
    const table = rowsOf(members, 3);
    const records = tableChunk(table, [0, 0, 0], 0, 3);
    expect(records.encoding).toBe(IMAGE_ENCODING);
    const wire = { schema: table.schema, rows: rowsFromChunk(records as unknown as RecordChunk__Output, table.schema) };

    const encoded = await collectStream<RecordChunk__Output>(client.encode(records, md('ModelHost.Encode')));
    const { values: x, classes } = matrixFromChunk(encoded[0], MODEL_ENCODING, D);
    expect(x).toEqual(model.encodeRecords(wire).x);
    expect(classes).toEqual(table.rows.map((r) => r[0]));

    const predicted = await collectStream<RecordChunk__Output>(client.predictX0({ records, timesteps: [0, 30], noiseSeed: 9 }, md('ModelHost.PredictX0')));
    const x0hat = matrixFromChunk(predicted[0], MODEL_ENCODING, D);
    expect(x0hat.values).toEqual(model.predictX0AtTimesteps(wire, [0, 30], 9));
    expect(x0hat.classes).toEqual(table.rows.flatMap((r) => [r[0], r[0]]));

    const lossChunks = await collectStream<RecordChunk__Output>(client.timestepLoss({ records, timesteps: [0, 30], noiseSeed: 9, noiseDraws: 1 }, md('ModelHost.TimestepLoss')));
    expect(matrixFromChunk(lossChunks[0], LOSSES_ENCODING, 2).values).toEqual(model.timestepLoss(wire, [0, 30], 9, 1));

    // Records as float table rows are not this model's encoding.
    const floatRows = { ...records, encoding: 'f32le-rows' };
    await expect(collectStream(client.timestepLoss({ records: floatRows, timesteps: [0], noiseSeed: 1, noiseDraws: 1 }, md('ModelHost.TimestepLoss')))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/TimestepLoss takes records x0 as "f32le-u8-image-rows"/),
    });
  });

  test("Trajectory: the final images are Sample's for the same seed, the states come in the order asked for, x̂₀ is PredictX0 there", async () => {
    const S = model.diffusionSchedule.samplerTimesteps;
    expect(S).toEqual([0, 11, 22, 33, 44, 55, 66, 77, 88, 99]);
    const request = (timesteps: number[], includePredictedX0: boolean) => ({ sample: { count: 5, seed: 31, conditional: false, classIndex: 0 }, timesteps, includePredictedX0 });
    const asked = [99, 33, 0];
    const chunks = await collectStream<TrajectoryChunk__Output>(client.trajectory(request(asked, true), md('ModelHost.Trajectory')));
    const rows = chunks.flatMap((c) => rowsFromChunk(c.samples!, model.schema));
    const classes = chunks.flatMap((c) => c.samples!.classes);
    const join = (part: 'states' | 'predictedX0') => Float32Array.from(chunks.flatMap((c) => Array.from(stepsFromChunk(c[part]!, 3, D).values)));
    const states = join('states');
    const x0hat = join('predictedX0');
    expect(states).toHaveLength(5 * 3 * D);
    expect(x0hat).toHaveLength(5 * 3 * D);

    // The final images, as 8-bit rows, are exactly Sample's for the same count and seed (and so are the classes).
    const sampled = await collectStream<RecordChunk__Output>(client.sample({ count: 5, seed: 31, conditional: false, classIndex: 0 }, md('ModelHost.Sample')));
    expect(rows).toEqual(sampled.flatMap((c) => rowsFromChunk(c, model.schema)));
    expect(classes).toEqual(sampled.flatMap((c) => c.classes));

    // The same chain asked in another order gives the same states, permuted; without x̂₀ none comes back.
    const sorted = await collectStream<TrajectoryChunk__Output>(client.trajectory(request([0, 33, 99], false), md('ModelHost.Trajectory')));
    expect(sorted.every((c) => c.predictedX0 === null)).toBe(true);
    const sortedStates = Float32Array.from(sorted.flatMap((c) => Array.from(stepsFromChunk(c.states!, 3, D).values)));
    const at = (buffer: Float32Array, i: number, k: number) => buffer.subarray((i * 3 + k) * D, (i * 3 + k + 1) * D);
    for (let i = 0; i < 5; i++) {
      expect(at(sortedStates, i, 2)).toEqual(at(states, i, 0));
      expect(at(sortedStates, i, 1)).toEqual(at(states, i, 1));
      expect(at(sortedStates, i, 0)).toEqual(at(states, i, 2));
    }
    // x_{T−1}, the chain's first state, is standard normal noise, not an image in [−1, 1].
    expect(Math.max(...Array.from(at(states, 0, 0), Math.abs))).toBeGreaterThan(2);

    // x̂₀ at each kept state is PredictX0 of that state (unclipped; guidance scale 1), within float32 rounding.
    for (const [k, t] of asked.entries()) {
      const xt = new Float32Array(5 * D);
      for (let i = 0; i < 5; i++) xt.set(at(states, i, k), i * D);
      const expected = model.predictX0(xt, new Int32Array(5).fill(t), Int32Array.from(classes));
      let worst = 0;
      for (let i = 0; i < 5; i++) {
        const got = at(x0hat, i, k);
        for (let j = 0; j < D; j++) worst = Math.max(worst, Math.abs(got[j] - expected[i * D + j]) / Math.max(1, Math.abs(expected[i * D + j])));
      }
      expect({ t, worst: worst <= 1e-4 ? 'within 1e-4' : worst }).toEqual({ t, worst: 'within 1e-4' });
    }

    // A timestep off the sampler's schedule (or asked twice) is INVALID_ARGUMENT naming `timesteps`.
    await expect(collectStream(client.trajectory(request([33, 5], false), md('ModelHost.Trajectory')))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^ModelHost\.Trajectory: timesteps: 5 is not on the sampler's schedule/),
    });
    await expect(collectStream(client.trajectory(request([33, 33], false), md('ModelHost.Trajectory')))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^ModelHost\.Trajectory: timesteps: each timestep at most once/),
    });
    // The states of one call are bounded: count × K × width floats within MAX_QUERY_VALUES (42,799 rows of 784).
    await expect(
      collectStream(client.trajectory({ sample: { count: 4300, seed: 1, conditional: false, classIndex: 0 }, timesteps: S, includePredictedX0: false }, md('ModelHost.Trajectory'))),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/43000 states in one call; at most 42799 of width 784/) });
  });
});

describe('a tiny membership game on MNIST through the CLI', () => {
  let report: any;
  const out = () => path.join(tmp, 'run');

  beforeAll(async () => {
    const { code, stderr } = await runCli(['run', FIXTURE, '--out', out(), '--cache', path.join(tmp, 'cli-cache'), '--quiet']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    report = JSON.parse(fs.readFileSync(path.join(out(), 'report.json'), 'utf8'));
  }, 80_000);

  test('the scenario loads with every grant; the challenge is in the shared columns (label and pixels)', () => {
    const s = parseScenario(fs.readFileSync(FIXTURE, 'utf8'), FIXTURE);
    expect(s.broker.access).toEqual(['black-box', 'gray-box', 'white-box', 'class-shares']);
    // The stroke column is hidden from an image model's records, so from the challenge too; the image shape survives
    // the receiver's config parse (the black-box attack reads pixels by it).
    const game = membershipGame(s)!;
    expect(game.challenge.schema.columns.map((c) => c.name).slice(0, 2)).toEqual(['digit', 'px0']);
    expect(game.challenge.schema.columns).toHaveLength(785);
    const slice = { ...receiverGameSlice(s, game.challenge), brokerAddress: 'x', token: 'a-test-token-of-sufficient-length' };
    const parsed = parseReceiverRuntimeConfig(JSON.parse(JSON.stringify(slice)));
    expect(imageShapeOf(parsed.membershipChallenge!.schema as TableSchema)).toEqual({ height: 28, width: 28, channels: 1 });
    expect(report.sharer.trainingData.rows).toBe(32);
    expect(report.receiver.describe.columns).toHaveLength(785);
  });

  test('an AUC per attack on every rung, extraction on pixels, and a consistent audit', () => {
    const m = report.membership;
    expect(m.game).toMatchObject({ pool: 'pool', members: 32, nonMembers: 32, challenge: 64 });
    const aggs = ['mean', 'median', 'min', 'max', 'sum', 'trimmed'];
    expect(Object.keys(m.scores).sort()).toEqual(
      ['nearest-synthetic', 'secmi', 'pia', 'trajectory-mean', 'trajectory-min', ...aggs.map((a) => `loss-${a}`), ...aggs.map((a) => `x0-error-${a}`)].sort(),
    );
    for (const e of Object.values<any>(m.scores)) {
      expect(e.nMembers).toBe(32);
      expect(e.nNonMembers).toBe(32);
      expect(e.auc.estimate).toBeGreaterThanOrEqual(0);
      expect(e.auc.estimate).toBeLessThanOrEqual(1);
      expect(fs.existsSync(path.join(out(), e.rocFile))).toBe(true);
    }
    expect(m.scores['nearest-synthetic'].details).toMatchObject({ samples: 32, distance: 'l2-pixels' });
    expect(Object.keys(m.byAccess)).toEqual(['black-box', 'gray-box', 'white-box']);
    const x = m.extraction['carlini-extraction'];
    expect(x.training).toMatchObject({ generations: 32, referenceRecords: 32, neighbours: 8 });
    expect(x.nonMemberBaseline.referenceRecords).toBe(32);
    expect(x.distance).toBe('l2-pixels');

    expect(report.audit.consistentWithReceiver).toBe(true);
    expect(report.broker.budgetSamplesUsed).toBe(report.audit.samplesReturned);
    const audit = readAuditLog(path.join(out(), 'audit.jsonl'));
    expect(new Set(audit.map((r) => r.method))).toEqual(
      new Set(['BlackBox.Sample', 'Gateway.Describe', 'GrayBox.Encode', 'GrayBox.PredictX0', 'GrayBox.Trajectory', 'WhiteBox.TimestepLoss']),
    );
    // The trajectory attack: 8 chains of the sampler's 5 steps per class, in calls of 4, x̂₀ at t ∈ {0, 25} (the sampler steps ≤ 49 of T = 100).
    expect(m.scores['trajectory-min'].details).toMatchObject({ timesteps: [0, 25], samplerSteps: 5, samplesPerClass: 8, classes: [0, 1] });
    const trajectory = audit.filter((r) => r.method === 'GrayBox.Trajectory');
    expect(trajectory).toHaveLength(4);
    expect(trajectory.every((r) => r.samplesReturned === 4 * 5)).toBe(true);
    expect(audit.filter((r) => r.status !== 'OK')).toEqual([]);
    // Records x0 go as 8-bit image rows and are charged per record × timestep.
    const rowsQuery = audit.find((r) => r.method === 'GrayBox.PredictX0' && (r.arguments as any).encoding === IMAGE_ENCODING)!;
    expect(rowsQuery.samplesReturned).toBe((rowsQuery.arguments as any).records * (rowsQuery.arguments as any).timesteps.length);
  });
});
