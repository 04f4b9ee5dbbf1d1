// Original file: protos/sharebox.proto

import type { Long } from '@grpc/proto-loader';

export interface FineTuneSpec {
  'method'?: (string);
  'steps'?: (number);
  'batchSize'?: (number);
  'learningRate'?: (number | string);
  'rank'?: (number);
  'loraAlpha'?: (number | string);
  'modules'?: (string)[];
  'seed'?: (number | string | Long);
}

export interface FineTuneSpec__Output {
  'method': (string);
  'steps': (number);
  'batchSize': (number);
  'learningRate': (number);
  'rank': (number);
  'loraAlpha': (number);
  'modules': (string)[];
  'seed': (number);
}
