/**
 * The config pieces the membership-inference moves and Carlini extraction share (docs/mia.md; paper notes
 * mia-s2l.md §1, §3, §4): the timestep grid, the aggregations, and the resolution of each default that depends on
 * the model's T. Each move's own schema and cost are in its folder (receiver/moves/mia-…); the loader and the
 * receiver resolve T alike (the receiver reads it from Describe, the loader from sharer.model.timesteps), so they
 * agree on what every move costs.
 */
import { z } from 'zod';

/** Statistics of a record's per-timestep losses (Zhu et al. 2023; `trimmed` drops the largest k). */
export const AGGREGATIONS = ['mean', 'median', 'min', 'max', 'sum', 'trimmed'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

const positiveInt = () => z.number().int().min(1);

/**
 * `count` timesteps evenly spaced over [min, max]; `max` (truncation: use only t ≤ max) defaults to T − 1, `min` to 0.
 * `min` is the attacker who knows the platform's timestep floor (broker move timestep-floor): it asks only at t ≥ min.
 */
export const timestepGridSchema = z.strictObject({
  count: positiveInt().default(20),
  min: z.number().int().min(0).optional(),
  max: z.number().int().min(0).optional(),
});

/**
 * How many times each query is asked, the answers averaged: the attacker who knows the platform adds fresh noise to
 * every answer (broker move output-noise) and pays k times the queries to divide its std by √k. 1 = ask once.
 */
const repeatsSchema = () => positiveInt().max(1024).default(1);

const aggregationsSchema = z
  .array(z.enum(AGGREGATIONS))
  .min(1)
  .refine((v) => new Set(v).size === v.length, { error: 'expected each aggregation at most once' })
  .default(() => [...AGGREGATIONS]);

/**
 * The fields of an attack that aggregates per-record values over a grid of t with noise draws: the white-box losses
 * ‖ε_θ(x_t, t) − ε‖² (mia-loss; common noise, 4 draws by default) and the gray-box errors ‖x̂₀(x_t, t) − x₀‖²
 * (mia-x0-error; one PredictX0 call per draw, with its own seed; 1 draw by default).
 */
function gridAttackConfigSchema(defaultNoiseDraws: number) {
  return z.strictObject({
    /** The t grid. */
    timesteps: timestepGridSchema.prefault({}),
    /** Noise draws averaged per (record, t). */
    noiseDraws: z.number().int().min(1).max(64).default(defaultNoiseDraws),
    aggregations: aggregationsSchema,
    /** k of the trimmed statistic: the k largest per-step values are dropped; default ⌊K/4⌋ (paper A drops the top 25%). */
    trimLargest: z.number().int().min(0).optional(),
    /** Each PredictX0 / TimestepLoss call asked this many times, the answers averaged (costs × repeats). */
    repeats: repeatsSchema(),
    /** Records per RPC. */
    batchRecords: positiveInt().default(500),
  });
}

export const lossAttackConfigSchema = gridAttackConfigSchema(4);
export const x0ErrorAttackConfigSchema = gridAttackConfigSchema(1);

export const secmiAttackConfigSchema = z.strictObject({
  /** t_SEC, where the DDIM inversion stops and the t-error is measured; default round(T/10) (100 of 1000). */
  tSec: z.number().int().min(1).optional(),
  /** Stride k of the inversion and of the step up and down; default max(1, round(T/100)) (10 of 1000). */
  stride: positiveInt().optional(),
  /** Each PredictX0 call asked this many times, the answers averaged (costs × repeats, Encode excepted). */
  repeats: repeatsSchema(),
  batchRecords: positiveInt().default(1000),
});

export const piaAttackConfigSchema = z.strictObject({
  /** Timesteps t at which R_t is measured (the score averages them); default [round(T/10)]. */
  timesteps: z.array(z.number().int().min(1)).min(1).optional(),
  /** p of the ℓp^p distance ‖ε_θ(x_t, t) − ε₀‖_p^p (Kong et al. use p = 4). */
  norm: z.number().gt(0).default(4),
  /** Each PredictX0 call asked this many times, the answers averaged (costs × repeats, Encode excepted). */
  repeats: repeatsSchema(),
  batchRecords: positiveInt().default(1000),
});

/**
 * The generation-trajectory attack (gray-box; paper notes mia-s2l.md §1.3 (b), §1.4 "SD trajectory variants",
 * §4.3 item 2): M generations per class through GrayBox.Trajectory, x̂₀ kept at some of the sampler's steps.
 */
export const trajectoryAttackConfigSchema = z.strictObject({
  /** Trajectories M drawn per class present in the challenge set (each costs S units, S = the sampler's steps). */
  samples: positiveInt().default(100),
  /**
   * The kept steps: `count` of the sampler's timesteps evenly spaced (by position) over those ≤ `max`. `max`
   * defaults to ⌊(T−1)/2⌋: the low-noise half of the chain, as the SD trajectory script drops the high-noise half
   * of the generation steps (§1.4 of the notes). `max: 0` with `count: 1` keeps only the last step's x̂₀.
   */
  timesteps: z
    .strictObject({
      count: positiveInt().default(10),
      max: z.number().int().min(0).optional(),
    })
    .prefault({}),
  /** Statistics over the kept steps of one trajectory's errors, each reported as its own score (then min over trajectories). */
  aggregations: aggregationsSchema,
  trimLargest: z.number().int().min(0).optional(),
  /** Challenge records per Encode call. */
  batchRecords: positiveInt().default(500),
  /** Trajectories per Trajectory call (the receiver holds one call's count × K × width floats, twice: states and x̂₀). */
  batchTrajectories: positiveInt().default(128),
});

export const nearestSyntheticAttackConfigSchema = z.strictObject({
  /** Synthetic records M drawn; each challenge record is scored by minus its distance to the nearest of them. */
  samples: positiveInt().default(5000),
});

export const extractionConfigSchema = z.strictObject({
  /** Generations drawn by the receiver; the referee (which knows the training set) counts extracted records. */
  samples: positiveInt().default(5000),
  /** n nearest training records of a generation whose mean distance normalises it (Carlini et al. 2023: 50). */
  neighbours: positiveInt().default(50),
  /** Ratios below which a record counts as extracted (Carlini et al.: 1 with α = 0.5; also report 0.5). */
  thresholds: z.array(z.number().gt(0)).min(1).default(() => [1, 0.5]),
});

export type LossAttackConfig = z.output<typeof lossAttackConfigSchema>;
export type X0ErrorAttackConfig = z.output<typeof x0ErrorAttackConfigSchema>;
export type SecmiAttackConfig = z.output<typeof secmiAttackConfigSchema>;
export type PiaAttackConfig = z.output<typeof piaAttackConfigSchema>;
export type TrajectoryAttackConfig = z.output<typeof trajectoryAttackConfigSchema>;
export type NearestSyntheticAttackConfig = z.output<typeof nearestSyntheticAttackConfigSchema>;
export type ExtractionConfig = z.output<typeof extractionConfigSchema>;

/**
 * `count` timesteps evenly spaced over [tMin, tMax], increasing and distinct (fewer when tMax − tMin + 1 < count).
 * With tMin = 0 the grid is t_i = round(i·tMax/(count − 1)), as before `min` existed.
 */
export function timestepGrid(count: number, tMax: number, tMin = 0): number[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`timestepGrid: count must be a positive integer (got ${count})`);
  if (!Number.isInteger(tMax) || tMax < 0) throw new Error(`timestepGrid: max must be an integer ≥ 0 (got ${tMax})`);
  if (!Number.isInteger(tMin) || tMin < 0 || tMin > tMax) throw new Error(`timestepGrid: min must be an integer in [0, max = ${tMax}] (got ${tMin})`);
  if (count === 1) return [tMax];
  const out: number[] = [];
  const span = tMax - tMin;
  for (let i = 0; i < count; i++) {
    const t = tMin + Math.round((i * span) / (count - 1));
    if (out.length === 0 || t > out[out.length - 1]) out.push(t);
  }
  return out;
}

/** The grid of a loss / x̂₀-error attack on a model with T steps; throws naming `max` or `min` when it is off the schedule. */
export function resolveGrid(grid: { count: number; min?: number; max?: number }, T: number): number[] {
  const max = grid.max ?? T - 1;
  if (max > T - 1) throw new Error(`timesteps.max: expected at most T − 1 = ${T - 1} (got ${max})`);
  const min = grid.min ?? 0;
  if (min > max) throw new Error(`timesteps.min: expected at most timesteps.max = ${max} (got ${min})`);
  return timestepGrid(grid.count, max, min);
}

/** SecMI's t_SEC, stride and the inversion path 0 = s₀ < s₁ < … < t_SEC (steps of `stride`, the last may be shorter). */
export function resolveSecmi(config: Pick<SecmiAttackConfig, 'tSec' | 'stride'>, T: number): { tSec: number; stride: number; path: number[] } {
  const tSec = config.tSec ?? Math.max(1, Math.round(T / 10));
  const stride = config.stride ?? Math.max(1, Math.round(T / 100));
  if (tSec + stride > T - 1) {
    throw new Error(`tSec + stride: expected at most T − 1 = ${T - 1} (got ${tSec} + ${stride}): the step up from t_SEC must stay on the schedule`);
  }
  const path: number[] = [];
  for (let s = 0; s < tSec; s += stride) path.push(s);
  path.push(tSec);
  return { tSec, stride, path };
}

export function resolvePiaTimesteps(config: Pick<PiaAttackConfig, 'timesteps'>, T: number): number[] {
  const timesteps = config.timesteps ?? [Math.max(1, Math.round(T / 10))];
  const bad = timesteps.find((t) => t > T - 1);
  if (bad !== undefined) throw new Error(`timesteps: expected at most T − 1 = ${T - 1} (got ${bad})`);
  return timesteps;
}

/**
 * The steps a trajectory attack keeps: `count` of the sampler's timesteps ≤ max (default ⌊(T−1)/2⌋), evenly spaced
 * by position among them (the first and the last ≤ max always included), ascending. Throws naming the field.
 */
export function resolveTrajectorySteps(grid: { count: number; max?: number }, T: number, samplerTimesteps: readonly number[]): number[] {
  const max = grid.max ?? Math.floor((T - 1) / 2);
  if (max > T - 1) throw new Error(`timesteps.max: expected at most T − 1 = ${T - 1} (got ${max})`);
  const candidates = samplerTimesteps.filter((t) => t <= max);
  if (candidates.length === 0) {
    throw new Error(`timesteps.max: the sampler visits no timestep ≤ ${max} (its first is ${samplerTimesteps[0]})`);
  }
  return timestepGrid(Math.min(grid.count, candidates.length), candidates.length - 1).map((i) => candidates[i]);
}

/** k of the trimmed statistic for a grid of K steps. */
export function resolveTrim(trimLargest: number | undefined, K: number): number {
  const k = trimLargest ?? Math.floor(K / 4);
  if (k > K - 1) throw new Error(`trimLargest: expected at most ${K - 1} for a grid of ${K} timesteps (got ${k})`);
  return k;
}
