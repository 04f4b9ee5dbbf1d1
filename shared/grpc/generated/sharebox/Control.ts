// Original file: protos/sharebox.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ConfigureReply as _sharebox_ConfigureReply, ConfigureReply__Output as _sharebox_ConfigureReply__Output } from '../sharebox/ConfigureReply';
import type { ConfigureRequest as _sharebox_ConfigureRequest, ConfigureRequest__Output as _sharebox_ConfigureRequest__Output } from '../sharebox/ConfigureRequest';
import type { ProgressEvent as _sharebox_ProgressEvent, ProgressEvent__Output as _sharebox_ProgressEvent__Output } from '../sharebox/ProgressEvent';
import type { ResultReply as _sharebox_ResultReply, ResultReply__Output as _sharebox_ResultReply__Output } from '../sharebox/ResultReply';
import type { ResultRequest as _sharebox_ResultRequest, ResultRequest__Output as _sharebox_ResultRequest__Output } from '../sharebox/ResultRequest';
import type { ShutdownReply as _sharebox_ShutdownReply, ShutdownReply__Output as _sharebox_ShutdownReply__Output } from '../sharebox/ShutdownReply';
import type { ShutdownRequest as _sharebox_ShutdownRequest, ShutdownRequest__Output as _sharebox_ShutdownRequest__Output } from '../sharebox/ShutdownRequest';
import type { StartRequest as _sharebox_StartRequest, StartRequest__Output as _sharebox_StartRequest__Output } from '../sharebox/StartRequest';

export interface ControlClient extends grpc.Client {
  Configure(argument: _sharebox_ConfigureRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_ConfigureReply__Output>): grpc.ClientUnaryCall;
  Configure(argument: _sharebox_ConfigureRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_ConfigureReply__Output>): grpc.ClientUnaryCall;
  Configure(argument: _sharebox_ConfigureRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_ConfigureReply__Output>): grpc.ClientUnaryCall;
  Configure(argument: _sharebox_ConfigureRequest, callback: grpc.requestCallback<_sharebox_ConfigureReply__Output>): grpc.ClientUnaryCall;
  configure(argument: _sharebox_ConfigureRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_ConfigureReply__Output>): grpc.ClientUnaryCall;
  configure(argument: _sharebox_ConfigureRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_ConfigureReply__Output>): grpc.ClientUnaryCall;
  configure(argument: _sharebox_ConfigureRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_ConfigureReply__Output>): grpc.ClientUnaryCall;
  configure(argument: _sharebox_ConfigureRequest, callback: grpc.requestCallback<_sharebox_ConfigureReply__Output>): grpc.ClientUnaryCall;
  
  Result(argument: _sharebox_ResultRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_ResultReply__Output>;
  Result(argument: _sharebox_ResultRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_ResultReply__Output>;
  result(argument: _sharebox_ResultRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_ResultReply__Output>;
  result(argument: _sharebox_ResultRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_ResultReply__Output>;
  
  Shutdown(argument: _sharebox_ShutdownRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_ShutdownReply__Output>): grpc.ClientUnaryCall;
  Shutdown(argument: _sharebox_ShutdownRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_ShutdownReply__Output>): grpc.ClientUnaryCall;
  Shutdown(argument: _sharebox_ShutdownRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_ShutdownReply__Output>): grpc.ClientUnaryCall;
  Shutdown(argument: _sharebox_ShutdownRequest, callback: grpc.requestCallback<_sharebox_ShutdownReply__Output>): grpc.ClientUnaryCall;
  shutdown(argument: _sharebox_ShutdownRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_ShutdownReply__Output>): grpc.ClientUnaryCall;
  shutdown(argument: _sharebox_ShutdownRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_ShutdownReply__Output>): grpc.ClientUnaryCall;
  shutdown(argument: _sharebox_ShutdownRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_ShutdownReply__Output>): grpc.ClientUnaryCall;
  shutdown(argument: _sharebox_ShutdownRequest, callback: grpc.requestCallback<_sharebox_ShutdownReply__Output>): grpc.ClientUnaryCall;
  
  Start(argument: _sharebox_StartRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_ProgressEvent__Output>;
  Start(argument: _sharebox_StartRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_ProgressEvent__Output>;
  start(argument: _sharebox_StartRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_ProgressEvent__Output>;
  start(argument: _sharebox_StartRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_sharebox_ProgressEvent__Output>;
  
}

export interface ControlHandlers extends grpc.UntypedServiceImplementation {
  Configure: grpc.handleUnaryCall<_sharebox_ConfigureRequest__Output, _sharebox_ConfigureReply>;
  
  Result: grpc.handleServerStreamingCall<_sharebox_ResultRequest__Output, _sharebox_ResultReply>;
  
  Shutdown: grpc.handleUnaryCall<_sharebox_ShutdownRequest__Output, _sharebox_ShutdownReply>;
  
  Start: grpc.handleServerStreamingCall<_sharebox_StartRequest__Output, _sharebox_ProgressEvent>;
  
}

export interface ControlDefinition extends grpc.ServiceDefinition {
  Configure: MethodDefinition<_sharebox_ConfigureRequest, _sharebox_ConfigureReply, _sharebox_ConfigureRequest__Output, _sharebox_ConfigureReply__Output>
  Result: MethodDefinition<_sharebox_ResultRequest, _sharebox_ResultReply, _sharebox_ResultRequest__Output, _sharebox_ResultReply__Output>
  Shutdown: MethodDefinition<_sharebox_ShutdownRequest, _sharebox_ShutdownReply, _sharebox_ShutdownRequest__Output, _sharebox_ShutdownReply__Output>
  Start: MethodDefinition<_sharebox_StartRequest, _sharebox_ProgressEvent, _sharebox_StartRequest__Output, _sharebox_ProgressEvent__Output>
}
