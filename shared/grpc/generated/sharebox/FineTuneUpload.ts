// Original file: protos/sharebox.proto

import type { FineTuneSpec as _sharebox_FineTuneSpec, FineTuneSpec__Output as _sharebox_FineTuneSpec__Output } from '../sharebox/FineTuneSpec';
import type { RecordChunk as _sharebox_RecordChunk, RecordChunk__Output as _sharebox_RecordChunk__Output } from '../sharebox/RecordChunk';

export interface FineTuneUpload {
  'spec'?: (_sharebox_FineTuneSpec | null);
  'records'?: (_sharebox_RecordChunk | null);
}

export interface FineTuneUpload__Output {
  'spec': (_sharebox_FineTuneSpec__Output | null);
  'records': (_sharebox_RecordChunk__Output | null);
}
