/**
 * The broker's reservation on a ModelHost call: how many budget units the broker reserved for this one call, bound to
 * it by an HMAC-SHA256 under a key only the runner, the broker and the sharer hold (handed to both like their tokens).
 * The broker's bearer token says who calls; the reservation says how much this call may take. A party holding the
 * token but not the key (a leaked token) cannot mint one, and the sharer spends each call id once, so a reservation
 * cannot be replayed.
 */
import * as crypto from 'crypto';
import * as grpc from '@grpc/grpc-js';
import { rpcError } from './errors';

/** The metadata keys a reservation travels in. */
export const RESERVATION_METADATA = {
  callId: 'sharebox-call-id',
  units: 'sharebox-reserved-units',
  mac: 'sharebox-reservation-mac',
} as const;

export interface Reservation {
  /** "ModelHost.Sample": a reservation for one RPC is no use for another. */
  rpc: string;
  /** Unique per call (the sharer refuses an id it has seen). */
  callId: string;
  /** Budget units the broker reserved for this call (shared/grpc/pricing.ts). */
  units: number;
}

/** A fresh key for one run (the runner makes one and hands it to the broker and the sharer). */
export function newReservationKey(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function macOf(key: string, r: Reservation): Buffer {
  return crypto.createHmac('sha256', key).update(`${r.rpc}\n${r.callId}\n${r.units}`).digest();
}

/** Adds a signed reservation for a fresh call id to `metadata` (the broker's side). */
export function addReservation(metadata: grpc.Metadata, key: string, rpc: string, units: number): Reservation {
  const reservation: Reservation = { rpc, callId: crypto.randomUUID(), units };
  metadata.set(RESERVATION_METADATA.callId, reservation.callId);
  metadata.set(RESERVATION_METADATA.units, String(units));
  metadata.set(RESERVATION_METADATA.mac, macOf(key, reservation).toString('hex'));
  return reservation;
}

/**
 * The reservation a call carries, its MAC checked in constant time (the sharer's side). Throws PERMISSION_DENIED,
 * naming the RPC, when it is missing, malformed or not signed with `key`.
 */
export function verifiedReservation(metadata: grpc.Metadata, key: string, rpc: string): Reservation {
  const one = (name: string): string | null => {
    const values = metadata.get(name);
    return values.length === 1 && typeof values[0] === 'string' ? values[0] : null;
  };
  const callId = one(RESERVATION_METADATA.callId);
  const units = one(RESERVATION_METADATA.units);
  const mac = one(RESERVATION_METADATA.mac);
  if (callId === null || units === null || mac === null) {
    throw rpcError(grpc.status.PERMISSION_DENIED, `${rpc}: the call carries no reservation from the broker (${Object.values(RESERVATION_METADATA).join(', ')} metadata); the sharer serves only what the broker reserved`);
  }
  const reservation: Reservation = { rpc, callId, units: /^\d{1,15}$/.test(units) ? Number(units) : NaN };
  const given = Buffer.from(mac, 'hex');
  const expected = macOf(key, reservation);
  if (!Number.isSafeInteger(reservation.units) || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    throw rpcError(grpc.status.PERMISSION_DENIED, `${rpc}: the broker's reservation for call ${callId} is not valid (its signature does not match ${units} units for this RPC)`);
  }
  return reservation;
}
