/**
 * The fairness audit as a detector (issue 17; docs/fairness-audit.md): over every run of a sweep (× its replicates),
 * how often the receiver's `fairness-audit` flagged the model, per variant (honest sharer vs each poisoning α), with a
 * Clopper–Pearson interval, and how well its p-value separates poisoned runs from honest ones (ROC AUC; chance 0.5).
 *
 * A flag rate is a binomial proportion over runs (seeds), so its interval is Clopper–Pearson (exact, two-sided 95%),
 * not the t-interval of a mean over seeds that `acrossSeeds` gives: with 10 seeds and 10 flags a t-interval is [1, 1].
 * The runs are pooled across the replicates, so this study is built once at the top of the report, from every seed.
 *
 * The detector's score is −pValue (the smaller the p-value, the surer the audit): the AUC is P(a poisoned run's p-value
 * < an honest run's) + ½ P(tie), the Mann–Whitney statistic of shared/metrics/roc.ts.
 */
import { auc } from '../../shared/metrics/roc';
import { clopperPearson } from '../../shared/metrics/empiricalEpsilon';

/** One run's audit, as its report section `moves.<label>` holds it (receiver/moves/fairness-audit scorer). */
export interface AuditScore {
  kind: 'fairness-audit';
  flagged: number;
  pValue: number;
  z: number;
  alpha: number;
  gapSynthetic: { estimate: number };
  difference: number;
  truth: { trainingLabelParityGap: number; trainingISY: number };
}

/** One run: which variant, which seed, what the sharer did, and what the audit said. */
export interface AuditRun {
  variant: string;
  seed: number;
  method: string;
  alpha: number;
  audit: AuditScore;
}

export interface FlagRate {
  estimate: number;
  low: number;
  high: number;
  flagged: number;
  runs: number;
  confidence: number;
}

export interface AuditStudyRow {
  method: string;
  /** The sharer's poisoning ratio α (0: honest). */
  alpha: number;
  honest: boolean;
  /** Share of this variant's runs the audit flagged, with its two-sided Clopper–Pearson interval. */
  flagRate: FlagRate;
  meanPValue: number;
  maxPValue: number;
  /**
   * Means of |gap|: the greedy selection favours either group depending on the seed (docs/fpa.md, "Selection
   * direction"), so signed gaps would average to about 0 over seeds.
   */
  meanAbsGapSynthetic: number;
  meanAbsDifference: number;
  /** The sharer's truth: mean |label-parity gap| of its training sets. */
  meanAbsTrainingLabelParityGap: number;
  /** AUC of −pValue, this variant's runs against the honest runs (null for the honest rows or without honest runs). */
  aucVsHonest: number | null;
}

export interface AuditStudy {
  /** The audit's significance level (of the first run; the scenario sets one). */
  significance: number;
  seeds: number[];
  rows: Record<string, AuditStudyRow>;
  /** Every poisoned run against every honest run; null when one side has none. */
  detector: { honestRuns: number; poisonedRuns: number; auc: number; falsePositiveRate: FlagRate; truePositiveRate: FlagRate } | null;
}

function flagRate(flags: readonly number[], confidence = 0.95): FlagRate {
  const flagged = flags.filter((f) => f === 1).length;
  // clopperPearson's bounds are one-sided at its confidence: (1 + c)/2 each makes the pair a two-sided c interval.
  const { low, high } = clopperPearson(flagged, flags.length, (1 + confidence) / 2);
  return { estimate: flagged / flags.length, low, high, flagged, runs: flags.length, confidence };
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** The study over runs, or null when no run audited. Rows keep the order in which variants first appear. */
export function auditStudy(runs: readonly AuditRun[]): AuditStudy | null {
  if (runs.length === 0) return null;
  const byVariant = new Map<string, AuditRun[]>();
  for (const run of runs) {
    const list = byVariant.get(run.variant) ?? [];
    list.push(run);
    byVariant.set(run.variant, list);
  }
  const isHonest = (r: AuditRun) => r.alpha === 0 || r.method === 'none';
  const honestRuns = runs.filter(isHonest);
  const score = (r: AuditRun) => -r.audit.pValue;
  const rows: Record<string, AuditStudyRow> = {};
  for (const [variant, list] of byVariant) {
    const honest = list.every(isHonest);
    rows[variant] = {
      method: list[0].method,
      alpha: list[0].alpha,
      honest,
      flagRate: flagRate(list.map((r) => r.audit.flagged)),
      meanPValue: mean(list.map((r) => r.audit.pValue)),
      maxPValue: Math.max(...list.map((r) => r.audit.pValue)),
      meanAbsGapSynthetic: mean(list.map((r) => Math.abs(r.audit.gapSynthetic.estimate))),
      meanAbsDifference: mean(list.map((r) => Math.abs(r.audit.difference))),
      meanAbsTrainingLabelParityGap: mean(list.map((r) => Math.abs(r.audit.truth.trainingLabelParityGap))),
      aucVsHonest: honest || honestRuns.length === 0 ? null : auc(list.map(score), honestRuns.map(score)),
    };
  }
  const poisonedRuns = runs.filter((r) => !isHonest(r));
  return {
    significance: runs[0].audit.alpha,
    seeds: [...new Set(runs.map((r) => r.seed))],
    rows,
    detector:
      honestRuns.length > 0 && poisonedRuns.length > 0
        ? {
            honestRuns: honestRuns.length,
            poisonedRuns: poisonedRuns.length,
            auc: auc(poisonedRuns.map(score), honestRuns.map(score)),
            falsePositiveRate: flagRate(honestRuns.map((r) => r.audit.flagged)),
            truePositiveRate: flagRate(poisonedRuns.map((r) => r.audit.flagged)),
          }
        : null,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The first fairness-audit score among a run's `moves` section, or null. */
function auditOf(sections: Record<string, unknown>): AuditScore | null {
  const moves = sections.moves;
  if (!isRecord(moves)) return null;
  const found = Object.values(moves).find((m) => isRecord(m) && m.kind === 'fairness-audit');
  return (found as AuditScore | undefined) ?? null;
}

/** What the sharer did, from its own ground truth (its move record): method and α; method none without one. */
function poisoningOf(sections: Record<string, unknown>): { method: string; alpha: number } {
  const sharer = sections.sharer as { moves?: Array<{ method?: string; alpha?: number }> } | undefined;
  const move = sharer?.moves?.[0];
  return { method: move?.method ?? 'none', alpha: move?.alpha ?? 0 };
}

/**
 * The audited runs of one seed's sections: every sweep variant (`variants`), or the run itself (labelled `run`)
 * without a sweep.
 */
export function auditRunsOf(sections: Record<string, unknown>, seed: number): AuditRun[] {
  const variants = isRecord(sections.variants) ? Object.entries(sections.variants) : [['run', sections] as const];
  return variants.flatMap(([variant, result]) => {
    if (!isRecord(result)) return [];
    const audit = auditOf(result);
    return audit ? [{ variant, seed, ...poisoningOf(result), audit }] : [];
  });
}
