/**
 * MINE (Belghazi et al. 2018, "Mutual Information Neural Estimation"): I(X;Y) by the Donsker–Varadhan bound
 *   I(X;Y) ≥ E_{P(x,y)}[T(x,y)] − log E_{P(x)P(y)}[e^{T(x,y)}],
 * maximised over a statistics network T. As in the FPA reference code (papers/fpa-pia.md §2.2,
 * `MIestimation.py`): T is an MLP on concat(x, y), (d+1) → 100 → 20 → 1 with ReLU; Adam; the marginal sample is
 * y permuted within the batch; the gradient of the log term is EMA-corrected (Belghazi §3.2, EMA rate 0.01),
 * which removes the minibatch bias of ∇ log mean e^T. Reference defaults are lr 1e-4, batch 64, 1000 epochs; ours
 * are lr 1e-3, batch 256, 60 epochs (see docs/fpa.md for the measured cost), all configurable.
 *
 * Evaluation. Y is binary, so once T is trained every evaluation needs only two numbers per pool record,
 * t0[i] = T(x_i, 0) and t1[i] = T(x_i, 1), computed by one forward pass over the pool (`MineMiEstimator.prepare`).
 * A subset's bound is then arithmetic on those tables, and adding a candidate is O(1):
 * - marginal 'permutation' (the reference): the set's y permuted by a fixed seeded permutation, re-drawn from the
 *   same seed for every evaluation (`resetRandomStates()` in the reference), so candidate evaluations of one step
 *   share one permutation and are comparable. Per step O(n) to rebuild the permutation, then O(1) per candidate.
 * - marginal 'expected' (default): the exact average over all n² pairs (x_j, y_k) of the set,
 *   (1/n) Σ_j [p̂₁ e^{t1[j]} + p̂₀ e^{t0[j]}], i.e. the expectation of the permutation term over permutations
 *   (up to the log). No permutation noise, O(1) per candidate with running sums.
 * `MineNetwork.estimate(x, y, seed)` evaluates the reference's permutation bound directly with tfjs on any data.
 * All values are in bits (the DV bound in nats / ln 2).
 */
import { Rng } from '../../shared/random';
import { tf } from '../../shared/tf';
import type { FeatureMatrix, MiEstimator, MiPool, MiSetState } from './greedyMutualInformation';

const { log, exp, LN2, sqrt } = Math;

export interface MineNetworkOptions {
  /** Hidden widths of T (reference: [100, 20]). */
  hidden?: number[];
}

export interface MineFitOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** EMA-corrected gradient of the log term (reference: true, rate 0.01). */
  emaCorrection?: boolean;
  emaRate?: number;
  /** Seeds the initial weights, the batch order and the in-batch permutations. */
  seed: number;
  /** Called after each epoch with the mean DV bound (bits) over its batches. */
  onEpoch?: (epoch: number, boundBits: number) => void;
}

export const MINE_DEFAULT_FIT = { epochs: 60, batchSize: 256, learningRate: 1e-3, emaCorrection: true, emaRate: 0.01 } as const;

const FORWARD_CHUNK_ROWS = 8192;

let variableCounter = 0;

/** The statistics network T(x, y) with its training loop. Call `dispose()` when done. */
export class MineNetwork {
  private readonly hidden: number[];
  private weights: tf.Variable[] = [];
  private biases: tf.Variable[] = [];
  private cols = 0;

  constructor(opts: MineNetworkOptions = {}) {
    this.hidden = (opts.hidden ?? [100, 20]).slice();
    for (const w of this.hidden) if (!(Number.isInteger(w) && w >= 1)) throw new Error(`MineNetwork: hidden widths must be positive integers, got [${this.hidden}]`);
  }

  /** Trains T from scratch on (x, y) to maximise the DV bound. */
  async fit(x: FeatureMatrix, y: Uint8Array, opts: MineFitOptions): Promise<void> {
    if (y.length !== x.rows) throw new Error(`MineNetwork.fit: ${x.rows} feature rows but ${y.length} labels`);
    if (x.rows < 2) throw new Error('MineNetwork.fit: need at least 2 records');
    const epochs = opts.epochs ?? MINE_DEFAULT_FIT.epochs;
    const batchSize = Math.min(opts.batchSize ?? MINE_DEFAULT_FIT.batchSize, x.rows);
    const lr = opts.learningRate ?? MINE_DEFAULT_FIT.learningRate;
    const useEma = opts.emaCorrection ?? MINE_DEFAULT_FIT.emaCorrection;
    const emaRate = opts.emaRate ?? MINE_DEFAULT_FIT.emaRate;
    const rng = new Rng(opts.seed);
    this.initialise(x.cols, rng);
    const cols = x.cols;
    const width = cols + 1;
    const optimizer = tf.train.adam(lr);
    const variables = [...this.weights, ...this.biases];
    const order = new Int32Array(x.rows);
    for (let i = 0; i < order.length; i++) order[i] = i;
    let ema = NaN;
    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          const tmp = order[i];
          order[i] = order[j];
          order[j] = tmp;
        }
        let boundSum = 0;
        let batches = 0;
        // Drop the last partial batch: a tiny batch gives a very noisy marginal term.
        for (let start = 0; start + batchSize <= x.rows; start += batchSize) {
          const joint = new Float32Array(batchSize * width);
          const marginal = new Float32Array(batchSize * width);
          const perm = rng.shuffle(Array.from({ length: batchSize }, (_, k) => k));
          for (let k = 0; k < batchSize; k++) {
            const r = order[start + k];
            const row = x.data.subarray(r * cols, (r + 1) * cols);
            joint.set(row, k * width);
            marginal.set(row, k * width);
            joint[k * width + cols] = y[r];
            marginal[k * width + cols] = y[order[start + perm[k]]];
          }
          const jt = tf.tensor2d(joint, [batchSize, width]);
          const mt = tf.tensor2d(marginal, [batchSize, width]);
          let bound = 0;
          const cost = optimizer.minimize(
            () => {
              const tJoint = tf.mean(this.forward(jt));
              const tMarg = this.forward(mt);
              // log mean e^T, stabilised by the batch max.
              const shift = tf.max(tMarg);
              const meanExpShifted = tf.mean(tf.exp(tf.sub(tMarg, shift)));
              const [meanT, shiftValue, meanExpValue] = [tJoint.dataSync()[0], shift.dataSync()[0], meanExpShifted.dataSync()[0]];
              bound = meanT - (log(meanExpValue) + shiftValue);
              if (!useEma) return tf.neg(tf.sub(tJoint, tf.add(tf.log(meanExpShifted), shift))) as tf.Scalar;
              // EMA correction: ∇ log E e^T = ∇E e^T / E e^T, with the denominator replaced by its running mean.
              const meanExp = meanExpValue * exp(shiftValue);
              ema = Number.isNaN(ema) ? meanExp : (1 - emaRate) * ema + emaRate * meanExp;
              const meanExpTensor = tf.mean(tf.exp(tMarg));
              return tf.sub(tf.div(meanExpTensor, Math.max(ema, 1e-12)), tJoint) as tf.Scalar;
            },
            false,
            variables,
          );
          if (cost) cost.dispose();
          tf.dispose([jt, mt]);
          boundSum += bound;
          batches++;
        }
        opts.onEpoch?.(epoch, boundSum / Math.max(batches, 1) / LN2);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      optimizer.dispose();
    }
  }

  /** T(x_i, y) for every row and a fixed y ∈ {0, 1}, as float64. */
  statistics(x: FeatureMatrix, yValue: 0 | 1): Float64Array {
    return this.statisticsFor(x, () => yValue);
  }

  /**
   * The reference evaluation: DV bound (bits) of (x, y) with the marginal made by a permutation of y drawn from
   * `permutationSeed` (the same seed gives the same permutation for the same n, so evaluations are comparable).
   */
  estimate(x: FeatureMatrix, y: Uint8Array, permutationSeed: number): number {
    if (y.length !== x.rows) throw new Error(`MineNetwork.estimate: ${x.rows} feature rows but ${y.length} labels`);
    const perm = new Rng(permutationSeed).shuffle(Array.from({ length: x.rows }, (_, i) => i));
    const tJoint = this.statisticsFor(x, (i) => y[i]);
    const tMarg = this.statisticsFor(x, (i) => y[perm[i]]);
    return donskerVaradhanBits(tJoint, tMarg);
  }

  dispose(): void {
    tf.dispose([...this.weights, ...this.biases]);
    this.weights = [];
    this.biases = [];
  }

  private statisticsFor(x: FeatureMatrix, label: (i: number) => number): Float64Array {
    if (this.weights.length === 0) throw new Error('MineNetwork: call fit first (or the network was disposed)');
    if (x.cols !== this.cols) throw new Error(`MineNetwork: trained on ${this.cols} features, got ${x.cols}`);
    const width = x.cols + 1;
    const out = new Float64Array(x.rows);
    for (let start = 0; start < x.rows; start += FORWARD_CHUNK_ROWS) {
      const end = Math.min(start + FORWARD_CHUNK_ROWS, x.rows);
      const input = new Float32Array((end - start) * width);
      for (let i = start; i < end; i++) {
        input.set(x.data.subarray(i * x.cols, (i + 1) * x.cols), (i - start) * width);
        input[(i - start) * width + x.cols] = label(i);
      }
      const values = tf.tidy(() => this.forward(tf.tensor2d(input, [end - start, width])).dataSync());
      for (let i = start; i < end; i++) out[i] = values[i - start];
    }
    return out;
  }

  /** PyTorch's nn.Linear default init, U(±1/√fanIn) for weights and biases, drawn from our Rng. */
  private initialise(cols: number, rng: Rng): void {
    this.dispose();
    this.cols = cols;
    const widths = [cols + 1, ...this.hidden, 1];
    for (let l = 0; l + 1 < widths.length; l++) {
      const [fanIn, fanOut] = [widths[l], widths[l + 1]];
      const bound = 1 / sqrt(fanIn);
      const w = new Float32Array(fanIn * fanOut).map(() => (2 * rng.next() - 1) * bound);
      const b = new Float32Array(fanOut).map(() => (2 * rng.next() - 1) * bound);
      const id = variableCounter++;
      tf.tidy(() => {
        this.weights.push(tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true, `mine_w${l}_${id}`));
        this.biases.push(tf.variable(tf.tensor2d(b, [1, fanOut]), true, `mine_b${l}_${id}`));
      });
    }
  }

  private forward(input: tf.Tensor2D): tf.Tensor2D {
    let h = input;
    for (let l = 0; l < this.weights.length; l++) {
      h = tf.add(tf.matMul(h, this.weights[l]), this.biases[l]);
      if (l + 1 < this.weights.length) h = tf.relu(h);
    }
    return h;
  }
}

/** mean(tJoint) − log mean exp(tMarg), in bits. */
export function donskerVaradhanBits(tJoint: ArrayLike<number>, tMarg: ArrayLike<number>): number {
  let joint = 0;
  for (let i = 0; i < tJoint.length; i++) joint += tJoint[i];
  let shift = -Infinity;
  for (let i = 0; i < tMarg.length; i++) shift = Math.max(shift, tMarg[i]);
  let sum = 0;
  for (let i = 0; i < tMarg.length; i++) sum += exp(tMarg[i] - shift);
  return (joint / tJoint.length - (log(sum / tMarg.length) + shift)) / LN2;
}

export interface MineMiOptions extends MineNetworkOptions {
  fit: MineFitOptions;
  /** 'expected' (default): all-pairs marginal, no permutation noise; 'permutation': the reference's fixed permutation. */
  marginal?: 'expected' | 'permutation';
  /** Seed of the fixed permutation ('permutation' only; reference: 47). */
  permutationSeed?: number;
}

/** MINE as an `MiEstimator`: trained once on the pool, then evaluated from the per-record T tables. */
export class MineMiEstimator implements MiEstimator {
  readonly id: string;
  readonly network: MineNetwork;
  private readonly opts: MineMiOptions;
  private readonly marginal: 'expected' | 'permutation';
  private readonly permutationSeed: number;
  private t0: Float64Array | null = null;
  private t1: Float64Array | null = null;
  private e0: Float64Array | null = null;
  private e1: Float64Array | null = null;
  private shift = 0;
  private labels: Uint8Array | null = null;
  /** The DV bound (bits) of the last training epoch, for reports. */
  lastEpochBoundBits = NaN;

  constructor(opts: MineMiOptions) {
    this.opts = opts;
    this.marginal = opts.marginal ?? 'expected';
    this.permutationSeed = opts.permutationSeed ?? 47;
    this.id = `mine-${this.marginal}`;
    this.network = new MineNetwork(opts);
  }

  async prepare(pool: MiPool): Promise<void> {
    const userOnEpoch = this.opts.fit.onEpoch;
    await this.network.fit(pool.x, pool.y, {
      ...this.opts.fit,
      onEpoch: (epoch, bound) => {
        this.lastEpochBoundBits = bound;
        userOnEpoch?.(epoch, bound);
      },
    });
    const t0 = this.network.statistics(pool.x, 0);
    const t1 = this.network.statistics(pool.x, 1);
    let shift = -Infinity;
    for (let i = 0; i < t0.length; i++) shift = Math.max(shift, t0[i], t1[i]);
    this.t0 = t0;
    this.t1 = t1;
    this.e0 = t0.map((t) => exp(t - shift));
    this.e1 = t1.map((t) => exp(t - shift));
    this.shift = shift;
    this.labels = pool.y;
  }

  value(indices: ArrayLike<number>): number {
    const { t0, t1, e0, e1, y } = this.tables();
    const n = indices.length;
    if (n === 0) return 0;
    let joint = 0;
    for (let t = 0; t < n; t++) {
      const i = indices[t];
      joint += y[i] ? t1[i] : t0[i];
    }
    let marg = 0;
    if (this.marginal === 'expected') {
      let n1 = 0;
      let s0 = 0;
      let s1 = 0;
      for (let t = 0; t < n; t++) {
        const i = indices[t];
        n1 += y[i];
        s0 += e0[i];
        s1 += e1[i];
      }
      marg = ((n1 / n) * s1 + ((n - n1) / n) * s0) / n;
    } else {
      const perm = new Rng(this.permutationSeed).shuffle(Array.from({ length: n }, (_, k) => k));
      for (let t = 0; t < n; t++) marg += y[indices[perm[t]]] ? e1[indices[t]] : e0[indices[t]];
      marg /= n;
    }
    return (joint / n - (log(marg) + this.shift)) / LN2;
  }

  openSet(indices: ArrayLike<number>): MiSetState {
    const { t0, t1, e0, e1, y } = this.tables();
    const members = Array.from(indices);
    let joint = 0;
    let n1 = 0;
    let s0 = 0;
    let s1 = 0;
    for (const i of members) {
      joint += y[i] ? t1[i] : t0[i];
      n1 += y[i];
      s0 += e0[i];
      s1 += e1[i];
    }
    const shift = this.shift;
    const seed = this.permutationSeed;
    const expectedValueWith = (i: number): number => {
      const n = members.length + 1;
      const m1 = n1 + y[i];
      const marg = ((m1 / n) * (s1 + e1[i]) + ((n - m1) / n) * (s0 + e0[i])) / n;
      return ((joint + (y[i] ? t1[i] : t0[i])) / n - (log(marg) + shift)) / LN2;
    };
    // 'permutation': the permutation of size n + 1 for the current size, rebuilt after each add.
    let cachedFor = -1;
    let base = 0;
    let partnerOfCandidateX = 0; // a = π(n): whose y the candidate's x is paired with
    let partnerOfCandidateY = 0; // j* = π⁻¹(n): whose x the candidate's y is paired with
    const permutationValueWith = (i: number): number => {
      const n = members.length;
      if (cachedFor !== n) {
        const perm = new Rng(seed).shuffle(Array.from({ length: n + 1 }, (_, k) => k));
        base = 0;
        for (let j = 0; j < n; j++) {
          if (perm[j] === n) partnerOfCandidateY = j;
          else base += y[members[perm[j]]] ? e1[members[j]] : e0[members[j]];
        }
        partnerOfCandidateX = perm[n];
        if (partnerOfCandidateX === n) partnerOfCandidateY = n;
        cachedFor = n;
      }
      let marg = base;
      if (partnerOfCandidateX === n) marg += y[i] ? e1[i] : e0[i];
      else {
        marg += y[members[partnerOfCandidateX]] ? e1[i] : e0[i];
        marg += y[i] ? e1[members[partnerOfCandidateY]] : e0[members[partnerOfCandidateY]];
      }
      return ((joint + (y[i] ? t1[i] : t0[i])) / (n + 1) - (log(marg / (n + 1)) + shift)) / LN2;
    };
    return {
      get size() {
        return members.length;
      },
      value: () => this.value(members),
      valueWith: this.marginal === 'expected' ? expectedValueWith : permutationValueWith,
      add: (i: number) => {
        members.push(i);
        joint += y[i] ? t1[i] : t0[i];
        n1 += y[i];
        s0 += e0[i];
        s1 += e1[i];
      },
    };
  }

  dispose(): void {
    this.network.dispose();
    this.t0 = this.t1 = this.e0 = this.e1 = null;
    this.labels = null;
  }

  private tables(): { t0: Float64Array; t1: Float64Array; e0: Float64Array; e1: Float64Array; y: Uint8Array } {
    if (!this.t0 || !this.t1 || !this.e0 || !this.e1 || !this.labels) throw new Error(`${this.id}: call prepare(pool) first`);
    return { t0: this.t0, t1: this.t1, e0: this.e0, e1: this.e1, y: this.labels };
  }
}
