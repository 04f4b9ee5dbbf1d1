/** What the membership moves' costs need from the model, with the error the loader points at the move's `kind`. */
import type { CostView, GenerationView } from '../../../shared/moves/move';

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
