/**
 * The external receiver's evidence (docs/external-receiver.md), as the runner, the broker and the referee see it: what
 * the seat expects (from the scenario's receiver.attacks) and what was submitted, checked (broker/services/evidence.ts).
 */
import type { MoveRequirements } from '../moves/move';

/** What an external move's evidence is (its `requires.externalReceiver`). */
export type EvidenceKind = NonNullable<MoveRequirements['externalReceiver']>;

/** One attack the outside program must submit evidence for. */
export interface ExpectedEvidence {
  /** Its index in receiver.attacks (and in the connection file's `attacks`). */
  index: number;
  kind: string;
  evidence: EvidenceKind;
  /** membership: the number of scores expected (the challenge set's size). */
  challengeRecords?: number;
}

/** What the broker's Evidence service checks a submission against. */
export interface EvidenceSeat {
  /** ISO time after which a submission is refused. */
  deadline: string;
  attacks: ExpectedEvidence[];
}

export type SubmittedEvidence =
  | { index: number; kind: string; evidence: 'membership'; scores: number[] }
  | { index: number; kind: string; evidence: 'property'; estimate: number; samples: number };

/** The broker's progress events that carry an EvidenceOutcome (JSON in the message). */
export const EVIDENCE_STAGE = 'evidence';

/** What happened to one Submit call, for the runner (a progress event) and the broker's result. */
export interface EvidenceOutcome {
  outcome: 'accepted' | 'refused';
  /** The status name of a refusal (INVALID_ARGUMENT, ALREADY_EXISTS, DEADLINE_EXCEEDED). */
  status?: string;
  message?: string;
  sha256?: string;
}

/** The broker's record of the seat: what it accepted, and every Submit's outcome in order (the broker's result). */
export interface EvidenceState {
  accepted: { evidence: SubmittedEvidence[]; sha256: string } | null;
  outcomes: EvidenceOutcome[];
}
