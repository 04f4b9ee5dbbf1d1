/** PIA (Kong et al. 2024): proximal initialisation, then the ℓp distance of ε_θ(x_t, t) from ε₀ (gray-box; docs/mia.md). */
import type { ReceiverMove } from '../context';
import { piaAttackConfigSchema, resolvePiaTimesteps, type PiaAttackConfig } from '../membership/config';
import { timestepsFor } from '../membership/cost';
import { runQueryAttack, type MembershipEvidence } from '../membership/run';
import { scoreMembershipEvidence } from '../membership/score';
import { piaAttack } from '../membership/scores';
import { averagingGrayBox } from '../membership/repeat';

export const miaPia: ReceiverMove<PiaAttackConfig, MembershipEvidence> = {
  id: 'mia-pia',
  party: 'receiver',
  goal: 'membership',
  describe: 'PIA: proximal initialisation ε₀ = ε_θ(x₀, 0), then ‖ε_θ(x_t, t) − ε₀‖₄⁴',
  paper: 'Kong et al. 2024 (ICLR)',
  reportName: 'pia',
  requires: { access: ['gray-box'], membershipGame: true },
  configSchema: piaAttackConfigSchema,
  cost(config, view) {
    const ts = resolvePiaTimesteps(config, timestepsFor(view, this.id));
    // Encode, then ε₀ = ε_θ(x₀, 0) and one call per t, each asked `repeats` times.
    return view.challenge * (1 + (1 + ts.length) * config.repeats);
  },
  run(config, ctx) {
    return runQueryAttack(this, config, ctx, (rows) => piaAttack(averagingGrayBox(ctx.broker.grayBoxOracle(), config.repeats), rows, config));
  },
  score: (evidence, _config, truth, label) => scoreMembershipEvidence(evidence, truth, label),
};
