/**
 * The privacy a membership attack proves was lost: an empirical lower bound on ε (Jagielski et al. 2020; Nasr et al.
 * 2021). An (ε, δ)-DP training bounds every test that tells members from non-members: TPR ≤ e^ε·FPR + δ and
 * 1 − FPR ≤ e^ε·(1 − TPR) + δ. So at any threshold, ε ≥ log((TPR − δ)/FPR) and ε ≥ log((1 − FPR − δ)/(1 − TPR)).
 * With TPR and FPR measured on finite samples, each is replaced by the end of its Clopper–Pearson interval (one-sided
 * at half the miss rate, so that both hold together) that makes the bound smaller: at a fixed threshold the bound holds
 * with the confidence level.
 *
 * The threshold here is the best one on the very scores it is measured on, which makes the reported bound optimistic
 * (as the ROC's best score per rung is): it is a measurement to set beside the accountant's ε, which it must never
 * exceed, not a certificate.
 */
import { jStat } from 'jstat';

/** Clopper–Pearson bounds on a binomial proportion k/n, each one-sided at `confidence`. */
export function clopperPearson(k: number, n: number, confidence = 0.95): { low: number; high: number } {
  if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 0 && k <= n && n > 0)) throw new Error(`clopperPearson: expected 0 ≤ k ≤ n, n > 0 (got ${k}/${n})`);
  const alpha = 1 - confidence;
  return {
    low: k === 0 ? 0 : jStat.beta.inv(alpha, k, n - k + 1),
    high: k === n ? 1 : jStat.beta.inv(1 - alpha, k + 1, n - k),
  };
}

export interface EmpiricalEpsilon {
  /** The largest ε any threshold proves (0 when none proves any). */
  epsilon: number;
  /** The threshold that proves it (score ≥ threshold = member), or null. */
  threshold: number | null;
  delta: number;
  confidence: number;
}

/** The empirical ε lower bound of a score (higher = member) on labelled members and non-members. */
export function empiricalEpsilonLowerBound(memberScores: readonly number[], nonMemberScores: readonly number[], delta = 1e-5, confidence = 0.95): EmpiricalEpsilon {
  const nM = memberScores.length;
  const nN = nonMemberScores.length;
  if (nM === 0 || nN === 0) throw new Error('empiricalEpsilonLowerBound: expected members and non-members');
  const members = [...memberScores].sort((a, b) => b - a);
  const nonMembers = [...nonMemberScores].sort((a, b) => b - a);
  let best: EmpiricalEpsilon = { epsilon: 0, threshold: null, delta, confidence };
  // Candidate thresholds: each member score (flagging members from the top); counts by two pointers, descending.
  let j = 0;
  for (let i = 0; i < nM; i++) {
    const threshold = members[i];
    if (i + 1 < nM && members[i + 1] === threshold) continue;
    while (j < nN && nonMembers[j] >= threshold) j++;
    // Both proportions must hold their ends at once: each at 1 − (1 − confidence)/2 (a union bound).
    const each = 1 - (1 - confidence) / 2;
    const tpr = clopperPearson(i + 1, nM, each);
    const fpr = clopperPearson(j, nN, each);
    const fromPositives = tpr.low > delta && fpr.high > 0 ? Math.log((tpr.low - delta) / fpr.high) : 0;
    // The complementary test (score below the threshold = non-member): TNR ≥ 1 − FPR_high, FNR ≤ 1 − TPR_low.
    const fromNegatives = 1 - fpr.high - delta > 0 && 1 - tpr.low > 0 ? Math.log((1 - fpr.high - delta) / (1 - tpr.low)) : 0;
    const epsilon = Math.max(fromPositives, fromNegatives);
    if (epsilon > best.epsilon) best = { epsilon, threshold, delta, confidence };
  }
  return best;
}
