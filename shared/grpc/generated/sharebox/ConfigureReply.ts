// Original file: protos/sharebox.proto


export interface ConfigureReply {
  'infoJson'?: (string);
}

export interface ConfigureReply__Output {
  'infoJson': (string);
}
