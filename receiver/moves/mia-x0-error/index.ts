/** Gray-box membership inference by the error of the model's predicted clean record (Zhu et al. 2023; docs/mia.md). */
import type { ReceiverMove } from '../context';
import { x0ErrorAttackConfigSchema, type X0ErrorAttackConfig } from '../membership/config';
import { gridEvaluations } from '../membership/cost';
import { runQueryAttack, type MembershipEvidence } from '../membership/run';
import { scoreMembershipEvidence } from '../membership/score';
import { x0ErrorAttack } from '../membership/scores';
import { averagingGrayBox } from '../membership/repeat';

export const miaX0Error: ReceiverMove<X0ErrorAttackConfig, MembershipEvidence> = {
  id: 'mia-x0-error',
  party: 'receiver',
  goal: 'membership',
  describe: 'Membership by the per-step error ‖x̂₀(x_t, t) − x₀‖² of the model’s predicted clean record, aggregated over t',
  paper: 'Zhu et al. 2023 (arXiv 2302.07801), gray-box xstart_mse',
  reportName: 'x0-error',
  requires: { access: ['gray-box'], membershipGame: true },
  configSchema: x0ErrorAttackConfigSchema,
  cost(config, view) {
    // Encode, then one PredictX0 per (t, noise draw), each asked `repeats` times.
    return view.challenge + gridEvaluations(config, view, this.id);
  },
  run(config, ctx) {
    return runQueryAttack(this, config, ctx, (rows, seed) => x0ErrorAttack(averagingGrayBox(ctx.broker.grayBoxOracle(), config.repeats), rows, config, seed));
  },
  score: (evidence, _config, truth, label) => scoreMembershipEvidence(evidence, truth, label),
};
