/**
 * Access levels a scenario can grant, and which receiver-facing gRPC services each one registers.
 * A grant that is not listed in `broker.access` registers nothing: its RPCs answer UNIMPLEMENTED.
 *   black-box → BlackBox (Sample); gray-box → GrayBox (Encode, PredictX0, Trajectory); white-box → WhiteBox
 *   (TimestepLoss); fine-tune → FineTune (Start; docs/shake-to-leak.md); class-shares → no service, the training
 *   data's class shares in Gateway.Describe (withheld otherwise).
 * The grants are independent sets of RPCs: white-box does not register GrayBox (docs/mia.md).
 */
import { ACCESS_GRANTS, type AccessGrant } from '../shared/scenario/lists';

/** A grant the scenario can give (the list is the scenario's, shared/scenario/lists.ts). */
export type AccessLevel = AccessGrant;

/** The grants this broker implements. Others are refused at configuration, never silently ignored. */
export const IMPLEMENTED_GRANTS: ReadonlySet<AccessLevel> = new Set<AccessLevel>(['black-box', 'gray-box', 'white-box', 'fine-tune', 'class-shares']);

/** Grants that open a service; `class-shares` alone would leave the receiver nothing to call. */
const SERVICE_GRANTS: ReadonlySet<AccessLevel> = new Set<AccessLevel>(['black-box', 'gray-box', 'white-box', 'fine-tune']);

export function parseGrants(access: readonly string[]): Set<AccessLevel> {
  const grants = new Set<AccessLevel>();
  for (const level of access) {
    if (!(ACCESS_GRANTS as readonly string[]).includes(level)) {
      throw new Error(`broker.access: unknown access level "${level}" (expected one of ${ACCESS_GRANTS.join(', ')})`);
    }
    if (!IMPLEMENTED_GRANTS.has(level as AccessLevel)) {
      throw new Error(
        `broker.access: "${level}" is not implemented by this broker yet (implemented: ${[...IMPLEMENTED_GRANTS].join(', ')})`,
      );
    }
    grants.add(level as AccessLevel);
  }
  if (![...grants].some((g) => SERVICE_GRANTS.has(g))) {
    throw new Error(`broker.access: at least one of ${[...SERVICE_GRANTS].join(', ')} must be granted`);
  }
  return grants;
}
