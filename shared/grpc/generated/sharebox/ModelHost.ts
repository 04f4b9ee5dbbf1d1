// Original file: protos/sharebox.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DescribeRequest as _sharebox_DescribeRequest, DescribeRequest__Output as _sharebox_DescribeRequest__Output } from '../sharebox/DescribeRequest';
import type { FineTuneReply as _sharebox_FineTuneReply, FineTuneReply__Output as _sharebox_FineTuneReply__Output } from '../sharebox/FineTuneReply';
import type { FineTuneUpload as _sharebox_FineTuneUpload, FineTuneUpload__Output as _sharebox_FineTuneUpload__Output } from '../sharebox/FineTuneUpload';
import type { HostDescribeReply as _sharebox_HostDescribeReply, HostDescribeReply__Output as _sharebox_HostDescribeReply__Output } from '../sharebox/HostDescribeReply';
import type { RecordChunk as _sharebox_RecordChunk, RecordChunk__Output as _sharebox_RecordChunk__Output } from '../sharebox/RecordChunk';
import type { SampleRequest as _sharebox_SampleRequest, SampleRequest__Output as _sharebox_SampleRequest__Output } from '../sharebox/SampleRequest';
import type { TimestepQuery as _sharebox_TimestepQuery, TimestepQuery__Output as _sharebox_TimestepQuery__Output } from '../sharebox/TimestepQuery';
import type { TrajectoryChunk as _sharebox_TrajectoryChunk, TrajectoryChunk__Output as _sharebox_TrajectoryChunk__Output } from '../sharebox/TrajectoryChunk';
import type { TrajectoryRequest as _sharebox_TrajectoryRequest, TrajectoryRequest__Output as _sharebox_TrajectoryRequest__Output } from '../sharebox/TrajectoryRequest';

export interface ModelHostClient extends grpc.Client {
  Describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  Describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  Describe(argument: _sharebox_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  Describe(argument: _sharebox_DescribeRequest, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  
  Encode(argument: _sharebox_RecordChunk, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  Encode(argument: _sharebox_RecordChunk, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  encode(argument: _sharebox_RecordChunk, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  encode(argument: _sharebox_RecordChunk, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  
  FineTune(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  FineTune(metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  FineTune(options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  FineTune(callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  fineTune(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  fineTune(metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  fineTune(options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  fineTune(callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  
  PredictX0(argument: _sharebox_TimestepQuery, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  PredictX0(argument: _sharebox_TimestepQuery, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  predictX0(argument: _sharebox_TimestepQuery, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  predictX0(argument: _sharebox_TimestepQuery, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  
  Sample(argument: _sharebox_SampleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  Sample(argument: _sharebox_SampleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  sample(argument: _sharebox_SampleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  sample(argument: _sharebox_SampleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  
  TimestepLoss(argument: _sharebox_TimestepQuery, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  TimestepLoss(argument: _sharebox_TimestepQuery, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  timestepLoss(argument: _sharebox_TimestepQuery, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  timestepLoss(argument: _sharebox_TimestepQuery, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  
  Trajectory(argument: _sharebox_TrajectoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_TrajectoryChunk__Output>;
  Trajectory(argument: _sharebox_TrajectoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_TrajectoryChunk__Output>;
  trajectory(argument: _sharebox_TrajectoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_TrajectoryChunk__Output>;
  trajectory(argument: _sharebox_TrajectoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_TrajectoryChunk__Output>;
  
}

export interface ModelHostHandlers extends grpc.UntypedServiceImplementation {
  Describe: grpc.handleUnaryCall<_sharebox_DescribeRequest__Output, _sharebox_HostDescribeReply>;
  
  Encode: grpc.handleServerStreamingCall<_sharebox_RecordChunk__Output, _sharebox_RecordChunk>;
  
  FineTune: grpc.handleClientStreamingCall<_sharebox_FineTuneUpload__Output, _sharebox_FineTuneReply>;
  
  PredictX0: grpc.handleServerStreamingCall<_sharebox_TimestepQuery__Output, _sharebox_RecordChunk>;
  
  Sample: grpc.handleServerStreamingCall<_sharebox_SampleRequest__Output, _sharebox_RecordChunk>;
  
  TimestepLoss: grpc.handleServerStreamingCall<_sharebox_TimestepQuery__Output, _sharebox_RecordChunk>;
  
  Trajectory: grpc.handleServerStreamingCall<_sharebox_TrajectoryRequest__Output, _sharebox_TrajectoryChunk>;
  
}

export interface ModelHostDefinition extends grpc.ServiceDefinition {
  Describe: MethodDefinition<_sharebox_DescribeRequest, _sharebox_HostDescribeReply, _sharebox_DescribeRequest__Output, _sharebox_HostDescribeReply__Output>
  Encode: MethodDefinition<_sharebox_RecordChunk, _sharebox_RecordChunk, _sharebox_RecordChunk__Output, _sharebox_RecordChunk__Output>
  FineTune: MethodDefinition<_sharebox_FineTuneUpload, _sharebox_FineTuneReply, _sharebox_FineTuneUpload__Output, _sharebox_FineTuneReply__Output>
  PredictX0: MethodDefinition<_sharebox_TimestepQuery, _sharebox_RecordChunk, _sharebox_TimestepQuery__Output, _sharebox_RecordChunk__Output>
  Sample: MethodDefinition<_sharebox_SampleRequest, _sharebox_RecordChunk, _sharebox_SampleRequest__Output, _sharebox_RecordChunk__Output>
  TimestepLoss: MethodDefinition<_sharebox_TimestepQuery, _sharebox_RecordChunk, _sharebox_TimestepQuery__Output, _sharebox_RecordChunk__Output>
  Trajectory: MethodDefinition<_sharebox_TrajectoryRequest, _sharebox_TrajectoryChunk, _sharebox_TrajectoryRequest__Output, _sharebox_TrajectoryChunk__Output>
}
