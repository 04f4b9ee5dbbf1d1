import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AttackEvidence as _sharebox_AttackEvidence, AttackEvidence__Output as _sharebox_AttackEvidence__Output } from './sharebox/AttackEvidence';
import type { BlackBoxClient as _sharebox_BlackBoxClient, BlackBoxDefinition as _sharebox_BlackBoxDefinition } from './sharebox/BlackBox';
import type { Column as _sharebox_Column, Column__Output as _sharebox_Column__Output } from './sharebox/Column';
import type { ConfigureReply as _sharebox_ConfigureReply, ConfigureReply__Output as _sharebox_ConfigureReply__Output } from './sharebox/ConfigureReply';
import type { ConfigureRequest as _sharebox_ConfigureRequest, ConfigureRequest__Output as _sharebox_ConfigureRequest__Output } from './sharebox/ConfigureRequest';
import type { ControlClient as _sharebox_ControlClient, ControlDefinition as _sharebox_ControlDefinition } from './sharebox/Control';
import type { DescribeReply as _sharebox_DescribeReply, DescribeReply__Output as _sharebox_DescribeReply__Output } from './sharebox/DescribeReply';
import type { DescribeRequest as _sharebox_DescribeRequest, DescribeRequest__Output as _sharebox_DescribeRequest__Output } from './sharebox/DescribeRequest';
import type { DiffusionSchedule as _sharebox_DiffusionSchedule, DiffusionSchedule__Output as _sharebox_DiffusionSchedule__Output } from './sharebox/DiffusionSchedule';
import type { EvidenceClient as _sharebox_EvidenceClient, EvidenceDefinition as _sharebox_EvidenceDefinition } from './sharebox/Evidence';
import type { EvidenceReceipt as _sharebox_EvidenceReceipt, EvidenceReceipt__Output as _sharebox_EvidenceReceipt__Output } from './sharebox/EvidenceReceipt';
import type { EvidenceSubmission as _sharebox_EvidenceSubmission, EvidenceSubmission__Output as _sharebox_EvidenceSubmission__Output } from './sharebox/EvidenceSubmission';
import type { FineTuneClient as _sharebox_FineTuneClient, FineTuneDefinition as _sharebox_FineTuneDefinition } from './sharebox/FineTune';
import type { FineTuneReply as _sharebox_FineTuneReply, FineTuneReply__Output as _sharebox_FineTuneReply__Output } from './sharebox/FineTuneReply';
import type { FineTuneSpec as _sharebox_FineTuneSpec, FineTuneSpec__Output as _sharebox_FineTuneSpec__Output } from './sharebox/FineTuneSpec';
import type { FineTuneUpload as _sharebox_FineTuneUpload, FineTuneUpload__Output as _sharebox_FineTuneUpload__Output } from './sharebox/FineTuneUpload';
import type { GatewayClient as _sharebox_GatewayClient, GatewayDefinition as _sharebox_GatewayDefinition } from './sharebox/Gateway';
import type { GrayBoxClient as _sharebox_GrayBoxClient, GrayBoxDefinition as _sharebox_GrayBoxDefinition } from './sharebox/GrayBox';
import type { HostDescribeReply as _sharebox_HostDescribeReply, HostDescribeReply__Output as _sharebox_HostDescribeReply__Output } from './sharebox/HostDescribeReply';
import type { MembershipScores as _sharebox_MembershipScores, MembershipScores__Output as _sharebox_MembershipScores__Output } from './sharebox/MembershipScores';
import type { ModelHostClient as _sharebox_ModelHostClient, ModelHostDefinition as _sharebox_ModelHostDefinition } from './sharebox/ModelHost';
import type { ProgressEvent as _sharebox_ProgressEvent, ProgressEvent__Output as _sharebox_ProgressEvent__Output } from './sharebox/ProgressEvent';
import type { PropertyEstimate as _sharebox_PropertyEstimate, PropertyEstimate__Output as _sharebox_PropertyEstimate__Output } from './sharebox/PropertyEstimate';
import type { RecordChunk as _sharebox_RecordChunk, RecordChunk__Output as _sharebox_RecordChunk__Output } from './sharebox/RecordChunk';
import type { RecordSchema as _sharebox_RecordSchema, RecordSchema__Output as _sharebox_RecordSchema__Output } from './sharebox/RecordSchema';
import type { ResultReply as _sharebox_ResultReply, ResultReply__Output as _sharebox_ResultReply__Output } from './sharebox/ResultReply';
import type { ResultRequest as _sharebox_ResultRequest, ResultRequest__Output as _sharebox_ResultRequest__Output } from './sharebox/ResultRequest';
import type { SampleChunk as _sharebox_SampleChunk, SampleChunk__Output as _sharebox_SampleChunk__Output } from './sharebox/SampleChunk';
import type { SampleRequest as _sharebox_SampleRequest, SampleRequest__Output as _sharebox_SampleRequest__Output } from './sharebox/SampleRequest';
import type { ShutdownReply as _sharebox_ShutdownReply, ShutdownReply__Output as _sharebox_ShutdownReply__Output } from './sharebox/ShutdownReply';
import type { ShutdownRequest as _sharebox_ShutdownRequest, ShutdownRequest__Output as _sharebox_ShutdownRequest__Output } from './sharebox/ShutdownRequest';
import type { StartRequest as _sharebox_StartRequest, StartRequest__Output as _sharebox_StartRequest__Output } from './sharebox/StartRequest';
import type { TimestepQuery as _sharebox_TimestepQuery, TimestepQuery__Output as _sharebox_TimestepQuery__Output } from './sharebox/TimestepQuery';
import type { TrajectoryChunk as _sharebox_TrajectoryChunk, TrajectoryChunk__Output as _sharebox_TrajectoryChunk__Output } from './sharebox/TrajectoryChunk';
import type { TrajectoryRequest as _sharebox_TrajectoryRequest, TrajectoryRequest__Output as _sharebox_TrajectoryRequest__Output } from './sharebox/TrajectoryRequest';
import type { WhiteBoxClient as _sharebox_WhiteBoxClient, WhiteBoxDefinition as _sharebox_WhiteBoxDefinition } from './sharebox/WhiteBox';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  sharebox: {
    AttackEvidence: MessageTypeDefinition<_sharebox_AttackEvidence, _sharebox_AttackEvidence__Output>
    BlackBox: SubtypeConstructor<typeof grpc.Client, _sharebox_BlackBoxClient> & { service: _sharebox_BlackBoxDefinition }
    Column: MessageTypeDefinition<_sharebox_Column, _sharebox_Column__Output>
    ConfigureReply: MessageTypeDefinition<_sharebox_ConfigureReply, _sharebox_ConfigureReply__Output>
    ConfigureRequest: MessageTypeDefinition<_sharebox_ConfigureRequest, _sharebox_ConfigureRequest__Output>
    Control: SubtypeConstructor<typeof grpc.Client, _sharebox_ControlClient> & { service: _sharebox_ControlDefinition }
    DescribeReply: MessageTypeDefinition<_sharebox_DescribeReply, _sharebox_DescribeReply__Output>
    DescribeRequest: MessageTypeDefinition<_sharebox_DescribeRequest, _sharebox_DescribeRequest__Output>
    DiffusionSchedule: MessageTypeDefinition<_sharebox_DiffusionSchedule, _sharebox_DiffusionSchedule__Output>
    Evidence: SubtypeConstructor<typeof grpc.Client, _sharebox_EvidenceClient> & { service: _sharebox_EvidenceDefinition }
    EvidenceReceipt: MessageTypeDefinition<_sharebox_EvidenceReceipt, _sharebox_EvidenceReceipt__Output>
    EvidenceSubmission: MessageTypeDefinition<_sharebox_EvidenceSubmission, _sharebox_EvidenceSubmission__Output>
    FineTune: SubtypeConstructor<typeof grpc.Client, _sharebox_FineTuneClient> & { service: _sharebox_FineTuneDefinition }
    FineTuneReply: MessageTypeDefinition<_sharebox_FineTuneReply, _sharebox_FineTuneReply__Output>
    FineTuneSpec: MessageTypeDefinition<_sharebox_FineTuneSpec, _sharebox_FineTuneSpec__Output>
    FineTuneUpload: MessageTypeDefinition<_sharebox_FineTuneUpload, _sharebox_FineTuneUpload__Output>
    Gateway: SubtypeConstructor<typeof grpc.Client, _sharebox_GatewayClient> & { service: _sharebox_GatewayDefinition }
    GrayBox: SubtypeConstructor<typeof grpc.Client, _sharebox_GrayBoxClient> & { service: _sharebox_GrayBoxDefinition }
    HostDescribeReply: MessageTypeDefinition<_sharebox_HostDescribeReply, _sharebox_HostDescribeReply__Output>
    MembershipScores: MessageTypeDefinition<_sharebox_MembershipScores, _sharebox_MembershipScores__Output>
    ModelHost: SubtypeConstructor<typeof grpc.Client, _sharebox_ModelHostClient> & { service: _sharebox_ModelHostDefinition }
    ProgressEvent: MessageTypeDefinition<_sharebox_ProgressEvent, _sharebox_ProgressEvent__Output>
    PropertyEstimate: MessageTypeDefinition<_sharebox_PropertyEstimate, _sharebox_PropertyEstimate__Output>
    RecordChunk: MessageTypeDefinition<_sharebox_RecordChunk, _sharebox_RecordChunk__Output>
    RecordSchema: MessageTypeDefinition<_sharebox_RecordSchema, _sharebox_RecordSchema__Output>
    ResultReply: MessageTypeDefinition<_sharebox_ResultReply, _sharebox_ResultReply__Output>
    ResultRequest: MessageTypeDefinition<_sharebox_ResultRequest, _sharebox_ResultRequest__Output>
    SampleChunk: MessageTypeDefinition<_sharebox_SampleChunk, _sharebox_SampleChunk__Output>
    SampleRequest: MessageTypeDefinition<_sharebox_SampleRequest, _sharebox_SampleRequest__Output>
    ShutdownReply: MessageTypeDefinition<_sharebox_ShutdownReply, _sharebox_ShutdownReply__Output>
    ShutdownRequest: MessageTypeDefinition<_sharebox_ShutdownRequest, _sharebox_ShutdownRequest__Output>
    StartRequest: MessageTypeDefinition<_sharebox_StartRequest, _sharebox_StartRequest__Output>
    TimestepQuery: MessageTypeDefinition<_sharebox_TimestepQuery, _sharebox_TimestepQuery__Output>
    TrajectoryChunk: MessageTypeDefinition<_sharebox_TrajectoryChunk, _sharebox_TrajectoryChunk__Output>
    TrajectoryRequest: MessageTypeDefinition<_sharebox_TrajectoryRequest, _sharebox_TrajectoryRequest__Output>
    WhiteBox: SubtypeConstructor<typeof grpc.Client, _sharebox_WhiteBoxClient> & { service: _sharebox_WhiteBoxDefinition }
  }
}

