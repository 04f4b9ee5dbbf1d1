// Original file: protos/sharebox.proto

import type { RecordSchema as _sharebox_RecordSchema, RecordSchema__Output as _sharebox_RecordSchema__Output } from '../sharebox/RecordSchema';
import type { DiffusionSchedule as _sharebox_DiffusionSchedule, DiffusionSchedule__Output as _sharebox_DiffusionSchedule__Output } from '../sharebox/DiffusionSchedule';

export interface HostDescribeReply {
  'schema'?: (_sharebox_RecordSchema | null);
  'modelKind'?: (string);
  'ready'?: (boolean);
  'schedule'?: (_sharebox_DiffusionSchedule | null);
}

export interface HostDescribeReply__Output {
  'schema': (_sharebox_RecordSchema__Output | null);
  'modelKind': (string);
  'ready': (boolean);
  'schedule': (_sharebox_DiffusionSchedule__Output | null);
}
