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
 * gradient is the mean of K such outer products; its squared norm is Σ_{k,l} (a_k·a_l)(dz_k·dz_l)/K², from two K×K
 * Gram matrices. A second backward pass of Σ_i c_i·L_i, with c_i = min(1, C/‖g_i‖) held constant, gives the clipped
 * sum Σ_i c_i·g_i. The image U-Net's convolutions have no such shortcut; it is not trained with DP here.
 */
import { tf } from '../../shared/tf';
import { deriveSeed, type Rng } from '../../shared/random';
import { withGradientTap } from './tabularMlp';
import { fillStandardNormal } from './standardNormal';

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
 * grouped K per record; it must read the variables through the MLP's dense layers. The noise is drawn from
 * `noiseSeed`; the result is divided by the expected batch q·N (`expectedBatch`).
 */
export function dpSgdGradients(
  variables: tf.Variable[],
  rowLosses: (() => Tensor1D) | null,
  m: number,
  dp: DpSgdOptions,
  expectedBatch: number,
  noiseSeed: number,
): DpSgdGradients {
  const K = dp.noiseDraws;
  let summed: Array<tf.Tensor | null> = variables.map(() => null);
  let loss: tf.Scalar = tf.scalar(0);
  let norms: Tensor1D = tf.zeros([0]) as Tensor1D;
  if (m > 0 && rowLosses) {
    // Pass 1: per-record norms from the dense layers' own (input, output gradient) rows; its gradients are discarded.
    // The backward pass disposes its intermediates when it returns: each weight's share is computed and kept at once.
    const shares: tf.Tensor[] = [];
    const first = withGradientTap(
      (input, dz) => shares.push(tf.keep(ghostNormSquared(input, dz, m, K))),
      () => tf.variableGrads(() => tf.div(tf.sum(rowLosses()), K) as tf.Scalar, variables),
    );
    loss = tf.div(first.value, m) as tf.Scalar;
    norms = tf.sqrt(tf.addN(shares)) as Tensor1D;
    shares.forEach((t) => t.dispose());
    // Pass 2: Σ_i c_i·L_i with c_i = min(1, C/‖g_i‖) fixed, whose gradient is the clipped sum Σ_i c_i·g_i.
    const scale = tf.minimum(1, tf.div(dp.clipNorm, tf.add(norms, 1e-12)));
    const perRow = tf.reshape(tf.tile(tf.reshape(scale, [m, 1]), [1, K]), [m * K]);
    const second = tf.variableGrads(() => tf.div(tf.sum(tf.mul(rowLosses(), perRow)), K) as tf.Scalar, variables);
    summed = variables.map((v) => second.grads[v.name]);
  }
  const std = dp.noiseMultiplier * dp.clipNorm;
  const grads = variables.map((v, k) => {
    const noise = new Float32Array(v.size);
    if (std > 0) {
      // One stream per weight, from the step's seed and the weight's position (tfjs names variables by a global
      // counter, which differs between two models of one seed).
      fillStandardNormal(noise, deriveSeed(noiseSeed, `dp-noise/${k}`));
      for (let i = 0; i < noise.length; i++) noise[i] *= std;
    }
    const noisy = summed[k] ? tf.add(summed[k]!, tf.tensor(noise, v.shape)) : tf.tensor(noise, v.shape);
    return { name: v.name, tensor: tf.div(noisy, expectedBatch) };
  });
  return { grads, loss, norms };
}
