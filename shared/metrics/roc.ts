/**
 * THE ROC module: every membership-inference attack turns its raw scores into metrics here, and nowhere else
 * (style.md, "Scores are separate from metrics").
 *
 * Convention: a higher score means "more likely a member"; a record is flagged as a member when
 * score ≥ threshold. Equal scores are one group: a threshold flags all of them or none, so the ROC has one
 * point per distinct score and never a point that no threshold can realise.
 *
 * - AUC is the Mann–Whitney probability P(S_member > S_non) + ½·P(S_member = S_non), which equals the
 *   trapezoidal area under this tie-grouped ROC.
 * - TPR at FPR ≤ x is conservative, as in the evaluation of Carlini et al. 2022 ("Membership Inference
 *   Attacks From First Principles"), which reads the TPR off the last ROC point with FPR below x: the TPR
 *   of the lowest threshold whose FPR is still ≤ x, i.e. the best operating point that really exists with
 *   FPR ≤ x. No interpolation between points: with few non-members the interpolated value
 *   is an operating point that no threshold attains and overstates the attack at low FPR. If no threshold
 *   flags anything while keeping FPR ≤ x, the answer is 0 (the "flag nothing" point).
 *
 * All metrics of one score set are computed by a single sweep over tie groups with per-record weights, so the
 * bootstrap (members and non-members resampled separately, see `membershipMetrics`) costs O(n) per replicate
 * after one sort.
 */
import { Rng } from '../random';
import { bootstrapIntervals, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, Interval } from './bootstrap';

export interface RocPoint {
  fpr: number;
  tpr: number;
  /**
   * Records with score ≥ threshold are flagged members. The first point (0, 0) flags nothing and has
   * threshold +Infinity (serialised as null in JSON).
   */
  threshold: number;
}

/** FPR levels reported by `membershipMetrics`, as keys (strings, so they survive JSON unchanged). */
export const FPR_LEVELS = ['0.001', '0.01', '0.1'] as const;
export type FprLevel = (typeof FPR_LEVELS)[number];

export const DEFAULT_MAX_ROC_POINTS = 200;

/**
 * Scores of both classes ranked once. Record r < nMembers is member r; record nMembers + j is non-member j.
 * `thresholds` are the distinct scores in descending order; `group[r]` is the position of record r's score.
 */
interface RankedScores {
  nMembers: number;
  nNonMembers: number;
  thresholds: Float64Array;
  group: Int32Array;
}

function checkScores(name: string, scores: ArrayLike<number>): void {
  if (scores.length === 0) {
    throw new Error(`${name} is empty: ROC metrics need at least one member and one non-member score`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) {
      throw new Error(`${name}[${i}] is NaN: an attack must return a number for every record (use ±Infinity for certainty)`);
    }
  }
}

function rankScores(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>): RankedScores {
  checkScores('memberScores', memberScores);
  checkScores('nonMemberScores', nonMemberScores);
  const nMembers = memberScores.length;
  const nNonMembers = nonMemberScores.length;
  const total = nMembers + nNonMembers;
  const pooled = new Float64Array(total);
  for (let i = 0; i < nMembers; i++) pooled[i] = memberScores[i];
  for (let j = 0; j < nNonMembers; j++) pooled[nMembers + j] = nonMemberScores[j];
  const order = Array.from({ length: total }, (_, r) => r);
  // Descending; `<`/`>` rather than subtraction so that ±Infinity compare correctly (Inf − Inf is NaN).
  order.sort((a, b) => (pooled[a] > pooled[b] ? -1 : pooled[a] < pooled[b] ? 1 : 0));

  const group = new Int32Array(total);
  const thresholds: number[] = [];
  for (const r of order) {
    const score = pooled[r];
    if (thresholds.length === 0 || thresholds[thresholds.length - 1] !== score) thresholds.push(score);
    group[r] = thresholds.length - 1;
  }
  return { nMembers, nNonMembers, thresholds: Float64Array.from(thresholds), group };
}

/** Weighted member / non-member counts per tie group (weights = multiplicities in a resample, or all 1). */
interface GroupCounts {
  members: Float64Array;
  nonMembers: Float64Array;
  totalMembers: number;
  totalNonMembers: number;
}

function countGroups(ranked: RankedScores, indices?: ArrayLike<number>): GroupCounts {
  const members = new Float64Array(ranked.thresholds.length);
  const nonMembers = new Float64Array(ranked.thresholds.length);
  const add = (r: number): void => {
    if (r < ranked.nMembers) members[ranked.group[r]]++;
    else nonMembers[ranked.group[r]]++;
  };
  let totalMembers = 0;
  if (indices) {
    for (let k = 0; k < indices.length; k++) {
      add(indices[k]);
      if (indices[k] < ranked.nMembers) totalMembers++;
    }
    return { members, nonMembers, totalMembers, totalNonMembers: indices.length - totalMembers };
  }
  for (let r = 0; r < ranked.group.length; r++) add(r);
  return { members, nonMembers, totalMembers: ranked.nMembers, totalNonMembers: ranked.nNonMembers };
}

interface SweepResult {
  auc: number;
  tprAt: number[];
  balancedAccuracy: number;
  /** Index into the ROC points (0 = flag nothing, g + 1 = threshold thresholds[g]). */
  bestPoint: number;
}

/**
 * One pass from the highest threshold down. At each tie group the ROC moves from (fpr, tpr) to
 * (fpr + non/K, tpr + mem/M); members of the group beat every non-member strictly below and tie with the
 * group's non-members (counted ½): that is the Mann–Whitney sum.
 */
function sweep(counts: GroupCounts, fprLevels: readonly number[]): SweepResult {
  const M = counts.totalMembers;
  const K = counts.totalNonMembers;
  if (M === 0 || K === 0) {
    return { auc: NaN, tprAt: fprLevels.map(() => NaN), balancedAccuracy: NaN, bestPoint: 0 };
  }
  let tp = 0;
  let fp = 0;
  let pairs = 0;
  const tprAt = fprLevels.map(() => 0); // the (0, 0) point always satisfies FPR ≤ x
  let balancedAccuracy = 0.5;
  let bestPoint = 0;
  for (let g = 0; g < counts.members.length; g++) {
    const mem = counts.members[g];
    const non = counts.nonMembers[g];
    if (mem === 0 && non === 0) continue; // group absent from this resample: no point
    const nonBelow = K - fp - non;
    pairs += mem * (nonBelow + 0.5 * non);
    tp += mem;
    fp += non;
    const tpr = tp / M;
    const fpr = fp / K;
    for (let l = 0; l < fprLevels.length; l++) if (fpr <= fprLevels[l]) tprAt[l] = tpr;
    const bal = (tpr + 1 - fpr) / 2;
    if (bal > balancedAccuracy) {
      balancedAccuracy = bal;
      bestPoint = g + 1;
    }
  }
  return { auc: pairs / (M * K), tprAt, balancedAccuracy, bestPoint };
}

function checkFpr(maxFpr: number): void {
  if (!(maxFpr >= 0 && maxFpr <= 1)) throw new Error(`maxFpr must be in [0, 1], got ${maxFpr}`);
}

function rocFromRanked(ranked: RankedScores): RocPoint[] {
  const counts = countGroups(ranked);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY }];
  let tp = 0;
  let fp = 0;
  for (let g = 0; g < ranked.thresholds.length; g++) {
    tp += counts.members[g];
    fp += counts.nonMembers[g];
    points.push({ fpr: fp / ranked.nNonMembers, tpr: tp / ranked.nMembers, threshold: ranked.thresholds[g] });
  }
  return points;
}

/**
 * ROC curve, one point per distinct score plus the (0, 0) start, in order of decreasing threshold (so FPR and
 * TPR are non-decreasing). Ends at (1, 1). Throws on an empty class or a NaN score.
 */
export function rocCurve(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>): RocPoint[] {
  return rocFromRanked(rankScores(memberScores, nonMemberScores));
}

/** Mann–Whitney AUC: P(member score > non-member score) + ½ P(equal). 0.5 is chance. */
export function auc(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>): number {
  const ranked = rankScores(memberScores, nonMemberScores);
  return sweep(countGroups(ranked), []).auc;
}

/**
 * Conservative TPR at FPR ≤ maxFpr: the TPR of the lowest threshold whose FPR ≤ maxFpr (equivalently the
 * largest TPR among ROC points with FPR ≤ maxFpr). No interpolation; 0 if only "flag nothing" qualifies.
 */
export function tprAtFpr(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>, maxFpr: number): number {
  checkFpr(maxFpr);
  const ranked = rankScores(memberScores, nonMemberScores);
  return sweep(countGroups(ranked), [maxFpr]).tprAt[0];
}

/**
 * At most `maxPoints` actual ROC points (never interpolated) for a plot: the two ends, about half spread
 * evenly along the curve, and the rest at the conservative operating points of log-spaced FPRs from 1/K to 1,
 * so log-scale low-FPR plots keep their shape.
 */
export function downsampleRoc(points: readonly RocPoint[], maxPoints: number = DEFAULT_MAX_ROC_POINTS): RocPoint[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new Error(`downsampleRoc: maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  }
  if (points.length <= maxPoints) return points.slice();
  const last = points.length - 1;
  const keep = new Set<number>([0, last]);
  const even = Math.floor((maxPoints - 2) / 2);
  for (let i = 1; i <= even; i++) keep.add(Math.round((i * last) / (even + 1)));
  const logCount = maxPoints - 2 - even;
  // Smallest non-zero FPR on the curve sets the left end of the log grid.
  let minFpr = 1;
  for (const p of points) if (p.fpr > 0 && p.fpr < minFpr) minFpr = p.fpr;
  let cursor = 0;
  for (let i = 0; i < logCount; i++) {
    const level = logCount === 1 ? 1 : Math.exp(Math.log(minFpr) + (i / (logCount - 1)) * -Math.log(minFpr));
    while (cursor < last && points[cursor + 1].fpr <= level) cursor++;
    keep.add(cursor);
  }
  return [...keep].sort((a, b) => a - b).map((i) => points[i]);
}

export interface MembershipMetricsOptions {
  /** Bootstrap replicates (default 1000). */
  resamples?: number;
  /** Interval coverage (default 0.95). */
  confidence?: number;
  /** Cap on `rocPoints` (default 200). */
  maxRocPoints?: number;
}

export interface MembershipMetrics {
  /** Mann–Whitney AUC with a bootstrap interval. */
  auc: Interval;
  /** Conservative TPR at FPR ≤ level, on all scores. */
  tprAt: Record<FprLevel, number>;
  /** The same with bootstrap intervals (very wide when nNonMembers · level is small). */
  tprAtInterval: Record<FprLevel, Interval>;
  /**
   * max over thresholds of (TPR + TNR)/2. The threshold is chosen on the same scores it is measured on, so
   * this is an optimistic (best-case) attacker accuracy on a balanced prior.
   */
  balancedAccuracy: number;
  /** Threshold that attains `balancedAccuracy` (+Infinity if flagging nothing is best). */
  bestThreshold: number;
  nMembers: number;
  nNonMembers: number;
  /**
   * 1/nNonMembers: the smallest non-zero FPR these scores can show. A TPR at FPR ≤ level with
   * level < minResolvableFpr can only come from thresholds with zero false positives.
   */
  minResolvableFpr: number;
  /** At most `maxRocPoints` actual ROC points (see `downsampleRoc`). */
  rocPoints: RocPoint[];
  bootstrap: {
    resamples: number;
    confidence: number;
    /** Members and non-members are resampled separately, keeping both counts fixed. */
    stratified: true;
  };
}

/**
 * Everything a membership-inference result reports, from raw scores (higher = more likely member).
 * The bootstrap resamples members and non-members separately (stratified), since the two sets are drawn
 * separately and their sizes are fixed by the experiment.
 */
export function membershipMetrics(
  memberScores: ArrayLike<number>,
  nonMemberScores: ArrayLike<number>,
  rng: Rng,
  opts: MembershipMetricsOptions = {},
): MembershipMetrics {
  const ranked = rankScores(memberScores, nonMemberScores);
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  const levels = FPR_LEVELS.map(Number);
  const n = ranked.nMembers + ranked.nNonMembers;
  const strata = new Uint8Array(n);
  strata.fill(1, ranked.nMembers);

  const intervals = bootstrapIntervals(
    n,
    (indices) => {
      const result = sweep(countGroups(ranked, indices), levels);
      const out: Record<string, number> = { auc: result.auc };
      FPR_LEVELS.forEach((level, l) => (out[level] = result.tprAt[l]));
      return out;
    },
    { rng, resamples, confidence, strata },
  );
  const full = sweep(countGroups(ranked), levels);
  const strip = (key: string): Interval => ({
    estimate: intervals[key].estimate,
    low: intervals[key].low,
    high: intervals[key].high,
  });

  const points = rocFromRanked(ranked);
  return {
    auc: strip('auc'),
    tprAt: Object.fromEntries(FPR_LEVELS.map((level, l) => [level, full.tprAt[l]])) as Record<FprLevel, number>,
    tprAtInterval: Object.fromEntries(FPR_LEVELS.map((level) => [level, strip(level)])) as Record<FprLevel, Interval>,
    balancedAccuracy: full.balancedAccuracy,
    bestThreshold: points[full.bestPoint].threshold,
    nMembers: ranked.nMembers,
    nNonMembers: ranked.nNonMembers,
    minResolvableFpr: 1 / ranked.nNonMembers,
    rocPoints: downsampleRoc(points, opts.maxRocPoints ?? DEFAULT_MAX_ROC_POINTS),
    bootstrap: { resamples, confidence, stratified: true },
  };
}

/** AUC(A) − AUC(B) of two scorings of the same records, with a paired bootstrap interval. */
export interface AucDifference {
  /** AUC of score A and of score B on all records. */
  aucA: number;
  aucB: number;
  difference: Interval;
  bootstrap: { resamples: number; confidence: number; stratified: true; paired: true };
}

/**
 * Compares two scorings of ONE challenge set (e.g. the trimmed and the mean aggregation of one attack). Member r and
 * non-member j must be the same record in A and in B. Each replicate resamples the members and the non-members
 * (stratified, as in `membershipMetrics`) once and scores both on those same records, so the interval of the
 * difference is far narrower than two separate AUC intervals would suggest: most of the resampling noise is
 * shared by the two AUCs and cancels. (Two independent intervals that overlap say nothing about the sign.)
 */
export function pairedAucDifference(
  a: { members: ArrayLike<number>; nonMembers: ArrayLike<number> },
  b: { members: ArrayLike<number>; nonMembers: ArrayLike<number> },
  rng: Rng,
  opts: { resamples?: number; confidence?: number } = {},
): AucDifference {
  if (a.members.length !== b.members.length || a.nonMembers.length !== b.nonMembers.length) {
    throw new Error(
      `pairedAucDifference: the two scorings must cover the same records, got ${a.members.length}/${a.nonMembers.length} ` +
        `and ${b.members.length}/${b.nonMembers.length} members/non-members`,
    );
  }
  const rankedA = rankScores(a.members, a.nonMembers);
  const rankedB = rankScores(b.members, b.nonMembers);
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  const n = rankedA.nMembers + rankedA.nNonMembers;
  const strata = new Uint8Array(n);
  strata.fill(1, rankedA.nMembers);
  const intervals = bootstrapIntervals(
    n,
    (indices) => ({ difference: sweep(countGroups(rankedA, indices), []).auc - sweep(countGroups(rankedB, indices), []).auc }),
    { rng, resamples, confidence, strata },
  );
  const { estimate, low, high } = intervals.difference;
  return {
    aucA: sweep(countGroups(rankedA), []).auc,
    aucB: sweep(countGroups(rankedB), []).auc,
    difference: { estimate, low, high },
    bootstrap: { resamples, confidence, stratified: true, paired: true },
  };
}
