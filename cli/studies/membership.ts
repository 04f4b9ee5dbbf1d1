/**
 * The referee's membership section (docs/mia.md): the game as drawn, the scores of every membership move (each scored
 * by its own move: receiver/moves/membership/score.ts, receiver/moves/carlini-extraction/score.ts) grouped by access
 * level, with the best score per grant, and every raw score with the truth in membership-scores.json for re-analysis.
 */
import { imageShapeOf } from '../../shared/data/imageTable';
import { downsampleRoc, FPR_LEVELS, type FprLevel } from '../../shared/metrics/roc';
import type { Interval } from '../../shared/metrics/bootstrap';
import type { MembershipGame } from '../../shared/scenario/membership';
import { ACCESS_LADDER } from '../../shared/scenario/lists';
import { scoreKey, type MembershipScoreEntry, type TrimmedVsMean } from '../../receiver/moves/membership/score';
import type { ExtractionSection } from '../../receiver/moves/carlini-extraction/score';

export interface MembershipSection {
  game: {
    pool: string;
    poolRows: number;
    members: number;
    nonMembers: number;
    challenge: number;
    /** Non-members of the plain draw that were exact copies of a member (shared columns), replaced (membership.ts). */
    nonMemberCopiesReplaced: number;
    /**
     * Near copies: how many non-members sit k shared columns away from their nearest member, by k (k = 1: a member's
     * twin but for one value). Null for image records, whose pixels always differ.
     */
    nonMembersByColumnsFromNearestMember: Record<string, number> | null;
  };
  /** Keyed by score name, e.g. loss-trimmed, x0-error-mean, secmi, pia, nearest-synthetic. */
  scores: Record<string, MembershipScoreEntry>;
  /**
   * Per grant, the score with the highest AUC among attacks needing it (chosen on these scores: optimistic), and the
   * largest empirical ε lower bound among them.
   */
  byAccess: Record<
    string,
    {
      best: string;
      auc: Interval;
      tprAt: Record<FprLevel, number>;
      /** At each FPR, the largest TPR of any score of the rung (the attacker's best choice there, not the best AUC's). */
      maxTprAt: Record<FprLevel, { tpr: number; score: string }>;
      empiricalEpsilon: number;
      /**
       * The best score's ROC curve, a bounded copy of its roc-<score>.json for the report's log-log plot
       * (cli/plots/rocLogLog.ts): at most ROC_POINTS_IN_REPORT real points, from FPR = 1/nonMembers (the smallest
       * FPR the game can resolve; a log axis has no 0) with TPR > 0. Absent when the ROC file is.
       */
      roc?: Array<{ fpr: number; tpr: number }>;
    }
  >;
  /** The largest empirical ε lower bound of any score, and which: what the attacks prove, beside an accountant's ε. */
  empiricalEpsilon: { epsilon: number; score: string | null; delta: number };
  /**
   * Zhu et al.'s trimmed aggregation against the plain mean, per attack that reports both: their AUCs, the
   * difference, and its paired bootstrap interval (both statistics scored on the same resampled records).
   */
  trimmedVsMean: Record<string, TrimmedVsMean>;
  /** `distance`: ℓ2 on pixel intensities (image records) or in the encoding fitted on the members (table records). */
  extraction?: Record<string, ExtractionSection>;
}

/**
 * A few rungs per run, a few variants per sweep: 60 points per curve keep report.json small while the log-spaced
 * half of downsampleRoc keeps the low-FPR end's shape.
 */
export const ROC_POINTS_IN_REPORT = 60;

/** The report's copy of one score's ROC points (as written to its roc-<score>.json), or undefined without them. */
export function rocForReport(rocFile: unknown, minResolvableFpr: number): Array<{ fpr: number; tpr: number }> | undefined {
  const points = (rocFile as { points?: Array<{ fpr: number; tpr: number; threshold: number | null }> } | undefined)?.points;
  if (!Array.isArray(points)) return undefined;
  const resolvable = points.filter((p) => p.fpr >= minResolvableFpr && p.tpr > 0).map((p) => ({ ...p, threshold: p.threshold ?? Infinity }));
  return downsampleRoc(resolvable, Math.max(2, Math.min(ROC_POINTS_IN_REPORT, resolvable.length))).map(({ fpr, tpr }) => ({ fpr, tpr }));
}

/** The file beside report.json with every raw membership score and the truth: `{ isMember, scores: { <key>: [...] } }`. */
export const MEMBERSHIP_SCORES_FILE = 'membership-scores.json';

/** What the moves' scorers put in the section (merged over the moves, in their order). */
export interface MembershipMoveScores {
  scores?: Record<string, MembershipScoreEntry>;
  trimmedVsMean?: Record<string, TrimmedVsMean>;
  extraction?: Record<string, ExtractionSection>;
}

/**
 * The section around the moves' scores, and the raw scores file (file name → content): `moves` are the labels and
 * raw scores of the moves that scored challenge records, in their order; `rocFiles` the scorers' roc-<score>.json
 * contents, by file name, of which the best score per rung is copied into the section.
 */
export function membershipSection(
  game: MembershipGame,
  scored: MembershipMoveScores,
  moves: ReadonlyArray<{ label: string; scores?: Record<string, number[]> }>,
  rocFiles: Record<string, unknown> = {},
): { section: MembershipSection; files: Record<string, unknown> } {
  const section: MembershipSection = {
    game: {
      pool: game.pool,
      poolRows: game.poolRows,
      members: game.members.rows.length,
      nonMembers: game.nonMembers.rows.length,
      challenge: game.challenge.rows.length,
      nonMemberCopiesReplaced: game.nonMemberCopiesReplaced,
      nonMembersByColumnsFromNearestMember: imageShapeOf(game.challenge.schema) ? null : columnsFromNearestMember(game),
    },
    scores: scored.scores ?? {},
    byAccess: {},
    empiricalEpsilon: { epsilon: 0, score: null, delta: 1e-5 },
    trimmedVsMean: scored.trimmedVsMean ?? {},
    ...(scored.extraction ? { extraction: scored.extraction } : {}),
  };
  const files: Record<string, unknown> = {};
  // Every raw score beside the truth, by challenge position, for re-analysis (the ROC files are downsampled).
  const rawScores: Record<string, number[]> = {};
  for (const move of moves) {
    for (const [scoreName, scores] of Object.entries(move.scores ?? {})) rawScores[scoreKey(move.label, scoreName)] = scores;
  }
  if (Object.keys(rawScores).length > 0) files[MEMBERSHIP_SCORES_FILE] = { isMember: game.isMember, scores: rawScores };
  for (const grant of ACCESS_LADDER) {
    const entries = Object.entries(section.scores).filter(([, e]) => e.access.includes(grant));
    if (entries.length === 0) continue;
    const [best, entry] = entries.reduce((a, b) => (b[1].auc.estimate > a[1].auc.estimate ? b : a));
    const maxTprAt = Object.fromEntries(
      FPR_LEVELS.map((level) => {
        const [score, e] = entries.reduce((a, b) => (b[1].tprAt[level] > a[1].tprAt[level] ? b : a));
        return [level, { tpr: e.tprAt[level], score }];
      }),
    ) as Record<FprLevel, { tpr: number; score: string }>;
    section.byAccess[grant] = {
      best,
      auc: entry.auc,
      tprAt: entry.tprAt,
      maxTprAt,
      empiricalEpsilon: Math.max(...entries.map(([, e]) => e.empiricalEpsilon.epsilon)),
    };
    const roc = rocForReport(rocFiles[entry.rocFile], entry.minResolvableFpr);
    if (roc && roc.length > 0) section.byAccess[grant].roc = roc;
  }
  for (const [key, e] of Object.entries(section.scores)) {
    if (e.empiricalEpsilon.epsilon > section.empiricalEpsilon.epsilon) section.empiricalEpsilon = { epsilon: e.empiricalEpsilon.epsilon, score: key, delta: e.empiricalEpsilon.delta };
  }
  return { section, files };
}

/** Per non-member, the fewest shared columns in which it differs from a member; counted by that number. */
function columnsFromNearestMember(game: MembershipGame): Record<string, number> {
  const rows = game.challenge.rows;
  const members = rows.filter((_, i) => game.isMember[i]);
  const counts: Record<string, number> = {};
  rows.forEach((row, i) => {
    if (game.isMember[i]) return;
    let fewest = row.length;
    for (const m of members) {
      let differing = 0;
      for (let j = 0; j < row.length && differing < fewest; j++) if (row[j] !== m[j]) differing++;
      fewest = Math.min(fewest, differing);
      if (fewest === 0) break;
    }
    counts[fewest] = (counts[fewest] ?? 0) + 1;
  });
  return counts;
}

