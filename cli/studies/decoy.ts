/**
 * The property decoy against property inference (issue 16; docs/privacy.md). The PIA section keeps scoring p̂
 * against the owner's true share p (receiver/moves/property-inference/score.ts); this module says how far p̂
 * followed the decoy p₀ instead:
 *
 * - per run (`decoyFollowed`, called by the referee): for each property-inference attack on the decoy's property,
 *   |p̂ − p₀| (raw and corrected) against the attack's own bound r + e (Theorem 1 of Luo et al. 2024 with the
 *   generator's share taken to be p₀), and whether p₀ lies in the interval the attack reported. Completes
 *   `moves.<decoy label>.pia`; the bound itself stays in the PIA section (`pia.attacks[i].byN.<n>.bound`).
 * - across a sweep (`decoyStudy`): each decoy variant beside its undefended twin (same seed, same label but for
 *   sharer.defences): the rise of |p̂ − p| over the twin's, and what the decoy did to the receiver's classifiers,
 *   their TSTR gap (real − synthetic accuracy) and their demographic-parity gap, with paired bootstrap intervals on
 *   the shared test records (compareClassifiers).
 */
import { describeProperty } from '../../shared/propertyInference/property';
import { pairedClassifierDeltas, twinKey, type PairedClassifierDelta, type PairedVariant } from './defences';
import { mergeReportFragments } from '../../shared/moves/mergeScores';
import { propertyDecoyMove } from '../../sharer/moves/property-decoy';
import type { DecoyReport } from '../../sharer/moves/property-decoy/decoy';
import type { PiaSection } from './pia';

const DECOY_MOVE_ID = propertyDecoyMove.id;

/** What the decoy's evidence says of itself (the sharer's DecoyReport), the fields read here. */
export type DecoyFacts = Pick<DecoyReport, 'column' | 'value' | 'decoyShare'>;

export interface DecoyEstimate {
  /** |p̂ − p₀|: the raw estimate's distance to the decoy (Theorem 1 bounds it by r + e when the generator shows p₀). */
  errorToDecoy: number;
  /** |corrected − p₀|, null when the attack offered no correction. */
  correctedErrorToDecoy: number | null;
  /** errorToDecoy ≤ the attack's own bound r + e (pia.attacks[i].byN.<n>.bound). */
  heldToDecoy: boolean;
  correctedHeldToDecoy: boolean | null;
  /** p₀ lies in the interval the attack reported (pia.attacks[i].byN.<n>.interval); null without one. */
  decoyCovered: boolean | null;
}

export interface DecoyAgainstAttack {
  /** The attack's index in receiver.attacks. */
  index: number;
  byN: Record<string, DecoyEstimate>;
}

/**
 * Per run: the PIA attacks on the decoy's property, scored against p₀. Attacks on another property (or a K-way one)
 * are left out: the decoy says nothing about them.
 */
export function decoyFollowed(decoy: DecoyFacts, pia: PiaSection | undefined): DecoyAgainstAttack[] {
  const property = describeProperty({ column: decoy.column, value: decoy.value });
  const p0 = decoy.decoyShare;
  const out: DecoyAgainstAttack[] = [];
  for (const attack of pia?.attacks ?? []) {
    if (attack.property !== property || typeof attack.truth !== 'number') continue;
    const byN: Record<string, DecoyEstimate> = {};
    for (const [n, e] of Object.entries(attack.byN)) {
      if (typeof e.pHat !== 'number') continue;
      const errorToDecoy = Math.abs(e.pHat - p0);
      const correctedErrorToDecoy = typeof e.corrected === 'number' ? Math.abs(e.corrected - p0) : null;
      const interval = e.interval && typeof e.interval[0] === 'number' ? (e.interval as [number, number]) : null;
      byN[n] = {
        errorToDecoy,
        correctedErrorToDecoy,
        heldToDecoy: errorToDecoy <= e.bound,
        correctedHeldToDecoy: correctedErrorToDecoy === null ? null : correctedErrorToDecoy <= e.bound,
        decoyCovered: interval ? p0 >= interval[0] - 1e-12 && p0 <= interval[1] + 1e-12 : null,
      };
    }
    out.push({ index: attack.index, byN });
  }
  return out;
}

/**
 * Completes the referee's scores of a run (every move's fragments merged, `pia` included): each decoy's
 * `moves.<label>.pia` from the property-inference section. A run without a decoy is left as it was.
 */
export function completeDecoySections(scored: Record<string, unknown>, ran: ReadonlyArray<{ id: string; evidence: unknown; label: string }>): void {
  for (const { id, evidence, label } of ran) {
    if (id !== DECOY_MOVE_ID) continue;
    mergeReportFragments(scored, { moves: { [label]: { pia: decoyFollowed(evidence as DecoyFacts, scored.pia as PiaSection | undefined) } } });
  }
}

// ---- across a sweep -------------------------------------------------------------------------------------------

export interface DecoyStudyEstimate {
  pHat: number;
  corrected: number | null;
  /** r + e of this estimate (the attack's own). */
  bound: number;
  /** |p̂ − p₀| and |corrected − p₀|. */
  errorToDecoy: number;
  correctedErrorToDecoy: number | null;
  /** |p̂ − p| with the decoy, and the undefended twin's (the trivial defence: none). */
  errorToTruth: number;
  undefendedErrorToTruth: number;
  /** errorToTruth − undefendedErrorToTruth: how much further from p the decoy pushed the estimate. */
  errorRiseVsUndefended: number;
  correctedErrorToTruth: number | null;
  undefendedCorrectedErrorToTruth: number | null;
  correctedErrorRiseVsUndefended: number | null;
  /** p₀, and p, in the interval the attack reported. */
  decoyCovered: boolean | null;
  truthCovered: boolean | null;
}

/** What the decoy did to one receiver classifier, against its undefended twin (defences.ts). */
export type DecoyStudyClassifier = PairedClassifierDelta;

export interface DecoyStudyRow {
  undefendedLabel: string;
  property: string;
  ownerShare: number;
  decoyShare: number;
  achievedShare: number;
  rowsBefore: number;
  rowsAfter: number;
  duplicates: number;
  /** The first property-inference attack on the decoy's property, per n. */
  pia: Record<string, DecoyStudyEstimate>;
  /** One entry per receiver classifier kind. */
  classifiers: Record<string, DecoyStudyClassifier>;
}

export interface DecoyStudy {
  rows: Record<string, DecoyStudyRow>;
}

/** What the study reads of a variant: the pairing's view (defences.ts) and its PIA and move sections. */
export type DecoyStudyVariant = PairedVariant & { result: { pia?: PiaSection; moves?: Record<string, unknown> } };

/** The decoy a variant's sharer ran last (the share its training set shows), with its report label, or null. */
function lastDecoy(v: DecoyStudyVariant): { label: string; facts: DecoyFacts & Record<string, unknown> } | null {
  const decoys = (v.result.sharer?.defences ?? []).filter((d) => d.kind === DECOY_MOVE_ID);
  const last = decoys[decoys.length - 1];
  if (!last) return null;
  // The referee's label rule (shared/moves/mergeScores.ts moveLabels): `-a<index>` when the move is listed twice.
  return { label: decoys.length > 1 ? `${DECOY_MOVE_ID}-a${last.index}` : DECOY_MOVE_ID, facts: last as unknown as DecoyFacts & Record<string, unknown> };
}

/**
 * The study, or null when no variant runs a decoy. Throws when a decoy variant has no undefended twin (no variant
 * with the same other swept values whose sharer runs no decoy): the deltas would have nothing to be paired with.
 */
export function decoyStudy(variants: readonly DecoyStudyVariant[]): DecoyStudy | null {
  if (!variants.some((v) => lastDecoy(v))) return null;
  const twins = new Map<string, DecoyStudyVariant>();
  for (const v of variants) if (!lastDecoy(v) && !twins.has(twinKey(v, ['sharer.defences']))) twins.set(twinKey(v, ['sharer.defences']), v);
  const rows: Record<string, DecoyStudyRow> = {};
  for (const v of variants) {
    const decoy = lastDecoy(v);
    if (!decoy) continue;
    const twin = twins.get(twinKey(v, ['sharer.defences']));
    if (!twin) {
      throw new Error(`decoy study: variant ${v.label} has no undefended twin (a variant with the same other swept values and no ${DECOY_MOVE_ID}); add [] to the sweep of sharer.defences`);
    }
    const section = (v.result.moves?.[decoy.label] ?? {}) as Record<string, number>;
    const property = describeProperty({ column: decoy.facts.column, value: decoy.facts.value });
    rows[v.label] = {
      undefendedLabel: twin.label,
      property,
      ownerShare: section.ownerShare,
      decoyShare: decoy.facts.decoyShare,
      achievedShare: section.achievedShare,
      rowsBefore: section.rowsBefore,
      rowsAfter: section.rowsAfter,
      duplicates: section.duplicates,
      pia: piaRows(v, twin, property, decoy.facts.decoyShare),
      classifiers: pairedClassifierDeltas(v, twin, 'decoy'),
    };
  }
  return { rows };
}

function piaRows(v: DecoyStudyVariant, twin: DecoyStudyVariant, property: string, p0: number): Record<string, DecoyStudyEstimate> {
  const attack = v.result.pia?.attacks.find((a) => a.property === property && typeof a.truth === 'number');
  const twinAttack = twin.result.pia?.attacks.find((a) => a.index === attack?.index);
  const out: Record<string, DecoyStudyEstimate> = {};
  if (!attack || !twinAttack) return out;
  const p = attack.truth as number;
  for (const [n, e] of Object.entries(attack.byN)) {
    const t = twinAttack.byN[n];
    if (!t || typeof e.pHat !== 'number') continue;
    const corrected = typeof e.corrected === 'number' ? e.corrected : null;
    const twinCorrected = typeof t.corrected === 'number' ? t.corrected : null;
    const interval = e.interval && typeof e.interval[0] === 'number' ? (e.interval as [number, number]) : null;
    const correctedErrorToTruth = corrected === null ? null : Math.abs(corrected - p);
    const undefendedCorrectedErrorToTruth = twinCorrected === null ? null : Math.abs(twinCorrected - p);
    out[n] = {
      pHat: e.pHat,
      corrected,
      bound: e.bound,
      errorToDecoy: Math.abs(e.pHat - p0),
      correctedErrorToDecoy: corrected === null ? null : Math.abs(corrected - p0),
      errorToTruth: e.error,
      undefendedErrorToTruth: t.error,
      errorRiseVsUndefended: e.error - t.error,
      correctedErrorToTruth,
      undefendedCorrectedErrorToTruth,
      correctedErrorRiseVsUndefended: correctedErrorToTruth === null || undefendedCorrectedErrorToTruth === null ? null : correctedErrorToTruth - undefendedCorrectedErrorToTruth,
      decoyCovered: interval ? p0 >= interval[0] - 1e-12 && p0 <= interval[1] + 1e-12 : null,
      truthCovered: e.covered,
    };
  }
  return out;
}
