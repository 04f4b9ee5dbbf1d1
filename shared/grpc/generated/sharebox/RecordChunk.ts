// Original file: protos/sharebox.proto


export interface RecordChunk {
  'count'?: (number);
  'encoding'?: (string);
  'shape'?: (number)[];
  'data'?: (Buffer | Uint8Array | string);
  'classes'?: (number)[];
}

export interface RecordChunk__Output {
  'count': (number);
  'encoding': (string);
  'shape': (number)[];
  'data': (Buffer);
  'classes': (number)[];
}
