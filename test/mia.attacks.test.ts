/**
 * The membership attacks' scores on a tiny model trained to overfit 60 census records (the members) against 60
 * held-out records of the same generator: every rung of the ladder separates them, through the one ROC module.
 * Also the pieces on their own: aggregation over t (trimmed included), the gray-/white-box identity
 * ‖ε − ε̂‖² = ᾱ_t/(1−ᾱ_t)·‖x₀ − x̂₀‖² on shared noise, the DDIM round trip SecMI measures, the generation-trajectory
 * score on a hand-made trajectory, the nearest-synthetic distance, and Carlini's extraction criterion.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../shared/tf';
import { generateCensus } from '../shared/data/census';
import type { Table } from '../shared/data/table';
import { auc } from '../shared/metrics/roc';
import { carliniExtraction } from '../shared/metrics/extraction';
import { TabularModel } from '../sharer/tabularModel';
import type { TabularDdpmConfig } from '../sharer/config';
import { aggregateLosses, aggregatedScores } from '../receiver/moves/membership/aggregate';
import { ddimStep, lossAttack, nearestSyntheticScores, piaAttack, secmiAttack, trajectoryAttack, x0ErrorAttack } from '../receiver/moves/membership/scores';
import type { GrayBoxOracle, TrajectoryRequestView } from '../receiver/moves/membership/oracle';
import { resolveSecmi, resolveTrajectorySteps, timestepGrid, trajectoryAttackConfigSchema } from '../receiver/moves/membership/config';
import { moveCost } from './helpers/moveCost';
import { samplerTimestepsOf } from '../shared/diffusion/schedule';
import { spacedTimesteps } from '../shared/diffusion/schedule';
import { localOracles } from './helpers/localOracle';

const TASK = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };
const N = 60;
const MODEL: TabularDdpmConfig = {
  kind: 'tabular-ddpm',
  timesteps: 50,
  schedule: 'cosine',
  hidden: [128, 128],
  timeEmbedding: 16,
  trainSteps: 1500,
  batchSize: 60,
  learningRate: 0.003,
  lrSchedule: 'constant',
  warmupSteps: 20,
  emaDecay: 0,
  guidanceScale: 1,
  condDropProb: 0,
  sampler: { kind: 'ddpm' },
};

let model: TabularModel;
let members: Table;
let nonMembers: Table;
let rows: number[][];
let cacheDir: string;

beforeAll(async () => {
  await initBackend();
  const pool = generateCensus({ rows: 2 * N, seed: 3, pSensitive: 0.5, dependence: 0.3 });
  members = { schema: pool.schema, rows: pool.rows.slice(0, N) };
  nonMembers = { schema: pool.schema, rows: pool.rows.slice(N) };
  rows = [...members.rows, ...nonMembers.rows];
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-mia-'));
  ({ model } = await TabularModel.trainOrLoad(members, TASK, MODEL, 1, cacheDir, () => undefined));
}, 120_000);

afterAll(() => {
  model?.dispose();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

/** AUC of scores listed members first. */
const separation = (scores: number[]) => auc(scores.slice(0, N), scores.slice(N));

test('aggregation over t: each statistic, negated; trimmed drops the k largest', () => {
  const losses = [4, 1, 3, 10, 2];
  expect(aggregateLosses(losses, 'mean')).toBe(4);
  expect(aggregateLosses(losses, 'sum')).toBe(20);
  expect(aggregateLosses(losses, 'min')).toBe(1);
  expect(aggregateLosses(losses, 'max')).toBe(10);
  expect(aggregateLosses(losses, 'median')).toBe(3);
  expect(aggregateLosses([4, 1, 3, 2], 'median')).toBe(2.5);
  expect(aggregateLosses(losses, 'trimmed', 1)).toBe(2.5); // 10 dropped: (4 + 1 + 3 + 2) / 4
  expect(aggregateLosses(losses, 'trimmed', 2)).toBe(2); // 10 and 4 dropped
  expect(aggregateLosses(losses, 'trimmed', 0)).toBe(4);
  expect(() => aggregateLosses(losses, 'trimmed', 5)).toThrow(/trimLargest/);
  // One outlying step decides the mean but not the trimmed statistic: record 0 has the smaller losses except one.
  const matrix = Float32Array.from([0.1, 0.1, 0.1, 9, /* record 1 */ 0.5, 0.5, 0.5, 0.5]);
  const scores = aggregatedScores(matrix, 4, ['mean', 'trimmed', 'max'], 1);
  expect(scores.mean[0]).toBeLessThan(scores.mean[1]);
  expect(scores.trimmed[0]).toBeGreaterThan(scores.trimmed[1]);
  expect(scores.max).toEqual([-9, -0.5]);
  expect(timestepGrid(5, 100)).toEqual([0, 25, 50, 75, 100]);
  expect(timestepGrid(10, 3)).toEqual([0, 1, 2, 3]);
});

test('white-box loss and gray-box x̂₀ error are the same quantity up to the SNR weight, on shared noise', () => {
  const table = { schema: model.schema, rows: rows.slice(0, 8) };
  const timesteps = [1, 10, 30];
  const losses = model.timestepLoss(table, timesteps, 77, 1);
  const x0hat = model.predictX0AtTimesteps(table, timesteps, 77);
  const { x } = model.encodeRecords(table);
  const D = model.diffusionSchedule.modelWidth;
  const ab = model.diffusionSchedule.alphaBars;
  for (let i = 0; i < 8; i++) {
    timesteps.forEach((t, k) => {
      let err = 0;
      for (let j = 0; j < D; j++) err += (x0hat[(i * 3 + k) * D + j] - x[i * D + j]) ** 2 / D;
      expect((ab[t] / (1 - ab[t])) * err).toBeCloseTo(losses[i * 3 + k], 2);
    });
  }
});

test('a record whose label code is not one of the model\'s classes is refused, naming the record and the column', () => {
  const labelIndex = model.schema.columns.findIndex((c) => c.name === model.classes.column);
  const bad = rows[0].slice();
  bad[labelIndex] = model.classes.values.length;
  expect(() => model.encodeRecords({ schema: model.schema, rows: [rows[1], bad] })).toThrow(
    new RegExp(`record 1: label code ${model.classes.values.length} is not a class of column "${model.classes.column}"`),
  );
});

test('every rung separates members from non-members on an overfit model', async () => {
  const { gray, white } = localOracles(model);
  const loss = await lossAttack(white, rows, { timesteps: { count: 10 }, noiseDraws: 8, aggregations: ['mean', 'median', 'trimmed', 'max'], batchRecords: 50 }, 1);
  expect(loss.details.timesteps).toEqual(timestepGrid(10, 49));
  expect(loss.details.trimLargest).toBe(2);
  expect(separation(loss.scores.mean)).toBeGreaterThan(0.85);
  expect(separation(loss.scores.trimmed)).toBeGreaterThan(0.85);
  const x0 = await x0ErrorAttack(gray, rows, { timesteps: { count: 10, max: 25 }, noiseDraws: 2, aggregations: ['mean'], batchRecords: 50 }, 1);
  expect(separation(x0.scores.mean)).toBeGreaterThan(0.85);
  const secmi = await secmiAttack(gray, rows, { batchRecords: 1000 });
  expect(secmi.details).toMatchObject({ tSec: 5, stride: 1, inversionPath: [0, 1, 2, 3, 4, 5] });
  expect(separation(secmi.scores.score)).toBeGreaterThan(0.8);
  const pia = await piaAttack(gray, rows, { norm: 4, batchRecords: 1000 });
  expect(separation(pia.scores.score)).toBeGreaterThan(0.8);
});

test('the attacks cost what the budget is charged: one unit per denoiser evaluation of one record', async () => {
  const { gray, white, calls } = localOracles(model);
  const cases: Array<[Record<string, unknown> & { kind: string }, () => Promise<unknown>]> = [
    [{ kind: 'mia-loss', timesteps: { count: 4 }, noiseDraws: 3 }, () => lossAttack(white, rows, { timesteps: { count: 4 }, noiseDraws: 3, aggregations: ['mean'], batchRecords: 50 }, 1)],
    [{ kind: 'mia-x0-error', timesteps: { count: 4 }, noiseDraws: 2 }, () => x0ErrorAttack(gray, rows, { timesteps: { count: 4 }, noiseDraws: 2, aggregations: ['mean'], batchRecords: 50 }, 1)],
    [{ kind: 'mia-secmi', tSec: 7, stride: 3 }, () => secmiAttack(gray, rows, { tSec: 7, stride: 3, batchRecords: 50 })],
    [{ kind: 'mia-pia', timesteps: [3, 9] }, () => piaAttack(gray, rows, { timesteps: [3, 9], norm: 4, batchRecords: 50 })],
  ];
  for (const [config, run] of cases) {
    calls.rows = 0;
    await run();
    expect([config.kind, calls.rows]).toEqual([config.kind, moveCost(config, rows.length, 50)]);
  }
  expect(resolveSecmi({ tSec: 7, stride: 3 }, 50).path).toEqual([0, 3, 6, 7]);
  expect(() => resolveSecmi({ tSec: 48, stride: 2 }, 50)).toThrow(/tSec \+ stride: expected at most T − 1 = 49/);
});

test('a DDIM step up and back down is exact when x̂₀ does not depend on x_t (what SecMI measures is the model)', async () => {
  const D = 3;
  const alphaBars = Array.from({ length: 10 }, (_, t) => 1 - (t + 1) / 11);
  const constant: GrayBoxOracle = {
    schedule: { timesteps: 10, alphaBars, modelWidth: D },
    encode: async () => ({ x: new Float32Array(D), classes: new Int32Array(1) }),
    predictX0AtTimesteps: async () => new Float32Array(D),
    predictX0: async (xt) => Float32Array.from(xt, (_, j) => [1, -2, 0.5][j % D]),
    trajectory: async () => {
      throw new Error('not used');
    },
  };
  const xs = Float32Array.from([0.3, 0.7, -1.1]);
  const up = await ddimStep(constant, xs, new Int32Array(1), 2, 5);
  const back = await ddimStep(constant, up, new Int32Array(1), 5, 2);
  back.forEach((v, j) => expect(v).toBeCloseTo(xs[j], 5));
  expect(Array.from(up)).not.toEqual(Array.from(xs));
});

/** Distinct classes of the challenge rows (the label column), as the receiver counts them for the budget. */
const challengeClasses = (): number => new Set(rows.map((r) => r[members.schema.columns.findIndex((c) => c.name === 'income')])).size;

test('the generation trajectory separates members from non-members on an overfit model, and costs M × S per class', async () => {
  const { gray, calls } = localOracles(model);
  const sampler = model.diffusionSchedule.samplerTimesteps;
  expect(sampler).toHaveLength(50);
  // The scenario loader's view of the sampler (it prices the attack before any model exists) is the model's.
  expect(samplerTimestepsOf(MODEL)).toEqual(sampler);
  expect(samplerTimestepsOf({ ...MODEL, sampler: { kind: 'ddim' } })).toEqual(spacedTimesteps(50, 50));
  const config = trajectoryAttackConfigSchema.parse({ samples: 400, timesteps: { count: 5 }, aggregations: ['mean', 'min', 'trimmed'], batchTrajectories: 128 });
  const traj = await trajectoryAttack(gray, rows, config, 1);
  // The low-noise half by default: t ≤ ⌊49/2⌋ = 24, five of the sampler's steps evenly spaced among them.
  expect(traj.details.timesteps).toEqual([0, 6, 12, 18, 24]);
  expect(traj.details.classes).toEqual([0, 1]);
  for (const how of ['mean', 'min', 'trimmed']) {
    expect(traj.scores[how]).toHaveLength(2 * N);
    expect(traj.scores[how].every((v) => Number.isFinite(v) && v <= 0)).toBe(true);
  }
  // Measured: mean 0.931, min 0.938, trimmed 0.936 (150 generations per class: 0.845, 0.879, 0.853).
  expect(separation(traj.scores.mean)).toBeGreaterThan(0.85);
  expect(separation(traj.scores.min)).toBeGreaterThan(0.85);
  // Encode for every challenge record, then 400 chains of S = 50 steps for each of the two classes, in ⌈400/128⌉ calls each.
  expect(calls.rows).toBe(moveCost({ kind: 'mia-trajectory', ...config }, rows.length, 50, { samplerTimesteps: sampler, classes: challengeClasses() }));
  expect(calls.rows).toBe(2 * N + 2 * 400 * 50);
  expect(calls.trajectoryCalls).toBe(2 * 4);
});

test('the trajectory score is −min over the generations of the aggregated x̂₀ error (hand-made trajectories)', async () => {
  // D = 2, T = 10, the sampler visits 0, 3, 6, 9; two records of class 0 and one of class 1; two generations per
  // class with x̂₀ at the kept steps 0 and 3 (max 4 → 0 and 3).
  const D = 2;
  const x0 = Float32Array.from([0, 0, /**/ 1, 1, /**/ 5, 5]);
  const classes = Int32Array.from([0, 0, 1]);
  // x̂₀ per class: generation m, step k → a point; record-major (m, k).
  const byClass: Record<number, number[]> = {
    0: [/* m0 */ 0, 0, 2, 2, /* m1 */ 1, 1, 1, 1],
    1: [/* m0 */ 5, 6, 5, 5, /* m1 */ 9, 9, 9, 9],
  };
  const asked: TrajectoryRequestView[] = [];
  const oracle: GrayBoxOracle = {
    schedule: { timesteps: 10, alphaBars: new Array(10).fill(0.5), modelWidth: D, samplerTimesteps: [0, 3, 6, 9] },
    encode: async (part) => ({ x: x0.slice(0, part.length * D), classes: classes.slice(0, part.length) }),
    predictX0AtTimesteps: async () => new Float32Array(0),
    predictX0: async () => new Float32Array(0),
    trajectory: async (request) => {
      asked.push(request);
      const points = byClass[request.classIndex!];
      return { states: new Float32Array(points.length), predictedX0: Float32Array.from(points).slice(0, request.count * 2 * D) };
    },
  };
  const config = trajectoryAttackConfigSchema.parse({ samples: 2, timesteps: { count: 5, max: 4 }, aggregations: ['mean', 'min', 'max'], batchTrajectories: 2 });
  const { scores, details } = await trajectoryAttack(oracle, [[0], [0], [0]], config, 7);
  expect(details.timesteps).toEqual([0, 3]);
  expect(asked.map((r) => [r.classIndex, r.count, r.timesteps, r.includePredictedX0])).toEqual([
    [0, 2, [0, 3], true],
    [1, 2, [0, 3], true],
  ]);
  // Per-step errors ‖x̂₀ − x₀‖²/2. Record 0 (0, 0): m0 → [0, 4], m1 → [1, 1]; record 1 (1, 1): m0 → [1, 1], m1 → [0, 0];
  // record 2 (5, 5): m0 → [0.5, 0], m1 → [16, 16].
  expect(scores.mean).toEqual([-1, -0, -0.25]);
  expect(scores.min).toEqual([-0, -0, -0]);
  expect(scores.max).toEqual([-1, -0, -0.5]);
  expect(resolveTrajectorySteps({ count: 1, max: 0 }, 10, [0, 3, 6, 9])).toEqual([0]);
  expect(resolveTrajectorySteps({ count: 10 }, 10, [0, 3, 6, 9])).toEqual([0, 3]);
  expect(() => resolveTrajectorySteps({ count: 2, max: 10 }, 10, [0, 3, 6, 9])).toThrow(/^timesteps\.max: expected at most T − 1 = 9 \(got 10\)/);
  expect(() => resolveTrajectorySteps({ count: 2, max: 2 }, 10, [3, 6, 9])).toThrow(/^timesteps\.max: the sampler visits no timestep ≤ 2/);
});

test('black-box: a challenge record equal to a synthetic record scores highest (distance 0)', () => {
  const synthetic = { schema: members.schema, rows: members.rows.slice(0, 20) };
  const challenge = { schema: members.schema, rows: [members.rows[5], nonMembers.rows[0], nonMembers.rows[1]] };
  const { scores } = nearestSyntheticScores(challenge, synthetic);
  expect(scores.score[0]).toBe(0);
  expect(scores.score[1]).toBeLessThan(0);
  expect(scores.score[2]).toBeLessThan(0);
});

test("Carlini's criterion: a near-copy counts once, a typical generation does not; thresholds 1 and 0.5", () => {
  // Reference records on a line at 0, 1, 2, …, 9 (D = 1); n = 4 neighbours, α = 0.5.
  const reference = Float32Array.from({ length: 10 }, (_, i) => i);
  // 3.05: nearest 3 (d 0.05), neighbours 3, 4, 2, 5 → mean (0.05 + 0.95 + 1.05 + 1.95)/4 = 1; ratio 0.05/0.5 = 0.1.
  // 3.3 (twice; record 3 counts once): ratio 0.3 / (0.5 · (0.3 + 0.7 + 1.3 + 1.7)/4) = 0.6.
  // 4.5: ratio 0.5 / (0.5 · (0.5 + 0.5 + 1.5 + 1.5)/4) = 1 → not below 1.
  const generations = Float32Array.from([3.05, 3.3, 3.3, 4.5]);
  const result = carliniExtraction(generations, reference, 1, { neighbours: 4, thresholds: [1, 0.5] });
  expect(result.neighbours).toBe(4);
  expect(result.counts).toEqual([
    { threshold: 1, extractedRecords: 1, generations: 3 },
    { threshold: 0.5, extractedRecords: 1, generations: 1 },
  ]);
  expect(result.ratioQuantiles['0']).toBeCloseTo(0.1, 5);
  // n is capped at the reference size.
  expect(carliniExtraction(generations, reference.subarray(0, 3), 1, { neighbours: 50, thresholds: [1] }).neighbours).toBe(3);
  // Marked reference records (duplicated members) extracted are counted apart: record 3 is marked, then record 7 alone.
  const marked = (k: number) => Array.from({ length: 10 }, (_, i) => i === k);
  expect(carliniExtraction(generations, reference, 1, { neighbours: 4, thresholds: [1], marked: marked(3) }).counts[0].extractedMarked).toBe(1);
  expect(carliniExtraction(generations, reference, 1, { neighbours: 4, thresholds: [1], marked: marked(7) }).counts[0].extractedMarked).toBe(0);
});
