// Original file: protos/sharebox.proto

import type { MembershipScores as _sharebox_MembershipScores, MembershipScores__Output as _sharebox_MembershipScores__Output } from '../sharebox/MembershipScores';
import type { PropertyEstimate as _sharebox_PropertyEstimate, PropertyEstimate__Output as _sharebox_PropertyEstimate__Output } from '../sharebox/PropertyEstimate';

export interface AttackEvidence {
  'attack'?: (number);
  'membership'?: (_sharebox_MembershipScores | null);
  'property'?: (_sharebox_PropertyEstimate | null);
  'evidence'?: "membership"|"property";
}

export interface AttackEvidence__Output {
  'attack': (number);
  'membership'?: (_sharebox_MembershipScores__Output | null);
  'property'?: (_sharebox_PropertyEstimate__Output | null);
  'evidence'?: "membership"|"property";
}
