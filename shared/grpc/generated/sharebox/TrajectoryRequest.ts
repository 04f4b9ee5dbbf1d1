// Original file: protos/sharebox.proto

import type { SampleRequest as _sharebox_SampleRequest, SampleRequest__Output as _sharebox_SampleRequest__Output } from '../sharebox/SampleRequest';

export interface TrajectoryRequest {
  'sample'?: (_sharebox_SampleRequest | null);
  'timesteps'?: (number)[];
  'includePredictedX0'?: (boolean);
}

export interface TrajectoryRequest__Output {
  'sample': (_sharebox_SampleRequest__Output | null);
  'timesteps': (number)[];
  'includePredictedX0': (boolean);
}
