// Original file: protos/sharebox.proto

import type { RecordSchema as _sharebox_RecordSchema, RecordSchema__Output as _sharebox_RecordSchema__Output } from '../sharebox/RecordSchema';
import type { DiffusionSchedule as _sharebox_DiffusionSchedule, DiffusionSchedule__Output as _sharebox_DiffusionSchedule__Output } from '../sharebox/DiffusionSchedule';
import type { Long } from '@grpc/proto-loader';

export interface DescribeReply {
  'schema'?: (_sharebox_RecordSchema | null);
  'access'?: (string)[];
  'budgetSamplesTotal'?: (number | string | Long);
  'budgetSamplesLeft'?: (number | string | Long);
  'modelKind'?: (string);
  'schedule'?: (_sharebox_DiffusionSchedule | null);
}

export interface DescribeReply__Output {
  'schema': (_sharebox_RecordSchema__Output | null);
  'access': (string)[];
  'budgetSamplesTotal': (number);
  'budgetSamplesLeft': (number);
  'modelKind': (string);
  'schedule': (_sharebox_DiffusionSchedule__Output | null);
}
