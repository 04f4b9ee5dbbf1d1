/**
 * Noise schedules for Gaussian diffusion (DDPM, Ho et al. 2020) and the constants derived from them.
 *
 * Index convention (as in improved-diffusion): t ∈ {0, …, T−1}; index t is the noise level after t+1
 * forward steps, q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I), and x_{−1} ≡ x_0 is the data.
 * Everything is computed in float64 and stored as Float32Array.
 */

export type ScheduleKind = 'linear' | 'cosine';

export interface DiffusionSchedule {
  kind: ScheduleKind;
  /** Number of diffusion steps T. */
  T: number;
  /** β_t. */
  betas: Float32Array;
  /** α_t = 1 − β_t. */
  alphas: Float32Array;
  /** ᾱ_t = Π_{s≤t} α_s (decreasing, in (0, 1)). */
  alphaBars: Float32Array;
  /** ᾱ_{t−1}, with ᾱ_{−1} = 1. */
  alphaBarsPrev: Float32Array;
  sqrtAlphaBars: Float32Array;
  sqrtOneMinusAlphaBars: Float32Array;
  /** 1/√ᾱ_t and √(1/ᾱ_t − 1): x̂₀ = x_t/√ᾱ_t − √(1/ᾱ_t − 1)·ε̂. */
  sqrtRecipAlphaBars: Float32Array;
  sqrtRecipM1AlphaBars: Float32Array;
  /** β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t), the variance of q(x_{t−1} | x_t, x_0) (DDPM eq. 7); β̃_0 = 0. */
  posteriorVariance: Float32Array;
  /** log β̃_t with β̃_0 replaced by β̃_1 (β̃_0 = 0 would give −∞). */
  posteriorLogVarianceClipped: Float32Array;
  /** μ̃_t(x_t, x_0) = coef1·x_0 + coef2·x_t (DDPM eq. 7). */
  posteriorMeanCoef1: Float32Array;
  posteriorMeanCoef2: Float32Array;
}

/** β_t for the linear schedule of DDPM: 1e-4 → 0.02 at T = 1000, rescaled by 1000/T so that other T give a
 *  comparable total amount of noise (improved-diffusion, `get_named_beta_schedule("linear")`). */
function linearBetas(T: number): Float64Array {
  const scale = 1000 / T;
  const start = scale * 1e-4;
  const end = scale * 0.02;
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) betas[i] = T === 1 ? start : start + ((end - start) * i) / (T - 1);
  return betas;
}

/** Cosine schedule (Nichol & Dhariwal 2021, eq. 17): ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T + s)/(1 + s))·π/2),
 *  s = 0.008, β_t = min(1 − ᾱ(t+1)/ᾱ(t), 0.999) so that the last steps do not become singular. */
function cosineBetas(T: number, s = 0.008, maxBeta = 0.999): Float64Array {
  const f = (t: number) => Math.cos((((t / T) + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) betas[i] = Math.min(1 - f(i + 1) / f(i), maxBeta);
  return betas;
}

export function makeSchedule(kind: ScheduleKind, T: number): DiffusionSchedule {
  if (!Number.isInteger(T) || T < 1) {
    throw new Error(`makeSchedule: timesteps must be a positive integer, got ${T}`);
  }
  let betas64: Float64Array;
  if (kind === 'linear') {
    // β_{T−1} = 0.02·1000/T reaches 1 (ᾱ = 0, a division by zero downstream) for T ≤ 20.
    if (T <= 20) {
      throw new Error(
        `makeSchedule: the linear schedule needs timesteps > 20 (β would reach 1 at T = ${T}); use "cosine" for short chains`,
      );
    }
    betas64 = linearBetas(T);
  }
  else if (kind === 'cosine') betas64 = cosineBetas(T);
  else throw new Error(`makeSchedule: unknown schedule "${String(kind)}" (expected "linear" or "cosine")`);

  const f32 = (fn: (i: number) => number) => Float32Array.from({ length: T }, (_, i) => fn(i));
  const alphaBar = new Float64Array(T);
  let prod = 1;
  for (let i = 0; i < T; i++) {
    prod *= 1 - betas64[i];
    alphaBar[i] = prod;
  }
  const alphaBarPrev = (i: number) => (i === 0 ? 1 : alphaBar[i - 1]);
  const postVar = (i: number) => (betas64[i] * (1 - alphaBarPrev(i))) / (1 - alphaBar[i]);

  return {
    kind,
    T,
    betas: f32((i) => betas64[i]),
    alphas: f32((i) => 1 - betas64[i]),
    alphaBars: f32((i) => alphaBar[i]),
    alphaBarsPrev: f32(alphaBarPrev),
    sqrtAlphaBars: f32((i) => Math.sqrt(alphaBar[i])),
    sqrtOneMinusAlphaBars: f32((i) => Math.sqrt(1 - alphaBar[i])),
    sqrtRecipAlphaBars: f32((i) => 1 / Math.sqrt(alphaBar[i])),
    sqrtRecipM1AlphaBars: f32((i) => Math.sqrt(1 / alphaBar[i] - 1)),
    posteriorVariance: f32(postVar),
    posteriorLogVarianceClipped: f32((i) => Math.log(T > 1 && i === 0 ? postVar(1) : Math.max(postVar(i), 1e-20))),
    posteriorMeanCoef1: f32((i) => (betas64[i] * Math.sqrt(alphaBarPrev(i))) / (1 - alphaBar[i])),
    posteriorMeanCoef2: f32((i) => ((1 - alphaBarPrev(i)) * Math.sqrt(1 - betas64[i])) / (1 - alphaBar[i])),
  };
}

/**
 * `count` timesteps of {0, …, T−1}, evenly spaced, increasing, always including 0 and T−1 (for DDIM and
 * respaced DDPM sampling; improved-diffusion `space_timesteps` with a single section).
 */
export function spacedTimesteps(T: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > T) {
    throw new Error(`spacedTimesteps: steps must be an integer in [1, ${T}], got ${count}`);
  }
  if (count === 1) return [T - 1];
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = Math.round((i * (T - 1)) / (count - 1));
    if (out.length === 0 || t > out[out.length - 1]) out.push(t);
  }
  return out;
}

/**
 * Checks the timesteps a generation trajectory asks to keep (GrayBox.Trajectory): each must be on the sampler's
 * schedule `onSchedule` (ascending) and asked once. The message starts with the request field, `timesteps:`.
 */
export function checkTrajectoryTimesteps(requested: number[], onSchedule: number[], T: number): void {
  const known = new Set(onSchedule);
  const seen = new Set<number>();
  for (const t of requested) {
    if (!known.has(t)) {
      const shown = onSchedule.length > 12 ? `${onSchedule.slice(0, 6).join(', ')}, …, ${onSchedule.slice(-3).join(', ')}` : onSchedule.join(', ');
      throw new Error(`timesteps: ${t} is not on the sampler's schedule (${onSchedule.length} of T = ${T}: ${shown})`);
    }
    if (seen.has(t)) throw new Error(`timesteps: ${t} is asked for twice`);
    seen.add(t);
  }
}

/**
 * x̂₀ = x_t/√ᾱ_t − √(1/ᾱ_t − 1)·ε̂ (DDPM eq. 15) for n states of `width` values, one timestep each (not clipped).
 */
export function predictX0FromNoise(schedule: DiffusionSchedule, xt: Float32Array, t: Int32Array, eps: Float32Array, width: number): Float32Array {
  const { sqrtRecipAlphaBars: r, sqrtRecipM1AlphaBars: rm1 } = schedule;
  const out = new Float32Array(eps.length);
  for (let i = 0; i < t.length; i++) {
    const a = r[t[i]];
    const c = rm1[t[i]];
    for (let j = i * width; j < (i + 1) * width; j++) out[j] = a * xt[j] - c * eps[j];
  }
  return out;
}

/**
 * The timesteps a diffusion model's sampler visits, as the sharer's models compute them (TabularDdpm and
 * ImageDdpm `samplerTimesteps`): `steps` evenly spaced over T; by default all T for the tabular ddpm sampler,
 * min(T, 100) for the image ddpm sampler, min(T, 50) for ddim. The loader prices the trajectory attack with it.
 */
export function samplerTimestepsOf(model: { kind: string; timesteps: number; sampler: { kind: 'ddpm' | 'ddim'; steps?: number } }): number[] {
  const T = model.timesteps;
  const ddpmDefault = model.kind === 'image-ddpm' ? Math.min(T, 100) : T;
  return spacedTimesteps(T, model.sampler.steps ?? (model.sampler.kind === 'ddpm' ? ddpmDefault : Math.min(T, 50)));
}
