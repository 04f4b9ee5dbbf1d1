// Original file: protos/sharebox.proto


export interface ProgressEvent {
  'party'?: (string);
  'stage'?: (string);
  'current'?: (number | string);
  'total'?: (number | string);
  'message'?: (string);
  'level'?: (string);
}

export interface ProgressEvent__Output {
  'party': (string);
  'stage': (string);
  'current': (number);
  'total': (number);
  'message': (string);
  'level': (string);
}
