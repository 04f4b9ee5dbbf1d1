// Original file: protos/sharebox.proto

import type { RecordChunk as _sharebox_RecordChunk, RecordChunk__Output as _sharebox_RecordChunk__Output } from '../sharebox/RecordChunk';
import type { Long } from '@grpc/proto-loader';

export interface TimestepQuery {
  'records'?: (_sharebox_RecordChunk | null);
  'timesteps'?: (number)[];
  'noiseSeed'?: (number | string | Long);
  'noiseDraws'?: (number);
  'modelVersion'?: (string);
}

export interface TimestepQuery__Output {
  'records': (_sharebox_RecordChunk__Output | null);
  'timesteps': (number)[];
  'noiseSeed': (number);
  'noiseDraws': (number);
  'modelVersion': (string);
}
