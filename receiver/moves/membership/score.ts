/**
 * The referee's score of one membership move's evidence (docs/mia.md): each of its scores against who is a member,
 * through THE ROC module (shared/metrics/roc.ts: AUC, conservative TPR at 0.1%, 1%, 10% FPR, stratified bootstrap
 * intervals) beside chance, and, when the move computed both, Zhu et al.'s trimmed statistic against the plain mean
 * with a paired interval. The ROC points go to roc-<score>.json beside report.json. The section around these
 * (the game, the best score per grant, the raw scores file) is cli/studies/membership.ts.
 */
import { Rng, deriveSeed } from '../../../shared/random';
import { membershipMetrics, pairedAucDifference, type MembershipMetrics, type RocPoint } from '../../../shared/metrics/roc';
import type { Interval } from '../../../shared/metrics/bootstrap';
import type { ScoredMove } from '../../../shared/moves/move';
import { empiricalEpsilonLowerBound, type EmpiricalEpsilon } from '../../../shared/metrics/empiricalEpsilon';
import type { RefereeTruth } from '../../../shared/moves/truth';
import { duplicatedFlags, type MembershipGame } from '../../../shared/scenario/membership';
import type { MembershipEvidence } from './run';

/** One score of a membership move: the ROC module's metrics (shared/metrics/roc.ts), beside chance. */
export type MembershipScoreEntry = Pick<MembershipMetrics, 'auc' | 'tprAt' | 'tprAtInterval' | 'balancedAccuracy' | 'nMembers' | 'nNonMembers' | 'minResolvableFpr'> & {
  attack: string;
  index: number;
  /** The grant(s) the attack needed: its rung of the ladder. */
  access: string[];
  /** The score's name within the attack (an aggregation, or "score"). */
  score: string;
  /** AUC − 0.5 with its interval: the advantage over chance. */
  aucOverChance: Interval;
  /** The ε this score proves was lost (shared/metrics/empiricalEpsilon.ts): set it beside an accountant's ε. */
  empiricalEpsilon: EmpiricalEpsilon;
  rocFile: string;
  /** With duplicated members (membership.duplicates): the AUC of the duplicated and of the single members, each against every non-member. */
  byCopies?: { duplicated: Interval; single: Interval; nDuplicated: number; nSingle: number };
  details?: Record<string, unknown>;
};

/** The AUC of duplicated members and of single members against the same non-members (memorisation grows with copies). */
function aucByCopies(values: readonly number[], game: MembershipGame, duplicated: readonly boolean[], seed: number): NonNullable<MembershipScoreEntry['byCopies']> {
  const nonMembers = values.filter((_, i) => !game.isMember[i]);
  const of = (want: boolean) => values.filter((_, i) => game.isMember[i] && duplicated[i] === want);
  const dup = of(true);
  const single = of(false);
  return {
    duplicated: membershipMetrics(dup, nonMembers, new Rng(deriveSeed(seed, 'duplicated'))).auc,
    single: membershipMetrics(single, nonMembers, new Rng(deriveSeed(seed, 'single'))).auc,
    nDuplicated: dup.length,
    nSingle: single.length,
  };
}

export interface TrimmedVsMean {
  trimmed: number;
  mean: number;
  /** AUC(trimmed) − AUC(mean), with its 95% paired stratified bootstrap interval (assert on `.low`). */
  difference: Interval;
  /** The interval decides: trimmed-better (low > 0), mean-better (high < 0), or a tie (it holds 0). */
  verdict: 'trimmed-better' | 'mean-better' | 'tie';
}


/** The game a membership move is scored on; throws when the scenario played none (the loader prevents it). */
export function gameOf(truth: Pick<RefereeTruth, 'game'>, evidence: { index: number; kind: string }): MembershipGame {
  if (!truth.game) throw new Error(`receiver.attacks[${evidence.index}] (${evidence.kind}): scored without a membership game`);
  return truth.game;
}

/** The report key of one score of a move: its label alone for a single-statistic move, else label-score. */
export function scoreKey(label: string, scoreName: string): string {
  return scoreName === 'score' ? label : `${label}-${scoreName}`;
}

/**
 * One score-family move scored: `membership.scores.<key>` per score, `membership.trimmedVsMean.<label>` when it has
 * both statistics, and a roc-<key>.json per score.
 */
export function scoreMembershipEvidence(
  attack: MembershipEvidence,
  truth: Pick<RefereeTruth, 'game' | 'seed'>,
  label: string,
  opts: { resamples?: number } = {},
): ScoredMove {
  const game = gameOf(truth, attack);
  const seed = deriveSeed(truth.seed, 'membership');
  const scores: Record<string, MembershipScoreEntry> = {};
  const trimmedVsMean: Record<string, TrimmedVsMean> = {};
  const files: Record<string, unknown> = {};
  // Each score split into members and non-members once, for its metrics and for the trimmed-vs-mean comparison.
  const split: Record<string, { members: number[]; nonMembers: number[] }> = {};
  const duplicated = duplicatedFlags(game, 'challenge');
  for (const [scoreName, values] of Object.entries(attack.scores ?? {})) {
    if (values.length !== game.isMember.length) {
      throw new Error(`receiver.attacks[${attack.index}] (${attack.kind}): ${values.length} scores "${scoreName}" for ${game.isMember.length} challenge records`);
    }
    const memberScores = values.filter((_, i) => game.isMember[i]);
    const nonMemberScores = values.filter((_, i) => !game.isMember[i]);
    split[scoreName] = { members: memberScores, nonMembers: nonMemberScores };
    const key = scoreKey(label, scoreName);
    const metrics = membershipMetrics(memberScores, nonMemberScores, new Rng(deriveSeed(seed, `membership/${key}`)), { resamples: opts.resamples });
    const rocFile = `roc-${key}.json`;
    files[rocFile] = { attack: attack.kind, score: scoreName, access: attack.access, auc: metrics.auc.estimate, points: metrics.rocPoints.map(pointForJson) };
    scores[key] = {
      attack: attack.kind,
      index: attack.index,
      access: attack.access,
      score: scoreName,
      auc: metrics.auc,
      tprAt: metrics.tprAt,
      tprAtInterval: metrics.tprAtInterval,
      balancedAccuracy: metrics.balancedAccuracy,
      aucOverChance: { estimate: metrics.auc.estimate - 0.5, low: metrics.auc.low - 0.5, high: metrics.auc.high - 0.5 },
      empiricalEpsilon: empiricalEpsilonLowerBound(memberScores, nonMemberScores),
      nMembers: metrics.nMembers,
      nNonMembers: metrics.nNonMembers,
      minResolvableFpr: metrics.minResolvableFpr,
      rocFile,
      ...(duplicated ? { byCopies: aucByCopies(values, game, duplicated, deriveSeed(seed, `membership/${key}/copies`)) } : {}),
      ...(attack.details ? { details: attack.details } : {}),
    };
  }
  if (split.trimmed && split.mean) {
    const compared = pairedAucDifference(split.trimmed, split.mean, new Rng(deriveSeed(seed, `membership/${label}/trimmed-vs-mean`)), {
      resamples: opts.resamples,
    });
    const { estimate, low, high } = compared.difference;
    trimmedVsMean[label] = {
      trimmed: compared.aucA,
      mean: compared.aucB,
      difference: { estimate, low, high },
      verdict: low > 0 ? 'trimmed-better' : high < 0 ? 'mean-better' : 'tie',
    };
  }
  return { report: { membership: { scores, trimmedVsMean } }, files };
}

function pointForJson(p: RocPoint): { fpr: number; tpr: number; threshold: number | null } {
  return { fpr: p.fpr, tpr: p.tpr, threshold: Number.isFinite(p.threshold) ? p.threshold : null };
}


