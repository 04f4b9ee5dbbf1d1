// Original file: protos/sharebox.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { SampleChunk as _sharebox_SampleChunk, SampleChunk__Output as _sharebox_SampleChunk__Output } from '../sharebox/SampleChunk';
import type { SampleRequest as _sharebox_SampleRequest, SampleRequest__Output as _sharebox_SampleRequest__Output } from '../sharebox/SampleRequest';

export interface BlackBoxClient extends grpc.Client {
  Sample(argument: _sharebox_SampleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_SampleChunk__Output>;
  Sample(argument: _sharebox_SampleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_SampleChunk__Output>;
  sample(argument: _sharebox_SampleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_SampleChunk__Output>;
  sample(argument: _sharebox_SampleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_SampleChunk__Output>;
  
}

export interface BlackBoxHandlers extends grpc.UntypedServiceImplementation {
  Sample: grpc.handleServerStreamingCall<_sharebox_SampleRequest__Output, _sharebox_SampleChunk>;
  
}

export interface BlackBoxDefinition extends grpc.ServiceDefinition {
  Sample: MethodDefinition<_sharebox_SampleRequest, _sharebox_SampleChunk, _sharebox_SampleRequest__Output, _sharebox_SampleChunk__Output>
}
