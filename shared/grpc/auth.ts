import * as crypto from 'crypto';
import * as grpc from '@grpc/grpc-js';
import { rpcError } from './errors';

/** Metadata carrying a bearer token; every sharebox call sends one. */
export function bearerMetadata(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

/** The bearer token of an incoming call, or null when there is none. */
export function bearerToken(metadata: grpc.Metadata): string | null {
  const values = metadata.get('authorization');
  if (values.length !== 1 || typeof values[0] !== 'string') return null;
  const match = /^Bearer (\S+)$/.exec(values[0]);
  return match ? match[1] : null;
}

/** Constant-time comparison, so that response timing does not reveal how much of a token was right. */
export function tokensEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/**
 * Which of the known parties (name → token) made this call. Throws UNAUTHENTICATED, naming the RPC, when
 * the token is missing or matches nobody.
 */
export function authenticate(metadata: grpc.Metadata, known: Record<string, string>, rpc: string): string {
  const token = bearerToken(metadata);
  if (token === null) {
    throw rpcError(grpc.status.UNAUTHENTICATED, `${rpc}: missing "authorization: Bearer <token>" metadata`);
  }
  for (const [party, expected] of Object.entries(known)) {
    if (tokensEqual(token, expected)) return party;
  }
  throw rpcError(grpc.status.UNAUTHENTICATED, `${rpc}: the bearer token is not valid for this server`);
}
