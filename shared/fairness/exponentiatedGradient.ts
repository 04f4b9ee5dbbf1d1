/**
 * The exponentiated-gradient reduction of fair classification to cost-sensitive (weighted) classification, for a
 * demographic-parity constraint and a binary sensitive attribute s: Agarwal, Beygelzimer, Dudík, Langford, Wallach
 * 2018, "A Reductions Approach to Fair Classification" (ICML), Algorithm 1, with the stopping and step-size rules of
 * Fairlearn's `ExponentiatedGradient` (fairlearn/reductions/_exponentiated_gradient/, read for its defaults; no code
 * copied). docs/fairness-defences.md, "The reduction" explains it with the measurements.
 *
 * The problem (paper §2, Example 1): over randomized classifiers Q (mixtures of classifiers h),
 *
 *   minimise err(Q) = P(Q(x) ≠ y)   subject to   γ_(±,g)(Q) = ±(E[Q(x) | s = g] − E[Q(x)]) ≤ ε   for g ∈ {0, 1}.
 *
 * Note the constraint compares each group with the whole population, as the paper and Fairlearn's
 * `DemographicParity` do, not the two groups with each other. For a binary s the gap between the groups,
 * |P(h=1|s=1) − P(h=1|s=0)|, is max_g |E[h|s=g] − E[h]| / max(p₀, p₁), so the bound ε on the constraint bounds the
 * gap by ε / max(p₀, p₁) ≤ 2ε (= 2ε for balanced groups). `trainingFairness` reports both.
 *
 * The Lagrangian L(Q, λ) = err(Q) + Σ_k λ_k (γ_k(Q) − ε), λ ≥ 0, ‖λ‖₁ ≤ B, is a zero-sum game: the λ-player runs
 * exponentiated gradient on the constraint violations, the Q-player best-responds with the learner. The best
 * response to λ minimises Σ_i c_i h(x_i) over h, a cost-sensitive problem (paper §3.2, "best response of the
 * Q-player"): with the cost c_i of predicting 1 rather than 0 for record i, a learner that accepts weights solves it
 * as weighted classification with labels 1[c_i < 0] and weights |c_i|. After T rounds the average of the iterates
 * Q̂ and of the multipliers λ̂ is a ν-approximate saddle point (Theorem 1): err(Q̂) ≤ err(Q*) + 2ν and
 * γ(Q̂) ≤ ε + (1 + 2ν)/B.
 *
 * Pure TypeScript: the learner is the only model, behind `WeightedLearner`.
 */
import { Rng } from '../random';

/** A fitted classifier: for each row of x, its prediction as 0/1 or as P(y = 1) (thresholded at 0.5 here). */
export type Predictor<X> = (x: X) => ArrayLike<number>;

/**
 * The oracle of the reduction: fits a fresh classifier on the training records with one non-negative weight per
 * record and the given (relabelled) 0/1 labels, and returns its predictor. Each call costs one training.
 */
/** A member of the returned mixture: a fitted classifier, or a constant (which needs the number of rows). */
export type MemberPredictor<X> = (x: X, rows: number) => ArrayLike<number>;

export interface WeightedLearner<X> {
  fit(weights: Float64Array, labels: Uint8Array): Promise<Predictor<X>>;
}

export interface ReductionOptions {
  /**
   * ε, the allowed violation of each constraint |E[h|s=g] − E[h]| ≤ ε. Default 0.01, Fairlearn's
   * (`DemographicParity(difference_bound=None)` and `ExponentiatedGradient(eps=0.01)`).
   */
  epsilon?: number;
  /** T, the most rounds of Algorithm 1. Default 50, Fairlearn's `max_iter` (the paper's T). */
  maxIterations?: number;
  /**
   * B, the bound on ‖λ‖₁. Default 1/ε, Fairlearn's choice (`B = 1 / self.eps`); the paper's Theorem 1 sets
   * B ∝ 1/ε as well, so that the constraint term can outweigh any error.
   */
  lambdaBound?: number;
  /**
   * ν, the duality gap at which the rounds stop. Default (Fairlearn's automatic setting) 0.5 · sd(|h₀(x) − y|) / √n,
   * the statistical uncertainty of the first iterate's training error: a smaller gap cannot be told apart from noise.
   */
  nu?: number;
  /** η₀, the initial step of the λ-player: η = η₀ / B. Default 2.0, Fairlearn's `eta0` (it used to be `eta_mul`). */
  eta0?: number;
}

/** Fairlearn's fixed constants (`_constants.py`), which its API does not expose either. */
const MIN_ITERATIONS = 5; // `_MIN_ITER`: never stop before this many rounds
const REGRET_CHECK_START = 5; // `_REGRET_CHECK_START_T`
const REGRET_CHECK_INCREASE = 1.6; // `_REGRET_CHECK_INCREASE_T`: check again after 1.6× as many rounds
const SHRINK_REGRET = 0.8; // `_SHRINK_REGRET`: the best gap must fall below 0.8× the last one…
const SHRINK_ETA = 0.8; // `_SHRINK_ETA`: …or the step shrinks by 0.8
const ACCURACY_MUL = 0.5; // `_ACCURACY_MUL`, the factor in ν's default
const PRECISION = 1e-8; // `_PRECISION`: a new iterate must beat the best one so far by this much
/** The multiples of λ̂ whose best responses bound the Lagrangian from below (Fairlearn's `eval_gap`). */
const GAP_MULTIPLIERS = [1, 2, 5, 10];

/** The training records' fairness under a (randomized) classifier: expected positive rates. */
export interface TrainingFairness {
  /** Expected error P(h(x) ≠ y) on the training records. */
  error: number;
  positiveRate: number;
  positiveRateS0: number;
  positiveRateS1: number;
  /** max_g |E[h|s=g] − E[h]|: what the constraint bounds by ε. */
  maxGroupDeviation: number;
  /** |P(h=1|s=1) − P(h=1|s=0)|: the demographic-parity gap (= maxGroupDeviation / max(p₀, p₁)). */
  dpGap: number;
}

export interface ReductionResult<X> {
  /** The classifiers that carry weight in the mixture, with their weights (summing to 1). */
  predictors: MemberPredictor<X>[];
  weights: number[];
  /** Rounds run (≤ maxIterations), and whether the duality gap fell below ν. */
  iterations: number;
  converged: boolean;
  /** The duality gap of the returned mixture (Fairlearn's `best_gap_`), and ν. */
  gap: number;
  nu: number;
  /** Trainings asked of the learner (the cost), and the best responses that were constants (no training). */
  oracleCalls: number;
  constantResponses: number;
  /** Distinct classifiers found (the returned mixture uses `predictors.length` of them). */
  classifiersFound: number;
  /** The averaged multipliers λ̂ (after projection) in the order (+,0), (+,1), (−,0), (−,1). */
  lambda: number[];
  epsilon: number;
  lambdaBound: number;
  /** The mixture on the training records. */
  training: TrainingFairness;
  /**
   * The first best response, on the training records: at round 0 the multipliers of each pair (+,g)/(−,g) are equal,
   * so the cost-sensitive problem is the plain one (labels y, all weights 1) and this is the unconstrained
   * classifier, the baseline the reduction is measured against at no extra training.
   */
  unconstrained: TrainingFairness;
}

/** One classifier found by the reduction, with its training predictions and moments. */
interface Iterate<X> {
  predict: MemberPredictor<X>;
  /** h(x_i) ∈ {0, 1} on the training records. */
  h: Uint8Array;
  error: number;
  /** γ in the order (+,0), (+,1), (−,0), (−,1). */
  gamma: number[];
}

function toBinary(values: ArrayLike<number>, rows: number, what: string): Uint8Array {
  if (values.length !== rows) throw new Error(`${what}: the learner's predictor returned ${values.length} values for ${rows} rows`);
  const out = new Uint8Array(rows);
  // 0/1 predictions pass unchanged; probabilities become the classifier's decision at 0.5 (Fairlearn calls the
  // estimator's `predict`, a deterministic h ∈ H, as the paper's oracle returns).
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) throw new Error(`${what}: the learner's predictor returned ${v} at row ${i}; expected 0/1 or a probability`);
    out[i] = v >= 0.5 ? 1 : 0;
  }
  return out;
}

function checkInputs(data: { y: Uint8Array; s: Uint8Array; rows: number }, opts: Required<Omit<ReductionOptions, 'nu'>> & { nu?: number }): void {
  const { y, s, rows } = data;
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`exponentiatedGradient: rows must be a positive integer, got ${rows}`);
  if (y.length !== rows) throw new Error(`exponentiatedGradient: y has ${y.length} labels for ${rows} rows`);
  if (s.length !== rows) throw new Error(`exponentiatedGradient: s has ${s.length} values for ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new Error(`exponentiatedGradient: y[${i}] is ${y[i]}; labels must be 0 or 1`);
    if (s[i] !== 0 && s[i] !== 1) throw new Error(`exponentiatedGradient: s[${i}] is ${s[i]}; the sensitive attribute must be 0 or 1`);
  }
  let s1 = 0;
  for (let i = 0; i < rows; i++) s1 += s[i];
  if (s1 === 0 || s1 === rows) throw new Error(`exponentiatedGradient: s has only the value ${s[0]} in all ${rows} rows; demographic parity needs records of both groups`);
  if (!(opts.epsilon > 0) || !Number.isFinite(opts.epsilon)) throw new Error(`exponentiatedGradient: epsilon must be a finite number > 0, got ${opts.epsilon}`);
  if (!Number.isInteger(opts.maxIterations) || opts.maxIterations < 1) throw new Error(`exponentiatedGradient: maxIterations must be an integer ≥ 1, got ${opts.maxIterations}`);
  if (!(opts.lambdaBound > 0) || !Number.isFinite(opts.lambdaBound)) throw new Error(`exponentiatedGradient: lambdaBound must be a finite number > 0, got ${opts.lambdaBound}`);
  if (!(opts.eta0 > 0) || !Number.isFinite(opts.eta0)) throw new Error(`exponentiatedGradient: eta0 must be a finite number > 0, got ${opts.eta0}`);
  if (opts.nu !== undefined && !(opts.nu >= 0 && Number.isFinite(opts.nu))) throw new Error(`exponentiatedGradient: nu must be a finite number ≥ 0, got ${opts.nu}`);
}

/** Group shares and the constraint rows of the demographic-parity moment on the training records. */
class DemographicParityMoment {
  readonly n: number;
  /** p_g = P(s = g). */
  readonly p: [number, number];

  constructor(
    readonly y: Uint8Array,
    readonly s: Uint8Array,
  ) {
    this.n = y.length;
    let n1 = 0;
    for (let i = 0; i < this.n; i++) n1 += s[i];
    this.p = [(this.n - n1) / this.n, n1 / this.n];
  }

  /** err(h) and γ(h) for a classifier's training predictions h_i ∈ [0, 1] (a mixture's expectations allowed). */
  evaluate(h: ArrayLike<number>): { error: number; gamma: number[]; rates: [number, number, number] } {
    let wrong = 0;
    const positives = [0, 0];
    for (let i = 0; i < this.n; i++) {
      wrong += this.y[i] === 1 ? 1 - h[i] : h[i];
      positives[this.s[i]] += h[i];
    }
    const rate0 = positives[0] / (this.p[0] * this.n);
    const rate1 = positives[1] / (this.p[1] * this.n);
    const rate = (positives[0] + positives[1]) / this.n;
    // γ_(+,g) = E[h|g] − E[h], γ_(−,g) = −γ_(+,g): the paper's Example 1 written as two one-sided constraints each.
    return { error: wrong / this.n, gamma: [rate0 - rate, rate1 - rate, rate - rate0, rate - rate1], rates: [rate, rate0, rate1] };
  }

  /**
   * The signed cost-sensitive weights for multipliers λ (order (+,0), (+,1), (−,0), (−,1)): n times the decrease of
   * the Lagrangian when record i is predicted 1 instead of 0 (paper §3.2, C⁰_i − C¹_i, Example 3 for demographic
   * parity). The error contributes 2y_i − 1 (predicting 1 is right for y = 1, wrong for y = 0); γ_(+,g) = E[h|g] − E[h]
   * contributes −λ_(+,g)(1[s_i = g]/p_g − 1), and γ_(−,g) the opposite.
   */
  signedWeights(lambda: number[]): Float64Array {
    const out = new Float64Array(this.n);
    const net = [lambda[0] - lambda[2], lambda[1] - lambda[3]];
    for (let i = 0; i < this.n; i++) {
      let w = 2 * this.y[i] - 1;
      for (let g = 0; g < 2; g++) w += net[g] * (1 - (this.s[i] === g ? 1 / this.p[g] : 0));
      out[i] = w;
    }
    return out;
  }
}

/**
 * Keeps for each λ-pair (+,g)/(−,g) only the positive part of their difference: the same or a larger Lagrangian for
 * every h, since γ_(−,g) = −γ_(+,g) (Fairlearn's `project_lambda`).
 */
function projectLambda(lambda: number[]): number[] {
  const out = lambda.slice();
  for (let g = 0; g < 2; g++) {
    const net = lambda[g] - lambda[g + 2];
    out[g] = Math.max(0, net);
    out[g + 2] = Math.max(0, -net);
  }
  return out;
}

/**
 * Runs Algorithm 1 of Agarwal et al. 2018 with `learner` as the cost-sensitive oracle, on training records
 * `data.x` with labels `data.y` and sensitive attribute `data.s` (both 0/1, `data.rows` records), and returns the
 * randomized classifier it finds: mixture weights over the fitted classifiers.
 *
 * Each round t (paper, Algorithm 1; Fairlearn's `fit`):
 * 1. λ_t = B · exp(θ) / (1 + Σ exp(θ)): the λ-player's exponentiated-gradient iterate, inside ‖λ‖₁ ≤ B.
 * 2. h_t = BEST_h(λ_t): one weighted fit on the relabelled records (the previous best classifier is kept when the
 *    new one is not better on the Lagrangian by 1e-8).
 * 3. Q̂_t = the empirical mixture of h_1 … h_t, λ̂_t = the average of λ_1 … λ_t; their duality gap
 *    max(L(Q̂, λ̂) − min_h L(h, λ̂), L(Q̂, BEST_λ(Q̂)) − L(Q̂, λ̂)), where min_h is bounded by the best responses to
 *    1, 2, 5, 10 × λ̂ (one more fit each, stopped as soon as the gap exceeds ν).
 * 4. Stop when the gap < ν after at least 5 rounds; else θ += η (γ(h_t) − ε), and shrink η by 0.8 when the best gap
 *    has not fallen by 20 % since the last check (Fairlearn's regret check, every 1.6× rounds from round 5).
 * The mixture returned is that of the round with the smallest gap (the last one among ties), as Fairlearn's.
 *
 * Not implemented: Fairlearn's `run_linprog_step` (an LP over the convex hull of the classifiers found, each
 * round), which often shortens the run; this is the paper's algorithm, whose averaged iterate carries Theorem 1.
 */
export async function exponentiatedGradient<X>(
  learner: WeightedLearner<X>,
  data: { x: X; y: Uint8Array; s: Uint8Array; rows: number },
  options: ReductionOptions = {},
): Promise<ReductionResult<X>> {
  const epsilon = options.epsilon ?? 0.01;
  const opts = {
    epsilon,
    maxIterations: options.maxIterations ?? 50,
    lambdaBound: options.lambdaBound ?? 1 / epsilon,
    eta0: options.eta0 ?? 2.0,
    nu: options.nu,
  };
  checkInputs(data, opts);
  const B = opts.lambdaBound;
  const moment = new DemographicParityMoment(data.y, data.s);
  const n = moment.n;
  const iterates: Array<Iterate<X>> = [];
  let oracleCalls = 0;
  let constantResponses = 0;

  const lagrangianOf = (error: number, gamma: number[], lambda: number[]): number => error + gamma.reduce((a, g, k) => a + lambda[k] * (g - epsilon), 0);

  /** BEST_h(λ): the weighted fit, or the best classifier found so far when the new one is no better. */
  const bestResponse = async (lambda: number[]): Promise<number> => {
    const signed = moment.signedWeights(lambda);
    const labels = new Uint8Array(n);
    const weights = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      labels[i] = signed[i] > 0 ? 1 : 0;
      weights[i] = Math.abs(signed[i]);
      total += weights[i];
    }
    // Weights rescaled to sum to n (Fairlearn's `redW`), so a learner's loss keeps its usual scale.
    for (let i = 0; i < n; i++) weights[i] = total > 0 ? (weights[i] * n) / total : 1;
    let predict: MemberPredictor<X>;
    let h: Uint8Array;
    const first = labels[0];
    if (labels.every((v) => v === first)) {
      // Every record prefers the same prediction: the best response is that constant (Fairlearn's DummyClassifier),
      // no training needed.
      constantResponses++;
      h = new Uint8Array(n).fill(first);
      predict = (_x: X, rows: number) => new Uint8Array(rows).fill(first);
    } else {
      oracleCalls++;
      const fitted = await learner.fit(weights, labels);
      predict = (x: X) => fitted(x);
      h = toBinary(predict(data.x, n), n, 'exponentiatedGradient (training records)');
    }
    const { error, gamma } = moment.evaluate(h);
    // The best response minimises err + λ·γ (the ε term is the same for every h).
    const value = error + gamma.reduce((a, g, k) => a + lambda[k] * g, 0);
    let bestIndex = -1;
    let bestValue = Infinity;
    iterates.forEach((it, j) => {
      const v = it.error + it.gamma.reduce((a, g, k) => a + lambda[k] * g, 0);
      if (v < bestValue) {
        bestValue = v;
        bestIndex = j;
      }
    });
    if (value < bestValue - PRECISION) {
      iterates.push({ predict, h, error, gamma });
      return iterates.length - 1;
    }
    return bestIndex;
  };

  /** err, γ and L of a mixture given as weights over the iterates. */
  const mixtureMoments = (q: Map<number, number>): { error: number; gamma: number[] } => {
    let error = 0;
    const gamma = [0, 0, 0, 0];
    for (const [j, w] of q) {
      error += w * iterates[j].error;
      for (let k = 0; k < 4; k++) gamma[k] += w * iterates[j].gamma[k];
    }
    return { error, gamma };
  };

  let theta = [0, 0, 0, 0];
  const lambdaSum = [0, 0, 0, 0];
  const counts = new Map<number, number>();
  const gaps: number[] = [];
  const mixtures: Array<Map<number, number>> = [];
  const lambdaHats: number[][] = [];
  let nu = opts.nu ?? NaN;
  let eta = opts.eta0 / B;
  let lastRegretChecked = REGRET_CHECK_START;
  let lastGap = Infinity;
  let converged = false;

  for (let t = 0; t < opts.maxIterations; t++) {
    const expTheta = theta.map(Math.exp);
    const denominator = 1 + expTheta.reduce((a, v) => a + v, 0);
    const lambda = expTheta.map((v) => (B * v) / denominator);
    for (let k = 0; k < 4; k++) lambdaSum[k] += lambda[k];
    const lambdaHat = lambdaSum.map((v) => v / (t + 1));

    const hIndex = await bestResponse(lambda);
    if (t === 0 && opts.nu === undefined) {
      // ν = 0.5 · sd(|h₀(x) − y|) / √n (sample sd, as pandas' `std`): the first iterate's error's standard error.
      const h0 = iterates[hIndex].h;
      let mean = 0;
      for (let i = 0; i < n; i++) mean += Math.abs(h0[i] - data.y[i]);
      mean /= n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (Math.abs(h0[i] - data.y[i]) - mean) ** 2;
      const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
      nu = (ACCURACY_MUL * sd) / Math.sqrt(n);
    }
    counts.set(hIndex, (counts.get(hIndex) ?? 0) + 1);
    const q = new Map<number, number>();
    for (const [j, c] of counts) q.set(j, c / (t + 1));

    // The duality gap of (Q̂, λ̂) (Fairlearn's `eval_gap`), with λ̂ projected.
    const lambdaProjected = projectLambda(lambdaHat);
    const { error, gamma } = mixtureMoments(q);
    const L = lagrangianOf(error, gamma, lambdaProjected);
    const maxViolation = Math.max(...gamma.map((g) => g - epsilon));
    // BEST_λ(Q̂) puts all of B on the most violated constraint, or nothing when none is violated.
    const Lhigh = error + (maxViolation > 0 ? B * maxViolation : 0);
    let Llow = L;
    for (const mul of GAP_MULTIPLIERS) {
      const j = await bestResponse(lambdaHat.map((v) => mul * v));
      Llow = Math.min(Llow, lagrangianOf(iterates[j].error, iterates[j].gamma, lambdaProjected));
      if (Math.max(L - Llow, Lhigh - L) > nu + PRECISION) break;
    }
    const gap = Math.max(L - Llow, Lhigh - L);
    gaps.push(gap);
    mixtures.push(q);
    lambdaHats.push(lambdaProjected);

    if (gap < nu && t >= MIN_ITERATIONS) {
      converged = true;
      break;
    }
    if (t >= lastRegretChecked * REGRET_CHECK_INCREASE) {
      const bestGap = Math.min(...gaps);
      if (bestGap > lastGap * SHRINK_REGRET) eta *= SHRINK_ETA;
      lastRegretChecked = t;
      lastGap = bestGap;
    }
    // The λ-player's step: up on the constraints h_t violates (γ − ε > 0), down on the slack ones.
    const hGamma = iterates[hIndex].gamma;
    theta = theta.map((v, k) => v + eta * (hGamma[k] - epsilon));
  }

  // The round with the smallest gap, the last one among those within 1e-8 of it.
  const smallest = Math.min(...gaps);
  let best = 0;
  gaps.forEach((g, t) => {
    if (g <= smallest + PRECISION) best = t;
  });
  const mixture = mixtures[best];
  const used = [...mixture.entries()].filter(([, w]) => w > 0).sort((a, b) => a[0] - b[0]);
  const expected = new Float64Array(n);
  for (const [j, w] of used) for (let i = 0; i < n; i++) expected[i] += w * iterates[j].h[i];
  const fairnessOf = (h: ArrayLike<number>): TrainingFairness => {
    const { error, rates } = moment.evaluate(h);
    return {
      error,
      positiveRate: rates[0],
      positiveRateS0: rates[1],
      positiveRateS1: rates[2],
      maxGroupDeviation: Math.max(Math.abs(rates[1] - rates[0]), Math.abs(rates[2] - rates[0])),
      dpGap: Math.abs(rates[2] - rates[1]),
    };
  };
  return {
    predictors: used.map(([j]) => iterates[j].predict),
    weights: used.map(([, w]) => w),
    iterations: gaps.length,
    converged,
    gap: gaps[best],
    nu,
    oracleCalls,
    constantResponses,
    classifiersFound: iterates.length,
    lambda: lambdaHats[best],
    epsilon,
    lambdaBound: B,
    training: fairnessOf(expected),
    unconstrained: fairnessOf(iterates[0].h),
  };
}

/** The mixture's P(h(x) = 1) per row: Σ_j Q_j h_j(x), each h_j thresholded at 0.5 as during fitting. */
export function mixtureProbability<X>(result: Pick<ReductionResult<X>, 'predictors' | 'weights'>, x: X, rows: number): Float64Array {
  const out = new Float64Array(rows);
  result.predictors.forEach((predict, j) => {
    const h = toBinary(predict(x, rows), rows, 'mixtureProbability');
    for (let i = 0; i < rows; i++) out[i] += result.weights[j] * h[i];
  });
  return out;
}

/**
 * A deterministic 0/1 prediction per row from the randomized classifier: row i is 1 when u_i < P(h(x_i) = 1), u_i
 * the i-th uniform draw of a generator seeded with `seed` — Fairlearn's `predict` with a fixed `random_state`
 * (each row draws on its own). We draw rather than threshold the expectation at 0.5 because the guarantees are the
 * mixture's: the draw's positive rates are the mixture's in expectation, so its DP gap is the mixture's up to
 * sampling noise, whereas thresholding can turn a mixture that meets the constraint into its dominant member, which
 * may not (a 60/40 mix of a fair constant and an unfair accurate classifier thresholds to the unfair one). The same
 * seed gives every test row the same draw across variants, so paired comparisons stay paired.
 */
export function predictDrawn<X>(result: Pick<ReductionResult<X>, 'predictors' | 'weights'>, x: X, rows: number, seed: number): Uint8Array {
  const p = mixtureProbability(result, x, rows);
  const rng = new Rng(seed);
  const out = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) out[i] = rng.next() < p[i] ? 1 : 0;
  return out;
}

/** The expectation thresholded: 1 where P(h(x) = 1) ≥ 0.5. Deterministic without a seed, but see `predictDrawn`. */
export function predictThresholded<X>(result: Pick<ReductionResult<X>, 'predictors' | 'weights'>, x: X, rows: number): Uint8Array {
  const p = mixtureProbability(result, x, rows);
  return Uint8Array.from(p, (v) => (v >= 0.5 ? 1 : 0));
}
