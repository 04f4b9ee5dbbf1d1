/**
 * The membership-inference attacks' scores (higher = more likely a member). Each attack returns raw scores per
 * challenge record; the referee turns them into ROC metrics with shared/metrics/roc.ts (scores are separate
 * from metrics). Equations: paper notes mia-s2l.md §1.3–1.4 (Zhu et al.), §3.1 (SecMI), §3.2 (PIA), §4.3.
 * Everything happens in the model's coordinates ("f32le-model"), which only the gray-box Encode gives. A move's
 * `repeats` is not the attacks' business: the move hands them an averaging oracle (repeat.ts).
 */
import { TableEncoder } from '../../../shared/data/encoder';
import { imageShapeOf, pixelsOf } from '../../../shared/data/imageTable';
import type { Table } from '../../../shared/data/table';
import { deriveSeed } from '../../../shared/random';
import { concatFloat32 } from '../../../shared/math/float32';
import {
  resolveGrid,
  resolvePiaTimesteps,
  resolveSecmi,
  resolveTrajectorySteps,
  resolveTrim,
  type LossAttackConfig,
  type PiaAttackConfig,
  type SecmiAttackConfig,
  type TrajectoryAttackConfig,
  type X0ErrorAttackConfig,
} from './config';
import { aggregateLosses, aggregatedScores } from './aggregate';
import type { GrayBoxOracle, ScheduleView, WhiteBoxOracle } from './oracle';

export interface ScoredAttack {
  /** Score lists by name (an aggregation, or "score" for single-statistic attacks), one score per challenge record. */
  scores: Record<string, number[]>;
  /** What was actually used (timesteps resolved from T, k of the trimmed statistic, …). */
  details: Record<string, unknown>;
}

async function inBatches<T>(rows: number[][], batch: number, fn: (part: number[][]) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < rows.length; start += batch) out.push(await fn(rows.slice(start, start + batch)));
  return out;
}

/** White-box (Zhu et al. 2023): per-timestep losses on a grid with common noise, aggregated over t. */
export async function lossAttack(oracle: WhiteBoxOracle, rows: number[][], config: Omit<LossAttackConfig, 'repeats'>, seed: number): Promise<ScoredAttack> {
  const grid = resolveGrid(config.timesteps, oracle.schedule.timesteps);
  const trimLargest = resolveTrim(config.trimLargest, grid.length);
  const noiseSeed = deriveSeed(seed, 'noise');
  const losses = concatFloat32(await inBatches(rows, config.batchRecords, (part) => oracle.timestepLoss(part, grid, noiseSeed, config.noiseDraws)));
  return {
    scores: aggregatedScores(losses, grid.length, config.aggregations, trimLargest),
    details: { timesteps: grid, trimLargest, noiseDraws: config.noiseDraws, meanLossPerTimestep: columnMeans(losses, grid.length) },
  };
}

/** Encodes the challenge records in batches. */
async function encodeAll(oracle: GrayBoxOracle, rows: number[][], batch: number): Promise<{ x: Float32Array; classes: Int32Array }> {
  const parts = await inBatches(rows, batch, (part) => oracle.encode(part));
  return { x: concatFloat32(parts.map((p) => p.x)), classes: Int32Array.from(parts.flatMap((p) => Array.from(p.classes))) };
}

/** Gray-box x̂₀ error (Zhu et al. 2023, `xstart_mse`): ‖x̂₀(x_t, t) − x₀‖² / width per t, aggregated over t. */
export async function x0ErrorAttack(oracle: GrayBoxOracle, rows: number[][], config: Omit<X0ErrorAttackConfig, 'repeats'>, seed: number): Promise<ScoredAttack> {
  const grid = resolveGrid(config.timesteps, oracle.schedule.timesteps);
  const trimLargest = resolveTrim(config.trimLargest, grid.length);
  const D = oracle.schedule.modelWidth;
  const K = grid.length;
  const { x: x0 } = await encodeAll(oracle, rows, config.batchRecords);
  const errors = new Float64Array(rows.length * K);
  for (let d = 0; d < config.noiseDraws; d++) {
    const noiseSeed = deriveSeed(seed, `noise/${d}`);
    const x0hat = concatFloat32(await inBatches(rows, config.batchRecords, (part) => oracle.predictX0AtTimesteps(part, grid, noiseSeed)));
    for (let i = 0; i < rows.length; i++) {
      for (let k = 0; k < K; k++) {
        let sq = 0;
        const r = (i * K + k) * D;
        for (let j = 0; j < D; j++) sq += (x0hat[r + j] - x0[i * D + j]) ** 2;
        errors[i * K + k] += sq / D / config.noiseDraws;
      }
    }
  }
  return {
    scores: aggregatedScores(errors, K, config.aggregations, trimLargest),
    details: { timesteps: grid, trimLargest, noiseDraws: config.noiseDraws, meanErrorPerTimestep: columnMeans(errors, K) },
  };
}

/**
 * The refusal oracle (receiver/moves/mia-refusal): x̂₀ of every record at the configured t, `noiseDraws` times; the
 * score is the share of answers the sharer withheld (a row of NaN: docs/privacy.md, "Nearest-neighbour rejection").
 */
export async function refusalAttack(
  oracle: GrayBoxOracle,
  rows: number[][],
  config: { timesteps: number[]; noiseDraws: number; batchRecords: number },
  seed: number,
): Promise<ScoredAttack> {
  const T = oracle.schedule.timesteps;
  const bad = config.timesteps.find((t) => t > T - 1);
  if (bad !== undefined) throw new Error(`mia-refusal: timestep ${bad} is outside the model's schedule 0 … ${T - 1}`);
  const D = oracle.schedule.modelWidth;
  const K = config.timesteps.length;
  const withheld = new Float64Array(rows.length);
  const perTimestep = new Float64Array(K);
  for (let d = 0; d < config.noiseDraws; d++) {
    const noiseSeed = deriveSeed(seed, `noise/${d}`);
    const x0hat = concatFloat32(await inBatches(rows, config.batchRecords, (part) => oracle.predictX0AtTimesteps(part, config.timesteps, noiseSeed)));
    for (let i = 0; i < rows.length; i++) {
      for (let k = 0; k < K; k++) {
        if (Number.isNaN(x0hat[(i * K + k) * D])) {
          withheld[i] += 1;
          perTimestep[k] += 1;
        }
      }
    }
  }
  const answers = K * config.noiseDraws;
  return {
    scores: { score: Array.from(withheld, (w) => w / answers) },
    details: {
      timesteps: config.timesteps,
      noiseDraws: config.noiseDraws,
      withheldShare: withheld.reduce((a, b) => a + b, 0) / Math.max(1, rows.length * answers),
      withheldSharePerTimestep: Array.from(perTimestep, (w) => w / Math.max(1, rows.length * config.noiseDraws)),
    },
  };
}

/** ε̂ from x_t and x̂₀: x_t = √ᾱ_t x̂₀ + √(1−ᾱ_t) ε̂ (DDPM eq. 4 solved for ε). */
export function epsFromX0(schedule: ScheduleView, xt: Float32Array, x0hat: Float32Array, t: number): Float32Array {
  const a = Math.sqrt(schedule.alphaBars[t]);
  const s = Math.sqrt(1 - schedule.alphaBars[t]);
  const out = new Float32Array(xt.length);
  for (let j = 0; j < xt.length; j++) out[j] = (xt[j] - a * x0hat[j]) / s;
  return out;
}

/**
 * One deterministic DDIM step from s to s′ (either direction; SecMI uses both):
 * x_{s′} = √ᾱ_{s′} f_θ(x_s, s) + √(1−ᾱ_{s′}) ε_θ(x_s, s), with f_θ the predicted x₀ (Duan et al. 2023, eq. 8–9).
 */
export async function ddimStep(oracle: GrayBoxOracle, xs: Float32Array, classes: Int32Array, s: number, sNext: number): Promise<Float32Array> {
  const n = classes.length;
  const x0hat = await oracle.predictX0(xs, new Int32Array(n).fill(s), classes);
  const eps = epsFromX0(oracle.schedule, xs, x0hat, s);
  const a = Math.sqrt(oracle.schedule.alphaBars[sNext]);
  const b = Math.sqrt(1 - oracle.schedule.alphaBars[sNext]);
  const out = new Float32Array(xs.length);
  for (let j = 0; j < xs.length; j++) out[j] = a * x0hat[j] + b * eps[j];
  return out;
}

/**
 * SecMI_stat (Duan et al. 2023): deterministic DDIM inversion x̃ of x₀ from 0 to t_SEC in strides k, then one
 * DDIM step up to t_SEC + k and one back down, x̂; the t-error ‖x̂ − x̃‖² is small for members. Score = −error.
 */
export async function secmiAttack(oracle: GrayBoxOracle, rows: number[][], config: Omit<SecmiAttackConfig, 'repeats'>): Promise<ScoredAttack> {
  const { tSec, stride, path } = resolveSecmi(config, oracle.schedule.timesteps);
  const D = oracle.schedule.modelWidth;
  const scores: number[] = [];
  for (let start = 0; start < rows.length; start += config.batchRecords) {
    const { x, classes } = await oracle.encode(rows.slice(start, start + config.batchRecords));
    let xt = x;
    for (let i = 0; i + 1 < path.length; i++) xt = await ddimStep(oracle, xt, classes, path[i], path[i + 1]);
    const up = await ddimStep(oracle, xt, classes, tSec, tSec + stride);
    const back = await ddimStep(oracle, up, classes, tSec + stride, tSec);
    for (let r = 0; r < classes.length; r++) {
      let sq = 0;
      for (let j = r * D; j < (r + 1) * D; j++) sq += (back[j] - xt[j]) ** 2;
      scores.push(-sq / D);
    }
  }
  return { scores: { score: scores }, details: { tSec, stride, inversionPath: path } };
}

/**
 * PIA (Kong et al. 2024): ε₀ = ε_θ(x₀, 0) (proximal initialisation), x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε₀, and
 * R_t = ‖ε_θ(x_t, t) − ε₀‖_p^p / width, small for members. Score = −mean of R_t over the configured t.
 * Gray-box suffices: ε_θ(x_t, t) follows from x̂₀(x_t, t) and x_t.
 */
export async function piaAttack(oracle: GrayBoxOracle, rows: number[][], config: Omit<PiaAttackConfig, 'repeats'>): Promise<ScoredAttack> {
  const timesteps = resolvePiaTimesteps(config, oracle.schedule.timesteps);
  const D = oracle.schedule.modelWidth;
  const p = config.norm;
  const scores: number[] = [];
  for (let start = 0; start < rows.length; start += config.batchRecords) {
    const { x: x0, classes } = await oracle.encode(rows.slice(start, start + config.batchRecords));
    const n = classes.length;
    const eps0 = epsFromX0(oracle.schedule, x0, await oracle.predictX0(x0, new Int32Array(n), classes), 0);
    const distance = new Float64Array(n);
    for (const t of timesteps) {
      const a = Math.sqrt(oracle.schedule.alphaBars[t]);
      const s = Math.sqrt(1 - oracle.schedule.alphaBars[t]);
      const xt = new Float32Array(x0.length);
      for (let j = 0; j < x0.length; j++) xt[j] = a * x0[j] + s * eps0[j];
      const epsT = epsFromX0(oracle.schedule, xt, await oracle.predictX0(xt, new Int32Array(n).fill(t), classes), t);
      for (let r = 0; r < n; r++) {
        let sum = 0;
        for (let j = r * D; j < (r + 1) * D; j++) sum += Math.abs(epsT[j] - eps0[j]) ** p;
        distance[r] += sum / D / timesteps.length;
      }
    }
    for (let r = 0; r < n; r++) scores.push(-distance[r]);
  }
  return { scores: { score: scores }, details: { timesteps, norm: p } };
}

/**
 * The generation-trajectory attack (gray-box; paper notes mia-s2l.md §1.3 (b) and §4.3 item 2). Zhu et al.'s
 * Stable Diffusion variant prompts the model with the target's caption, starts from noise and measures, after every
 * denoising step, the distance of the decoded intermediate image to the target: a memorised pair's generation
 * converges onto it. A class-conditional model has no caption, only the class, which many records share, so here:
 * for each class y present in the challenge set, M generations of class y through GrayBox.Trajectory with x̂₀ kept at
 * K steps t_1 < … < t_K of the sampler's schedule (by default the low-noise half, t ≤ ⌊(T−1)/2⌋: the SD script drops
 * the high-noise half of the steps, §1.4); for challenge record i of class y and generation m,
 *   e_{i,m,k} = ‖x̂₀^{(m)}(t_k) − x₀_i‖² / width            (model coordinates: Encode's x₀)
 *   L_{i,m}   = agg_k e_{i,m,k}                             (each configured aggregation, as for the x̂₀ error)
 *   score_i   = −min_m L_{i,m}                              (the generation that comes closest to the record).
 * With one kept step at t = 0 this is the nearest-generation (black-box) distance in model coordinates; the
 * intermediate steps add where along the chain a generation commits to the record. The notes expect it to be weak
 * unless N is tiny or records are duplicated (§4.3 item 2): a generation must land on the record by chance.
 */
export async function trajectoryAttack(oracle: GrayBoxOracle, rows: number[][], config: TrajectoryAttackConfig, seed: number): Promise<ScoredAttack> {
  const { timesteps: T, samplerTimesteps, modelWidth: D } = oracle.schedule;
  if (!samplerTimesteps || samplerTimesteps.length === 0) throw new Error('mia-trajectory: the broker describes no sampler timesteps (GrayBox.Trajectory needs them)');
  const steps = resolveTrajectorySteps(config.timesteps, T, samplerTimesteps);
  const K = steps.length;
  const trimLargest = resolveTrim(config.trimLargest, K);
  const { x: x0, classes } = await encodeAll(oracle, rows, config.batchRecords);
  const n = rows.length;
  const best = config.aggregations.map(() => new Float64Array(n).fill(Infinity));
  const classList = [...new Set(classes)].sort((a, b) => a - b);
  const errorSums = new Float64Array(K);
  let pairs = 0;
  const errors = new Float64Array(K);
  for (const y of classList) {
    const records = Array.from(classes.keys()).filter((i) => classes[i] === y);
    for (let drawn = 0, call = 0; drawn < config.samples; drawn += config.batchTrajectories, call++) {
      const count = Math.min(config.batchTrajectories, config.samples - drawn);
      const { predictedX0 } = await oracle.trajectory({ count, seed: deriveSeed(seed, `class/${y}/call/${call}`), classIndex: y, timesteps: steps, includePredictedX0: true });
      if (!predictedX0 || predictedX0.length !== count * K * D) {
        throw new Error(`mia-trajectory: GrayBox.Trajectory returned ${predictedX0?.length ?? 0} x̂₀ values for ${count} × ${K} × ${D}`);
      }
      for (let m = 0; m < count; m++) {
        for (const i of records) {
          for (let k = 0; k < K; k++) {
            const off = (m * K + k) * D;
            let sq = 0;
            for (let j = 0; j < D; j++) sq += (predictedX0[off + j] - x0[i * D + j]) ** 2;
            errors[k] = sq / D;
            errorSums[k] += errors[k];
          }
          pairs++;
          config.aggregations.forEach((how, a) => {
            const value = aggregateLosses(errors, how, trimLargest);
            if (value < best[a][i]) best[a][i] = value;
          });
        }
      }
    }
  }
  const scores: Record<string, number[]> = {};
  // A record no answered trajectory came near (all withheld by a release guard) has no score: NaN, which the run
  // turns into the lowest score (membership/run.ts). Unguarded, every error is finite.
  config.aggregations.forEach((how, a) => (scores[how] = Array.from(best[a], (v) => (v === Infinity ? NaN : -v))));
  return {
    scores,
    details: {
      timesteps: steps,
      samplerSteps: samplerTimesteps.length,
      samplesPerClass: config.samples,
      classes: classList,
      trimLargest,
      meanErrorPerTimestep: Array.from(errorSums, (v) => v / Math.max(1, pairs)),
    },
  };
}

/**
 * Black-box: minus the distance of each challenge record to its nearest synthetic record (a GAN-Leaks-style
 * test; paper notes mia-s2l.md §1.3, §4.3 item 5). Table records: Euclidean in an encoding the receiver
 * fits on the synthetic records themselves (standardised numerics, one-hot categories): it has no other.
 * Image records: Euclidean on the pixel intensities as they are ([0, 1]), the label left out. Standardising each
 * pixel, as the table encoding would, divides by its spread over the synthetic images, so a border pixel that
 * is (nearly) always 0 there (std floored at 1e-6) would blow a faint stray mark up to thousands and decide the
 * distance alone; the pixel distance is also what GAN-Leaks and Carlini et al. use on images.
 */
export function nearestSyntheticScores(challenge: Table, synthetic: Table): ScoredAttack {
  if (imageShapeOf(challenge.schema) && imageShapeOf(synthetic.schema)) {
    const { pixels: a, shape } = pixelsOf(challenge, 'challenge records');
    const { pixels: b } = pixelsOf(synthetic, 'synthetic records');
    const D = a.length / Math.max(1, challenge.rows.length);
    if (challenge.rows.length > 0 && synthetic.rows.length > 0 && b.length / synthetic.rows.length !== D) {
      throw new Error(`nearest-synthetic: challenge images of ${D} pixels, synthetic images of ${b.length / synthetic.rows.length}`);
    }
    const m = synthetic.rows.length;
    const scores = challenge.rows.map((_, i) => 0 - Math.sqrt(nearestSquaredDistance(a, i, b, m, D)));
    return { scores: { score: scores }, details: { samples: m, distance: 'l2-pixels', shape } };
  }
  const encoder = TableEncoder.fit(synthetic, { numeric: 'standard', categorical: 'onehot' });
  const D = encoder.width;
  const a = encoder.encode(challenge);
  const b = encoder.encode(synthetic);
  const m = synthetic.rows.length;
  const scores = challenge.rows.map((_, i) => 0 - Math.sqrt(nearestSquaredDistance(a, i, b, m, D))); // 0 − 0 = +0, not −0
  return { scores: { score: scores }, details: { samples: m, encodedWidth: D } };
}

function nearestSquaredDistance(a: Float32Array, i: number, b: Float32Array, m: number, D: number): number {
  let best = Infinity;
  const off = i * D;
  for (let r = 0; r < m; r++) {
    let sq = 0;
    const roff = r * D;
    for (let j = 0; j < D && sq < best; j++) {
      const d = a[off + j] - b[roff + j];
      sq += d * d;
    }
    if (sq < best) best = sq;
  }
  return best;
}

function columnMeans(values: ArrayLike<number>, K: number): number[] {
  const n = values.length / K;
  const out = new Array<number>(K).fill(0);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) out[k] += values[i * K + k] / n;
  return out;
}
