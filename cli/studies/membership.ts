/**
 * The referee's half of the membership game (docs/mia.md): the receiver's scores against the ground truth,
 * through THE ROC module (shared/metrics/roc.ts: AUC, conservative TPR at 0.1%, 1%, 10% FPR, stratified bootstrap
 * intervals), one entry per (attack, score) beside chance, grouped by access level; and Carlini extraction on the
 * receiver's generations against the training set (the members), with the same count against as many i.i.d.
 * non-members (the first min(N, M)) as the chance baseline. The ROC points go to roc-<score>.json beside report.json,
 * and every raw score with the truth to membership-scores.json.
 */
import { TableEncoder } from '../../shared/data/encoder';
import { imageShapeOf, pixelsOf } from '../../shared/data/imageTable';
import { dropColumns, type Table } from '../../shared/data/table';
import { Rng, deriveSeed } from '../../shared/random';
import { membershipMetrics, pairedAucDifference, type FprLevel, type RocPoint } from '../../shared/metrics/roc';
import type { Interval } from '../../shared/metrics/bootstrap';
import { carliniExtraction, type ExtractionResult } from '../../shared/metrics/extraction';
import type { MembershipGame } from '../../shared/scenario/membership';
import { ACCESS_LADDER } from '../../shared/scenario/lists';

export interface MembershipAttackEvidence {
  kind: string;
  index: number;
  access: string[];
  scores?: Record<string, number[]>;
  details?: Record<string, unknown>;
  generations?: Table;
  seconds?: number;
}

export interface MembershipScoreEntry {
  attack: string;
  index: number;
  /** The grant(s) the attack needed: its rung of the ladder. */
  access: string[];
  /** The score's name within the attack (an aggregation, or "score"). */
  score: string;
  auc: Interval;
  tprAt: Record<FprLevel, number>;
  tprAtInterval: Record<FprLevel, Interval>;
  balancedAccuracy: number;
  /** AUC − 0.5 with its interval: the advantage over chance. */
  aucOverChance: Interval;
  nMembers: number;
  nNonMembers: number;
  minResolvableFpr: number;
  rocFile: string;
  details?: Record<string, unknown>;
}

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
  /** Per grant, the score with the highest AUC among attacks needing it (chosen on these scores: optimistic). */
  byAccess: Record<string, { best: string; auc: Interval; tprAt: Record<FprLevel, number> }>;
  /** The trimmed statistic beside the plain mean, for each attack that computed both. */
  /**
   * Zhu et al.'s trimmed aggregation against the plain mean, per attack that reports both: their AUCs, the
   * difference, and its paired bootstrap interval (both statistics scored on the same resampled records).
   */
  trimmedVsMean: Record<string, TrimmedVsMean>;
  /** `distance`: ℓ2 on pixel intensities (image records) or in the encoding fitted on the members (table records). */
  extraction?: Record<string, ExtractionSection>;
}

export interface ExtractionSection {
  training: ExtractionResult;
  nonMemberBaseline: ExtractionResult;
  /** Per threshold: members extracted, non-members "extracted" by the same test, and the difference (the headline). */
  excess: ExtractionExcess[];
  distance: 'l2-pixels' | 'l2-encoded';
}

export interface TrimmedVsMean {
  trimmed: number;
  mean: number;
  /** AUC(trimmed) − AUC(mean), with its 95% paired stratified bootstrap interval (assert on `.low`). */
  difference: Interval;
  /** The interval decides: trimmed-better (low > 0), mean-better (high < 0), or a tie (it holds 0). */
  verdict: 'trimmed-better' | 'mean-better' | 'tie';
}

/** Carlini extraction at one ratio threshold: members extracted beside the same test on as many non-members. */
export interface ExtractionExcess {
  threshold: number;
  members: number;
  nonMembers: number;
  /** members − nonMembers: the records the criterion finds because they were trained on, not because they are typical. */
  excessOverNonMembers: number;
}


function shortName(kind: string): string {
  return kind.replace(/^mia-/, '');
}

/** Scores the game; returns the report section and the ROC files to write (file name → content). */
export function scoreMembership(
  game: MembershipGame,
  attacks: readonly MembershipAttackEvidence[],
  opts: { seed: number; hideColumns: readonly string[]; resamples?: number },
): { section: MembershipSection; rocFiles: Record<string, unknown> } {
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
    scores: {},
    byAccess: {},
    trimmedVsMean: {},
  };
  const rocFiles: Record<string, unknown> = {};
  const kindCount = new Map<string, number>();
  for (const a of attacks) kindCount.set(a.kind, (kindCount.get(a.kind) ?? 0) + 1);

  for (const attack of attacks) {
    const prefix = shortName(attack.kind) + ((kindCount.get(attack.kind) ?? 0) > 1 ? `-a${attack.index}` : '');
    if (attack.scores) {
      // Each score split into members and non-members once, for its metrics and for the trimmed-vs-mean comparison.
      const split: Record<string, { members: number[]; nonMembers: number[] }> = {};
      for (const [scoreName, scores] of Object.entries(attack.scores)) {
        if (scores.length !== game.isMember.length) {
          throw new Error(`receiver.attacks[${attack.index}] (${attack.kind}): ${scores.length} scores "${scoreName}" for ${game.isMember.length} challenge records`);
        }
        const memberScores = scores.filter((_, i) => game.isMember[i]);
        const nonMemberScores = scores.filter((_, i) => !game.isMember[i]);
        split[scoreName] = { members: memberScores, nonMembers: nonMemberScores };
        const key = scoreName === 'score' ? prefix : `${prefix}-${scoreName}`;
        const metrics = membershipMetrics(memberScores, nonMemberScores, new Rng(deriveSeed(opts.seed, `membership/${key}`)), { resamples: opts.resamples });
        const rocFile = `roc-${key}.json`;
        rocFiles[rocFile] = { attack: attack.kind, score: scoreName, access: attack.access, auc: metrics.auc.estimate, points: metrics.rocPoints.map(pointForJson) };
        section.scores[key] = {
          attack: attack.kind,
          index: attack.index,
          access: attack.access,
          score: scoreName,
          auc: metrics.auc,
          tprAt: metrics.tprAt,
          tprAtInterval: metrics.tprAtInterval,
          balancedAccuracy: metrics.balancedAccuracy,
          aucOverChance: { estimate: metrics.auc.estimate - 0.5, low: metrics.auc.low - 0.5, high: metrics.auc.high - 0.5 },
          nMembers: metrics.nMembers,
          nNonMembers: metrics.nNonMembers,
          minResolvableFpr: metrics.minResolvableFpr,
          rocFile,
          ...(attack.details ? { details: attack.details } : {}),
        };
      }
      if (attack.scores.trimmed && attack.scores.mean) {
        const compared = pairedAucDifference(split.trimmed, split.mean, new Rng(deriveSeed(opts.seed, `membership/${prefix}/trimmed-vs-mean`)), {
          resamples: opts.resamples,
        });
        const { estimate, low, high } = compared.difference;
        section.trimmedVsMean[prefix] = {
          trimmed: compared.aucA,
          mean: compared.aucB,
          difference: { estimate, low, high },
          verdict: low > 0 ? 'trimmed-better' : high < 0 ? 'mean-better' : 'tie',
        };
      }
    }
    if (attack.generations) {
      const details = attack.details as { neighbours: number; thresholds: number[] };
      section.extraction ??= {};
      const measured = extractionAgainstGame(game, attack.generations, opts.hideColumns, details);
      section.extraction[prefix] = { ...measured, excess: extractionExcess(measured.training, measured.nonMemberBaseline) };
    }
  }
  // Every raw score beside the truth, by challenge position, for re-analysis (the ROC files are downsampled).
  const rawScores: Record<string, number[]> = {};
  for (const attack of attacks) {
    const prefix = shortName(attack.kind) + ((kindCount.get(attack.kind) ?? 0) > 1 ? `-a${attack.index}` : '');
    for (const [scoreName, scores] of Object.entries(attack.scores ?? {})) rawScores[scoreName === 'score' ? prefix : `${prefix}-${scoreName}`] = scores;
  }
  if (Object.keys(rawScores).length > 0) rocFiles['membership-scores.json'] = { isMember: game.isMember, scores: rawScores };
  for (const grant of ACCESS_LADDER) {
    const entries = Object.entries(section.scores).filter(([, e]) => e.access.includes(grant));
    if (entries.length === 0) continue;
    const [best, entry] = entries.reduce((a, b) => (b[1].auc.estimate > a[1].auc.estimate ? b : a));
    section.byAccess[grant] = { best, auc: entry.auc, tprAt: entry.tprAt };
  }
  return { section, rocFiles };
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

function extractionExcess(training: ExtractionResult, baseline: ExtractionResult): ExtractionExcess[] {
  return training.counts.map((c, i) => {
    const nonMembers = baseline.counts[i]?.extractedRecords ?? 0;
    return { threshold: c.threshold, members: c.extractedRecords, nonMembers, excessOverNonMembers: c.extractedRecords - nonMembers };
  });
}

function pointForJson(p: RocPoint): { fpr: number; tpr: number; threshold: number | null } {
  return { fpr: p.fpr, tpr: p.tpr, threshold: Number.isFinite(p.threshold) ? p.threshold : null };
}

/**
 * Carlini's criterion in an encoding fitted on the training set (standardised numerics, one-hot categories), or,
 * for image records, on the pixel intensities themselves (ℓ2 in pixel space, as Carlini et al. do on CIFAR-10;
 * the label is left out, and standardising each pixel would let near-constant border pixels decide the distance).
 */
function extractionAgainstGame(
  game: MembershipGame,
  generations: Table,
  hideColumns: readonly string[],
  opts: { neighbours: number; thresholds: number[] },
): { training: ExtractionResult; nonMemberBaseline: ExtractionResult; distance: 'l2-pixels' | 'l2-encoded' } {
  const members = dropColumns(game.members, hideColumns);
  // The baseline reference set has as many records as the training set, so the two counts compare like for like.
  const nonMembers = dropColumns({ schema: game.nonMembers.schema, rows: game.nonMembers.rows.slice(0, members.rows.length) }, hideColumns);
  if (imageShapeOf(members.schema) && imageShapeOf(generations.schema)) {
    const g = pixelsOf(generations, 'generations').pixels;
    const train = pixelsOf(members, 'members').pixels;
    const D = train.length / Math.max(1, members.rows.length);
    return {
      training: carliniExtraction(g, train, D, opts),
      nonMemberBaseline: carliniExtraction(g, pixelsOf(nonMembers, 'non-members').pixels, D, opts),
      distance: 'l2-pixels',
    };
  }
  const encoder = TableEncoder.fit(members, { numeric: 'standard', categorical: 'onehot' });
  const g = encoder.encode(generations); // columns by name
  return {
    training: carliniExtraction(g, encoder.encode(members), encoder.width, opts),
    nonMemberBaseline: carliniExtraction(g, encoder.encode(nonMembers), encoder.width, opts),
    distance: 'l2-encoded',
  };
}
