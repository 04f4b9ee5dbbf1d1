// Original file: protos/sharebox.proto

import type { Long } from '@grpc/proto-loader';

export interface PropertyEstimate {
  'estimate'?: (number | string);
  'samples'?: (number | string | Long);
}

export interface PropertyEstimate__Output {
  'estimate': (number);
  'samples': (number);
}
