/**
 * Membership by how close the generation trajectory comes to the record (Zhu et al. 2023, SD generation-trajectory
 * variant for a class-conditional model; paper notes mia-s2l.md §1.3 (b), §4.3 item 2; docs/mia.md).
 */
import type { ReceiverMove } from '../context';
import { resolveTrajectorySteps, resolveTrim, trajectoryAttackConfigSchema, type TrajectoryAttackConfig } from '../membership/config';
import { generationFor, timestepsFor } from '../membership/cost';
import { runQueryAttack, type MembershipEvidence } from '../membership/run';
import { scoreMembershipEvidence } from '../membership/score';
import { trajectoryAttack } from '../membership/scores';

export const miaTrajectory: ReceiverMove<TrajectoryAttackConfig, MembershipEvidence> = {
  id: 'mia-trajectory',
  party: 'receiver',
  goal: 'membership',
  describe: 'Membership by how close the generation trajectory comes to the record: M generations of its class, −min over them of the x̂₀ error aggregated over the kept steps',
  paper: 'Zhu et al. 2023 (arXiv 2302.07801), SD generation-trajectory variant, for a class-conditional model (mia-s2l.md §1.3 (b), §4.3 item 2)',
  reportName: 'trajectory',
  requires: { access: ['gray-box'], membershipGame: true },
  configSchema: trajectoryAttackConfigSchema,
  cost(config, view) {
    const T = timestepsFor(view, this.id);
    const generation = generationFor(view, this.id);
    const K = resolveTrajectorySteps(config.timesteps, T, generation.samplerTimesteps).length;
    resolveTrim(config.trimLargest, K);
    // Encode the challenge, then M whole chains of S steps per class (GrayBox.Trajectory: count × S).
    return view.challenge + generation.classes * config.samples * generation.samplerTimesteps.length;
  },
  run(config, ctx) {
    return runQueryAttack(this, config, ctx, (rows, seed) => trajectoryAttack(ctx.broker.grayBoxOracle(), rows, config, seed));
  },
  score: (evidence, _config, truth, label) => scoreMembershipEvidence(evidence, truth, label),
};
