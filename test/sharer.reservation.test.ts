/**
 * The sharer trusts the broker only as far as its reservation (sharer/brokerGate.ts): the broker's token alone does
 * not buy a single record. Straight to the sharer's ModelHost with the broker's token: no reservation, a forged or
 * reused one, one for another RPC, or a request above it are refused before the model runs; above the sharer's own
 * bound (sharer.maxUnitsPerCall) too, whatever was reserved. Through the broker, sampling works as before.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../shared/grpc/proto';
import { bearerMetadata } from '../shared/grpc/auth';
import { collectStream } from '../shared/grpc/streams';
import { newReservationKey } from '../shared/grpc/reservation';
import { BrokerClient } from '../receiver/brokerClient';
import type { ModelHostClient } from '../shared/grpc/generated/sharebox/ModelHost';
import type { RecordChunk__Output } from '../shared/grpc/generated/sharebox/RecordChunk';
import { asBroker } from './helpers/brokerCredentials';
import { startSharerAndBroker, type LivePair } from './helpers/liveParties';

const SHARER_BOUND = 5000;
let live: LivePair;
let host: ModelHostClient;

beforeAll(async () => {
  live = await startSharerAndBroker({ budgetSamples: 10_000, sharerMaxUnitsPerCall: SHARER_BOUND });
  host = new (loadProto().sharebox.ModelHost)(live.sharerAddress, grpc.credentials.createInsecure());
}, 90_000);

afterAll(async () => {
  host?.close();
  await live?.stop();
});

const sample = (count: number, md: grpc.Metadata) => collectStream<RecordChunk__Output>(host.sample({ count, seed: 1 }, md));
const records = (chunks: RecordChunk__Output[]) => chunks.reduce((a, c) => a + c.count, 0);

test("the broker's token without a reservation draws nothing, not even 1e12 records", async () => {
  await expect(sample(1e12, bearerMetadata(live.brokerToken))).rejects.toMatchObject({
    code: grpc.status.PERMISSION_DENIED,
    details: expect.stringMatching(/^ModelHost\.Sample: the call carries no reservation from the broker/),
  });
});

test('a request above its reservation is refused, naming the RPC and the reserved amount', async () => {
  await expect(sample(1e12, asBroker(live.brokerToken, 'ModelHost.Sample', 100, live.reservationKey))).rejects.toMatchObject({
    code: grpc.status.RESOURCE_EXHAUSTED,
    details: 'ModelHost.Sample: the request costs 1000000000000 units but the broker reserved 100 for this call',
  });
  // Within it, the sharer serves exactly what was asked.
  expect(records(await sample(100, asBroker(live.brokerToken, 'ModelHost.Sample', 100, live.reservationKey)))).toBe(100);
});

test('a forged, reused or misdirected reservation is refused', async () => {
  // Signed with another key (a party that holds the token but not the run's key).
  await expect(sample(10, asBroker(live.brokerToken, 'ModelHost.Sample', 10, newReservationKey()))).rejects.toMatchObject({
    code: grpc.status.PERMISSION_DENIED,
    details: expect.stringMatching(/^ModelHost\.Sample: the broker's reservation for call .* is not valid/),
  });
  // Replayed: one reservation buys one call.
  const once = asBroker(live.brokerToken, 'ModelHost.Sample', 10, live.reservationKey);
  expect(records(await sample(10, once))).toBe(10);
  await expect(sample(10, once)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringMatching(/was already used/) });
  // A reservation for Sample is no use for Trajectory.
  const forSample = asBroker(live.brokerToken, 'ModelHost.Sample', 1_000_000, live.reservationKey);
  const trajectory = host.trajectory({ sample: { count: 5, seed: 1 }, timesteps: [0], includePredictedX0: false }, forSample);
  await expect(collectStream(trajectory)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringMatching(/^ModelHost\.Trajectory: .* not valid/) });
});

test("the sharer's own bound holds whatever the broker reserved", async () => {
  await expect(sample(SHARER_BOUND + 1, asBroker(live.brokerToken, 'ModelHost.Sample', 1e9, live.reservationKey))).rejects.toMatchObject({
    code: grpc.status.RESOURCE_EXHAUSTED,
    details: `ModelHost.Sample: the request costs ${SHARER_BOUND + 1} units; this sharer serves at most ${SHARER_BOUND} per call (sharer.maxUnitsPerCall)`,
  });
});

test('through the broker, which reserves before it forwards, sampling works as before', async () => {
  const client = new BrokerClient(live.brokerAddress, live.receiverToken);
  const d = await client.describe();
  expect((await client.sample(d.schema, { count: 300, seed: 4 })).rows).toHaveLength(300);
  client.close();
});
