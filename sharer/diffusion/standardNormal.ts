/**
 * The seeded Gaussian noise every generator of the sharer draws in JS (the diffusion models' training noise, initial
 * states and ancestral-step noise, the seeded weight initialisation, the VAE's and GAN's latents), so that the same
 * seed gives the same numbers on every tfjs backend.
 */

/**
 * Fills `out` with iid N(0, 1) values: Marsaglia's polar method on a mulberry32 stream (the generator of
 * shared/random.ts, inlined) seeded by `seed`. About 2× faster than Rng.normal and tf.randomNormal, which
 * matters because a training step needs batch × dataWidth normals.
 */
export function fillStandardNormal(out: Float32Array, seed: number): void {
  let state = seed >>> 0;
  const uniformPm1 = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
  };
  let i = 0;
  while (i < out.length) {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = uniformPm1();
      v = uniformPm1();
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    out[i++] = u * m;
    if (i < out.length) out[i++] = v * m;
  }
}
