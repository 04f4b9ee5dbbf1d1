// Original file: protos/sharebox.proto

import type { RecordChunk as _sharebox_RecordChunk, RecordChunk__Output as _sharebox_RecordChunk__Output } from '../sharebox/RecordChunk';
import type { Long } from '@grpc/proto-loader';

export interface TrajectoryChunk {
  'samples'?: (_sharebox_RecordChunk | null);
  'states'?: (_sharebox_RecordChunk | null);
  'predictedX0'?: (_sharebox_RecordChunk | null);
  'budgetSamplesLeft'?: (number | string | Long);
}

export interface TrajectoryChunk__Output {
  'samples': (_sharebox_RecordChunk__Output | null);
  'states': (_sharebox_RecordChunk__Output | null);
  'predictedX0': (_sharebox_RecordChunk__Output | null);
  'budgetSamplesLeft': (number);
}
