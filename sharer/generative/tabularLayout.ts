/**
 * What the VAE and GAN baselines share about encoded tables: the grouped layout of a record, the per-block
 * softmax of categorical logits, sampling categories, and the training loop's bookkeeping.
 *
 * The encoder (shared/data/encoder.ts, `categorical: 'onehot'`) interleaves numeric coordinates and one-hot
 * blocks in column order. The networks work on a grouped layout instead: every numeric coordinate first, then
 * every block, contiguous, so a network's output splits into one numeric slice and one slice per block (few
 * Slice kernels per step). The permutation is applied in JS on the way in and out.
 */
import { tf } from '../../shared/tf';
import { LossWindow, PeriodicYield } from '../../shared/tf/trainingBookkeeping';
import { Rng } from '../../shared/random';
import type { Tensor, Tensor2D } from './parameters';

export class GroupedLayout {
  /** Numeric coordinates (they come first in the grouped layout). */
  readonly numericWidth: number;
  /** Categorical coordinates (after the numeric ones). */
  readonly categoricalWidth: number;
  /** [start, end) of each block within the categorical part (0-based there). */
  readonly blocks: Array<[number, number]>;
  /** grouped coordinate j ← encoded coordinate perm[j]. */
  private readonly perm: Int32Array;

  constructor(
    readonly width: number,
    encodedBlocks: Array<[number, number]>,
  ) {
    const inBlock = new Uint8Array(width);
    for (const [s, e] of encodedBlocks) inBlock.fill(1, s, e);
    const numeric: number[] = [];
    for (let j = 0; j < width; j++) if (!inBlock[j]) numeric.push(j);
    const categorical: number[] = [];
    this.blocks = encodedBlocks.map(([s, e]) => {
      const start = categorical.length;
      for (let j = s; j < e; j++) categorical.push(j);
      return [start, categorical.length] as [number, number];
    });
    this.numericWidth = numeric.length;
    this.categoricalWidth = categorical.length;
    this.perm = Int32Array.from([...numeric, ...categorical]);
  }

  /** Encoded rows (n × width) → grouped rows. */
  toGrouped(x: Float32Array): Float32Array {
    const W = this.width;
    const out = new Float32Array(x.length);
    for (let r = 0; r < x.length; r += W) for (let j = 0; j < W; j++) out[r + j] = x[r + this.perm[j]];
    return out;
  }

  /** Grouped rows → encoded rows. */
  fromGrouped(g: Float32Array): Float32Array {
    const W = this.width;
    const out = new Float32Array(g.length);
    for (let r = 0; r < g.length; r += W) for (let j = 0; j < W; j++) out[r + this.perm[j]] = g[r + j];
    return out;
  }

  /** fn applied to each block's slice of logits (n × categoricalWidth), concatenated back (inside a tidy). */
  blockwise(logits: Tensor2D, fn: (block: Tensor2D) => Tensor): Tensor2D {
    if (this.blocks.length === 0) return logits;
    const parts = this.blocks.map(([s, e]) => fn(tf.slice(logits, [0, s], [-1, e - s]) as Tensor2D));
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as Tensor2D;
  }

  /** Splits a network output (n × width, grouped) into its numeric part and its categorical logits. */
  split(out: Tensor2D): { numeric: Tensor2D; logits: Tensor2D } {
    const n = out.shape[0];
    return {
      numeric: tf.slice(out, [0, 0], [n, this.numericWidth]) as Tensor2D,
      logits: tf.slice(out, [0, this.numericWidth], [n, this.categoricalWidth]) as Tensor2D,
    };
  }

  /**
   * Grouped records from numeric values (n × numericWidth) and categorical logits (n × categoricalWidth): each
   * block's category is drawn from softmax(logits) by the Gumbel-max trick (argmax of logits + Gumbel noise), so
   * records are draws from the network's distribution, not its mode.
   */
  assemble(numeric: Float32Array, logits: Float32Array, n: number, rng: Rng): Float32Array {
    const W = this.width;
    const N = this.numericWidth;
    const K = this.categoricalWidth;
    const out = new Float32Array(n * W);
    for (let i = 0; i < n; i++) {
      out.set(numeric.subarray(i * N, (i + 1) * N), i * W);
      for (const [s, e] of this.blocks) {
        let best = s;
        let bestValue = -Infinity;
        for (let j = s; j < e; j++) {
          const v = logits[i * K + j] + gumbel(rng);
          if (v > bestValue) {
            bestValue = v;
            best = j;
          }
        }
        out[i * W + N + best] = 1;
      }
    }
    return out;
  }
}

/** A standard Gumbel draw, −log(−log u). */
export function gumbel(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  return -Math.log(-Math.log(u));
}

/** n × width Gumbel noise for the GAN's relaxed categories. */
export function gumbelNoise(count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = gumbel(rng);
  return out;
}

export interface LoopOptions {
  steps: number;
  /** Read the loss back every this many steps (default: steps / 100). */
  progressEvery?: number;
  onProgress?: (step: number, loss: number) => void;
  /** Name in error messages, e.g. "TabularVae.train". */
  what: string;
}

/**
 * Runs `step(k)` for k = 0…steps−1. Each returns its loss as a scalar tensor, which is summed on the backend and
 * read back once per window (one device sync per window, not per step); the window means are the returned
 * losses. Yields to the event loop every 50 ms so the process stays responsive (Control RPCs, progress).
 */
export async function runTrainingLoop(opts: LoopOptions, step: (k: number) => Tensor): Promise<number[]> {
  const every = Math.max(1, opts.progressEvery ?? Math.floor(opts.steps / 100));
  const lossWindow = new LossWindow(every, opts.steps);
  const pause = new PeriodicYield(50);
  try {
    for (let k = 0; k < opts.steps; k++) {
      const loss = step(k);
      tf.tidy(() => lossWindow.add(loss as tf.Scalar));
      loss.dispose();
      const mean = lossWindow.endStep(k + 1);
      if (mean !== null) {
        if (!Number.isFinite(mean)) throw new Error(`${opts.what}: loss became ${mean} at step ${k + 1}; lower learningRate`);
        opts.onProgress?.(k + 1, mean);
      }
      await pause.maybeYield();
    }
  } finally {
    lossWindow.dispose();
  }
  return lossWindow.losses;
}

/** Minibatch rows drawn with replacement: the grouped records and their labels. */
export function drawBatch(x: Float32Array, labels: Int32Array, width: number, batchSize: number, rng: Rng): { rows: Float32Array; labels: Int32Array } {
  const n = labels.length;
  const rows = new Float32Array(batchSize * width);
  const out = new Int32Array(batchSize);
  for (let i = 0; i < batchSize; i++) {
    const r = rng.int(n);
    rows.set(x.subarray(r * width, (r + 1) * width), i * width);
    out[i] = labels[r];
  }
  return { rows, labels: out };
}

/** Checks an encoded matrix and its labels before training; returns the number of records. */
export function checkTrainingData(x: Float32Array, labels: Int32Array, width: number, numClasses: number, what: string): number {
  if (x.length % width !== 0) throw new Error(`${what}: data length ${x.length} is not a multiple of dataWidth ${width}`);
  const n = x.length / width;
  if (n === 0) throw new Error(`${what}: no records`);
  if (labels.length !== n) throw new Error(`${what}: ${labels.length} labels for ${n} records`);
  for (let i = 0; i < n; i++) {
    if (!(labels[i] >= 0 && labels[i] < numClasses)) throw new Error(`${what}: label ${labels[i]} of record ${i} is outside [0, ${numClasses})`);
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new Error(`${what}: record ${Math.floor(i / width)} has a non-finite value`);
  }
  return n;
}
