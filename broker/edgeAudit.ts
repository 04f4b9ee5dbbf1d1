/**
 * The audit at the server's edge: a grpc-js server interceptor on the broker's receiver-facing server, so that every
 * call gets its line whatever happens to it — refused by the chain, answered UNIMPLEMENTED for a service the scenario
 * does not grant, refused by grpc-js itself (a message over the size bound, a passed deadline), cancelled by its caller
 * half-way, or in flight when the broker dies. Per call:
 *   - a streaming call gets an open line, written and fsync'd before its handler runs (broker/audit.ts);
 *   - when the call ends, a close line with what was actually delivered (units of the messages the transport took,
 *     and the SHA-256 of their payloads) and the status that actually went out.
 * The chain (broker/chain.ts) adds what only it knows: the request's arguments and seed, the units and payload of each
 * message it sends (`expect`), and the budget settlement, which runs when the call closes, on what was delivered.
 */
import * as crypto from 'crypto';
import * as grpc from '@grpc/grpc-js';
import { statusName } from '../shared/grpc/errors';
import { rpcNameOf } from '../shared/grpc/rpcName';
import type { AuditLog } from './audit';

/** One call as the edge sees it. */
export class EdgeCall {
  readonly callId = crypto.randomUUID();
  /** Who called (by bearer token), or "unauthenticated". */
  party = 'unauthenticated';
  /** The request as it goes into the audit line; set by the chain. */
  args: Record<string, unknown> = {};
  seed?: number;
  private units = 0;
  private readonly hash = crypto.createHash('sha256');
  private readonly carries = new WeakMap<object, { units: number; payloads: Uint8Array[] }>();
  private closedWith: number | null = null;
  private readonly onClose: Array<(deliveredUnits: number) => void> = [];

  constructor(
    readonly method: string,
    readonly streaming: boolean,
  ) {}

  /**
   * What `message` carries: its metered units and the payload bytes the audit hashes. Counted only once the transport
   * has taken the message, so a call cancelled half-way is audited (and metered) at what actually left.
   */
  expect(message: object, units: number, ...payloads: Uint8Array[]): void {
    this.carries.set(message, { units, payloads });
  }

  /** The transport took `message`. */
  sent(message: object): void {
    const carried = this.carries.get(message);
    if (!carried || this.closedWith !== null) return;
    this.units += carried.units;
    for (const payload of carried.payloads) this.hash.update(payload);
  }

  /** Runs `fn` with the units delivered once the call has ended (at once if it already has). */
  whenClosed(fn: (deliveredUnits: number) => void): void {
    if (this.closedWith !== null) fn(this.closedWith);
    else this.onClose.push(fn);
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Ends the call's accounting: nothing delivered after this counts. Returns the units delivered and their digest. */
  close(): { delivered: number; responseSha256: string } {
    this.closedWith = this.units;
    for (const fn of this.onClose.splice(0)) fn(this.units);
    return { delivered: this.units, responseSha256: this.hash.digest('hex') };
  }
}

/**
 * The handler's metadata object is the one the interceptor saw (grpc-js passes it through), so it keys the call: no
 * header a client could forge.
 */
const callsByMetadata = new WeakMap<grpc.Metadata, EdgeCall>();

/** The edge's record of the call whose request metadata this is; undefined for a call that did not pass the edge. */
export function edgeCallOf(metadata: grpc.Metadata): EdgeCall | undefined {
  return callsByMetadata.get(metadata);
}

/** Overrides the one method the responder API cannot see through: when the transport has taken a message. */
class AuditedCall extends grpc.ServerInterceptingCall {
  constructor(
    next: grpc.ServerInterceptingCallInterface,
    responder: grpc.Responder,
    private readonly edge: EdgeCall,
  ) {
    super(next, responder);
  }

  override sendMessage(message: object, callback: () => void): void {
    super.sendMessage(message, () => {
      this.edge.sent(message);
      callback();
    });
  }
}

/**
 * grpc-js answers a request whose bytes do not decode as the method's message INTERNAL ("Error deserializing request"),
 * as if the server had failed. The fault is the caller's: it goes out, and into the audit line, as INVALID_ARGUMENT.
 */
function undecodableRequest(status: { code: grpc.status; details: string }): boolean {
  return status.code === grpc.status.INTERNAL && status.details.startsWith('Error deserializing request');
}

/**
 * The interceptor. `identify` names the caller from its metadata ("unauthenticated" when no token matches); refusing
 * is the chain's job, the edge only records.
 */
export function edgeAuditInterceptor(audit: AuditLog, identify: (metadata: grpc.Metadata) => string): grpc.ServerInterceptor {
  return (method, call) => {
    const edge = new EdgeCall(rpcNameOf(method.path), method.requestStream || method.responseStream);
    let status: Parameters<grpc.ServerInterceptingCallInterface['sendStatus']>[0] | null = null;
    // grpc-js answers some calls itself, below every interceptor (a message over the size bound, a passed deadline, an
    // undecodable request), by calling sendStatus on the call object it hands us; our handlers' statuses reach the
    // same method. Wrapping it on that object sees both. The first status wins; one after the call ended never left.
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (s) => {
      const sent = undecodableRequest(s) ? { ...s, code: grpc.status.INVALID_ARGUMENT, details: `${edge.method}: the request does not decode as the method's request message (protos/sharebox.proto)` } : s;
      if (status === null && !edge.closed) status = sent;
      sendStatus(sent);
    };
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        edge.party = identify(metadata);
        callsByMetadata.set(metadata, edge);
        if (edge.streaming) audit.open({ callId: edge.callId, party: edge.party, method: edge.method });
        next(metadata);
      })
      // grpc-js calls onCancel at the end of every call: after the status went out, or when the stream closed first.
      .withOnCancel(() => {
        if (edge.closed) return;
        const { delivered, responseSha256 } = edge.close();
        const code = status?.code ?? grpc.status.CANCELLED;
        const error = status ? status.details : 'the call ended before the broker answered: cancelled by the caller, or the connection dropped';
        audit.append({
          time: new Date().toISOString(),
          party: edge.party,
          method: edge.method,
          arguments: edge.args,
          samplesReturned: delivered,
          seed: edge.seed,
          responseSha256,
          status: statusName(code),
          ...(code !== grpc.status.OK && error ? { error } : {}),
          phase: 'close',
          callId: edge.callId,
        });
      })
      .build();
    const responder = new grpc.ResponderBuilder().withStart((next) => next(listener)).build();
    return new AuditedCall(call, responder, edge);
  };
}
