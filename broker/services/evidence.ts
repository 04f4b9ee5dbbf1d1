/**
 * Evidence.Submit (docs/external-receiver.md): where an outside program in the receiver's seat hands over its evidence,
 * once. Registered only when the scenario's receiver is external. It passes the chain like every call (authenticated
 * with the receiver's token, audited at the edge, free of budget) and is checked here against what the scenario asks
 * for (the seat): one piece per listed attack, of the attack's kind, of the right size, every number finite. The first
 * valid submission closes the seat; every outcome is told to the runner, which ends the run on a refusal.
 */
import * as crypto from 'crypto';
import * as grpc from '@grpc/grpc-js';
import type { EvidenceHandlers } from '../../shared/grpc/generated/sharebox/Evidence';
import type { EvidenceSubmission__Output } from '../../shared/grpc/generated/sharebox/EvidenceSubmission';
import type { EvidenceReceipt } from '../../shared/grpc/generated/sharebox/EvidenceReceipt';
import { rpcError, statusName, type RpcError } from '../../shared/grpc/errors';
import { runChain, type ChainDeps } from '../chain';
import type { EvidenceOutcome, EvidenceSeat, EvidenceState, SubmittedEvidence } from '../../shared/external/evidence';

const RPC = 'Evidence.Submit';

/**
 * Reads a submission against the seat. `unitsCharged`: what the broker's meter has charged the receiver so far — a
 * property estimate cannot rest on more records than were drawn. Throws INVALID_ARGUMENT naming the attack and field.
 */
export function readSubmission(submission: EvidenceSubmission__Output, seat: EvidenceSeat, unitsCharged: number): SubmittedEvidence[] {
  const invalid = (message: string): RpcError => rpcError(grpc.status.INVALID_ARGUMENT, `${RPC}: ${message}`);
  const byIndex = new Map<number, SubmittedEvidence>();
  submission.attacks.forEach((piece, i) => {
    const expected = seat.attacks.find((a) => a.index === piece.attack);
    const at = `attacks[${i}] (attack ${piece.attack})`;
    if (!expected) throw invalid(`${at}: no such attack (the connection file lists ${seat.attacks.map((a) => a.index).join(', ') || 'none'})`);
    if (byIndex.has(piece.attack)) throw invalid(`${at}: a second piece of evidence for the same attack`);
    const label = `${at}, ${expected.kind}`;
    if (piece.evidence !== expected.evidence) {
      throw invalid(`${label}: expected ${expected.evidence} evidence, got ${piece.evidence ?? 'none'}`);
    }
    if (expected.evidence === 'membership') {
      const scores = piece.membership?.scores ?? [];
      if (scores.length !== expected.challengeRecords) {
        throw invalid(`${label}: membership.scores holds ${scores.length} scores, expected one per challenge record (${expected.challengeRecords})`);
      }
      const bad = scores.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw invalid(`${label}: membership.scores[${bad}] is ${scores[bad]}, expected a finite number`);
      byIndex.set(piece.attack, { index: expected.index, kind: expected.kind, evidence: 'membership', scores: [...scores] });
    } else {
      const { estimate, samples } = piece.property ?? { estimate: NaN, samples: 0 };
      if (!(estimate >= 0 && estimate <= 1)) throw invalid(`${label}: property.estimate is ${estimate}, expected a share in [0, 1]`);
      if (!(Number.isInteger(samples) && samples >= 1)) throw invalid(`${label}: property.samples is ${samples}, expected the number of records the estimate rests on (≥ 1)`);
      if (samples > unitsCharged) {
        throw invalid(`${label}: property.samples is ${samples}, but the broker has charged this receiver ${unitsCharged} units: an estimate rests on records drawn through the broker`);
      }
      byIndex.set(piece.attack, { index: expected.index, kind: expected.kind, evidence: 'property', estimate, samples });
    }
  });
  const missing = seat.attacks.filter((a) => !byIndex.has(a.index));
  if (missing.length > 0) throw invalid(`no evidence for ${missing.map((a) => `attack ${a.index} (${a.kind})`).join(', ')}: expected one piece per listed attack`);
  return seat.attacks.map((a) => byIndex.get(a.index)!);
}

export function evidenceHandlers(deps: ChainDeps, seat: EvidenceSeat, state: EvidenceState, tell: (outcome: EvidenceOutcome) => void): EvidenceHandlers {
  return {
    Submit(call, callback) {
      let receipt: EvidenceReceipt = {};
      const submission = call.request;
      // The submission's fingerprint, as received: in the audit line (refused or not) and in the receipt.
      const sha256 = crypto.createHash('sha256').update(JSON.stringify(submission)).digest('hex');
      runChain({ rpc: RPC, grant: null, metadata: call.metadata, args: { attacks: submission.attacks.length, sha256 }, cost: 0 }, deps, async () => {
        if (state.accepted) {
          throw rpcError(grpc.status.ALREADY_EXISTS, `${RPC}: evidence was already submitted (sha256 ${state.accepted.sha256}); a receiver submits once`);
        }
        if (Date.now() > Date.parse(seat.deadline)) throw rpcError(grpc.status.DEADLINE_EXCEEDED, `${RPC}: the deadline (${seat.deadline}) has passed`);
        const evidence = readSubmission(submission, seat, deps.budget.used);
        state.accepted = { evidence, sha256 };
        receipt = { attacks: evidence.length, sha256 };
      }).then(
        () => {
          const outcome: EvidenceOutcome = { outcome: 'accepted', sha256: receipt.sha256 };
          state.outcomes.push(outcome);
          tell(outcome);
          callback(null, receipt);
        },
        (err: RpcError) => {
          // Refusals before the seat's own checks (a bad token) are the edge's business, not the run's end.
          if (err.code !== grpc.status.UNAUTHENTICATED) {
            const outcome: EvidenceOutcome = { outcome: 'refused', status: statusName(err.code), message: err.details ?? err.message };
            state.outcomes.push(outcome);
            tell(outcome);
          }
          callback(err);
        },
      );
    },
  };
}
