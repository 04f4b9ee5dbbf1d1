/**
 * The refusal oracle (issue 16's adaptive attacker against nearest-neighbour rejection; docs/privacy.md): a sharer
 * that withholds every x̂₀ within τ of a training record tells the receiver, by withholding, where its training
 * records are. At a small t the denoiser's x̂₀(x_t, t) of a record it memorised lands on that record, so a member's
 * answer is withheld; a non-member's x̂₀ stays near the non-member itself and is withheld only when that record
 * happens to lie within τ of a training record. Score = the share of the record's (t, noise draw) answers withheld.
 *
 * Against a sharer without a release guard nothing is ever withheld: every score is 0 and the AUC is exactly 0.5.
 * The oracle exists only because of the defence.
 */
import { z } from 'zod';
import type { ReceiverMove } from '../context';
import { timestepsFor } from '../membership/cost';
import { runQueryAttack, type MembershipEvidence } from '../membership/run';
import { scoreMembershipEvidence } from '../membership/score';
import { refusalAttack } from '../membership/scores';

export const refusalAttackConfigSchema = z.strictObject({
  /** The small t at which x̂₀ is asked (each on the model's schedule 0 … T−1, distinct). */
  timesteps: z
    .array(z.number().int().min(0))
    .min(1)
    .refine((v) => new Set(v).size === v.length, { error: 'expected each timestep at most once' })
    .default(() => [0, 2, 5, 10]),
  /** Noise draws per (record, t), one PredictX0 call each with its own seed. */
  noiseDraws: z.number().int().min(1).max(64).default(2),
  /** Records per PredictX0 call. */
  batchRecords: z.number().int().min(1).default(500),
});
export type RefusalAttackConfig = z.output<typeof refusalAttackConfigSchema>;

/** The timesteps checked against the model's T; throws naming the field. */
export function resolveRefusalTimesteps(config: Pick<RefusalAttackConfig, 'timesteps'>, T: number): number[] {
  const bad = config.timesteps.find((t) => t > T - 1);
  if (bad !== undefined) throw new Error(`timesteps: expected at most T − 1 = ${T - 1} (got ${bad})`);
  return config.timesteps;
}

export const miaRefusal: ReceiverMove<RefusalAttackConfig, MembershipEvidence> = {
  id: 'mia-refusal',
  party: 'receiver',
  goal: 'membership',
  describe: 'The refusal oracle: the share of a record’s x̂₀ answers at small t that a nearest-neighbour-rejecting sharer withholds',
  paper: 'issue 16 (adaptive attacker against NN rejection); refusals as a side channel, cf. Stadler et al. 2022 (USENIX Security) §6',
  reportName: 'refusal',
  requires: { access: ['gray-box'], membershipGame: true },
  configSchema: refusalAttackConfigSchema,
  cost(config, view) {
    // PredictX0 on records: K units per record per call, one call per noise draw; no Encode.
    return view.challenge * resolveRefusalTimesteps(config, timestepsFor(view, this.id)).length * config.noiseDraws;
  },
  run(config, ctx) {
    return runQueryAttack(this, config, ctx, (rows, seed) => refusalAttack(ctx.broker.grayBoxOracle(), rows, config, seed));
  },
  score: (evidence, _config, truth, label) => scoreMembershipEvidence(evidence, truth, label),
};
