// Original file: protos/sharebox.proto


export interface Column {
  'name'?: (string);
  'type'?: (string);
  'categories'?: (string)[];
}

export interface Column__Output {
  'name': (string);
  'type': (string);
  'categories': (string)[];
}
