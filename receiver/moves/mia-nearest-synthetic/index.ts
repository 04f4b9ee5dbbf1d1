/** Black-box membership inference by the distance to the nearest synthetic record (GAN-Leaks style; docs/mia.md). */
import type { ReceiverMove } from '../context';
import { nearestSyntheticAttackConfigSchema, type NearestSyntheticAttackConfig } from '../membership/config';
import { runDrawingAttack, type MembershipEvidence } from '../membership/run';
import { scoreMembershipEvidence } from '../membership/score';
import { nearestSyntheticScores } from '../membership/scores';

export const miaNearestSynthetic: ReceiverMove<NearestSyntheticAttackConfig, MembershipEvidence> = {
  id: 'mia-nearest-synthetic',
  party: 'receiver',
  goal: 'membership',
  describe: 'Membership by the distance of a challenge record to its nearest of M synthetic records',
  paper: 'GAN-Leaks-style black-box baseline (Zhu et al. 2023 §1.3; Duan et al. 2023 report it near chance on DDPMs)',
  reportName: 'nearest-synthetic',
  requires: { access: ['black-box'], membershipGame: true },
  configSchema: nearestSyntheticAttackConfigSchema,
  cost: (config) => config.samples,
  run(config, ctx) {
    return runDrawingAttack(this, config.samples, ctx, (synthetic, challenge) => nearestSyntheticScores(challenge, synthetic));
  },
  score: (evidence, _config, truth, label) => scoreMembershipEvidence(evidence, truth, label),
};
