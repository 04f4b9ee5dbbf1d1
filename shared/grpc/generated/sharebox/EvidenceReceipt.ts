// Original file: protos/sharebox.proto


export interface EvidenceReceipt {
  'attacks'?: (number);
  'sha256'?: (string);
}

export interface EvidenceReceipt__Output {
  'attacks': (number);
  'sha256': (string);
}
