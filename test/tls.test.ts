/**
 * Mutual TLS between every pair of processes (shared/grpc/transport.ts, shared/grpc/peerRole.ts, cli/runCredentials.ts):
 * the run's keys are private and gone when it ends; a client without a certificate, with one of another CA, or with the
 * wrong role is refused by each server; a client refuses a server whose certificate is not the role it dialled; and a
 * run says whether TLS was on. Real processes, real gRPC.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../shared/grpc/proto';
import { bearerMetadata } from '../shared/grpc/auth';
import { channelTo, IDENTITY_FILES, PEER_ROLES, type PeerRole, type Transport } from '../shared/grpc/transport';
import { TLS_DIR_ENV } from '../shared/party/runtime';
import { readAuditLog } from '../broker/audit';
import { BrokerClient } from '../receiver/brokerClient';
import { issueRunCredentials } from '../cli/runCredentials';
import { repoRoot } from '../shared/repoRoot';
import { startSharerAndBroker, type LivePair } from './helpers/liveParties';
import { runCli } from './helpers/cli';

const TINY = path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml');
let live: LivePair;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-tls-'));
  live = await startSharerAndBroker({ budgetSamples: 100, tls: true });
}, 90_000);

afterAll(async () => {
  await live?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** ModelHost.Describe as `transport` dialling the sharer as `peer`, with the broker's token (the second factor). */
function describeHost(transport: Transport, peer: PeerRole = 'sharer'): Promise<unknown> {
  const { credentials, options } = channelTo(transport, peer);
  const host = new (loadProto().sharebox.ModelHost)(live.sharerAddress, credentials, options);
  return new Promise((resolve, reject) =>
    host.describe({}, bearerMetadata(live.brokerToken), { deadline: Date.now() + 10_000 }, (err, reply) => {
      host.close();
      err ? reject(err) : resolve(reply);
    }),
  );
}

/** Gateway.Describe on the broker as `transport`, with the receiver's token. */
function describeGateway(transport: Transport): Promise<unknown> {
  const { credentials, options } = channelTo(transport, 'broker');
  const gateway = new (loadProto().sharebox.Gateway)(live.brokerAddress, credentials, options);
  return new Promise((resolve, reject) =>
    gateway.describe({}, bearerMetadata(live.receiverToken), { deadline: Date.now() + 10_000 }, (err, reply) => {
      gateway.close();
      err ? reject(err) : resolve(reply);
    }),
  );
}

test("the run's keys and certificates: 0700 folders, 0600 files, one folder per role with only its own, no CA key", () => {
  const dir = path.join(tmp, 'modes');
  const run = issueRunCredentials(dir);
  const mode = (file: string) => fs.statSync(file).mode & 0o777;
  expect(mode(dir)).toBe(0o700);
  expect(fs.readdirSync(dir).sort()).toEqual([...PEER_ROLES].sort());
  for (const role of PEER_ROLES) {
    const folder = path.join(dir, role);
    expect(mode(folder)).toBe(0o700);
    expect(fs.readdirSync(folder).sort()).toEqual(Object.values(IDENTITY_FILES).sort());
    for (const file of Object.values(IDENTITY_FILES)) expect([file, mode(path.join(folder, file))]).toEqual([file, 0o600]);
  }
  expect(run.environmentFor('broker')).toEqual({ [TLS_DIR_ENV]: path.join(dir, 'broker') });
  run.dispose();
  expect(fs.existsSync(dir)).toBe(false);
});

test("the sharer's ModelHost serves the broker's certificate", async () => {
  await expect(describeHost(live.identity('broker'))).resolves.toMatchObject({ ready: true });
});

test('a client without a certificate is refused in the handshake', async () => {
  const broker = live.identity('broker');
  if (broker.mode !== 'mutual-tls') throw new Error('the pair should talk TLS');
  // Trusts the run's CA, so only the missing client certificate can fail the handshake.
  const { options } = channelTo(broker, 'sharer');
  const host = new (loadProto().sharebox.ModelHost)(live.sharerAddress, grpc.credentials.createSsl(broker.ca), options);
  const call = new Promise((resolve, reject) =>
    host.describe({}, bearerMetadata(live.brokerToken), { deadline: Date.now() + 10_000 }, (err, reply) => (err ? reject(err) : resolve(reply))),
  );
  await expect(call).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  host.close();
});

test("a certificate of another CA is refused in the handshake, even one that names the right role", async () => {
  const other = issueRunCredentials(path.join(tmp, 'other-ca'));
  try {
    const real = live.identity('broker');
    const forged = other.identityOf('broker');
    if (real.mode !== 'mutual-tls' || forged.mode !== 'mutual-tls') throw new Error('both should be TLS identities');
    // The forged broker trusts the real CA (it would verify the sharer): only the sharer's check of it can refuse.
    await expect(describeHost({ ...forged, ca: real.ca })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  } finally {
    other.dispose();
  }
});

test("the receiver's certificate is refused by the sharer's ModelHost, naming the RPC and the role expected", async () => {
  await expect(describeHost(live.identity('receiver'))).rejects.toMatchObject({
    code: grpc.status.PERMISSION_DENIED,
    details: expect.stringMatching(/^ModelHost\.Describe: only "broker" may call this server, but the caller's certificate names "receiver"/),
  });
  await expect(describeHost(live.identity('runner'))).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
});

test("the broker's receiver-facing server serves only the receiver's certificate, and audits the refusals", async () => {
  await expect(describeGateway(live.identity('receiver'))).resolves.toMatchObject({ access: ['black-box'] });
  for (const role of ['sharer', 'broker', 'runner'] as const) {
    await expect(describeGateway(live.identity(role))).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: expect.stringContaining(`Gateway.Describe: only "receiver" may call this server, but the caller's certificate names "${role}"`),
    });
  }
  const refused = readAuditLog(live.auditLog).filter((r) => r.method === 'Gateway.Describe' && r.status === 'PERMISSION_DENIED');
  expect(refused).toHaveLength(3);
  // The receiver's own client, as the receiver process uses it.
  const client = new BrokerClient(live.brokerAddress, live.receiverToken, live.identity('receiver'));
  await expect(client.describe()).resolves.toMatchObject({ budgetSamplesLeft: 100 });
  client.close();
});

test("a party's Control service serves only the runner's certificate", async () => {
  const control = (role: PeerRole) => {
    const { credentials, options } = channelTo(live.identity(role), 'sharer');
    const client = new (loadProto().sharebox.Control)(live.sharer.controlAddress, credentials, options);
    // A Result call: harmless, and it needs the runner's token, which a test does not have; the certificate is checked first.
    const stream = client.result({}, bearerMetadata('not-the-runner-token'), { deadline: Date.now() + 10_000 });
    return new Promise((resolve, reject) => {
      stream.on('data', () => undefined);
      stream.on('error', (err) => {
        client.close();
        reject(err);
      });
      stream.on('end', () => resolve(null));
    });
  };
  await expect(control('broker')).rejects.toMatchObject({
    code: grpc.status.PERMISSION_DENIED,
    details: expect.stringContaining('Control.Result: only "runner" may call this server'),
  });
  // The runner's certificate passes the role check; the token (the second factor) is what refuses this one.
  await expect(control('runner')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
});

test('a client refuses a server whose certificate is not the role it dialled (the receiver pointed at the sharer)', async () => {
  // The sharer would refuse the receiver's certificate too, but with PERMISSION_DENIED after the handshake: UNAVAILABLE
  // says the receiver's side gave up first, on the sharer's certificate not naming "broker".
  await expect(describeHost(live.identity('receiver'), 'broker')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
});

test('a party started without a TLS folder (nor "insecure") refuses to start rather than talk plaintext', () => {
  const { [TLS_DIR_ENV]: _dropped, ...env } = process.env;
  const started = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'sharer', 'main.js')], {
    env,
    input: 'a-token\n',
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(started.status).toBe(2);
  expect(started.stderr).toContain(`${TLS_DIR_ENV} is not set`);
});

test('`sharebox run` talks mutual TLS by default and deletes the keys after; --insecure says so in the report', async () => {
  const cache = path.join(tmp, 'cache');
  const secure = path.join(tmp, 'secure');
  const ran = await runCli(['run', TINY, '--out', secure, '--cache', cache, '--quiet']);
  expect(ran.code).toBe(0);
  expect(JSON.parse(fs.readFileSync(path.join(secure, 'report.json'), 'utf8')).transport).toBe('mutual-tls');
  expect(fs.readdirSync(secure).filter((f) => /tls|\.pem$|\.key$/.test(f))).toEqual([]);

  const plain = path.join(tmp, 'plain');
  const insecure = await runCli(['run', TINY, '--out', plain, '--cache', cache, '--quiet', '--insecure']);
  expect(insecure.code).toBe(0);
  expect(JSON.parse(fs.readFileSync(path.join(plain, 'report.json'), 'utf8')).transport).toBe('insecure');
  expect(fs.readFileSync(path.join(plain, 'report.md'), 'utf8')).toContain('- transport: **insecure**');
}, 180_000);
