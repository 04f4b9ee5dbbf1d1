import * as crypto from 'crypto';
import * as grpc from '@grpc/grpc-js';
import { rpcError } from './errors';

/** Metadata carrying a bearer token; every sharebox call sends one. */
export function bearerMetadata(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

/**
 * The bearer token of an incoming call, or why there is none: `missing` (no `authorization` metadata at all) or
 * `malformed` (there is some, but not one `Bearer <token>` value), with what was found. The header's value is never
 * quoted back: a malformed credential may still be a secret.
 */
export type BearerToken = { token: string } | { problem: 'missing' } | { problem: 'malformed'; found: string };

export function bearerToken(metadata: grpc.Metadata): BearerToken {
  const values = metadata.get('authorization');
  if (values.length === 0) return { problem: 'missing' };
  if (values.length > 1) return { problem: 'malformed', found: `${values.length} values` };
  const value = values[0];
  if (typeof value !== 'string') return { problem: 'malformed', found: 'a binary value' };
  const match = /^Bearer (\S+)$/.exec(value);
  if (match) return { token: match[1] };
  return { problem: 'malformed', found: describeMalformed(value) };
}

/**
 * What a malformed value looks like, without its secret part. A scheme word followed by more is safe to name; a
 * lone word may be a token sent without its scheme, so it is not named.
 */
function describeMalformed(value: string): string {
  if (value.trim() === '') return 'an empty value';
  // Two headers sent over HTTP/2 can arrive joined into one value by commas.
  if (value.includes(',')) return 'several comma-separated values';
  const [scheme, ...rest] = value.split(' ');
  if (scheme === 'Bearer') return rest.join('').trim() === '' ? '"Bearer" with no token' : '"Bearer" and a token holding whitespace';
  if (rest.length === 0) return 'a single word without the "Bearer" scheme';
  return /^[A-Za-z-]{1,20}$/.test(scheme) ? `the "${scheme}" scheme` : 'an unknown scheme';
}

/** Constant-time comparison, so that response timing does not reveal how much of a token was right. */
export function tokensEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/**
 * Which of the known parties (name → token) made this call. Throws UNAUTHENTICATED, naming the RPC, when
 * the token is missing, malformed (a different scheme, no token, several values) or matches nobody.
 */
export function authenticate(metadata: grpc.Metadata, known: Record<string, string>, rpc: string): string {
  const bearer = bearerToken(metadata);
  if ('problem' in bearer) {
    const message =
      bearer.problem === 'missing'
        ? `missing "authorization: Bearer <token>" metadata`
        : `malformed "authorization" metadata: expected exactly one value "Bearer <token>" (got ${bearer.found})`;
    throw rpcError(grpc.status.UNAUTHENTICATED, `${rpc}: ${message}`);
  }
  for (const [party, expected] of Object.entries(known)) {
    if (tokensEqual(bearer.token, expected)) return party;
  }
  throw rpcError(grpc.status.UNAUTHENTICATED, `${rpc}: the bearer token is not valid for this server`);
}
