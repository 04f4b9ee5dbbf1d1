/**
 * Accuracy and group-fairness metrics of a binary classifier with a binary sensitive attribute s
 * (s = 1 is the privileged group, as in `TaskSpec.privileged`).
 *
 * Definitions (docs/metrics.md has the same with formulas):
 * - demographic parity gap  |P(ŷ=1 | s=1) − P(ŷ=1 | s=0)|                       (Calders & Verwer 2010)
 * - equalized odds gap      max(|TPR_s1 − TPR_s0|, |FPR_s1 − FPR_s0|)           (Hardt et al. 2016, Def. 1,
 *   measured as the larger of the two violations, as in fairlearn's `equalized_odds_difference`)
 *
 * Undefined quantities are NaN, never 0: a rate over an empty set (no records in a group, no positives in a
 * group for a TPR, no negatives for an FPR) is NaN, and every gap that needs it is NaN. A NaN therefore means
 * "this test set cannot measure it", and callers (the bootstrap) can count it instead of averaging a fake 0.
 * Length mismatches and non-binary values throw, because they are bugs, not data.
 *
 * Everything is computed from per-group confusion counts, so the bootstrap can evaluate all metrics on one
 * resample in a single pass (`confusionByGroup` with `indices`).
 */

/** A binary vector: values must be exactly 0 or 1. */
export type BinaryVector = Uint8Array | readonly number[];

export interface Confusion {
  /** ŷ=1, y=1 */
  tp: number;
  /** ŷ=1, y=0 */
  fp: number;
  /** ŷ=0, y=0 */
  tn: number;
  /** ŷ=0, y=1 */
  fn: number;
}

export interface GroupConfusion {
  s0: Confusion;
  s1: Confusion;
}

export interface GroupValues {
  s0: number;
  s1: number;
}

function checkBinary(name: string, values: BinaryVector): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) {
      throw new Error(`${name}[${i}] is ${v}; fairness metrics need binary vectors with values 0 or 1`);
    }
  }
}

/** Throws unless all vectors have the same length and hold only 0/1. */
export function checkBinaryInputs(vectors: Record<string, BinaryVector>): number {
  const entries = Object.entries(vectors);
  const n = entries[0][1].length;
  for (const [name, v] of entries) {
    if (v.length !== n) {
      const lengths = entries.map(([k, w]) => `${k}=${w.length}`).join(', ');
      throw new Error(`length mismatch (${lengths}): every vector must have one entry per record`);
    }
    checkBinary(name, v);
  }
  return n;
}

function emptyConfusion(): Confusion {
  return { tp: 0, fp: 0, tn: 0, fn: 0 };
}

/**
 * Per-group confusion counts. With `indices`, counts the records at those positions (with repetition, as a
 * bootstrap resample does); `indices` is not validated beyond bounds, the vectors are assumed checked.
 */
export function confusionByGroup(
  yTrue: BinaryVector,
  yPred: BinaryVector,
  s: BinaryVector,
  indices?: ArrayLike<number>,
): GroupConfusion {
  const groups = [emptyConfusion(), emptyConfusion()];
  const count = (i: number): void => {
    const c = groups[s[i]];
    if (yPred[i] === 1) {
      if (yTrue[i] === 1) c.tp++;
      else c.fp++;
    } else if (yTrue[i] === 1) c.fn++;
    else c.tn++;
  };
  if (indices) {
    for (let k = 0; k < indices.length; k++) count(indices[k]);
  } else {
    for (let i = 0; i < yTrue.length; i++) count(i);
  }
  return { s0: groups[0], s1: groups[1] };
}

/** a / b, or NaN when b = 0 (a rate over an empty set is undefined, not zero). */
function ratio(a: number, b: number): number {
  return b === 0 ? NaN : a / b;
}

export function totalOf(c: Confusion): number {
  return c.tp + c.fp + c.tn + c.fn;
}

function merge(a: Confusion, b: Confusion): Confusion {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, tn: a.tn + b.tn, fn: a.fn + b.fn };
}

export function accuracyOf(c: Confusion): number {
  return ratio(c.tp + c.tn, totalOf(c));
}

/** P(ŷ=1) within the counts. */
export function positiveRateOf(c: Confusion): number {
  return ratio(c.tp + c.fp, totalOf(c));
}

/** P(ŷ=1 | y=1); NaN without positives. */
export function truePositiveRateOf(c: Confusion): number {
  return ratio(c.tp, c.tp + c.fn);
}

/** P(ŷ=1 | y=0); NaN without negatives. */
export function falsePositiveRateOf(c: Confusion): number {
  return ratio(c.fp, c.fp + c.tn);
}

/** All metrics of this module from per-group counts (the single place their formulas live). */
export interface FairnessSummary {
  accuracy: number;
  accuracyS0: number;
  accuracyS1: number;
  positiveRateS0: number;
  positiveRateS1: number;
  tprS0: number;
  tprS1: number;
  fprS0: number;
  fprS1: number;
  dpGap: number;
  eoGap: number;
  nS0: number;
  nS1: number;
}

export function fairnessFromConfusion(g: GroupConfusion): FairnessSummary {
  const positiveRateS0 = positiveRateOf(g.s0);
  const positiveRateS1 = positiveRateOf(g.s1);
  const tprS0 = truePositiveRateOf(g.s0);
  const tprS1 = truePositiveRateOf(g.s1);
  const fprS0 = falsePositiveRateOf(g.s0);
  const fprS1 = falsePositiveRateOf(g.s1);
  // Math.abs(NaN) and NaN − x are NaN, so an empty group propagates to the gap. Math.max with a NaN argument
  // is NaN too, so the EO gap is NaN as soon as either of its two rates is undefined (deliberately: a
  // "max" over only the measurable part would understate the violation).
  const dpGap = Math.abs(positiveRateS1 - positiveRateS0);
  const eoGap = Math.max(Math.abs(tprS1 - tprS0), Math.abs(fprS1 - fprS0));
  return {
    accuracy: accuracyOf(merge(g.s0, g.s1)),
    accuracyS0: accuracyOf(g.s0),
    accuracyS1: accuracyOf(g.s1),
    positiveRateS0,
    positiveRateS1,
    tprS0,
    tprS1,
    fprS0,
    fprS1,
    dpGap,
    eoGap,
    nS0: totalOf(g.s0),
    nS1: totalOf(g.s1),
  };
}

/** Fraction of records with ŷ = y; NaN for zero records. */
export function accuracy(yTrue: BinaryVector, yPred: BinaryVector): number {
  const n = checkBinaryInputs({ yTrue, yPred });
  let correct = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === yPred[i]) correct++;
  return ratio(correct, n);
}

/** Accuracy within each group; a group with no records gives NaN. */
export function perGroupAccuracy(yTrue: BinaryVector, yPred: BinaryVector, s: BinaryVector): GroupValues {
  checkBinaryInputs({ yTrue, yPred, s });
  const g = confusionByGroup(yTrue, yPred, s);
  return { s0: accuracyOf(g.s0), s1: accuracyOf(g.s1) };
}

/** P(ŷ=1 | s=0) and P(ŷ=1 | s=1); a group with no records gives NaN. */
export function positiveRateByGroup(yPred: BinaryVector, s: BinaryVector): GroupValues {
  checkBinaryInputs({ yPred, s });
  // yTrue does not matter for positive rates; reuse yPred so the counts stay in one function.
  const g = confusionByGroup(yPred, yPred, s);
  return { s0: positiveRateOf(g.s0), s1: positiveRateOf(g.s1) };
}

/** |P(ŷ=1 | s=1) − P(ŷ=1 | s=0)|; NaN if either group is empty. */
export function demographicParityGap(yPred: BinaryVector, s: BinaryVector): number {
  const rates = positiveRateByGroup(yPred, s);
  return Math.abs(rates.s1 - rates.s0);
}

/**
 * max(|TPR_s1 − TPR_s0|, |FPR_s1 − FPR_s0|): the largest violation of equalized odds (Hardt et al. 2016).
 * NaN if some group has no positives or no negatives, because then one of the four rates is undefined.
 */
export function equalizedOddsGap(yTrue: BinaryVector, yPred: BinaryVector, s: BinaryVector): number {
  checkBinaryInputs({ yTrue, yPred, s });
  return fairnessFromConfusion(confusionByGroup(yTrue, yPred, s)).eoGap;
}

/** Every metric above in one pass, after validating the inputs. */
export function fairnessSummary(yTrue: BinaryVector, yPred: BinaryVector, s: BinaryVector): FairnessSummary {
  checkBinaryInputs({ yTrue, yPred, s });
  return fairnessFromConfusion(confusionByGroup(yTrue, yPred, s));
}
