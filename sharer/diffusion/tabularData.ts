/**
 * What the tabular DDPM knows of its encoded data (an n × width row-major float matrix: numeric columns
 * standardised, categorical columns one-hot): per-column bounds, used to clip x̂₀ while sampling, and the one-hot
 * blocks, which samples are snapped to.
 */

/** Per-column bounds of the encoded data. */
export interface DataBounds {
  min: Float32Array;
  max: Float32Array;
}

/** Per-column min and max of an n × width row-major matrix; throws on a non-finite value (a NaN would
 *  silently poison training). */
export function columnBounds(x: Float32Array, width: number): DataBounds {
  const min = new Float32Array(width).fill(Infinity);
  const max = new Float32Array(width).fill(-Infinity);
  for (let i = 0; i < x.length; i += width) {
    for (let j = 0; j < width; j++) {
      const v = x[i + j];
      if (!Number.isFinite(v)) {
        throw new Error(`record ${i / width}, column ${j} of the encoded data is ${v}; the encoder must produce finite values`);
      }
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    }
  }
  return { min, max };
}

export function mergeBounds(a: DataBounds | null, b: DataBounds): DataBounds {
  if (!a) return b;
  return {
    min: a.min.map((v, j) => Math.min(v, b.min[j])),
    max: a.max.map((v, j) => Math.max(v, b.max[j])),
  };
}

/** Replaces each one-hot block of every row by the one-hot vector of its argmax (first maximum on ties). */
export function snapOneHotBlocks(x: Float32Array, width: number, blocks: Array<[number, number]>): void {
  const n = x.length / width;
  for (let r = 0; r < n; r++) {
    const row = r * width;
    for (const [start, end] of blocks) {
      let best = start;
      for (let j = start + 1; j < end; j++) if (x[row + j] > x[row + best]) best = j;
      for (let j = start; j < end; j++) x[row + j] = j === best ? 1 : 0;
    }
  }
}
