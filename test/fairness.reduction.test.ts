/**
 * The exponentiated-gradient reduction (shared/fairness/exponentiatedGradient.ts; Agarwal et al. 2018, Algorithm 1)
 * on a case small enough to solve by brute force: one score per record, the learner the best weighted threshold
 * classifier on it. The best randomized classifier of that class under the constraint mixes at most two thresholds
 * (an LP with one equality and one active constraint), so the optimum over all pairs of thresholds and their mixing
 * weight is the exact constrained optimum the reduction should approach.
 */
import { exponentiatedGradient, predictDrawn, predictThresholded, type WeightedLearner } from '../shared/fairness/exponentiatedGradient';
import { Rng } from '../shared/random';

interface Case {
  x: Float64Array;
  y: Uint8Array;
  s: Uint8Array;
  rows: number;
}

/** Scores shifted by group (s = 1 higher), labels that follow the score: an accurate threshold has a DP gap. */
function makeCase(rows: number, seed: number): Case {
  const rng = new Rng(seed);
  const x = new Float64Array(rows);
  const y = new Uint8Array(rows);
  const s = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    s[i] = rng.next() < 0.5 ? 1 : 0;
    x[i] = rng.normal() + (s[i] === 1 ? 0.8 : -0.8);
    y[i] = x[i] + 0.7 * rng.normal() > 0 ? 1 : 0;
  }
  return { x, y, s, rows };
}

/** Candidate thresholds: below every score (all 1), between sorted neighbours, above every score (all 0). */
function thresholds(x: Float64Array): number[] {
  const sorted = Array.from(x).sort((a, b) => a - b);
  const out = [sorted[0] - 1];
  for (let i = 1; i < sorted.length; i++) if (sorted[i] > sorted[i - 1]) out.push((sorted[i] + sorted[i - 1]) / 2);
  out.push(sorted[sorted.length - 1] + 1);
  return out;
}

/** h_τ(x) = 1[x ≥ τ]; the learner returns the τ of least weighted error (ties: the first). Counts its fits. */
function thresholdLearner(train: Float64Array): WeightedLearner<Float64Array> & { fits: number } {
  const taus = thresholds(train);
  const learner = {
    fits: 0,
    async fit(weights: Float64Array, labels: Uint8Array) {
      learner.fits++;
      let best = taus[0];
      let bestLoss = Infinity;
      for (const tau of taus) {
        let loss = 0;
        for (let i = 0; i < train.length; i++) if ((train[i] >= tau ? 1 : 0) !== labels[i]) loss += weights[i];
        if (loss < bestLoss - 1e-12) {
          bestLoss = loss;
          best = tau;
        }
      }
      return (x: Float64Array) => Uint8Array.from(x, (v) => (v >= best ? 1 : 0));
    },
  };
  return learner;
}

/** Error and d = E[h|s=1] − E[h|s=0] of each threshold classifier on the case. */
function thresholdMoments(c: Case): Array<{ error: number; d: number }> {
  let n1 = 0;
  for (let i = 0; i < c.rows; i++) n1 += c.s[i];
  return thresholds(c.x).map((tau) => {
    let wrong = 0;
    const pos = [0, 0];
    for (let i = 0; i < c.rows; i++) {
      const h = c.x[i] >= tau ? 1 : 0;
      if (h !== c.y[i]) wrong++;
      pos[c.s[i]] += h;
    }
    return { error: wrong / c.rows, d: pos[1] / n1 - pos[0] / (c.rows - n1) };
  });
}

/**
 * The least error of a mixture of two thresholds with max_g |E[h|g] − E[h]| = pmax · |d| ≤ ε: for each pair, the
 * mixing weights q meeting the constraint form an interval and the error is linear in q, so its ends suffice.
 */
function bruteForceOptimum(c: Case, epsilon: number): number {
  let n1 = 0;
  for (let i = 0; i < c.rows; i++) n1 += c.s[i];
  const pmax = Math.max(n1, c.rows - n1) / c.rows;
  const dMax = epsilon / pmax;
  const m = thresholdMoments(c);
  let best = Infinity;
  for (let a = 0; a < m.length; a++) {
    if (Math.abs(m[a].d) <= dMax) best = Math.min(best, m[a].error);
    for (let b = a + 1; b < m.length; b++) {
      // d(q) = q d_a + (1 − q) d_b; the q in [0, 1] with |d(q)| ≤ dMax.
      const { d: da, error: ea } = m[a];
      const { d: db, error: eb } = m[b];
      const ends: number[] = [];
      if (da !== db) for (const target of [dMax, -dMax]) ends.push((target - db) / (da - db));
      for (const q of ends) {
        if (q < 0 || q > 1) continue;
        best = Math.min(best, q * ea + (1 - q) * eb);
      }
    }
  }
  return best;
}

describe('exponentiated-gradient reduction (demographic parity)', () => {
  const c = makeCase(400, 7);
  const epsilon = 0.05;

  test('the mixture meets the constraint within ε and its error is near the brute-force optimum', async () => {
    const learner = thresholdLearner(c.x);
    const unconstrained = Math.min(...thresholdMoments(c).map((m) => m.error));
    const result = await exponentiatedGradient(learner, c, { epsilon });
    const optimum = bruteForceOptimum(c, epsilon);
    // The unconstrained threshold is unfair on this case: the constraint has work to do.
    const best = thresholdMoments(c).find((m) => m.error === unconstrained)!;
    expect(Math.abs(best.d) / 2).toBeGreaterThan(4 * epsilon);
    expect(optimum).toBeGreaterThan(unconstrained + 0.02);
    // Theorem 1: γ(Q̂) ≤ ε + (1 + 2ν)/B, and err(Q̂) ≤ err* + 2ν; here with a margin for the gap left at stopping.
    expect(result.training.maxGroupDeviation).toBeLessThanOrEqual(epsilon + (1 + 2 * result.nu) / result.lambdaBound);
    expect(result.training.maxGroupDeviation).toBeLessThanOrEqual(epsilon + 0.01);
    expect(result.training.error).toBeLessThanOrEqual(optimum + 0.01);
    expect(result.training.error).toBeGreaterThanOrEqual(optimum - 0.01);
    expect(result.weights.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 12);
    expect(result.oracleCalls).toBe(learner.fits);
    expect(result.iterations).toBeLessThanOrEqual(50);
  });

  test('with ε large the reduction returns the unconstrained classifier', async () => {
    const learner = thresholdLearner(c.x);
    const plain = await learner.fit(new Float64Array(c.rows).fill(1), c.y);
    const result = await exponentiatedGradient(thresholdLearner(c.x), c, { epsilon: 1 });
    expect(result.weights).toEqual([1]);
    expect(result.training).toEqual(result.unconstrained);
    expect(Array.from(result.predictors[0](c.x, c.rows))).toEqual(Array.from(plain(c.x)));
  });

  test('deterministic for a seed; the draw follows the mixture and thresholding is its own thing', async () => {
    const a = await exponentiatedGradient(thresholdLearner(c.x), c, { epsilon });
    const b = await exponentiatedGradient(thresholdLearner(c.x), c, { epsilon });
    expect(b.weights).toEqual(a.weights);
    expect(b.lambda).toEqual(a.lambda);
    expect(Array.from(predictDrawn(b, c.x, c.rows, 3))).toEqual(Array.from(predictDrawn(a, c.x, c.rows, 3)));
    expect(Array.from(predictDrawn(a, c.x, c.rows, 4))).not.toEqual(Array.from(predictDrawn(a, c.x, c.rows, 3)));
    // Averaged over draws, the drawn DP gap is the mixture's (the draw is unbiased); thresholding is not.
    let gapSum = 0;
    const draws = 200;
    for (let seed = 0; seed < draws; seed++) gapSum += dpGap(predictDrawn(a, c.x, c.rows, seed), c.s);
    expect(Math.abs(gapSum / draws - a.training.dpGap)).toBeLessThan(0.03);
    expect(predictThresholded(a, c.x, c.rows)).toHaveLength(c.rows);
  });

  test('bad inputs are refused, naming the field', async () => {
    const learner = thresholdLearner(c.x);
    await expect(exponentiatedGradient(learner, { ...c, y: c.y.slice(1) })).rejects.toThrow(/y has 399 labels for 400 rows/);
    await expect(exponentiatedGradient(learner, { ...c, s: new Uint8Array(c.rows) })).rejects.toThrow(/s has only the value 0/);
    await expect(exponentiatedGradient(learner, { ...c, y: Uint8Array.from(c.y, (v, i) => (i === 5 ? 2 : v)) })).rejects.toThrow(/y\[5\] is 2/);
    await expect(exponentiatedGradient(learner, c, { epsilon: 0 })).rejects.toThrow(/epsilon must be a finite number > 0/);
    await expect(exponentiatedGradient(learner, c, { maxIterations: 0 })).rejects.toThrow(/maxIterations must be an integer ≥ 1/);
    await expect(exponentiatedGradient(learner, c, { eta0: -1 })).rejects.toThrow(/eta0/);
    const badLearner: WeightedLearner<Float64Array> = { fit: async () => () => new Float64Array(3) };
    await expect(exponentiatedGradient(badLearner, c)).rejects.toThrow(/returned 3 values for 400 rows/);
  });
});

function dpGap(pred: Uint8Array, s: Uint8Array): number {
  const pos = [0, 0];
  const cnt = [0, 0];
  for (let i = 0; i < pred.length; i++) {
    pos[s[i]] += pred[i];
    cnt[s[i]]++;
  }
  return Math.abs(pos[1] / cnt[1] - pos[0] / cnt[0]);
}
