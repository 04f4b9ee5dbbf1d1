/**
 * The conditioning inputs both denoisers read besides x_t, built in JS for a batch and uploaded as tensors: the
 * sinusoidal features of the timestep and the one-hot of the class, with one more class (the null class) for the
 * unconditional ε̂ of classifier-free guidance (Ho & Salimans 2022).
 */

/** Sinusoidal embedding of every timestep 0..T−1 (Vaswani et al. 2017, as used in DDPM): row t is
 *  [cos(t·ω_0..ω_{h−1}), sin(t·ω_0..ω_{h−1})], ω_i = 10000^(−i/h), h = dim/2. */
export function sinusoidalTimeTable(T: number, dim: number): Float32Array {
  const half = dim / 2;
  const out = new Float32Array(T * dim);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.exp((-Math.log(10000) * i) / half);
      out[t * dim + i] = Math.cos(angle);
      out[t * dim + half + i] = Math.sin(angle);
    }
  }
  return out;
}

/** Rows t[0..rows) of a `sinusoidalTimeTable` of width `dim`: rows × dim. */
export function timeFeatureRows(table: Float32Array, dim: number, t: ArrayLike<number>, rows: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) out.set(table.subarray(t[i] * dim, (t[i] + 1) * dim), i * dim);
  return out;
}

/** One-hots of width numClasses + 1, rows × (numClasses + 1); `classes` null = the null class (numClasses) for all. */
export function classOneHotRows(classes: ArrayLike<number> | null, numClasses: number, rows: number): Float32Array {
  const width = numClasses + 1;
  const out = new Float32Array(rows * width);
  for (let i = 0; i < rows; i++) out[i * width + (classes === null ? numClasses : classes[i])] = 1;
  return out;
}
