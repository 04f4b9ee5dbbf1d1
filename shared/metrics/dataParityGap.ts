/**
 * The S–Y dependence of the records themselves, before any classifier: the label's demographic-parity gap
 *   P(y=1 | s=privileged) − P(y=1 | s=other)
 * (signed: a generator that reverses the direction of the dependence is not read as faithful), on the synthetic
 * records beside the real training records, and their difference. A generator that halves this gap hands the receiver
 * a fairer-looking world than the sharer's; the downstream classifier's DP gap (fairness.ts) inherits it.
 *
 * Intervals: the synthetic and the real records are independent samples, so one stratified percentile bootstrap
 * (bootstrap.ts) resamples each within itself, keeping both sizes, and every replicate gives the two gaps and their
 * difference at once. The difference's interval is therefore the bootstrap of the difference of independent
 * estimates, with no normal approximation. A resample in which a group is empty gives NaN and is skipped (counted).
 */
import type { Rng } from '../random';
import { bootstrapIntervals, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, type Interval } from './bootstrap';
import { checkBinaryInputs, type BinaryVector } from './fairness';

export interface LabelAndGroup {
  /** 1 where the record's label is the positive value. */
  y: BinaryVector;
  /** 1 where the record is in the privileged group. */
  s: BinaryVector;
}

export interface DataParityGapComparison {
  /** P(y=1 | s=1) − P(y=1 | s=0) on the synthetic records. */
  synthetic: Interval;
  /** The same on the real training records: the baseline. */
  real: Interval;
  /** synthetic − real: negative when the generator weakened a positive S–Y dependence. */
  syntheticMinusReal: Interval;
  /** Whether the synthetic gap's interval overlaps the real one's (issue 21's target). */
  intervalsOverlap: boolean;
  nSynthetic: number;
  nReal: number;
  /** Replicates where a group was empty in the synthetic or the real resample (no gap), skipped. */
  skippedResamples: number;
  bootstrap: { resamples: number; confidence: number; stratified: true };
}

/** P(y=1 | s=1) − P(y=1 | s=0) over the records at positions [from, to) of `indices`, shifted by `offset` (NaN if a group is empty). */
function signedGap(y: BinaryVector, s: BinaryVector, indices: Int32Array, from: number, to: number, offset: number): number {
  let n0 = 0;
  let n1 = 0;
  let pos0 = 0;
  let pos1 = 0;
  for (let k = from; k < to; k++) {
    const i = indices[k] - offset;
    if (s[i] === 1) {
      n1++;
      pos1 += y[i];
    } else {
      n0++;
      pos0 += y[i];
    }
  }
  return n0 === 0 || n1 === 0 ? NaN : pos1 / n1 - pos0 / n0;
}

export function dataParityGapComparison(
  synthetic: LabelAndGroup,
  real: LabelAndGroup,
  rng: Rng,
  opts: { resamples?: number; confidence?: number } = {},
): DataParityGapComparison {
  const nSynthetic = checkBinaryInputs({ syntheticY: synthetic.y, syntheticS: synthetic.s });
  const nReal = checkBinaryInputs({ realY: real.y, realS: real.s });
  if (nSynthetic === 0 || nReal === 0) throw new Error(`dataParityGapComparison: needs synthetic and real records, got ${nSynthetic} and ${nReal}`);
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  // Records 0..nSynthetic−1 are the synthetic ones, then the real ones; stratified resampling keeps them apart, and
  // draws each stratum's indices in its own block (synthetic first), so the blocks can be read by position.
  const strata = new Uint8Array(nSynthetic + nReal).fill(1, nSynthetic);
  const intervals = bootstrapIntervals(
    nSynthetic + nReal,
    (indices) => {
      const syntheticGap = signedGap(synthetic.y, synthetic.s, indices, 0, nSynthetic, 0);
      const realGap = signedGap(real.y, real.s, indices, nSynthetic, nSynthetic + nReal, nSynthetic);
      return { synthetic: syntheticGap, real: realGap, difference: syntheticGap - realGap };
    },
    { rng, resamples, confidence, strata },
  );
  const strip = ({ estimate, low, high }: Interval): Interval => ({ estimate, low, high });
  const [syn, rea] = [strip(intervals.synthetic), strip(intervals.real)];
  return {
    synthetic: syn,
    real: rea,
    syntheticMinusReal: strip(intervals.difference),
    intervalsOverlap: syn.low <= rea.high && rea.low <= syn.high,
    nSynthetic,
    nReal,
    skippedResamples: intervals.difference.skipped,
    bootstrap: { resamples, confidence, stratified: true },
  };
}
