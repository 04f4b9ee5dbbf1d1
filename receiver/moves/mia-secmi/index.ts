/** SecMI (Duan et al. 2023): the t-error of a DDIM round trip at t_SEC (gray-box; docs/mia.md). */
import type { ReceiverMove } from '../context';
import { resolveSecmi, secmiAttackConfigSchema, type SecmiAttackConfig } from '../membership/config';
import { timestepsFor } from '../membership/cost';
import { runQueryAttack, type MembershipEvidence } from '../membership/run';
import { scoreMembershipEvidence } from '../membership/score';
import { secmiAttack } from '../membership/scores';
import { averagingGrayBox } from '../membership/repeat';

export const miaSecmi: ReceiverMove<SecmiAttackConfig, MembershipEvidence> = {
  id: 'mia-secmi',
  party: 'receiver',
  goal: 'membership',
  describe: 'SecMI: DDIM inversion to t_SEC, one step up and down, the t-error of the round trip',
  paper: 'Duan et al. 2023 (ICML), SecMI_stat',
  reportName: 'secmi',
  requires: { access: ['gray-box'], membershipGame: true },
  configSchema: secmiAttackConfigSchema,
  cost(config, view) {
    const { path } = resolveSecmi(config, timestepsFor(view, this.id));
    // Encode, then one call per inversion step, the step up and the step down, each asked `repeats` times.
    return view.challenge * (1 + ((path.length - 1) + 2) * config.repeats);
  },
  run(config, ctx) {
    return runQueryAttack(this, config, ctx, (rows) => secmiAttack(averagingGrayBox(ctx.broker.grayBoxOracle(), config.repeats), rows, config));
  },
  score: (evidence, _config, truth, label) => scoreMembershipEvidence(evidence, truth, label),
};
