// Original file: protos/sharebox.proto

import type { AttackEvidence as _sharebox_AttackEvidence, AttackEvidence__Output as _sharebox_AttackEvidence__Output } from '../sharebox/AttackEvidence';

export interface EvidenceSubmission {
  'attacks'?: (_sharebox_AttackEvidence)[];
}

export interface EvidenceSubmission__Output {
  'attacks': (_sharebox_AttackEvidence__Output)[];
}
