/**
 * What a defence costs the receiver, as a paired delta against its undefended twin (issue 16; docs/privacy.md): in a
 * sweep, every variant whose sharer, broker or receiver runs a defence beside the variant with the same other swept
 * values that runs none. Both receivers test their classifiers on the same records (one seed, one test split), so the change in
 * accuracy and in the demographic-parity gap gets a paired bootstrap interval on those records (compareClassifiers),
 * whose noise the two runs share — two separate TSTR intervals that overlap say much less.
 *
 * The pairing and the per-classifier deltas are exported for the property decoy's study (decoy.ts), whose twin is the
 * variant without a decoy.
 */
import { bootstrapIntervals, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES } from '../../shared/metrics/bootstrap';
import { confusionByGroup, fairnessFromConfusion } from '../../shared/metrics/fairness';
import { compareClassifiers, type Interval, type TestPredictions } from '../../shared/metrics/fairnessReport';
import { Rng, deriveSeed } from '../../shared/random';

/** The scenario lists a variant's defences may be swept in. */
const DEFENCE_LISTS = ['sharer.defences', 'broker.defences', 'receiver.defences'] as const;

export interface PairedClassifierDelta {
  /** Real − synthetic accuracy (the TSTR gap, the referee's paired interval), defended and undefended. */
  accuracyBelowReal: Interval;
  undefendedAccuracyBelowReal: Interval;
  /** undefended − defended synthetic accuracy (= the rise of the TSTR gap), paired on the shared test records. */
  accuracyLossVsUndefended: Interval;
  /** Demographic-parity gap of the classifier trained on synthetic records, defended and undefended. */
  dpGap: Interval;
  undefendedDpGap: Interval;
  /** defended − undefended DP gap, paired likewise. */
  dpGapChangeVsUndefended: Interval;
}

/** What the pairing reads of a variant: its label, seed, report sections and the test predictions kept beside them. */
export interface PairedVariant {
  label: string;
  seed: number;
  testPredictions: TestPredictions;
  result: {
    overrides?: Record<string, unknown>;
    /** `moves[0]` is the poisoning move's record (method, alpha) when the sharer poisons (cli/studies/fpa.ts). */
    sharer?: { defences?: Array<{ kind: string; index: number } & Record<string, unknown>>; moves?: unknown[] };
    broker?: { defences?: Array<{ kind: string; index: number } & Record<string, unknown>> };
    receiver?: { downstream?: Record<string, { evaluation: { dpGap: Interval } }>; defences?: Array<{ kind: string; index: number } & Record<string, unknown>> };
    fidelity?: Record<string, unknown>;
  };
}

/**
 * A variant's label without the segments of the swept lists named: a defended variant and its twin share it.
 * Labels are the swept values' labels joined by commas, in the order of `overrides`.
 */
export function twinKey(v: PairedVariant, strip: readonly string[]): string {
  const paths = Object.keys(v.result.overrides ?? {});
  const segments = v.label.split(',');
  if (segments.length !== paths.length) return '';
  return segments.filter((_, i) => !strip.includes(paths[i])).join(',');
}

/** Per receiver classifier: the defended variant's accuracy and DP gap against its twin's, paired on the test records. */
export function pairedClassifierDeltas(v: PairedVariant, twin: PairedVariant, study: string): Record<string, PairedClassifierDelta> {
  const { yTrue, s } = v.testPredictions;
  if (yTrue.length !== twin.testPredictions.yTrue.length || yTrue.some((y, i) => y !== twin.testPredictions.yTrue[i] || s[i] !== twin.testPredictions.s[i])) {
    throw new Error(`${study} study: variant ${v.label} was tested on other records than its undefended twin ${twin.label}; the paired comparison needs one test split`);
  }
  const out: Record<string, PairedClassifierDelta> = {};
  for (const [kind, d] of Object.entries(v.result.receiver?.downstream ?? {})) {
    const mine = v.testPredictions.predictions[kind];
    const theirs = twin.testPredictions.predictions[kind];
    const twinDownstream = twin.result.receiver?.downstream?.[kind];
    const fidelity = v.result.fidelity?.[kind] as { accuracyBelowReal?: Interval } | undefined;
    const twinFidelity = twin.result.fidelity?.[kind] as { accuracyBelowReal?: Interval } | undefined;
    if (!mine || !theirs || !twinDownstream || !fidelity?.accuracyBelowReal || !twinFidelity?.accuracyBelowReal) continue;
    // defended − undefended on the same resampled test records; the accuracy loss is its negative.
    const diff = compareClassifiers(yTrue, s, mine, theirs, new Rng(deriveSeed(v.seed, `${study}/${v.label}/${kind}`)));
    out[kind] = {
      accuracyBelowReal: fidelity.accuracyBelowReal,
      undefendedAccuracyBelowReal: twinFidelity.accuracyBelowReal,
      accuracyLossVsUndefended: { estimate: 0 - diff.accuracy.estimate, low: 0 - diff.accuracy.high, high: 0 - diff.accuracy.low },
      dpGap: d.evaluation.dpGap,
      undefendedDpGap: twinDownstream.evaluation.dpGap,
      dpGapChangeVsUndefended: diff.dpGap,
    };
  }
  return out;
}

/**
 * A defence against fairness poisoning, judged on the poisoning it is meant to undo: for a defended variant whose sharer
 * poisons, its three counterparts of the same seed and other swept values (the undefended twin pU, the honest sharer with
 * the same defences hD, and the honest undefended hU), all four tested on the same records. Each number is a
 * difference in differences, bootstrapped on one set of resamples of the shared test records:
 *   dpGapRiseUndefended = gap(pU) − gap(hU), what the poisoning does to a receiver that does not defend;
 *   dpGapRiseDefended   = gap(pD) − gap(hD), what it still does to one that does (like for like: both runs defend);
 *   riseCut             = 1 − dpGapRiseDefended / dpGapRiseUndefended, the share of the rise the defence removes;
 *   accuracyCostBeyondHonest = [acc(pU) − acc(pD)] − [acc(hU) − acc(hD)], what the defence costs under poisoning
 *                         beyond what it costs the honest run (its price on the honest run is that row's
 *                         accuracyLossVsUndefended); negative when the defence gains accuracy under poisoning.
 */
export interface AgainstPoisoningDelta {
  honestDefendedLabel: string;
  honestUndefendedLabel: string;
  dpGapRiseUndefended: Interval;
  dpGapRiseDefended: Interval;
  riseCut: Interval;
  accuracyCostBeyondHonest: Interval;
}

export interface DefenceStudyRow {
  undefendedLabel: string;
  /** The defences the variant runs, by party, in list order (their ids). */
  defences: { sharer: string[]; broker: string[]; receiver: string[] };
  /** One entry per receiver classifier kind. */
  classifiers: Record<string, PairedClassifierDelta>;
  /** When the variant's sharer poisons and its honest counterparts ran: per receiver classifier kind (AgainstPoisoningDelta). */
  againstPoisoning?: Record<string, AgainstPoisoningDelta>;
}

export interface DefenceStudy {
  rows: Record<string, DefenceStudyRow>;
}

function defenceIds(v: PairedVariant): { sharer: string[]; broker: string[]; receiver: string[] } {
  return {
    sharer: (v.result.sharer?.defences ?? []).map((d) => d.kind),
    broker: (v.result.broker?.defences ?? []).map((d) => d.kind),
    receiver: (v.result.receiver?.defences ?? []).map((d) => d.kind),
  };
}

function undefended(v: PairedVariant): boolean {
  const { sharer, broker, receiver } = defenceIds(v);
  return sharer.length === 0 && broker.length === 0 && receiver.length === 0;
}

/** Whether the variant's sharer poisons, from its own record of the move (method ≠ none and α > 0; cli/studies/fpa.ts). */
function poisons(v: PairedVariant): boolean {
  const move = v.result.sharer?.moves?.[0] as { method?: string; alpha?: number } | undefined;
  return (move?.method ?? 'none') !== 'none' && (move?.alpha ?? 0) > 0;
}

/** The swept paths that choose the sharer's poisoning (the whole block, or one of its fields). */
function poisoningPaths(variants: readonly PairedVariant[]): string[] {
  const paths = new Set<string>();
  for (const v of variants) for (const p of Object.keys(v.result.overrides ?? {})) if (p === 'sharer.poisoning' || p.startsWith('sharer.poisoning.')) paths.add(p);
  return [...paths];
}

/** AgainstPoisoningDelta per classifier kind the four variants share; see there for the definitions. */
function againstPoisoning(pD: PairedVariant, pU: PairedVariant, hD: PairedVariant, hU: PairedVariant): Record<string, AgainstPoisoningDelta> {
  const { yTrue, s } = pD.testPredictions;
  for (const other of [pU, hD, hU]) {
    const t = other.testPredictions;
    if (t.yTrue.length !== yTrue.length || t.yTrue.some((y, i) => y !== yTrue[i] || t.s[i] !== s[i])) {
      throw new Error(`defence study: variant ${pD.label} was tested on other records than ${other.label}; the paired comparison needs one test split`);
    }
  }
  const out: Record<string, AgainstPoisoningDelta> = {};
  for (const kind of Object.keys(pD.testPredictions.predictions)) {
    const preds = [pD, pU, hD, hU].map((v) => v.testPredictions.predictions[kind]);
    if (preds.some((p) => !p)) continue;
    const intervals = bootstrapIntervals<'dpGapRiseUndefended' | 'dpGapRiseDefended' | 'riseCut' | 'accuracyCostBeyondHonest'>(
      yTrue.length,
      (indices) => {
        const [a, b, c, d] = preds.map((p) => fairnessFromConfusion(confusionByGroup(yTrue, p, s, indices)));
        const riseUndefended = b.dpGap - d.dpGap;
        const riseDefended = a.dpGap - c.dpGap;
        return {
          dpGapRiseUndefended: riseUndefended,
          dpGapRiseDefended: riseDefended,
          // Undefined when the poisoning raised nothing to cut (skipped by the bootstrap as NaN).
          riseCut: riseUndefended > 0 ? 1 - riseDefended / riseUndefended : NaN,
          accuracyCostBeyondHonest: b.accuracy - a.accuracy - (d.accuracy - c.accuracy),
        };
      },
      { rng: new Rng(deriveSeed(pD.seed, `defence/againstPoisoning/${pD.label}/${kind}`)), resamples: DEFAULT_RESAMPLES, confidence: DEFAULT_CONFIDENCE },
    );
    const strip = ({ estimate, low, high }: Interval): Interval => ({ estimate, low, high });
    out[kind] = {
      honestDefendedLabel: hD.label,
      honestUndefendedLabel: hU.label,
      dpGapRiseUndefended: strip(intervals.dpGapRiseUndefended),
      dpGapRiseDefended: strip(intervals.dpGapRiseDefended),
      riseCut: strip(intervals.riseCut),
      accuracyCostBeyondHonest: strip(intervals.accuracyCostBeyondHonest),
    };
  }
  return out;
}

/**
 * The study, or null when no variant differs from another only in its defences (nothing to pair: a sweep that does
 * not touch sharer.defences or broker.defences, or one without an undefended variant).
 */
export function defenceStudy(variants: readonly PairedVariant[]): DefenceStudy | null {
  const swept = variants.some((v) => Object.keys(v.result.overrides ?? {}).some((p) => (DEFENCE_LISTS as readonly string[]).includes(p)));
  if (!swept) return null;
  const twins = new Map<string, PairedVariant>();
  for (const v of variants) if (undefended(v) && !twins.has(twinKey(v, DEFENCE_LISTS))) twins.set(twinKey(v, DEFENCE_LISTS), v);
  // Honest counterparts for the rows whose sharer poisons: keyed by the label without the defence and poisoning segments,
  // then by the defences run (the first such variant of each).
  const withoutPoisoning = [...DEFENCE_LISTS, ...poisoningPaths(variants)];
  const honest = new Map<string, PairedVariant>();
  for (const v of variants) {
    const key = `${twinKey(v, withoutPoisoning)}|${JSON.stringify(defenceIds(v))}`;
    if (!poisons(v) && !honest.has(key)) honest.set(key, v);
  }
  const honestOf = (v: PairedVariant, ids: ReturnType<typeof defenceIds>) => honest.get(`${twinKey(v, withoutPoisoning)}|${JSON.stringify(ids)}`);
  const rows: Record<string, DefenceStudyRow> = {};
  for (const v of variants) {
    if (undefended(v)) continue;
    const twin = twins.get(twinKey(v, DEFENCE_LISTS));
    if (!twin) continue;
    const row: DefenceStudyRow = { undefendedLabel: twin.label, defences: defenceIds(v), classifiers: pairedClassifierDeltas(v, twin, 'defence') };
    const hD = poisons(v) ? honestOf(v, defenceIds(v)) : undefined;
    const hU = poisons(v) ? honestOf(v, defenceIds(twin)) : undefined;
    if (hD && hU) row.againstPoisoning = againstPoisoning(v, twin, hD, hU);
    rows[v.label] = row;
  }
  return Object.keys(rows).length > 0 ? { rows } : null;
}
