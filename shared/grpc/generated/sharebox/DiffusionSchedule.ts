// Original file: protos/sharebox.proto


export interface DiffusionSchedule {
  'timesteps'?: (number);
  'kind'?: (string);
  'alphaBars'?: (number | string)[];
  'modelWidth'?: (number);
  'samplerTimesteps'?: (number)[];
}

export interface DiffusionSchedule__Output {
  'timesteps': (number);
  'kind': (string);
  'alphaBars': (number)[];
  'modelWidth': (number);
  'samplerTimesteps': (number)[];
}
