/**
 * The broker's client to the sharer's ModelHost: the only way the broker reaches the model. Every metered call carries
 * the broker's signed reservation for it (shared/grpc/reservation.ts): `units` is what the chain reserved, and the
 * sharer serves no more.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../shared/grpc/proto';
import { channelTo, type Transport } from '../shared/grpc/transport';
import { bearerMetadata } from '../shared/grpc/auth';
import { addReservation } from '../shared/grpc/reservation';
import { unary } from '../shared/grpc/streams';
import type { ModelHostClient } from '../shared/grpc/generated/sharebox/ModelHost';
import type { HostDescribeReply__Output } from '../shared/grpc/generated/sharebox/HostDescribeReply';
import type { SampleRequest } from '../shared/grpc/generated/sharebox/SampleRequest';
import type { RecordChunk, RecordChunk__Output } from '../shared/grpc/generated/sharebox/RecordChunk';
import type { TimestepQuery } from '../shared/grpc/generated/sharebox/TimestepQuery';
import type { TrajectoryRequest } from '../shared/grpc/generated/sharebox/TrajectoryRequest';
import type { TrajectoryChunk__Output } from '../shared/grpc/generated/sharebox/TrajectoryChunk';
import type { FineTuneUpload } from '../shared/grpc/generated/sharebox/FineTuneUpload';
import type { FineTuneReply__Output } from '../shared/grpc/generated/sharebox/FineTuneReply';

export class SharerLink {
  private readonly client: ModelHostClient;

  constructor(
    address: string,
    private readonly token: string,
    private readonly reservationKey: string,
    transport: Transport,
  ) {
    const Ctor = loadProto().sharebox.ModelHost;
    const { credentials, options } = channelTo(transport, 'sharer');
    this.client = new Ctor(address, credentials, options);
  }

  /** The bearer token and a reservation of `units` for this one call of `rpc`. */
  private reserved(rpc: string, units: number): grpc.Metadata {
    const md = bearerMetadata(this.token);
    addReservation(md, this.reservationKey, rpc, units);
    return md;
  }

  describe(): Promise<HostDescribeReply__Output> {
    return unary(this.client.describe.bind(this.client), {}, bearerMetadata(this.token));
  }

  sample(request: SampleRequest, units: number): grpc.ClientReadableStream<RecordChunk__Output> {
    return this.client.sample(request, this.reserved('ModelHost.Sample', units));
  }

  encode(records: RecordChunk, units: number): grpc.ClientReadableStream<RecordChunk__Output> {
    return this.client.encode(records, this.reserved('ModelHost.Encode', units));
  }

  predictX0(query: TimestepQuery, units: number): grpc.ClientReadableStream<RecordChunk__Output> {
    return this.client.predictX0(query, this.reserved('ModelHost.PredictX0', units));
  }

  timestepLoss(query: TimestepQuery, units: number): grpc.ClientReadableStream<RecordChunk__Output> {
    return this.client.timestepLoss(query, this.reserved('ModelHost.TimestepLoss', units));
  }

  trajectory(request: TrajectoryRequest, units: number): grpc.ClientReadableStream<TrajectoryChunk__Output> {
    return this.client.trajectory(request, this.reserved('ModelHost.Trajectory', units));
  }

  /** ModelHost.FineTune: streams the upload as the receiver sent it (spec first) and waits for the new version. */
  fineTune(messages: FineTuneUpload[], units: number): Promise<FineTuneReply__Output> {
    return new Promise((resolve, reject) => {
      const stream = this.client.fineTune(this.reserved('ModelHost.FineTune', units), (err: grpc.ServiceError | null, reply?: FineTuneReply__Output) =>
        err ? reject(err) : resolve(reply!),
      );
      for (const message of messages) stream.write(message);
      stream.end();
    });
  }

  close(): void {
    this.client.close();
  }
}
