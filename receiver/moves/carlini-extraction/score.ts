/**
 * The referee's score of Carlini extraction (Carlini et al. 2023 §4): the receiver's generations against the training
 * set (the members), with the same count against as many i.i.d. non-members (the first min(N, M)) as the chance
 * baseline.
 */
import { TableEncoder } from '../../../shared/data/encoder';
import { RECORD_SPACE_OPTIONS } from '../../../shared/data/recordDistance';
import { imageShapeOf, pixelsOf } from '../../../shared/data/imageTable';
import { dropColumns, type Table } from '../../../shared/data/table';
import { carliniExtraction, type ExtractionResult } from '../../../shared/metrics/extraction';
import type { ScoredMove } from '../../../shared/moves/move';
import type { RefereeTruth } from '../../../shared/moves/truth';
import { duplicatedFlags, type MembershipGame } from '../../../shared/scenario/membership';
import { gameOf } from '../membership/score';
import type { MembershipEvidence } from '../membership/run';
import type { ExtractionConfig } from '../membership/config';

export interface ExtractionSection {
  training: ExtractionResult;
  nonMemberBaseline: ExtractionResult;
  /** Per threshold: members extracted, non-members "extracted" by the same test, and the difference (the headline). */
  excess: ExtractionExcess[];
  distance: 'l2-pixels' | 'l2-encoded';
}

/** Carlini extraction at one ratio threshold: members extracted beside the same test on as many non-members. */
export interface ExtractionExcess {
  threshold: number;
  members: number;
  nonMembers: number;
  /** members − nonMembers: the records the criterion finds because they were trained on, not because they are typical. */
  excessOverNonMembers: number;
  /** With duplicated members (membership.duplicates): how many of the members extracted are duplicated ones, of how many. */
  duplicatedMembers?: { extracted: number; of: number };
}



/** `membership.extraction.<label>`: members extracted beside non-members at each threshold. */
export function scoreExtraction(
  evidence: MembershipEvidence,
  config: Pick<ExtractionConfig, 'neighbours' | 'thresholds'>,
  truth: Pick<RefereeTruth, 'game' | 'hideColumns'>,
  label: string,
): ScoredMove {
  if (!evidence.generations) throw new Error(`receiver.attacks[${evidence.index}] (${evidence.kind}): no generations to score`);
  const game = gameOf(truth, evidence);
  const measured = extractionAgainstGame(game, evidence.generations, truth.hideColumns, config);
  const duplicated = duplicatedFlags(game, 'members')?.filter(Boolean).length ?? 0;
  const section: ExtractionSection = { ...measured, excess: extractionExcess(measured.training, measured.nonMemberBaseline, duplicated) };
  return { report: { membership: { extraction: { [label]: section } } } };
}

function extractionExcess(training: ExtractionResult, baseline: ExtractionResult, duplicated: number): ExtractionExcess[] {
  return training.counts.map((c, i) => {
    const nonMembers = baseline.counts[i]?.extractedRecords ?? 0;
    return {
      threshold: c.threshold,
      members: c.extractedRecords,
      nonMembers,
      excessOverNonMembers: c.extractedRecords - nonMembers,
      ...(duplicated > 0 ? { duplicatedMembers: { extracted: c.extractedMarked ?? 0, of: duplicated } } : {}),
    };
  });
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
  // Duplicated members are counted apart (ExtractionExcess.duplicatedMembers); without any, the counts are unchanged.
  const marked = duplicatedFlags(game, 'members');
  const withMarks = marked ? { ...opts, marked } : opts;
  // The baseline reference set has as many records as the training set, so the two counts compare like for like.
  const nonMembers = dropColumns({ schema: game.nonMembers.schema, rows: game.nonMembers.rows.slice(0, members.rows.length) }, hideColumns);
  if (imageShapeOf(members.schema) && imageShapeOf(generations.schema)) {
    const g = pixelsOf(generations, 'generations').pixels;
    const train = pixelsOf(members, 'members').pixels;
    const D = train.length / Math.max(1, members.rows.length);
    return {
      training: carliniExtraction(g, train, D, withMarks),
      nonMemberBaseline: carliniExtraction(g, pixelsOf(nonMembers, 'non-members').pixels, D, opts),
      distance: 'l2-pixels',
    };
  }
  // The project's record distance (shared/data/recordDistance.ts), so that nn-rejection's τ is in these units.
  const encoder = TableEncoder.fit(members, RECORD_SPACE_OPTIONS);
  const g = encoder.encode(generations); // columns by name
  return {
    training: carliniExtraction(g, encoder.encode(members), encoder.width, withMarks),
    nonMemberBaseline: carliniExtraction(g, encoder.encode(nonMembers), encoder.width, opts),
    distance: 'l2-encoded',
  };
}

