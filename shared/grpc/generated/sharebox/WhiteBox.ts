// Original file: protos/sharebox.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { RecordChunk as _sharebox_RecordChunk, RecordChunk__Output as _sharebox_RecordChunk__Output } from '../sharebox/RecordChunk';
import type { TimestepQuery as _sharebox_TimestepQuery, TimestepQuery__Output as _sharebox_TimestepQuery__Output } from '../sharebox/TimestepQuery';

export interface WhiteBoxClient extends grpc.Client {
  TimestepLoss(argument: _sharebox_TimestepQuery, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  TimestepLoss(argument: _sharebox_TimestepQuery, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  timestepLoss(argument: _sharebox_TimestepQuery, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  timestepLoss(argument: _sharebox_TimestepQuery, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  
}

export interface WhiteBoxHandlers extends grpc.UntypedServiceImplementation {
  TimestepLoss: grpc.handleServerStreamingCall<_sharebox_TimestepQuery__Output, _sharebox_RecordChunk>;
  
}

export interface WhiteBoxDefinition extends grpc.ServiceDefinition {
  TimestepLoss: MethodDefinition<_sharebox_TimestepQuery, _sharebox_RecordChunk, _sharebox_TimestepQuery__Output, _sharebox_RecordChunk__Output>
}
