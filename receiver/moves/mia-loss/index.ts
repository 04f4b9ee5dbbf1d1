/** White-box membership inference by the per-timestep denoising losses (Zhu et al. 2023; docs/mia.md). */
import type { ReceiverMove } from '../context';
import { lossAttackConfigSchema, type LossAttackConfig } from '../membership/config';
import { gridEvaluations } from '../membership/cost';
import { runQueryAttack, type MembershipEvidence } from '../membership/run';
import { scoreMembershipEvidence } from '../membership/score';
import { lossAttack } from '../membership/scores';
import { averagingWhiteBox } from '../membership/repeat';

export const miaLoss: ReceiverMove<LossAttackConfig, MembershipEvidence> = {
  id: 'mia-loss',
  party: 'receiver',
  goal: 'membership',
  describe: 'Membership by the per-timestep denoising losses on a grid of t with common noise, aggregated (mean, median, min, max, sum, trimmed)',
  paper: 'Zhu et al. 2023 (arXiv 2302.07801), white-box; trimmed statistic of save_false_postive_rate.py',
  reportName: 'loss',
  requires: { access: ['white-box'], membershipGame: true },
  configSchema: lossAttackConfigSchema,
  cost(config, view) {
    return gridEvaluations(config, view, this.id);
  },
  run(config, ctx) {
    return runQueryAttack(this, config, ctx, (rows, seed) => lossAttack(averagingWhiteBox(ctx.broker.whiteBoxOracle(), config.repeats), rows, config, seed));
  },
  score: (evidence, _config, truth, label) => scoreMembershipEvidence(evidence, truth, label),
};
