/**
 * A fast I(X;Y) estimator for the greedy sampler: the classifier (variational, Barber–Agakov) bound
 *   I(X;Y) = H(Y) − H(Y|X) ≥ H(Y) − CE,   CE = −(1/n) Σ log₂ q(y_i | x_i),
 * with q a logistic regression p(y|x) fitted ONCE on the whole pool (ridge-penalised Newton/IRLS, in plain JS:
 * deterministic, no seed, no tensors). On a subset D_p, H(Y) is the plug-in label entropy of D_p and CE the mean
 * of the precomputed per-record log-likelihoods, so
 *   value(D_p ∪ {i}) = H(n₁ + y_i, n + 1) + (L + ℓ_i)/(n + 1)
 * is O(1) from the running sums (n, n₁, L = Σ ℓ): the greedy step costs 4 × 100 additions of numbers.
 *
 * The approximation (docs/fpa.md, "Estimators"):
 * - It measures the information a *linear-logit* model extracts; a nonlinear dependence of Y on X is missed
 *   (MINE's network can find some of it). For the census features, whose income score is linear in the logit
 *   up to an age² term, the gap is small.
 * - q is the pool's model, not the subset's: if a subset's p(y|x) drifts, CE grows and the estimate drops rather
 *   than tracking the subset's own best predictor. This is the same blindness as the reference code, which also
 *   trains MINE once on the pool and only evaluates it on subsets, and it is what the constraint needs: "is y
 *   still as predictable from x as in the pool, by the pool's rule?".
 * - It is a lower bound of I(X;Y) only when q is the subset's own fit; with the pool's q it can dip below 0 on
 *   odd subsets. Values are in bits, as the plug-in I(S;Y).
 */
import type { FeatureMatrix, MiEstimator, MiPool, MiSetState } from './greedyMutualInformation';

const { log, exp, LN2, sqrt, abs } = Math;

export interface LogisticMiOptions {
  /** Ridge penalty λ on the weights (not the bias), per record: loss = mean CE + λ‖w‖²/2. Default 1e-4. */
  l2?: number;
  /** Newton iterations at most (default 50); stops when the largest step is below 1e-8. */
  maxIterations?: number;
}

/** Binary entropy in bits of a set with n1 positives out of n. */
function labelEntropyBits(n1: number, n: number): number {
  if (n <= 0 || n1 <= 0 || n1 >= n) return 0;
  const p = n1 / n;
  return -(p * log(p) + (1 - p) * log(1 - p)) / LN2;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(exp(-z)) : Math.log1p(exp(z));
}

/** Solves A x = b in place for symmetric positive definite A (d × d, row-major) by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j];
      for (let k = 0; k < j; k++) sum -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(sum > 0)) throw new Error(`logistic MI estimator: Hessian not positive definite at ${i} (${sum}); raise l2`);
        l[i * d + i] = sqrt(sum);
      } else l[i * d + j] = sum / l[j * d + j];
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * d + k] * z[k];
    z[i] = sum / l[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let sum = z[i];
    for (let k = i + 1; k < d; k++) sum -= l[k * d + i] * x[k];
    x[i] = sum / l[i * d + i];
  }
  return x;
}

/**
 * Ridge logistic regression by Newton's method on standardised features (plus a bias column). Returns the logit
 * of every row. Exported for tests.
 */
export function fitLogisticLogits(x: FeatureMatrix, y: Uint8Array, l2 = 1e-4, maxIterations = 50): { logits: Float64Array; iterations: number } {
  const { rows: n, cols } = x;
  if (n === 0) throw new Error('logistic MI estimator: the pool is empty');
  // Standardise (constant columns become 0 and are held at weight 0 by the ridge term).
  const mean = new Float64Array(cols);
  const inv = new Float64Array(cols);
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) mean[j] += x.data[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) inv[j] += (x.data[i * cols + j] - mean[j]) ** 2;
  for (let j = 0; j < cols; j++) {
    const std = sqrt(inv[j] / n);
    inv[j] = std > 1e-12 ? 1 / std : 0;
  }
  const d = cols + 1;
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) z[i * d + j] = (x.data[i * cols + j] - mean[j]) * inv[j];
    z[i * d + cols] = 1;
  }
  const w = new Float64Array(d);
  const logits = new Float64Array(n);
  const grad = new Float64Array(d);
  const hess = new Float64Array(d * d);
  const ridge = l2 * n; // on the summed loss
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let j = 0; j < d; j++) t += z[i * d + j] * w[j];
      const p = 1 / (1 + exp(-t));
      const r = p - y[i];
      const v = p * (1 - p);
      for (let j = 0; j < d; j++) {
        const zij = z[i * d + j];
        grad[j] += r * zij;
        const vz = v * zij;
        for (let k = 0; k <= j; k++) hess[j * d + k] += vz * z[i * d + k];
      }
    }
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < j; k++) hess[k * d + j] = hess[j * d + k];
      if (j < cols) {
        grad[j] += ridge * w[j];
        hess[j * d + j] += ridge;
      } else hess[j * d + j] += 1e-9 * n; // keeps the bias block definite when y is constant
    }
    const step = solveSpd(hess, grad, d);
    let largest = 0;
    for (let j = 0; j < d; j++) {
      w[j] -= step[j];
      largest = Math.max(largest, abs(step[j]));
    }
    if (largest < 1e-8) {
      iterations++;
      break;
    }
  }
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let j = 0; j < d; j++) t += z[i * d + j] * w[j];
    logits[i] = t;
  }
  return { logits, iterations };
}

export class LogisticMiEstimator implements MiEstimator {
  readonly id = 'logistic-ce';
  private readonly l2: number;
  private readonly maxIterations: number;
  /** log₂ q(y_i | x_i) per pool record (≤ 0). */
  private logLikBits: Float64Array | null = null;
  private labels: Uint8Array | null = null;
  /** Newton iterations used by prepare (for reports). */
  iterations = 0;

  constructor(opts: LogisticMiOptions = {}) {
    this.l2 = opts.l2 ?? 1e-4;
    this.maxIterations = opts.maxIterations ?? 50;
    if (!(this.l2 > 0)) throw new Error(`LogisticMiEstimator: l2 must be > 0, got ${this.l2}`);
  }

  async prepare(pool: MiPool): Promise<void> {
    if (pool.y.length !== pool.x.rows) throw new Error(`LogisticMiEstimator.prepare: ${pool.x.rows} rows but ${pool.y.length} labels`);
    const { logits, iterations } = fitLogisticLogits(pool.x, pool.y, this.l2, this.maxIterations);
    this.iterations = iterations;
    const ll = new Float64Array(pool.y.length);
    // log q(y|x) = −softplus(−z) for y = 1, −softplus(z) for y = 0.
    for (let i = 0; i < ll.length; i++) ll[i] = -softplus(pool.y[i] === 1 ? -logits[i] : logits[i]) / LN2;
    this.logLikBits = ll;
    this.labels = pool.y;
  }

  value(indices: ArrayLike<number>): number {
    const state = this.openSet(indices);
    return state.value();
  }

  openSet(indices: ArrayLike<number>): MiSetState {
    const ll = this.logLikBits;
    const y = this.labels;
    if (!ll || !y) throw new Error('LogisticMiEstimator: call prepare(pool) first');
    let n = 0;
    let n1 = 0;
    let sum = 0;
    for (let t = 0; t < indices.length; t++) {
      const i = indices[t];
      n++;
      n1 += y[i];
      sum += ll[i];
    }
    return {
      get size() {
        return n;
      },
      value: () => (n === 0 ? 0 : labelEntropyBits(n1, n) + sum / n),
      valueWith: (i: number) => labelEntropyBits(n1 + y[i], n + 1) + (sum + ll[i]) / (n + 1),
      add: (i: number) => {
        n++;
        n1 += y[i];
        sum += ll[i];
      },
    };
  }

  dispose(): void {
    this.logLikBits = null;
    this.labels = null;
  }
}
