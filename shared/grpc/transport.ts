/**
 * How a process talks gRPC: mutual TLS under the run's own CA (the default), or plaintext when the run was started
 * with `--insecure` for debugging. Under TLS every server asks for a client certificate signed by the run's CA, and
 * every client checks that the server's certificate names the role it meant to reach (the runner, the sharer, the
 * broker, the receiver each hold one certificate with their role as CN and as a DNS name). Bearer tokens stay on top
 * as a second factor: a certificate says which process calls, the token that it was handed this run's secret.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS } from './proto';

/** Every identity a run issues a certificate for: the three parties and the runner that drives them. */
export const PEER_ROLES = ['runner', 'sharer', 'broker', 'receiver'] as const;
export type PeerRole = (typeof PEER_ROLES)[number];

/** The files of one identity's folder: its key, its certificate, and the CA certificate it trusts. */
export const IDENTITY_FILES = { key: 'key.pem', cert: 'cert.pem', ca: 'ca.pem' } as const;

export type Transport =
  | { mode: 'insecure' }
  | { mode: 'mutual-tls'; role: PeerRole; key: Buffer; cert: Buffer; ca: Buffer };

export type TransportMode = Transport['mode'];

export const INSECURE: Transport = { mode: 'insecure' };

/**
 * The identity in `dir` (IDENTITY_FILES), checked to be `role`'s: a folder handed to the wrong process would
 * otherwise surface as a peer's refusal far from its cause.
 */
export function loadIdentity(dir: string, role: PeerRole): Transport {
  const read = (file: string) => fs.readFileSync(path.join(dir, file));
  const identity = { mode: 'mutual-tls' as const, role, key: read(IDENTITY_FILES.key), cert: read(IDENTITY_FILES.cert), ca: read(IDENTITY_FILES.ca) };
  const commonName = /(?:^|\n)CN=([^\n]*)/.exec(new crypto.X509Certificate(identity.cert).subject)?.[1];
  const named = roleNamed(commonName);
  if (named !== role) throw new Error(`${path.join(dir, IDENTITY_FILES.cert)}: expected the certificate of "${role}", but it names ${named ? `"${named}"` : 'no role'}`);
  return identity;
}

/** The role a certificate's common name names, if it is one (a CN given twice arrives as an array: no role). */
export function roleNamed(commonName: unknown): PeerRole | null {
  return typeof commonName === 'string' && (PEER_ROLES as readonly string[]).includes(commonName) ? (commonName as PeerRole) : null;
}

/** What a server binds with: under TLS it refuses, in the handshake, any client without a certificate of the run's CA. */
export function serverCredentials(transport: Transport): grpc.ServerCredentials {
  if (transport.mode === 'insecure') return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(transport.ca, [{ cert_chain: transport.cert, private_key: transport.key }], true);
}

/**
 * Credentials and options for a channel to the server of `peer`. Parties listen on 127.0.0.1 or on an address the
 * runner gave them (a network namespace's, later another host's), none of which says anything of their role, so the name checked against the server's certificate is the role, not the
 * address: `grpc.ssl_target_name_override` makes grpc-js verify the certificate for that name.
 */
export function channelTo(transport: Transport, peer: PeerRole): { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  if (transport.mode === 'insecure') return { credentials: grpc.credentials.createInsecure(), options: CHANNEL_OPTIONS };
  return {
    credentials: grpc.credentials.createSsl(transport.ca, transport.key, transport.cert),
    options: { ...CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': peer, 'grpc.default_authority': peer },
  };
}
