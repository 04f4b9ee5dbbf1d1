// Original file: protos/sharebox.proto

import type { RecordSchema as _sharebox_RecordSchema, RecordSchema__Output as _sharebox_RecordSchema__Output } from '../sharebox/RecordSchema';

export interface HostDescribeReply {
  'schema'?: (_sharebox_RecordSchema | null);
  'modelKind'?: (string);
  'ready'?: (boolean);
}

export interface HostDescribeReply__Output {
  'schema': (_sharebox_RecordSchema__Output | null);
  'modelKind': (string);
  'ready': (boolean);
}
