/**
 * Which role may call a server, checked on the peer's certificate. The TLS handshake has already refused a client
 * without a certificate of the run's CA (shared/grpc/transport.ts); this refuses an authentic certificate of the wrong
 * role: the receiver's presented to the sharer's ModelHost, the sharer's to the broker, a party's to another party's
 * Control. It is a server interceptor, so it runs before any handler and on every method, including those grpc-js
 * answers UNIMPLEMENTED; on the broker it sits inside the edge audit, so a refused call still gets its audit line.
 */
import * as grpc from '@grpc/grpc-js';
import { rpcNameOf } from './rpcName';
import { roleNamed, type PeerRole, type Transport } from './transport';

/** What grpc-js says of a call's connection (its AuthContext type is not exported from the package's index). */
export type AuthContext = ReturnType<grpc.ServerInterceptingCallInterface['getAuthContext']>;

/** Why a call from this peer is refused, or null when its certificate names `allowed`. */
export function peerRoleRefusal(auth: AuthContext, allowed: PeerRole, rpc: string): { code: grpc.status; details: string } | null {
  const certificate = auth.sslPeerCertificate;
  if (!certificate) {
    return { code: grpc.status.UNAUTHENTICATED, details: `${rpc}: expected a client certificate of "${allowed}", but the caller presented none` };
  }
  const named = roleNamed(certificate.subject?.CN);
  if (named === allowed) return null;
  return {
    code: grpc.status.PERMISSION_DENIED,
    details: `${rpc}: only "${allowed}" may call this server, but the caller's certificate names ${named ? `"${named}"` : 'no sharebox role'}`,
  };
}

/** The interceptors that hold a server to callers of role `allowed`: none when the run is insecure (tokens only). */
export function peerRoleInterceptors(transport: Transport, allowed: PeerRole): grpc.ServerInterceptor[] {
  if (transport.mode === 'insecure') return [];
  return [
    (method, call) => {
      const listener = new grpc.ServerListenerBuilder()
        .withOnReceiveMetadata((metadata, next) => {
          const refusal = peerRoleRefusal(call.getAuthContext(), allowed, rpcNameOf(method.path));
          // Not passing the metadata on keeps the handler from ever starting: the status is the call's only answer.
          if (refusal) call.sendStatus({ ...refusal, metadata: new grpc.Metadata() });
          else next(metadata);
        })
        .build();
      return new grpc.ServerInterceptingCall(call, new grpc.ResponderBuilder().withStart((next) => next(listener)).build());
    },
  ];
}
