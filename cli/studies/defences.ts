/**
 * What a defence costs the receiver, as a paired delta against its undefended twin (issue 16; docs/privacy.md): in a
 * sweep, every variant whose sharer or broker runs a defence beside the variant with the same other swept values that
 * runs none. Both receivers test their classifiers on the same records (one seed, one test split), so the change in
 * accuracy and in the demographic-parity gap gets a paired bootstrap interval on those records (compareClassifiers),
 * whose noise the two runs share — two separate TSTR intervals that overlap say much less.
 *
 * The pairing and the per-classifier deltas are exported for the property decoy's study (decoy.ts), whose twin is the
 * variant without a decoy.
 */
import { compareClassifiers, type Interval, type TestPredictions } from '../../shared/metrics/fairnessReport';
import { Rng, deriveSeed } from '../../shared/random';

/** The scenario lists a variant's defences may be swept in. */
const DEFENCE_LISTS = ['sharer.defences', 'broker.defences'] as const;

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
    sharer?: { defences?: Array<{ kind: string; index: number } & Record<string, unknown>> };
    broker?: { defences?: Array<{ kind: string; index: number } & Record<string, unknown>> };
    receiver?: { downstream?: Record<string, { evaluation: { dpGap: Interval } }> };
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

export interface DefenceStudyRow {
  undefendedLabel: string;
  /** The defences the variant runs, by party, in list order (their ids). */
  defences: { sharer: string[]; broker: string[] };
  /** One entry per receiver classifier kind. */
  classifiers: Record<string, PairedClassifierDelta>;
}

export interface DefenceStudy {
  rows: Record<string, DefenceStudyRow>;
}

function defenceIds(v: PairedVariant): { sharer: string[]; broker: string[] } {
  return { sharer: (v.result.sharer?.defences ?? []).map((d) => d.kind), broker: (v.result.broker?.defences ?? []).map((d) => d.kind) };
}

function undefended(v: PairedVariant): boolean {
  const { sharer, broker } = defenceIds(v);
  return sharer.length === 0 && broker.length === 0;
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
  const rows: Record<string, DefenceStudyRow> = {};
  for (const v of variants) {
    if (undefended(v)) continue;
    const twin = twins.get(twinKey(v, DEFENCE_LISTS));
    if (!twin) continue;
    rows[v.label] = { undefendedLabel: twin.label, defences: defenceIds(v), classifiers: pairedClassifierDeltas(v, twin, 'defence') };
  }
  return Object.keys(rows).length > 0 ? { rows } : null;
}
