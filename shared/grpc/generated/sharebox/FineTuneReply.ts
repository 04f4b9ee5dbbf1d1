// Original file: protos/sharebox.proto

import type { Long } from '@grpc/proto-loader';

export interface FineTuneReply {
  'modelVersion'?: (string);
  'parentVersion'?: (string);
  'records'?: (number);
  'finalLoss'?: (number | string);
  'unitsCharged'?: (number | string | Long);
  'recordsSha256'?: (string);
  'deltaSha256'?: (string);
  'trainableParameters'?: (number | string | Long);
  'newClass'?: (number);
  'budgetSamplesLeft'?: (number | string | Long);
  'seconds'?: (number | string);
}

export interface FineTuneReply__Output {
  'modelVersion': (string);
  'parentVersion': (string);
  'records': (number);
  'finalLoss': (number);
  'unitsCharged': (number);
  'recordsSha256': (string);
  'deltaSha256': (string);
  'trainableParameters': (number);
  'newClass': (number);
  'budgetSamplesLeft': (number);
  'seconds': (number);
}
