/**
 * Who may use the sharer's ModelHost, and how much (docs/architecture.md, "the reservation"): the broker alone, by its
 * token, and for each metered call no more than the broker reserved for it. The broker's token alone is not enough: a
 * ModelHost call that asks for more than its signed reservation, or carries none, or reuses one, is refused before the
 * model runs. A second line of defence does not trust the broker at all: no call is served above the sharer's own
 * bound (`sharer.maxUnitsPerCall`), whatever was reserved.
 */
import * as grpc from '@grpc/grpc-js';
import { authenticate } from '../shared/grpc/auth';
import { rpcError } from '../shared/grpc/errors';
import { verifiedReservation } from '../shared/grpc/reservation';

export interface BrokerGateOptions {
  brokerToken: string;
  /** The run's reservation key (shared/grpc/reservation.ts), shared with the broker by the runner. */
  reservationKey: string;
  /** The sharer's own bound on one call, in budget units (shared/grpc/pricing.ts). */
  maxUnitsPerCall: number;
}

export class BrokerGate {
  private readonly known: Record<string, string>;
  /** Call ids already served: a reservation buys one call. */
  private readonly spent = new Set<string>();

  constructor(private readonly options: BrokerGateOptions) {
    this.known = { broker: options.brokerToken };
  }

  /** Every ModelHost call: the broker's bearer token (UNAUTHENTICATED otherwise). */
  authenticate(metadata: grpc.Metadata, rpc: string): void {
    authenticate(metadata, this.known, rpc);
  }

  /**
   * A metered call asking for `units`: its reservation must be the broker's (signed with the run's key, for this RPC),
   * unused, and cover `units`; and `units` must be within the sharer's own bound. Refuses with PERMISSION_DENIED (no
   * valid reservation) or RESOURCE_EXHAUSTED (over a limit), naming the RPC and the limit.
   */
  admit(metadata: grpc.Metadata, rpc: string, units: number): void {
    const reservation = verifiedReservation(metadata, this.options.reservationKey, rpc);
    if (this.spent.has(reservation.callId)) {
      throw rpcError(grpc.status.PERMISSION_DENIED, `${rpc}: the broker's reservation for call ${reservation.callId} was already used; each reservation buys one call`);
    }
    this.spent.add(reservation.callId);
    if (units > reservation.units) {
      throw rpcError(grpc.status.RESOURCE_EXHAUSTED, `${rpc}: the request costs ${units} units but the broker reserved ${reservation.units} for this call`);
    }
    if (units > this.options.maxUnitsPerCall) {
      throw rpcError(grpc.status.RESOURCE_EXHAUSTED, `${rpc}: the request costs ${units} units; this sharer serves at most ${this.options.maxUnitsPerCall} per call (sharer.maxUnitsPerCall)`);
    }
  }
}
