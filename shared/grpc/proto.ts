import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/sharebox';
import { repoRoot } from '../repoRoot';

/** Loader options must match the `npm run protos` type generation (int64 as JS numbers, defaults filled). */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached: ProtoGrpcType | null = null;

/** The sharebox package definition, loaded once per process. */
export function loadProto(): ProtoGrpcType {
  if (!cached) {
    const file = path.join(repoRoot(), 'protos', 'sharebox.proto');
    const definition = protoLoader.loadSync(file, PROTO_LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}

/**
 * Message size bound for every channel and server: chunks are at most maxChunkRecords records, so nothing
 * legitimate comes near it, and a runaway message fails with RESOURCE_EXHAUSTED instead of eating memory.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
};
