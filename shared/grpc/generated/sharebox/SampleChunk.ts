// Original file: protos/sharebox.proto

import type { RecordChunk as _sharebox_RecordChunk, RecordChunk__Output as _sharebox_RecordChunk__Output } from '../sharebox/RecordChunk';
import type { Long } from '@grpc/proto-loader';

export interface SampleChunk {
  'records'?: (_sharebox_RecordChunk | null);
  'budgetSamplesLeft'?: (number | string | Long);
}

export interface SampleChunk__Output {
  'records': (_sharebox_RecordChunk__Output | null);
  'budgetSamplesLeft': (number);
}
