/**
 * The hole attacker (issue 16's adaptive black-box attacker against nearest-neighbour rejection; docs/privacy.md). A
 * sharer that never releases a record within τ of a training record leaves a hole of radius τ around every member:
 * its nearest synthetic record sits just beyond τ (the model still generates near it; the near ones are refused),
 * while a typical non-member has synthetic records at any distance, within τ included. The naive nearest-synthetic
 * attacker (small distance = member) is turned upside down by the hole; this one scores a record by how close its
 * nearest synthetic distance d is to the hole's edge: score = −|d − τ|.
 *
 * τ is the defence's public parameter (Kerckhoffs: the attacker knows the defence), but the receiver's config does
 * not see the sharer's, so the move takes the radii to try (`taus`) and reports one score per radius,
 * `hole-tau<τ with . written p>` (e.g. hole-tau0p5). Distances are those of mia-nearest-synthetic: the receiver fits
 * the encoding on the synthetic records (it has no other), which approximates the sharer's, fitted on its training set.
 */
import { z } from 'zod';
import type { ReceiverMove } from '../context';
import { runDrawingAttack, type MembershipEvidence } from '../membership/run';
import { scoreMembershipEvidence } from '../membership/score';
import { nearestSyntheticScores } from '../membership/scores';

export const holeAttackConfigSchema = z.strictObject({
  /** Synthetic records M drawn. */
  samples: z.number().int().min(1).default(5000),
  /** The rejection radii τ to score against, each > 0 (one score per radius). */
  taus: z
    .array(z.number().gt(0))
    .min(1)
    .refine((v) => new Set(v).size === v.length, { error: 'expected each radius at most once' }),
});
export type HoleAttackConfig = z.output<typeof holeAttackConfigSchema>;

/** The score name of radius τ: no dot, so that a report path can name it (hole-tau0p5). */
export function holeScoreName(tau: number): string {
  return `tau${String(tau).replace('.', 'p')}`;
}

/** Scores −|d − τ| per radius from the nearest-synthetic distances d (0 − x: +0 at the edge, not −0). */
export function holeScores(nearestDistance: readonly number[], taus: readonly number[]): Record<string, number[]> {
  return Object.fromEntries(taus.map((tau) => [holeScoreName(tau), nearestDistance.map((d) => 0 - Math.abs(d - tau))]));
}

export const miaHole: ReceiverMove<HoleAttackConfig, MembershipEvidence> = {
  id: 'mia-hole',
  party: 'receiver',
  goal: 'membership',
  describe: 'The hole attacker: how close a record’s nearest synthetic record is to the rejection radius τ (members sit just beyond it)',
  paper: 'issue 16 (adaptive attacker against NN rejection); GAN-Leaks-style distances (Chen et al. 2020)',
  reportName: 'hole',
  requires: { access: ['black-box'], membershipGame: true },
  configSchema: holeAttackConfigSchema,
  cost: (config) => config.samples,
  run(config, ctx) {
    return runDrawingAttack(this, config.samples, ctx, (synthetic, challenge) => {
      const nearest = nearestSyntheticScores(challenge, synthetic);
      // nearest-synthetic scores are −d.
      const d = nearest.scores.score.map((s) => -s);
      return { scores: holeScores(d, config.taus), details: { ...nearest.details, taus: config.taus } };
    });
  },
  score: (evidence, _config, truth, label) => scoreMembershipEvidence(evidence, truth, label),
};
