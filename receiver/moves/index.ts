/**
 * The receiver's built-in moves, one line each (docs/moves.md). The receiver runs them in the order
 * `receiver.attacks` lists them; the registry (shared/moves/registry.ts) makes them known to the scenario format.
 */
import type { AnyMove } from '../../shared/moves/move';
import { propertyInference } from './property-inference';
import { miaNearestSynthetic } from './mia-nearest-synthetic';
import { miaX0Error } from './mia-x0-error';
import { miaSecmi } from './mia-secmi';
import { miaPia } from './mia-pia';
import { miaTrajectory } from './mia-trajectory';
import { miaLoss } from './mia-loss';
import { carliniExtraction } from './carlini-extraction';
import { miaRefusal } from './mia-refusal';
import { miaHole } from './mia-hole';
import { fairReduction } from './fair-reduction';
import { fairnessAudit } from './fairness-audit';
import { reweighingDefence } from './reweighing';
import { shakeToLeak } from './shake-to-leak';
import { externalMembership } from './external-membership';
import { externalProperty } from './external-property';

export const RECEIVER_MOVES: readonly AnyMove[] = [
  propertyInference,
  // Membership inference on the challenge set of the `membership` game, one rung of the access ladder each (docs/mia.md).
  miaNearestSynthetic,
  miaX0Error,
  miaSecmi,
  miaPia,
  miaTrajectory,
  miaLoss,
  carliniExtraction,
  // The adaptive attacker against nearest-neighbour rejection: the refusals themselves (docs/privacy.md).
  miaRefusal,
  miaHole,
  // Shake-to-Leak: the ladder on the base model and on a version fine-tuned through the fine-tune grant (docs/shake-to-leak.md).
  shakeToLeak,
  // Defences against a fairness-poisoning sharer (receiver.defences; docs/fairness-defences.md), run on the drawn
  // records before the classifiers train.
  fairnessAudit,
  reweighingDefence,
  fairReduction,
  // Evidence an outside program submits from the receiver's seat (receiver.external; docs/external-receiver.md).
  externalMembership,
  externalProperty,
];
