// Original file: protos/sharebox.proto


export interface ResultReply {
  'resultJson'?: (string);
}

export interface ResultReply__Output {
  'resultJson': (string);
}
