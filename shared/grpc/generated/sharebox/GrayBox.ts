// Original file: protos/sharebox.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { RecordChunk as _sharebox_RecordChunk, RecordChunk__Output as _sharebox_RecordChunk__Output } from '../sharebox/RecordChunk';
import type { TimestepQuery as _sharebox_TimestepQuery, TimestepQuery__Output as _sharebox_TimestepQuery__Output } from '../sharebox/TimestepQuery';
import type { TrajectoryChunk as _sharebox_TrajectoryChunk, TrajectoryChunk__Output as _sharebox_TrajectoryChunk__Output } from '../sharebox/TrajectoryChunk';
import type { TrajectoryRequest as _sharebox_TrajectoryRequest, TrajectoryRequest__Output as _sharebox_TrajectoryRequest__Output } from '../sharebox/TrajectoryRequest';

export interface GrayBoxClient extends grpc.Client {
  Encode(argument: _sharebox_RecordChunk, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  Encode(argument: _sharebox_RecordChunk, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  encode(argument: _sharebox_RecordChunk, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  encode(argument: _sharebox_RecordChunk, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  
  PredictX0(argument: _sharebox_TimestepQuery, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  PredictX0(argument: _sharebox_TimestepQuery, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  predictX0(argument: _sharebox_TimestepQuery, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  predictX0(argument: _sharebox_TimestepQuery, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  
  Trajectory(argument: _sharebox_TrajectoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_TrajectoryChunk__Output>;
  Trajectory(argument: _sharebox_TrajectoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_TrajectoryChunk__Output>;
  trajectory(argument: _sharebox_TrajectoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_TrajectoryChunk__Output>;
  trajectory(argument: _sharebox_TrajectoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_TrajectoryChunk__Output>;
  
}

export interface GrayBoxHandlers extends grpc.UntypedServiceImplementation {
  Encode: grpc.handleServerStreamingCall<_sharebox_RecordChunk__Output, _sharebox_RecordChunk>;
  
  PredictX0: grpc.handleServerStreamingCall<_sharebox_TimestepQuery__Output, _sharebox_RecordChunk>;
  
  Trajectory: grpc.handleServerStreamingCall<_sharebox_TrajectoryRequest__Output, _sharebox_TrajectoryChunk>;
  
}

export interface GrayBoxDefinition extends grpc.ServiceDefinition {
  Encode: MethodDefinition<_sharebox_RecordChunk, _sharebox_RecordChunk, _sharebox_RecordChunk__Output, _sharebox_RecordChunk__Output>
  PredictX0: MethodDefinition<_sharebox_TimestepQuery, _sharebox_RecordChunk, _sharebox_TimestepQuery__Output, _sharebox_RecordChunk__Output>
  Trajectory: MethodDefinition<_sharebox_TrajectoryRequest, _sharebox_TrajectoryChunk, _sharebox_TrajectoryRequest__Output, _sharebox_TrajectoryChunk__Output>
}
