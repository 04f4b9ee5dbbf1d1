// Original file: protos/sharebox.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { FineTuneReply as _sharebox_FineTuneReply, FineTuneReply__Output as _sharebox_FineTuneReply__Output } from '../sharebox/FineTuneReply';
import type { FineTuneUpload as _sharebox_FineTuneUpload, FineTuneUpload__Output as _sharebox_FineTuneUpload__Output } from '../sharebox/FineTuneUpload';

export interface FineTuneClient extends grpc.Client {
  Start(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  Start(metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  Start(options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  Start(callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  start(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  start(metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  start(options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  start(callback: grpc.requestCallback<_sharebox_FineTuneReply__Output>): grpc.ClientWritableStream<_sharebox_FineTuneUpload>;
  
}

export interface FineTuneHandlers extends grpc.UntypedServiceImplementation {
  Start: grpc.handleClientStreamingCall<_sharebox_FineTuneUpload__Output, _sharebox_FineTuneReply>;
  
}

export interface FineTuneDefinition extends grpc.ServiceDefinition {
  Start: MethodDefinition<_sharebox_FineTuneUpload, _sharebox_FineTuneReply, _sharebox_FineTuneUpload__Output, _sharebox_FineTuneReply__Output>
}
