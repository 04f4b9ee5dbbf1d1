/**
 * The broker's credentials on a ModelHost call, for tests that talk to the sharer directly: its bearer token and a
 * reservation signed with the run's key, as broker/sharerLink.ts sends them (shared/grpc/reservation.ts).
 */
import type * as grpc from '@grpc/grpc-js';
import { bearerMetadata } from '../../shared/grpc/auth';
import { addReservation, newReservationKey } from '../../shared/grpc/reservation';
import { SHARER_MAX_UNITS_PER_CALL } from '../../shared/scenario/schema';
import { BrokerGate } from '../../sharer/brokerGate';

/** A key for the sharers a test builds in-process. */
export const TEST_RESERVATION_KEY = newReservationKey();

/** The sharer's gate for an in-process ModelHost that `token` opens, with the test key. */
export function testBrokerGate(token: string, maxUnitsPerCall = SHARER_MAX_UNITS_PER_CALL): BrokerGate {
  return new BrokerGate({ brokerToken: token, reservationKey: TEST_RESERVATION_KEY, maxUnitsPerCall });
}

/** Metadata for one call of `rpc` ("ModelHost.Sample") with a fresh reservation of `units` (a generous default). */
export function asBroker(token: string, rpc: string, units = 1_000_000, key = TEST_RESERVATION_KEY): grpc.Metadata {
  const md = bearerMetadata(token);
  addReservation(md, key, rpc, units);
  return md;
}
