/**
 * Algorithm 2 of Luo et al. 2024 (§3.2, sample-and-count) with the Theorem 1 Hoeffding bound (§3.4) and the
 * multi-valued extension (§3.5), plus a confusion-matrix correction the paper's code does not apply.
 *
 *   p̂ = (1/n) Σ f(x_i)            the share of the n samples the discriminator f puts in the class
 *   r = sqrt(ln(2/η) / (2n))       w.p. ≥ 1 − η, |p̂ − q| ≤ r with q = P_{x∼G}[f(x) = 1]   (Hoeffding)
 *   K-way: r_K = sqrt(ln(2K/η) / (2n)) bounds all K shares at once (union bound)
 *
 * q is what the samples pin down; p (the sharer's training share) differs from q by the discriminator's
 * confusion and by the generator's coverage error |p_G − p|. Theorem 1 adds the discriminator error e to the
 * radius (`theorem1Interval`). The correction instead undoes the confusion: for a binary property,
 *   q = TPR·p_G + FPR·(1 − p_G)   ⇒   p̃ = (p̂ − FPR) / (TPR − FPR),
 * valid when f's behaviour given the true class is the same on the samples as on the aux held-out split
 * ("label shift": P(x | class) is shared, only the class shares differ). The map is increasing and linear, so
 * the Hoeffding interval on q maps to an interval on p of radius r / (TPR − FPR). K-way: q = Mᵀ p with
 * M[t][k] = P(f = k | class t), so p̃ = (Mᵀ)⁻¹ q̂, clipped to ≥ 0 and renormalised; its max-coordinate error is at
 * most ‖(Mᵀ)⁻¹‖∞ · r_K (before clipping). docs/pia.md has the derivations.
 */
import type { Table } from '../../../shared/data/table';
import { hoeffdingRadius, unionBoundRadius } from '../../../shared/metrics/hoeffding';
import type { DiscriminatorCalibration, DiscriminatorKind, PropertyDiscriminator } from './discriminator';
import { PropertyInferenceError } from '../../../shared/propertyInference/errors';
import { describeProperty } from '../../../shared/propertyInference/property';

/** Below this TPR − FPR (binary) the correction divides by noise and is not offered. */
export const MIN_CORRECTION_SEPARATION = 0.05;
/** Pivots below this make the K-way confusion matrix count as singular. */
const SINGULAR_PIVOT = 1e-6;

export interface EstimateOptions {
  /** Failure probability η of the bound: the interval holds with probability ≥ 1 − η. */
  eta: number;
  /** Samples to use: the first n of `samples` (they are i.i.d., so any n will do). Default: all of them. */
  n?: number;
  /** The receiver's sample budget; n above it is an error even when more samples are at hand. */
  budgetSamples?: number;
}

export type Interval = [number, number];

interface EstimateCommon {
  property: string;
  discriminator: DiscriminatorKind;
  outcomes: string[];
  n: number;
  eta: number;
  /** Held-out error e of the discriminator (0 for identity; null when unknown). */
  discriminatorError: number | null;
  /** Why `corrected` is null (or what it assumes), for the report. */
  correctionNote: string;
}

export interface BinaryProportionEstimate extends EstimateCommon {
  kind: 'binary';
  /** Share of samples the discriminator puts in the property class (Algorithm 2's output). */
  pHat: number;
  /** sqrt(ln(2/η) / (2n)). */
  hoeffdingRadius: number;
  /** p̂ ± r, clipped to [0, 1]: covers q (the discriminator's positive rate on the generator) w.p. ≥ 1 − η. */
  interval: Interval;
  /** Theorem 1: p̂ ± (r + e), clipped; covers p w.p. ≥ 1 − η if p_G = p. null when e is unknown. */
  theorem1Interval: Interval | null;
  /** (p̂ − FPR) / (TPR − FPR), clipped to [0, 1]; null when not offered (see correctionNote). */
  corrected: number | null;
  /** The Hoeffding interval pushed through the correction (TPR, FPR taken as exact), clipped. */
  correctedInterval: Interval | null;
  /**
   * Also covers the error of TPR and FPR, measured on the held-out split: Hoeffding on q, TPR and FPR at η/3
   * each (union bound), then the extremes of (q − f)/(t − f) over the box (they lie at its corners, as the
   * map is monotone in each argument). null when the box reaches t ≤ f or the correction is not offered.
   */
  correctedIntervalWithCalibration: Interval | null;
}

export interface OutcomeEstimate {
  outcome: string;
  pHat: number;
  /** p̂_k ± r_K clipped (union bound over the K classes). */
  interval: Interval;
  /** Component k of the corrected (clipped, renormalised) share vector; null when not offered. */
  corrected: number | null;
  /** Unclipped corrected share ± ‖(Mᵀ)⁻¹‖∞ · r_K, clipped to [0, 1]; null when not offered. */
  correctedInterval: Interval | null;
}

export interface MultiProportionEstimate extends EstimateCommon {
  kind: 'multi';
  /** Shares per outcome (sum to 1). */
  pHat: number[];
  /** Union-bound radius sqrt(ln(2K/η) / (2n)), the same for every outcome. */
  hoeffdingRadius: number;
  /** Corrected shares (sum to 1); null when not offered. */
  corrected: number[] | null;
  /** ‖(Mᵀ)⁻¹‖∞ · r_K: radius of the corrected shares before clipping; null when not offered. */
  correctedRadius: number | null;
  perValue: OutcomeEstimate[];
}

export type ProportionEstimate = BinaryProportionEstimate | MultiProportionEstimate;

/**
 * Algorithm 2: classify the first n samples with the discriminator, count, bound and correct. Binary
 * properties give a BinaryProportionEstimate; K-way ones (K ≥ 3 outcomes) a MultiProportionEstimate.
 */
export function estimateProportion(samples: Table, discriminator: PropertyDiscriminator, opts: EstimateOptions): ProportionEstimate {
  const { eta } = opts;
  if (!(eta > 0 && eta < 1)) throw new PropertyInferenceError('invalid-option', `eta (failure probability) must be in (0, 1), got ${eta}`);
  const available = samples.rows.length;
  const n = opts.n ?? available;
  if (!Number.isInteger(n) || n < 1) {
    throw new PropertyInferenceError('sample-budget', `n must be a positive integer number of samples, got ${n}${available === 0 ? ' (no samples were given)' : ''}`);
  }
  if (n > available) {
    throw new PropertyInferenceError('sample-budget', `n = ${n} samples requested but only ${available} are available: query more samples or lower n`);
  }
  if (opts.budgetSamples !== undefined && n > opts.budgetSamples) {
    throw new PropertyInferenceError('sample-budget', `n = ${n} samples exceeds the sample budget of ${opts.budgetSamples}: lower n or raise the budget`);
  }

  const used = n === available ? samples : { schema: samples.schema, rows: samples.rows.slice(0, n) };
  const predicted = discriminator.classify(used);
  const k = discriminator.outcomes.length;
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < predicted.length; i++) {
    const c = predicted[i];
    if (!(c >= 0 && c < k)) throw new Error(`estimateProportion: the discriminator returned class ${c} for sample ${i}, outside [0, ${k})`);
    counts[c]++;
  }
  const shares = counts.map((c) => c / n);
  const calibration = discriminator.calibration;
  const common: EstimateCommon = {
    property: describeProperty(discriminator.property),
    discriminator: discriminator.kind,
    outcomes: [...discriminator.outcomes],
    n,
    eta,
    discriminatorError: calibration ? calibration.error : null,
    correctionNote: '',
  };
  return k === 2 ? binaryEstimate(common, shares[1], calibration) : multiEstimate(common, shares, calibration);
}

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function clipInterval(lo: number, hi: number): Interval {
  return [clip01(lo), clip01(hi)];
}

function binaryEstimate(common: EstimateCommon, pHat: number, calibration: DiscriminatorCalibration | null): BinaryProportionEstimate {
  const r = hoeffdingRadius(common.n, common.eta);
  const out: BinaryProportionEstimate = {
    ...common,
    kind: 'binary',
    pHat,
    hoeffdingRadius: r,
    interval: clipInterval(pHat - r, pHat + r),
    theorem1Interval: calibration ? clipInterval(pHat - r - calibration.error, pHat + r + calibration.error) : null,
    corrected: null,
    correctedInterval: null,
    correctedIntervalWithCalibration: null,
  };
  if (!calibration || calibration.tpr === undefined || calibration.fpr === undefined) {
    out.correctionNote = 'not offered: the discriminator has no measured TPR/FPR (no calibration)';
    return out;
  }
  const { tpr, fpr } = calibration;
  const separation = tpr - fpr;
  if (!(separation >= MIN_CORRECTION_SEPARATION)) {
    out.correctionNote = `not offered: TPR − FPR = ${separation.toFixed(3)} < ${MIN_CORRECTION_SEPARATION}, the discriminator is too close to chance`;
    return out;
  }
  const invert = (q: number) => (q - fpr) / separation;
  out.corrected = clip01(invert(pHat));
  out.correctedInterval = clipInterval(invert(pHat - r), invert(pHat + r));
  if (calibration.heldOutRows === 0) {
    // Exact discriminator (identity): TPR = 1 and FPR = 0 carry no estimation error.
    out.correctedIntervalWithCalibration = out.correctedInterval;
    out.correctionNote = 'exact discriminator: corrected = raw';
    return out;
  }
  out.correctedIntervalWithCalibration = calibratedInterval(common, pHat, calibration);
  out.correctionNote = `(p̂ − FPR)/(TPR − FPR) with TPR = ${tpr.toFixed(3)}, FPR = ${fpr.toFixed(3)} from ${calibration.heldOutRows} held-out aux records; assumes label shift`;
  return out;
}

/** Corners of the (q, TPR, FPR) Hoeffding box at η/3 each; null when TPR ≤ FPR is possible inside it. */
function calibratedInterval(common: EstimateCommon, pHat: number, calibration: DiscriminatorCalibration): Interval | null {
  const positives = calibration.counts[1][0] + calibration.counts[1][1];
  const negatives = calibration.counts[0][0] + calibration.counts[0][1];
  if (positives === 0 || negatives === 0) return null;
  const third = common.eta / 3;
  const rq = hoeffdingRadius(common.n, third);
  const rt = hoeffdingRadius(positives, third);
  const rf = hoeffdingRadius(negatives, third);
  const ts = [clip01(calibration.tpr! - rt), clip01(calibration.tpr! + rt)];
  const fs = [clip01(calibration.fpr! - rf), clip01(calibration.fpr! + rf)];
  if (ts[0] - fs[1] <= 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const q of [pHat - rq, pHat + rq]) {
    for (const t of ts) {
      for (const f of fs) {
        const g = (q - f) / (t - f);
        lo = Math.min(lo, g);
        hi = Math.max(hi, g);
      }
    }
  }
  return clipInterval(lo, hi);
}

function multiEstimate(common: EstimateCommon, shares: number[], calibration: DiscriminatorCalibration | null): MultiProportionEstimate {
  const k = shares.length;
  const r = unionBoundRadius(common.n, common.eta, k);
  const out: MultiProportionEstimate = {
    ...common,
    kind: 'multi',
    pHat: shares,
    hoeffdingRadius: r,
    corrected: null,
    correctedRadius: null,
    perValue: shares.map((pHat, c) => ({
      outcome: common.outcomes[c],
      pHat,
      interval: clipInterval(pHat - r, pHat + r),
      corrected: null,
      correctedInterval: null,
    })),
  };
  if (!calibration) {
    out.correctionNote = 'not offered: the discriminator has no measured confusion matrix (no calibration)';
    return out;
  }
  if (calibration.rates.some((row) => row.some((v) => !Number.isFinite(v)))) {
    out.correctionNote = 'not offered: some class is absent from the held-out split, so its confusion row is unknown';
    return out;
  }
  // q = Mᵀ p  ⇒  p = (Mᵀ)⁻¹ q.
  const transposed = calibration.rates[0].map((_, j) => calibration.rates.map((row) => row[j]));
  const inverse = invertMatrix(transposed);
  if (!inverse) {
    out.correctionNote = 'not offered: the confusion matrix is singular (the discriminator cannot tell some classes apart)';
    return out;
  }
  const raw = inverse.map((row) => row.reduce((sum, a, j) => sum + a * shares[j], 0));
  const clipped = raw.map((v) => Math.max(0, v));
  const total = clipped.reduce((a, b) => a + b, 0);
  if (!(total > 0)) {
    out.correctionNote = 'not offered: the corrected shares are all ≤ 0';
    return out;
  }
  const corrected = clipped.map((v) => v / total);
  const norm = Math.max(...inverse.map((row) => row.reduce((sum, a) => sum + Math.abs(a), 0)));
  out.corrected = corrected;
  out.correctedRadius = norm * r;
  out.perValue.forEach((v, c) => {
    v.corrected = corrected[c];
    v.correctedInterval = clipInterval(raw[c] - norm * r, raw[c] + norm * r);
  });
  out.correctionNote =
    calibration.heldOutRows === 0
      ? 'exact discriminator: corrected = raw'
      : `(Mᵀ)⁻¹ q̂ with M measured on ${calibration.heldOutRows} held-out aux records, clipped at 0 and renormalised; assumes label shift; ‖(Mᵀ)⁻¹‖∞ = ${norm.toFixed(3)}`;
  return out;
}

/** Gauss–Jordan with partial pivoting; null when a pivot falls below SINGULAR_PIVOT. */
export function invertMatrix(matrix: number[][]): number[][] | null {
  const k = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: k }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let i = col + 1; i < k; i++) if (Math.abs(a[i][col]) > Math.abs(a[pivot][col])) pivot = i;
    if (Math.abs(a[pivot][col]) < SINGULAR_PIVOT) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const scale = a[col][col];
    for (let j = 0; j < 2 * k; j++) a[col][j] /= scale;
    for (let i = 0; i < k; i++) {
      if (i === col) continue;
      const factor = a[i][col];
      if (factor === 0) continue;
      for (let j = 0; j < 2 * k; j++) a[i][j] -= factor * a[col][j];
    }
  }
  return a.map((row) => row.slice(k));
}
