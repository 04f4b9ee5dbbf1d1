// Original file: protos/sharebox.proto

import type { Long } from '@grpc/proto-loader';

export interface SampleRequest {
  'count'?: (number | string | Long);
  'seed'?: (number | string | Long);
  'conditional'?: (boolean);
  'classIndex'?: (number);
  'modelVersion'?: (string);
}

export interface SampleRequest__Output {
  'count': (number);
  'seed': (number);
  'conditional': (boolean);
  'classIndex': (number);
  'modelVersion': (string);
}
