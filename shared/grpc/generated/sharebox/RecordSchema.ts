// Original file: protos/sharebox.proto

import type { Column as _sharebox_Column, Column__Output as _sharebox_Column__Output } from '../sharebox/Column';

export interface RecordSchema {
  'modality'?: (string);
  'columns'?: (_sharebox_Column)[];
  'shape'?: (number)[];
  'classColumn'?: (string);
  'classValues'?: (string)[];
  'classShares'?: (number | string)[];
}

export interface RecordSchema__Output {
  'modality': (string);
  'columns': (_sharebox_Column__Output)[];
  'shape': (number)[];
  'classColumn': (string);
  'classValues': (string)[];
  'classShares': (number)[];
}
