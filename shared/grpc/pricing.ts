/**
 * What a model call costs in budget units (one unit = one denoiser evaluation of one record; a sampled record is one
 * unit): the broker reserves this much before forwarding a receiver's call, and the sharer checks the broker's
 * reservation against the same price before serving it. One price list for both sides, so the two can never disagree
 * about what a request asks for.
 *   Sample         count
 *   Encode         1 per record
 *   PredictX0      K per record x0 at K timesteps; 1 per model-space state ("f32le-model")
 *   TimestepLoss   K × noise draws per record
 *   Trajectory     S per record, S = the sampler's steps (the whole chain runs whatever timesteps are returned)
 *   FineTune       steps × batch size × FINE_TUNE_UNITS_PER_RECORD_STEP
 * Each returns 0 for a request that asks for nothing or is malformed; the caller refuses those.
 */
import { FINE_TUNE_UNITS_PER_RECORD_STEP } from '../scenario/fineTuneDefaults';
import { MODEL_ENCODING } from './records';

function positive(n: number | undefined | null): number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

export function sampleUnits(request: { count: number } | null | undefined): number {
  return positive(request?.count);
}

export function encodeUnits(records: { count: number } | null | undefined): number {
  return positive(records?.count);
}

export function predictX0Units(query: { records: { count: number; encoding: string } | null; timesteps: number[] }): number {
  const n = positive(query.records?.count);
  const K = query.timesteps.length;
  // Model-space states carry their own t; anything else is records x0 queried at every timestep.
  return query.records?.encoding === MODEL_ENCODING ? (K > 0 ? n : 0) : n * K;
}

export function timestepLossUnits(query: { records: { count: number } | null; timesteps: number[]; noiseDraws: number }): number {
  const draws = query.noiseDraws || 1;
  return draws >= 1 ? positive(query.records?.count) * query.timesteps.length * draws : 0;
}

export function trajectoryUnits(request: { sample: { count: number } | null }, samplerSteps: number): number {
  return positive(request.sample?.count) * positive(samplerSteps);
}

export function fineTuneUnits(spec: { steps: number; batchSize: number }): number {
  return positive(spec.steps) * positive(spec.batchSize) * FINE_TUNE_UNITS_PER_RECORD_STEP;
}
