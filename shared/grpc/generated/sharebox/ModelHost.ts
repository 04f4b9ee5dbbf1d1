// Original file: protos/sharebox.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DescribeRequest as _sharebox_DescribeRequest, DescribeRequest__Output as _sharebox_DescribeRequest__Output } from '../sharebox/DescribeRequest';
import type { HostDescribeReply as _sharebox_HostDescribeReply, HostDescribeReply__Output as _sharebox_HostDescribeReply__Output } from '../sharebox/HostDescribeReply';
import type { RecordChunk as _sharebox_RecordChunk, RecordChunk__Output as _sharebox_RecordChunk__Output } from '../sharebox/RecordChunk';
import type { SampleRequest as _sharebox_SampleRequest, SampleRequest__Output as _sharebox_SampleRequest__Output } from '../sharebox/SampleRequest';

export interface ModelHostClient extends grpc.Client {
  Describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  Describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  Describe(argument: _sharebox_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  Describe(argument: _sharebox_DescribeRequest, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, callback: grpc.requestCallback<_sharebox_HostDescribeReply__Output>): grpc.ClientUnaryCall;
  
  Sample(argument: _sharebox_SampleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  Sample(argument: _sharebox_SampleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  sample(argument: _sharebox_SampleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  sample(argument: _sharebox_SampleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_RecordChunk__Output>;
  
}

export interface ModelHostHandlers extends grpc.UntypedServiceImplementation {
  Describe: grpc.handleUnaryCall<_sharebox_DescribeRequest__Output, _sharebox_HostDescribeReply>;
  
  Sample: grpc.handleServerStreamingCall<_sharebox_SampleRequest__Output, _sharebox_RecordChunk>;
  
}

export interface ModelHostDefinition extends grpc.ServiceDefinition {
  Describe: MethodDefinition<_sharebox_DescribeRequest, _sharebox_HostDescribeReply, _sharebox_DescribeRequest__Output, _sharebox_HostDescribeReply__Output>
  Sample: MethodDefinition<_sharebox_SampleRequest, _sharebox_RecordChunk, _sharebox_SampleRequest__Output, _sharebox_RecordChunk__Output>
}
