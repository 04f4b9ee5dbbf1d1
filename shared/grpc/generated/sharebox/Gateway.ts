// Original file: protos/sharebox.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DescribeReply as _sharebox_DescribeReply, DescribeReply__Output as _sharebox_DescribeReply__Output } from '../sharebox/DescribeReply';
import type { DescribeRequest as _sharebox_DescribeRequest, DescribeRequest__Output as _sharebox_DescribeRequest__Output } from '../sharebox/DescribeRequest';

export interface GatewayClient extends grpc.Client {
  Describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_DescribeReply__Output>): grpc.ClientUnaryCall;
  Describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_DescribeReply__Output>): grpc.ClientUnaryCall;
  Describe(argument: _sharebox_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_DescribeReply__Output>): grpc.ClientUnaryCall;
  Describe(argument: _sharebox_DescribeRequest, callback: grpc.requestCallback<_sharebox_DescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_DescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_DescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_DescribeReply__Output>): grpc.ClientUnaryCall;
  describe(argument: _sharebox_DescribeRequest, callback: grpc.requestCallback<_sharebox_DescribeReply__Output>): grpc.ClientUnaryCall;
  
}

export interface GatewayHandlers extends grpc.UntypedServiceImplementation {
  Describe: grpc.handleUnaryCall<_sharebox_DescribeRequest__Output, _sharebox_DescribeReply>;
  
}

export interface GatewayDefinition extends grpc.ServiceDefinition {
  Describe: MethodDefinition<_sharebox_DescribeRequest, _sharebox_DescribeReply, _sharebox_DescribeRequest__Output, _sharebox_DescribeReply__Output>
}
