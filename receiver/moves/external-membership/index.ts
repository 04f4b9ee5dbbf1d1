/**
 * Membership scores an outside program submits from the receiver's seat (docs/external-receiver.md): one score per
 * challenge record, higher = member. The referee scores them as it scores the built-in membership moves (the same ROC
 * module, bootstrap intervals, chance baseline, rung of the ladder), so a Python attack and mia-nearest-synthetic stand
 * side by side. The rung is the grant the program says it used (`access`): the broker's audit log shows what it called.
 */
import { z } from 'zod';
import { ACCESS_LADDER } from '../../../shared/scenario/lists';
import type { MoveIssue } from '../../../shared/moves/move';
import type { Scenario } from '../../../shared/scenario/schema';
import { listForMessage } from '../../../shared/scenario/consistency';
import type { ReceiverMove } from '../context';
import type { MembershipEvidence } from '../membership/run';
import { scoreMembershipEvidence } from '../membership/score';
import { submittedOnly } from '../external';

const configSchema = z.strictObject({
  /** The rung of the access ladder the attack uses (each grant must be in broker.access). */
  access: z.array(z.enum(ACCESS_LADDER as unknown as [string, ...string[]])).min(1).default(() => ['black-box']),
  /** Budget units the attack may spend (its cost in the scenario's budget check). */
  units: z.number().int().min(1),
});
export type ExternalMembershipConfig = z.output<typeof configSchema>;

export const externalMembership: ReceiverMove<ExternalMembershipConfig, MembershipEvidence> = {
  id: 'external-membership',
  party: 'receiver',
  goal: 'membership',
  describe: "Membership scores submitted by an outside program in the receiver's seat, one per challenge record",
  reportName: 'external',
  requires: { access: [], membershipGame: true, externalReceiver: 'membership' },
  configSchema,
  cost: (config) => config.units,
  check: checkRung,
  run: submittedOnly('external-membership'),
  score: (evidence, _config, truth, label) => scoreMembershipEvidence(evidence, truth, label),
};

function checkRung(config: ExternalMembershipConfig, s: Scenario): MoveIssue[] {
  const missing = config.access.filter((grant) => !s.broker.access.includes(grant as never));
  return missing.length === 0 ? [] : [{ path: ['access'], message: `${listForMessage(missing)} is not granted by broker.access (${listForMessage(s.broker.access)})` }];
}
