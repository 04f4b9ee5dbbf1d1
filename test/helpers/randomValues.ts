import { Rng } from '../../shared/random';

/** `count` values uniform in [-1, 1) from a seeded Rng, so a failing comparison reproduces. */
export function randomValues(count: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.next() * 2 - 1;
  return out;
}
