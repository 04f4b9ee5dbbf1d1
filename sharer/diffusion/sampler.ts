/**
 * The reverse process both diffusion models sample with: ancestral DDPM steps (Ho et al. 2020, respaced as in
 * improved-diffusion) or DDIM (Song et al. 2021) over an evenly spaced subsequence of the T steps, classifier-free
 * guidance (Ho & Salimans 2022), and the generation trajectory (the chain's states and x̂₀ at some of its steps, the
 * gray-box access of docs/mia.md). This module owns what the models share: the step coefficients, the order of
 * every random draw (one Rng per call: per batch the initial noise, then the noise of each stochastic step), the
 * batches and the trajectory buffers. Each model takes the step itself on its own batch (`ChainBatch`): the tabular
 * one with tf ops, the image one in JS on the network's output.
 */
import { Rng } from '../../shared/random';
import { spacedTimesteps } from '../../shared/diffusion/schedule';
import { PeriodicYield } from '../../shared/tf/trainingBookkeeping';
import { fillStandardNormal } from './standardNormal';

export type SamplerKind = 'ddpm' | 'ddim';

/** The sampling options both models take (each adds its own). */
export interface ChainOptions {
  seed: number;
  /** CFG scale s in ε̃ = ε_uncond + s·(ε_cond − ε_uncond): 1 = plain conditional (default), 0 =
   *  unconditional, > 1 = stronger guidance. Ignored when labels is null (the null class is used alone). */
  guidanceScale?: number;
  /** 'ddpm' (ancestral; the default) or 'ddim' (deterministic for eta = 0). */
  sampler?: SamplerKind;
  /** Number of denoising steps, an evenly spaced subset of the T steps (default for ddpm: the model's
   *  `ddpmSteps`; for ddim min(T, 50)). For ddpm with steps < T the schedule is respaced (improved-diffusion). */
  steps?: number;
  /** DDIM η (default 0). */
  eta?: number;
  /** Records denoised together (default: the model's). Results depend on seed, n, labels and batchSize. */
  batchSize?: number;
  /** Called after each batch of records with the number of records finished. */
  onProgress?: (recordsDone: number, total: number) => void;
  /** Yield to the event loop when this much wall time has passed since the last yield (default 50 ms). */
  yieldEveryMs?: number;
}

/** What `sampleTrajectory` records besides the final samples. */
export interface TrajectoryOptions {
  /** Timesteps whose states to keep, each on the sampler's schedule (`samplerTimesteps`), distinct; kept in this order. */
  timesteps: number[];
  /** Also keep x̂₀ at those timesteps. */
  predictedX0: boolean;
}

/** The timesteps the sampler visits, ascending (the chain runs them from the last down). */
export function samplerTimesteps(T: number, opts: Pick<ChainOptions, 'sampler' | 'steps'>, ddpmSteps: number): number[] {
  return spacedTimesteps(T, opts.steps ?? ((opts.sampler ?? 'ddpm') === 'ddpm' ? ddpmSteps : Math.min(T, 50)));
}

export interface StepCoefficients {
  sqrtRecipAb: number;
  sqrtRecipM1Ab: number;
  sqrtAb: number;
  sqrtOneMinusAb: number;
  sqrtAbPrev: number;
  /** x_prev = A·x + B·ε̃ (+ σ z) when x̂₀ is not clipped. */
  epsFormA: number;
  epsFormB: number;
  /** DDPM posterior mean μ̃ = meanCoefX0·x̂₀ + meanCoefXt·x. */
  meanCoefX0: number;
  meanCoefXt: number;
  /** DDIM: x_prev = √ᾱ'·x̂₀ + dirCoef·ε + σ z. */
  dirCoef: number;
  sigma: number;
}

/**
 * Coefficients of step i of the subsequence `seq`, in float64. The reverse process, written for both samplers as
 * x_prev = A_i·x + B_i·ε̃ + σ_i·z over an evenly spaced subsequence τ of timesteps with ᾱ_i = ᾱ_{τ_i}, ᾱ'_i = ᾱ_{τ_{i−1}}
 * (1 for i = 0):
 *  - ddpm (Ho et al. eq. 11, respaced as in improved-diffusion): β_i = 1 − ᾱ_i/ᾱ'_i, A = 1/√(1−β_i),
 *    B = −β_i/(√(1−β_i)·√(1−ᾱ_i)), σ² = β̃_i = β_i(1−ᾱ'_i)/(1−ᾱ_i) ('posterior'; 'beta': σ² = β_i);
 *  - ddim (Song et al. eq. 12): x̂₀ = (x − √(1−ᾱ_i) ε̃)/√ᾱ_i, x_prev = √ᾱ'_i x̂₀ + √(1−ᾱ'_i−σ²) ε̃ + σ z,
 *    σ = η √((1−ᾱ'_i)/(1−ᾱ_i)) √(1−ᾱ_i/ᾱ'_i).
 * With x̂₀ clipped the same steps are taken in the x̂₀ form: ddpm x_prev = μ̃(clip(x̂₀), x) + σz (DDPM eq. 7), ddim
 * with ε re-derived from the clipped x̂₀.
 */
export function stepCoefficients(
  alphaBars: Float32Array,
  seq: number[],
  i: number,
  sampler: SamplerKind,
  eta: number,
  ddpmVariance: 'posterior' | 'beta',
): StepCoefficients {
  const abT = alphaBars[seq[i]];
  const abPrev = i === 0 ? 1 : alphaBars[seq[i - 1]];
  const common = {
    sqrtRecipAb: 1 / Math.sqrt(abT),
    sqrtRecipM1Ab: Math.sqrt(1 / abT - 1),
    sqrtAb: Math.sqrt(abT),
    sqrtOneMinusAb: Math.sqrt(1 - abT),
    sqrtAbPrev: Math.sqrt(abPrev),
  };
  if (sampler === 'ddpm') {
    const beta = 1 - abT / abPrev;
    return {
      ...common,
      epsFormA: 1 / Math.sqrt(1 - beta),
      epsFormB: -beta / (Math.sqrt(1 - beta) * Math.sqrt(1 - abT)),
      meanCoefX0: (beta * Math.sqrt(abPrev)) / (1 - abT),
      meanCoefXt: ((1 - abPrev) * Math.sqrt(1 - beta)) / (1 - abT),
      dirCoef: 0,
      sigma: i === 0 ? 0 : ddpmVariance === 'beta' ? Math.sqrt(beta) : Math.sqrt((beta * (1 - abPrev)) / (1 - abT)),
    };
  }
  const sigma = eta * Math.sqrt((1 - abPrev) / (1 - abT)) * Math.sqrt(1 - abT / abPrev);
  const dirCoef = Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma));
  return {
    ...common,
    epsFormA: Math.sqrt(abPrev / abT),
    epsFormB: dirCoef - Math.sqrt((abPrev * (1 - abT)) / abT),
    meanCoefX0: 0,
    meanCoefXt: 0,
    dirCoef,
    sigma,
  };
}

/** One batch of b chains as a model runs them: its state and its reverse step. */
export interface ChainBatch {
  /** The state x_t now, b × size (read for the trajectory). */
  state(): Float32Array;
  /**
   * Step i of the schedule (from seq[i] down to seq[i−1]; to x₀ for i = 0) with this step's noise z (b × size, null
   * when σ_i = 0). Returns this step's unclipped x̂₀ (b × size) when `wantX0`, else null.
   */
  step(i: number, z: Float32Array | null, wantX0: boolean): Float32Array | null;
  /** Writes the final state, as the model returns samples, into `out` (n × size) at record `start`. */
  finish(out: Float32Array, start: number): void;
  dispose(): void;
}

export interface ChainRun {
  /** Records to draw and values per record. */
  n: number;
  size: number;
  /** The timesteps visited (`samplerTimesteps`) and the coefficients of each step. */
  seq: number[];
  coefs: StepCoefficients[];
  seed: number;
  batchSize: number;
  yieldEveryMs: number;
  onProgress?: (recordsDone: number, total: number) => void;
  trace: TrajectoryOptions | null;
  /** Called after each yield to the event loop (the model may have been disposed meanwhile). */
  checkAlive(): void;
  /** Starts b chains at records start … start + b − 1 from the initial noise `init` (b × size). */
  startBatch(start: number, b: number, init: Float32Array): ChainBatch;
}

/**
 * Runs the chains of n records, `batchSize` at a time: returns the samples (n × size) and, for a trajectory, the
 * states x_t and x̂₀ at the kept timesteps (n × K × size, record-major: record i, kept step k at row i·K + k).
 */
export async function runChains(run: ChainRun): Promise<{ out: Float32Array; states: Float32Array | null; predictedX0: Float32Array | null }> {
  const { n, size, seq, trace } = run;
  const rng = new Rng(run.seed);
  const out = new Float32Array(n * size);
  // Trajectory: position k of each kept timestep, and n × K × size buffers for the states and x̂₀.
  const K = trace ? trace.timesteps.length : 0;
  const keptAt = new Map<number, number>(trace ? trace.timesteps.map((t, k) => [t, k]) : []);
  const states = trace ? new Float32Array(n * K * size) : null;
  const predictedX0 = trace?.predictedX0 ? new Float32Array(n * K * size) : null;
  const keep = (buffer: Float32Array, values: Float32Array, start: number, b: number, k: number) => {
    for (let r = 0; r < b; r++) buffer.set(values.subarray(r * size, (r + 1) * size), ((start + r) * K + k) * size);
  };
  const pause = new PeriodicYield(run.yieldEveryMs);
  for (let start = 0; start < n; start += run.batchSize) {
    const b = Math.min(run.batchSize, n - start);
    const init = new Float32Array(b * size);
    fillStandardNormal(init, rng.seed());
    const batch = run.startBatch(start, b, init);
    try {
      for (let i = seq.length - 1; i >= 0; i--) {
        const k = keptAt.get(seq[i]);
        // The state the denoiser is evaluated at when the chain reaches t (x_{T−1} is the initial noise).
        if (states && k !== undefined) keep(states, batch.state(), start, b, k);
        let z: Float32Array | null = null;
        if (run.coefs[i].sigma > 0) {
          z = new Float32Array(b * size);
          fillStandardNormal(z, rng.seed());
        }
        const x0 = batch.step(i, z, predictedX0 !== null && k !== undefined);
        if (x0 && predictedX0 && k !== undefined) keep(predictedX0, x0, start, b, k);
        if (await pause.maybeYield()) run.checkAlive();
      }
      batch.finish(out, start);
    } finally {
      batch.dispose();
    }
    run.onProgress?.(start + b, n);
  }
  return { out, states, predictedX0 };
}
