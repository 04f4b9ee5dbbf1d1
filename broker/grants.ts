/**
 * Access levels a scenario can grant, and what each one opens on the broker's receiver-facing server: the table
 * `GRANT_OPENS`, which the broker serves from (broker/main.ts) and the threat-model card reads (cli/threatModel.ts).
 * A grant that is not listed in `broker.access` registers nothing: its RPCs answer UNIMPLEMENTED.
 *   black-box → BlackBox (Sample); gray-box → GrayBox (Encode, PredictX0, Trajectory); white-box → WhiteBox
 *   (TimestepLoss); fine-tune → FineTune (Start; docs/shake-to-leak.md); class-shares → no service, the training
 *   data's class shares in Gateway.Describe (withheld otherwise).
 * The grants are independent sets of RPCs: white-box does not register GrayBox (docs/mia.md).
 */
import { ACCESS_GRANTS, type AccessGrant } from '../shared/scenario/lists';
import { loadProto } from '../shared/grpc/proto';

/** A grant the scenario can give (the list is the scenario's, shared/scenario/lists.ts). */
export type AccessLevel = AccessGrant;

/** The receiver-facing services a grant can open (protos/sharebox.proto). */
export type GrantedService = 'BlackBox' | 'GrayBox' | 'WhiteBox' | 'FineTune';

/**
 * What each grant opens: a whole service of the protocol (every RPC it declares), or a field of Gateway.Describe's
 * reply that is withheld without the grant. One entry per grant, checked by the type.
 */
export const GRANT_OPENS: { readonly [G in AccessLevel]: { service: GrantedService } | { describeField: 'classShares' } } = {
  'black-box': { service: 'BlackBox' },
  'gray-box': { service: 'GrayBox' },
  'white-box': { service: 'WhiteBox' },
  'fine-tune': { service: 'FineTune' },
  'class-shares': { describeField: 'classShares' },
};

/** Served whatever the grants: the record schema, the grants in force, the budget left (broker/services/gateway.ts). */
export const ALWAYS_SERVED = 'Gateway';
/** Served to an outside program in the receiver's seat (receiver.external), for its evidence, once. */
export const EXTERNAL_RECEIVER_SERVICE = 'Evidence';

/** The grants this broker implements. Others are refused at configuration, never silently ignored. */
export const IMPLEMENTED_GRANTS: ReadonlySet<AccessLevel> = new Set<AccessLevel>(ACCESS_GRANTS);

/** Grants that open a service; `class-shares` alone would leave the receiver nothing to call. */
const SERVICE_GRANTS: ReadonlySet<AccessLevel> = new Set<AccessLevel>(ACCESS_GRANTS.filter((g) => 'service' in GRANT_OPENS[g]));

/** The RPCs of a service, as `Service.Method`, in the order the protocol declares them. */
export function serviceRpcs(service: string): string[] {
  const definition = (loadProto().sharebox as unknown as Record<string, { service?: Record<string, unknown> }>)[service]?.service;
  if (!definition) throw new Error(`${service}: no such service in protos/sharebox.proto`);
  return Object.keys(definition).map((method) => `${service}.${method}`);
}

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
