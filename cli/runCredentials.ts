/**
 * The run's transport: by default a CA made for this run alone and one certificate per identity (the runner and the
 * three parties), issued with the openssl command line; with `--insecure`, plaintext. Every identity gets a folder of
 * its own holding its key, its certificate and the CA certificate (shared/grpc/transport.ts IDENTITY_FILES), and a
 * party is told only where its own folder is. Folders are 0700 and files 0600; the CA's key is deleted as soon as the
 * four certificates are signed, so nothing can mint another identity for the run, and `dispose` deletes the rest.
 * On one host every process runs as the same user, so file modes keep other users out, not one party from another:
 * what keeps a party to its own key is being told only its own folder (and, across hosts, having only that one).
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { INSECURE, IDENTITY_FILES, PEER_ROLES, loadIdentity, type PeerRole, type Transport, type TransportMode } from '../shared/grpc/transport';
import { TLS_DIR_ENV, TLS_OFF, type PartyName } from '../shared/party/runtime';

export interface RunTransport {
  readonly mode: TransportMode;
  /** The runner's own identity, for its Control channels. */
  readonly runner: Transport;
  /** What to add to a party's environment: the folder of its identity (or TLS_OFF). */
  environmentFor(party: PartyName): Record<string, string>;
  /** The identity of `role`, read from its folder: for tests and benches that dial the parties as one of them. */
  identityOf(role: PeerRole): Transport;
  /** Deletes every key and certificate of the run (nothing to do when insecure). Safe to call twice. */
  dispose(): void;
}

export const INSECURE_RUN: RunTransport = {
  mode: 'insecure',
  runner: INSECURE,
  environmentFor: () => ({ [TLS_DIR_ENV]: TLS_OFF }),
  identityOf: () => INSECURE,
  dispose: () => undefined,
};

/** Certificates outlive the longest run (a sweep over seeds can take days); the CA key is gone long before. */
const VALIDITY_DAYS = 30;
const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/**
 * openssl's own configuration for what it issues, so that neither the host's openssl.cnf nor its version changes
 * the certificates. Each identity's role is its CN and its one DNS name (clients verify the server's by name).
 */
function opensslConfig(): string {
  return [
    '[req]',
    'distinguished_name = subject',
    'prompt = no',
    '[subject]',
    '[ca]',
    'basicConstraints = critical, CA:TRUE, pathlen:0',
    'keyUsage = critical, keyCertSign',
    'subjectKeyIdentifier = hash',
    ...PEER_ROLES.flatMap((role) => [
      `[${role}]`,
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      // Each party both serves and dials; the runner only dials.
      `extendedKeyUsage = ${role === 'runner' ? 'clientAuth' : 'serverAuth, clientAuth'}`,
      `subjectAltName = DNS:${role}`,
      'authorityKeyIdentifier = keyid',
    ]),
    '',
  ].join('\n');
}

/** `openssl req` options for a new P-256 key, written unencrypted (into a 0700 folder, then made 0600). */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Makes the run's CA and identities under `dir` (created 0700; it must not exist yet). Throws, saying what to
 * install, when openssl is missing.
 */
export function issueRunCredentials(dir: string): RunTransport {
  fs.mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
  // mkdir's mode passes through the umask: set it outright.
  fs.chmodSync(dir, PRIVATE_DIR_MODE);
  const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const config = path.join(dir, 'openssl.cnf');
    fs.writeFileSync(config, opensslConfig(), { mode: PRIVATE_FILE_MODE });
    const caKey = path.join(dir, 'ca.key');
    const caCert = path.join(dir, 'ca.pem');
    openssl(['req', '-config', config, '-x509', ...NEW_KEY, '-keyout', caKey, '-out', caCert, '-subj', `/CN=sharebox run CA ${crypto.randomUUID()}`, '-days', String(VALIDITY_DAYS), '-extensions', 'ca']);
    for (const role of PEER_ROLES) {
      const folder = identityFolder(dir, role);
      fs.mkdirSync(folder, { mode: PRIVATE_DIR_MODE });
      fs.chmodSync(folder, PRIVATE_DIR_MODE);
      const request = path.join(folder, 'request.csr');
      openssl(['req', '-config', config, '-new', ...NEW_KEY, '-keyout', path.join(folder, IDENTITY_FILES.key), '-out', request, '-subj', `/CN=${role}`]);
      openssl([
        'x509', '-req', '-in', request, '-CA', caCert, '-CAkey', caKey, '-set_serial', `0x${crypto.randomBytes(16).toString('hex')}`,
        '-days', String(VALIDITY_DAYS), '-extfile', config, '-extensions', role, '-out', path.join(folder, IDENTITY_FILES.cert),
      ]);
      fs.rmSync(request);
      fs.copyFileSync(caCert, path.join(folder, IDENTITY_FILES.ca));
      for (const file of Object.values(IDENTITY_FILES)) fs.chmodSync(path.join(folder, file), PRIVATE_FILE_MODE);
    }
    // Nothing is signed after this: without the CA's key no one, the runner included, can add an identity to the run.
    fs.rmSync(caKey);
    fs.rmSync(caCert);
    fs.rmSync(config);
    return {
      mode: 'mutual-tls',
      runner: loadIdentity(identityFolder(dir, 'runner'), 'runner'),
      environmentFor: (party) => ({ [TLS_DIR_ENV]: identityFolder(dir, party) }),
      identityOf: (role) => loadIdentity(identityFolder(dir, role), role),
      dispose,
    };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** The folder of one identity's key, certificate and CA certificate. */
function identityFolder(dir: string, role: PeerRole): string {
  return path.join(dir, role);
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error('mutual TLS needs the openssl command to issue the run\'s certificates: install it (Debian: apt-get install openssl), or run with --insecure to debug without TLS');
    }
    throw new Error(`openssl ${args[0]} failed while issuing the run's certificates: ${e.stderr?.toString().trim() || e.message}`);
  }
}
