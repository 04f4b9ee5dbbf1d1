// Original file: protos/sharebox.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { EvidenceReceipt as _sharebox_EvidenceReceipt, EvidenceReceipt__Output as _sharebox_EvidenceReceipt__Output } from '../sharebox/EvidenceReceipt';
import type { EvidenceSubmission as _sharebox_EvidenceSubmission, EvidenceSubmission__Output as _sharebox_EvidenceSubmission__Output } from '../sharebox/EvidenceSubmission';

export interface EvidenceClient extends grpc.Client {
  Submit(argument: _sharebox_EvidenceSubmission, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_EvidenceReceipt__Output>): grpc.ClientUnaryCall;
  Submit(argument: _sharebox_EvidenceSubmission, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_EvidenceReceipt__Output>): grpc.ClientUnaryCall;
  Submit(argument: _sharebox_EvidenceSubmission, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_EvidenceReceipt__Output>): grpc.ClientUnaryCall;
  Submit(argument: _sharebox_EvidenceSubmission, callback: grpc.requestCallback<_sharebox_EvidenceReceipt__Output>): grpc.ClientUnaryCall;
  submit(argument: _sharebox_EvidenceSubmission, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_EvidenceReceipt__Output>): grpc.ClientUnaryCall;
  submit(argument: _sharebox_EvidenceSubmission, metadata: grpc.Metadata, callback: grpc.requestCallback<_sharebox_EvidenceReceipt__Output>): grpc.ClientUnaryCall;
  submit(argument: _sharebox_EvidenceSubmission, options: grpc.CallOptions, callback: grpc.requestCallback<_sharebox_EvidenceReceipt__Output>): grpc.ClientUnaryCall;
  submit(argument: _sharebox_EvidenceSubmission, callback: grpc.requestCallback<_sharebox_EvidenceReceipt__Output>): grpc.ClientUnaryCall;
  
}

export interface EvidenceHandlers extends grpc.UntypedServiceImplementation {
  Submit: grpc.handleUnaryCall<_sharebox_EvidenceSubmission__Output, _sharebox_EvidenceReceipt>;
  
}

export interface EvidenceDefinition extends grpc.ServiceDefinition {
  Submit: MethodDefinition<_sharebox_EvidenceSubmission, _sharebox_EvidenceReceipt, _sharebox_EvidenceSubmission__Output, _sharebox_EvidenceReceipt__Output>
}
