// Original file: protos/sharebox.proto


export interface MembershipScores {
  'scores'?: (number | string)[];
}

export interface MembershipScores__Output {
  'scores': (number)[];
}
