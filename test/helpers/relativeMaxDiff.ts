/** max |x − y| relative to max(1, max |y|): Infinity for different lengths or a NaN (kernel-vs-reference tests). */
export function relativeMaxDiff(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) return Infinity;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return Number.isNaN(diff) ? Infinity : diff / scale;
}
