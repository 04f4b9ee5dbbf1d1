/**
 * DP-SGD for the tabular denoiser (issue 16; Abadi et al. 2016, with DPDM's noise multiplicity, Dockhorn et al. 2023):
 * each step takes a Poisson sample of the records, bounds every record's gradient to L2 norm C, sums them, adds
 * Gaussian noise of standard deviation σ·C to every coordinate and divides by the expected batch qN. The RDP
 * accountant (shared/privacy/rdpAccountant.ts) turns (q, σ, steps) into (ε, δ); Poisson sampling is what its analysis
 * assumes, so batches are not fixed-size here.
 *
 * Per-record gradient norms come from "ghost clipping" (Goodfellow 2015; Li et al. 2022; Bu et al. 2023): every weight
 * of the MLP is a dense layer, whose per-record gradient is the outer product of the layer's input row and its output
 * gradient row, so its squared norm is ‖a‖²·‖dz‖² — read from one ordinary backward pass (tabularMlp.ts
 * withGradientTap) without materialising any per-record gradient. With K noise draws per record (DPDM), a record's
 * gradient is the sum of K such outer products (its loss is the mean of K rows); its squared norm is
 * Σ_{k,l} (a_k·a_l)(dz_k·dz_l), from two K×K Gram matrices. The same rows, weighted by c_i = min(1, C/‖g_i‖), give the
 * clipped sum Σ_i c_i·g_i without a second backward pass (Bu et al. 2023's book-keeping). The image U-Net's convolutions have no such shortcut; it is not trained with DP here.
 */
import { tf } from '../../shared/tf';
import type { Rng } from '../../shared/random';
import { withGradientTap } from './tabularMlp';

type Tensor1D = ReturnType<typeof tf.tensor1d>;
type Tensor2D = ReturnType<typeof tf.tensor2d>;

export interface DpSgdOptions {
  /** q: each record joins a step's batch with this probability (Poisson sampling). */
  samplingRate: number;
  /** C: the bound on each record's gradient L2 norm. */
  clipNorm: number;
  /** σ: the noise standard deviation over C. */
  noiseMultiplier: number;
  /** K: (t, ε) draws per record, averaged in its loss before clipping (DPDM's noise multiplicity). */
  noiseDraws: number;
}

/** Checks the options once, naming the field (the scenario's schema checks them first; this guards direct callers). */
export function checkDpSgdOptions(who: string, dp: DpSgdOptions): void {
  if (!(dp.samplingRate > 0 && dp.samplingRate <= 1)) throw new Error(`${who}: dp.samplingRate must be in (0, 1], got ${dp.samplingRate}`);
  if (!(dp.clipNorm > 0)) throw new Error(`${who}: dp.clipNorm must be > 0, got ${dp.clipNorm}`);
  if (!(dp.noiseMultiplier >= 0)) throw new Error(`${who}: dp.noiseMultiplier must be ≥ 0, got ${dp.noiseMultiplier}`);
  if (!(Number.isInteger(dp.noiseDraws) && dp.noiseDraws >= 1)) throw new Error(`${who}: dp.noiseDraws must be an integer ≥ 1, got ${dp.noiseDraws}`);
}

/** The records of one step: each of 0 … n−1 independently with probability q, in order. */
export function poissonSample(n: number, q: number, rng: Rng): number[] {
  const chosen: number[] = [];
  for (let i = 0; i < n; i++) if (rng.next() < q) chosen.push(i);
  return chosen;
}

/**
 * One dense weight's share of the squared per-record gradient norms, [m], from its input rows and output gradient rows,
 * rows grouped K per record (record-major). A null input is a bias (a row of ones).
 */
function ghostNormSquared(input: Tensor2D | null, dz: Tensor2D, m: number, K: number): tf.Tensor {
  if (K === 1) {
    const dzSq = tf.sum(tf.square(dz), 1);
    return input === null ? dzSq : tf.mul(tf.sum(tf.square(input), 1), dzSq);
  }
  // Σ_{k,l} (a_k·a_l)(dz_k·dz_l): the elementwise product of the record's two K×K Gram matrices, summed.
  const gram = (rows: Tensor2D) => {
    const r = tf.reshape(rows, [m, K, rows.shape[1]]) as tf.Tensor3D;
    return tf.matMul(r, r, false, true);
  };
  const gz = gram(dz);
  return tf.sum(input === null ? gz : tf.mul(gz, gram(input)), [1, 2]);
}

export interface DpSgdGradients {
  grads: Array<{ name: string; tensor: tf.Tensor }>;
  /** The mean loss over the sampled rows (for progress), a scalar; 0 for an empty sample. */
  loss: tf.Scalar;
  /** Per-record gradient norms before clipping, for tests and the transcript's clipping share. */
  norms: Tensor1D;
}

/**
 * One DP-SGD gradient (call inside a tidy). `rowLosses` gives each row's loss (mean over coordinates), [m·K], rows
 * grouped K per record; it must read the variables through the MLP's dense layers, and `tapOrder` says which weight
 * each tapped (input, output gradient) pair belongs to (TabularMlp.tapOrder). One backward pass gives both the
 * per-record norms and, from the same rows weighted by c_i = min(1, C/‖g_i‖), the clipped sum Σ_i c_i·g_i (Bu et al.'s
 * book-keeping): a matmul per weight instead of a second backward pass. `standardNoise` gives one N(0, 1) array per
 * variable (dpNoise.ts), called only when σ > 0 and only after the backward pass, so a worker drawing it overlaps the
 * pass; it is scaled by σ·C here. The result is divided by the expected batch q·N (`expectedBatch`).
 */
export function dpSgdGradients(
  variables: tf.Variable[],
  tapOrder: readonly number[],
  rowLosses: (() => Tensor1D) | null,
  m: number,
  dp: DpSgdOptions,
  expectedBatch: number,
  standardNoise: () => Float32Array[],
): DpSgdGradients {
  const K = dp.noiseDraws;
  const summed: Array<tf.Tensor | null> = variables.map(() => null);
  let loss: tf.Scalar = tf.scalar(0);
  let norms: Tensor1D = tf.zeros([0]) as Tensor1D;
  if (m > 0 && rowLosses) {
    // The backward pass disposes its intermediates and the forward pass's saved tensors when it returns: the tapped
    // rows are kept (a clone shares the saved input's data) until the clipped sums are built.
    const tapped: Array<[Tensor2D | null, Tensor2D]> = [];
    const pass = withGradientTap(
      (input, dz) => tapped.push([input === null ? null : tf.keep(tf.clone(input)), tf.keep(dz)]),
      // Under the tap the layers return zero weight gradients (the clipped sums below replace them): only the loss and
      // the tapped rows of this pass are used.
      () => tf.variableGrads(() => tf.div(tf.sum(rowLosses()), K) as tf.Scalar, variables),
    );
    try {
      if (tapped.length !== tapOrder.length) {
        throw new Error(`dpSgdGradients: ${tapped.length} dense weights were seen in the backward pass, but the model lists ${tapOrder.length}`);
      }
      loss = tf.div(pass.value, m) as tf.Scalar;
      norms = tf.sqrt(tf.addN(tapped.map(([input, dz]) => ghostNormSquared(input, dz, m, K)))) as Tensor1D;
      const scale = tf.minimum(1, tf.div(dp.clipNorm, tf.add(norms, 1e-12)));
      const perRow = tf.reshape(tf.tile(tf.reshape(scale, [m, 1]), [1, K]), [m * K, 1]);
      tapped.forEach(([input, dz], j) => {
        const k = tapOrder[j];
        const weighted = tf.mul(dz, perRow);
        // A weight's clipped sum is Σ_rows c·a ⊗ dz = aᵀ·(c ⊙ dz); a bias's is Σ_rows c·dz.
        const grad = input === null ? tf.sum(weighted, 0) : tf.matMul(input, weighted, true, false);
        if (grad.size !== variables[k].size) throw new Error(`dpSgdGradients: the tapped rows of weight ${k} do not fit its shape ${variables[k].shape}`);
        summed[k] = summed[k] ? tf.add(summed[k]!, grad) : grad;
      });
    } finally {
      for (const [input, dz] of tapped) {
        input?.dispose();
        dz.dispose();
      }
    }
  }
  const std = dp.noiseMultiplier * dp.clipNorm;
  const draws = std > 0 ? standardNoise() : null;
  if (draws && draws.length !== variables.length) throw new Error(`dpSgdGradients: ${draws.length} noise arrays for ${variables.length} variables`);
  const grads = variables.map((v, k) => {
    const noise = draws ? draws[k] : new Float32Array(v.size);
    if (noise.length !== v.size) throw new Error(`dpSgdGradients: noise of ${noise.length} values for weight ${k} of ${v.size}`);
    if (draws) for (let i = 0; i < noise.length; i++) noise[i] *= std;
    const noisy = summed[k] ? tf.add(tf.reshape(summed[k]!, v.shape), tf.tensor(noise, v.shape)) : tf.tensor(noise, v.shape);
    return { name: v.name, tensor: tf.div(noisy, expectedBatch) };
  });
  return { grads, loss, norms };
}
