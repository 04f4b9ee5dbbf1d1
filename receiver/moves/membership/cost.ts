/** What the membership moves' costs need from the model, with the error the loader points at the move's `kind`. */
import type { CostView, GenerationView } from '../../../shared/moves/move';
import { resolveGrid, resolveTrim } from './config';

/** The model's T; throws "kind: …" for a model without timesteps (a VAE, a GAN). */
export function timestepsFor(view: CostView, id: string): number {
  if (view.T === null) throw new Error(`kind: ${id} needs a diffusion model with timesteps`);
  return view.T;
}

/** The sampler's steps and the challenge's classes; throws "kind: …" without a sampler schedule. */
export function generationFor(view: CostView, id: string): GenerationView {
  if (!view.generation) throw new Error(`kind: ${id} needs the sampler's timesteps (a diffusion model's sampler)`);
  return view.generation;
}

/**
 * Denoiser evaluations of a grid attack (mia-loss, mia-x0-error): K timesteps × noise draws × repeats per challenge
 * record. Checks the grid and the trimmed statistic against the model's T first (throwing "<field>: …").
 */
export function gridEvaluations(
  config: { timesteps: { count: number; min?: number; max?: number }; noiseDraws: number; trimLargest?: number; repeats: number },
  view: CostView,
  id: string,
): number {
  const K = resolveGrid(config.timesteps, timestepsFor(view, id)).length;
  resolveTrim(config.trimLargest, K);
  return view.challenge * K * config.noiseDraws * config.repeats;
}
