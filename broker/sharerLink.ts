/** The broker's client to the sharer's ModelHost: the only way the broker reaches the model. */
import * as grpc from '@grpc/grpc-js';
import { loadProto, CHANNEL_OPTIONS } from '../shared/grpc/proto';
import { bearerMetadata } from '../shared/grpc/auth';
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

  constructor(address: string, private readonly token: string) {
    const Ctor = loadProto().sharebox.ModelHost;
    this.client = new Ctor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  describe(): Promise<HostDescribeReply__Output> {
    return unary(this.client.describe.bind(this.client), {}, bearerMetadata(this.token));
  }

  sample(request: SampleRequest): grpc.ClientReadableStream<RecordChunk__Output> {
    return this.client.sample(request, bearerMetadata(this.token));
  }

  encode(records: RecordChunk): grpc.ClientReadableStream<RecordChunk__Output> {
    return this.client.encode(records, bearerMetadata(this.token));
  }

  predictX0(query: TimestepQuery): grpc.ClientReadableStream<RecordChunk__Output> {
    return this.client.predictX0(query, bearerMetadata(this.token));
  }

  timestepLoss(query: TimestepQuery): grpc.ClientReadableStream<RecordChunk__Output> {
    return this.client.timestepLoss(query, bearerMetadata(this.token));
  }

  trajectory(request: TrajectoryRequest): grpc.ClientReadableStream<TrajectoryChunk__Output> {
    return this.client.trajectory(request, bearerMetadata(this.token));
  }

  /** ModelHost.FineTune: streams the upload as the receiver sent it (spec first) and waits for the new version. */
  fineTune(messages: FineTuneUpload[]): Promise<FineTuneReply__Output> {
    return new Promise((resolve, reject) => {
      const stream = this.client.fineTune(bearerMetadata(this.token), (err: grpc.ServiceError | null, reply?: FineTuneReply__Output) =>
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
