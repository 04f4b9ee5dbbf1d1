// Original file: protos/sharebox.proto


export interface ConfigureRequest {
  'configJson'?: (string);
}

export interface ConfigureRequest__Output {
  'configJson': (string);
}
