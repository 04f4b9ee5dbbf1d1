/**
 * The gray-box query states of the tabular and image models (docs/mia.md): every record noised at every timestep,
 * x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε_k, with ε_k the same for every record (common random numbers) and drawn as draw 0 of
 * `timestepLoss` with the same seed, so that ‖ε_k − ε̂‖² = ᾱ_t/(1−ᾱ_t) · ‖x₀ − x̂₀‖² links the two (Zhu et al.
 * 2023 §3). Rows record-major: record i at timestep k is row i·K + k.
 */
import type { DiffusionSchedule } from '../shared/diffusion/schedule';
import { fillStandardNormal } from './diffusion/standardNormal';

export function commonNoiseStates(
  schedule: DiffusionSchedule,
  x: Float32Array,
  classes: Int32Array,
  timesteps: number[],
  noiseSeed: number,
  width: number,
): { xt: Float32Array; t: Int32Array; classes: Int32Array } {
  const n = classes.length;
  const K = timesteps.length;
  const noise = new Float32Array(K * width);
  fillStandardNormal(noise, noiseSeed);
  const xt = new Float32Array(n * K * width);
  const t = new Int32Array(n * K);
  const rowClasses = new Int32Array(n * K);
  const { sqrtAlphaBars, sqrtOneMinusAlphaBars } = schedule;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const r = i * K + k;
      const a = sqrtAlphaBars[timesteps[k]];
      const sd = sqrtOneMinusAlphaBars[timesteps[k]];
      for (let j = 0; j < width; j++) xt[r * width + j] = a * x[i * width + j] + sd * noise[k * width + j];
      t[r] = timesteps[k];
      rowClasses[r] = classes[i];
    }
  }
  return { xt, t, classes: rowClasses };
}
