/**
 * The receiver's audit of the S–Y dependence of the records it drew, before it trains on them (issue 17; docs/
 * fairness-audit.md). A fairness-poisoning sharer (FPA, Luo et al. 2024; docs/fpa.md) selects its training records
 * to raise I(S;Y), and a class-conditional generator reproduces that dependence in every record it samples. The
 * receiver cannot see the training set, but it can measure the dependence in its samples and compare it with a
 * reference it trusts: a small real split of its own, or a published label-parity gap.
 *
 * Statistics of a table's binary (s, y) (s = 1 for task.privileged, y = 1 for task.positive, one-vs-rest):
 *   - the label demographic-parity gap g = P(y=1 | s=1) − P(y=1 | s=0), signed (the sign says which group is
 *     favoured: the greedy selection may favour either, docs/fpa.md "Selection direction");
 *   - the plug-in I(S;Y) in bits (shared/metrics/mutualInformation.ts), as the effect size FPA maximises.
 *
 * The test (H0: the synthetic gap is the reference's, up to a tolerance m ≥ 0):
 *   D = g_syn − g_ref,   SE² = Var(g_syn) + Var(g_ref),   Var(g) = p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀,
 *   p = P_{|δ| = m}(|D̂| ≥ |D|) = Φ((m − |D|)/SE) + Φ((−m − |D|)/SE)     (= 2Φ(−|D|/SE) at m = 0).
 * Why a normal approximation and not a bootstrap p-value: D is a difference of four independent binomial
 * proportions, the samples are independent (the synthetic draw and the receiver's own real split share no record),
 * and every cell holds hundreds of records at the sizes a receiver uses (≥ 1,000 reference rows, thousands of draws),
 * where the Wald statistic is normal to well within the test's resolution; it is exact to compute, deterministic,
 * and calibrated (test/fairnessAudit.test.ts simulates the null over many seeds). The bootstrap is used for what it is
 * good at, the intervals of the gaps and of I(S;Y), which are reported beside the test. The reference's own sampling
 * error enters SE when the reference is data; a published gap is treated as exact (Var(g_ref) = 0).
 *
 * The tolerance m: the null "exactly equal" is never quite true of a generator (its own fitting error and the
 * sharer's finite training set move the synthetic gap a little even for an honest sharer), so a receiver may declare
 * the smallest gap difference it cares about; the p-value is then the largest over |δ| ≤ m (attained at |δ| = m).
 *
 * Caveat (documented in docs/fairness-audit.md): the DP gap depends on the label marginal. Under independence
 * (gap 0) it is 0 for any marginal, which is the case an honest sharer of fair data is in; against a dependent
 * reference, draw in the model's class shares (receiver.draw.classBalance: match) or the gaps are not comparable.
 */
import { binaryColumn, type Table } from '../data/table';
import { discreteMutualInformationBits } from '../metrics/mutualInformation';
import { bootstrapIntervals, type BootstrapInterval } from '../metrics/bootstrap';
import { normalCdf } from '../math/normal';
import type { Rng } from '../random';

/** The binary columns the audit reads (task.sensitive/privileged, task.label/positive). */
export interface AuditTask {
  sensitive: string;
  privileged: string;
  label: string;
  positive: string;
}

/** counts[s][y] of a binary (s, y) table. */
export type SYCounts = [[number, number], [number, number]];

/** The (s, y) counts of a table's task columns; throws naming the column when it is missing or not categorical. */
export function syCounts(table: Table, task: AuditTask): SYCounts {
  const s = binaryColumn(table, task.sensitive, task.privileged);
  const y = binaryColumn(table, task.label, task.positive);
  return countsOf(s, y);
}

/** counts[s][y] of two binary vectors, optionally on a subset of indices (a bootstrap resample). */
export function countsOf(s: ArrayLike<number>, y: ArrayLike<number>, indices?: ArrayLike<number>): SYCounts {
  const c: SYCounts = [
    [0, 0],
    [0, 0],
  ];
  const n = indices ? indices.length : s.length;
  for (let t = 0; t < n; t++) {
    const i = indices ? indices[t] : t;
    c[s[i] ? 1 : 0][y[i] ? 1 : 0]++;
  }
  return c;
}

/** P(y=1 | s=1) − P(y=1 | s=0), signed; NaN when a group is empty. */
export function labelParityGapOf(c: SYCounts): number {
  const n1 = c[1][0] + c[1][1];
  const n0 = c[0][0] + c[0][1];
  return c[1][1] / n1 - c[0][1] / n0;
}

/** Var of the gap estimate: the two groups' binomial variances (groups of n₁ and n₀ records, p̂ plugged in). */
export function labelParityGapVariance(c: SYCounts): number {
  const n1 = c[1][0] + c[1][1];
  const n0 = c[0][0] + c[0][1];
  const p1 = c[1][1] / n1;
  const p0 = c[0][1] / n0;
  return (p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n0;
}

/** Plug-in I(S;Y) in bits of the counts. */
export function mutualInformationOf(c: SYCounts): number {
  return discreteMutualInformationBits(c);
}

export interface GapTest {
  /** gapSynthetic − gapReference. */
  difference: number;
  standardError: number;
  /** difference / standardError (the detector score: |z| orders runs as the p-value does, without underflow ties). */
  z: number;
  tolerance: number;
  pValue: number;
}

/**
 * The two-sample test of the module comment: a synthetic gap against a reference gap, each with its variance (the
 * reference's is 0 when it is published). Throws when the standard error is 0 or not finite (a group without records,
 * or every label equal in both tables: nothing to test).
 */
export function gapDifferenceTest(
  synthetic: { gap: number; variance: number },
  reference: { gap: number; variance: number },
  tolerance = 0,
): GapTest {
  if (!(tolerance >= 0 && Number.isFinite(tolerance))) throw new Error(`gapDifferenceTest: tolerance must be a finite number ≥ 0, got ${tolerance}`);
  const difference = synthetic.gap - reference.gap;
  const standardError = Math.sqrt(synthetic.variance + reference.variance);
  if (!(standardError > 0 && Number.isFinite(standardError) && Number.isFinite(difference))) {
    throw new Error(
      `gapDifferenceTest: the gap difference has no usable standard error (difference ${difference}, standard error ${standardError}): a group (s = 0 or 1) has no record, or every label is the same`,
    );
  }
  const d = Math.abs(difference);
  const pValue = Math.min(1, normalCdf((tolerance - d) / standardError) + normalCdf((-tolerance - d) / standardError));
  return { difference, standardError, z: difference / standardError, tolerance, pValue };
}

/** The dependence of one table: its gap and I(S;Y) with percentile bootstrap intervals, and its size. */
export interface TableDependence {
  records: number;
  counts: SYCounts;
  gap: BootstrapInterval;
  mutualInformationBits: BootstrapInterval;
}

/** What the reference is: the receiver's own records, or a published gap (exact, no interval). */
export type AuditReference = { table: Table; name: string } | { labelParityGap: number };

export interface DependenceAudit {
  /** The synthetic records' gap and I(S;Y), with 95% bootstrap intervals. */
  synthetic: TableDependence;
  /** The reference: its data's dependence (with intervals), or the published gap. */
  reference: ({ kind: 'data'; name: string } & TableDependence) | { kind: 'published'; gap: number };
  gapSynthetic: BootstrapInterval;
  /** The reference gap: a bootstrap interval when it comes from data, the published number otherwise. */
  gapReference: BootstrapInterval | number;
  test: GapTest;
  difference: number;
  pValue: number;
  /** The audit's significance level: flagged = pValue < alpha. */
  alpha: number;
  flagged: boolean;
}

export interface DependenceAuditOptions {
  /** Significance level, in (0, 1) (default 0.05). */
  alpha?: number;
  /** The test's tolerance m on |gap difference| (default 0: any difference). */
  tolerance?: number;
  /** Bootstrap resamples of the reported intervals (default 1000). */
  resamples?: number;
  /** Coverage of the reported intervals (default 0.95). */
  confidence?: number;
  rng: Rng;
}

/** Binary s and y of one sample (s may be a discriminator's guess ŝ when S is hidden). */
export interface SYLabels {
  s: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** The binary (s, y) of a table's task columns; throws naming the column when it is missing or not categorical. */
export function syLabels(table: Table, task: AuditTask): SYLabels {
  return { s: binaryColumn(table, task.sensitive, task.privileged), y: binaryColumn(table, task.label, task.positive) };
}

/** One sample's gap and I(S;Y) with bootstrap intervals (the same resamples for both). */
export function labelsDependence(labels: SYLabels, opts: { rng: Rng; resamples?: number; confidence?: number }): TableDependence {
  const { s, y } = labels;
  if (s.length !== y.length) throw new Error(`labelsDependence: ${s.length} values of s but ${y.length} of y`);
  const intervals = bootstrapIntervals(
    s.length,
    (indices) => {
      const c = countsOf(s, y, indices);
      return { gap: labelParityGapOf(c), mi: mutualInformationOf(c) };
    },
    { rng: opts.rng, resamples: opts.resamples, confidence: opts.confidence },
  );
  return { records: s.length, counts: countsOf(s, y), gap: intervals.gap, mutualInformationBits: intervals.mi };
}

/** One table's gap and I(S;Y) with bootstrap intervals. */
export function tableDependence(table: Table, task: AuditTask, opts: { rng: Rng; resamples?: number; confidence?: number }): TableDependence {
  return labelsDependence(syLabels(table, task), opts);
}

/**
 * The audit: the synthetic records' dependence against the reference's, tested as in the module comment. Flags when
 * the p-value is below alpha. Throws naming the column when a table lacks a task column (S hidden from the samples:
 * the fairness-audit move then audits a discriminator's ŝ instead, dependenceAuditOfLabels).
 */
export function dependenceAudit(synthetic: Table, reference: AuditReference, task: AuditTask, opts: DependenceAuditOptions): DependenceAudit {
  const ref = 'table' in reference ? { labels: syLabels(reference.table, task), name: reference.name } : reference;
  return dependenceAuditOfLabels(syLabels(synthetic, task), ref, opts);
}

/** The audit on (s, y) labels already read: the synthetic sample's against a reference sample's or a published gap. */
export function dependenceAuditOfLabels(
  synthetic: SYLabels,
  reference: { labels: SYLabels; name: string } | { labelParityGap: number },
  opts: DependenceAuditOptions,
): DependenceAudit {
  const alpha = opts.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new Error(`dependenceAudit: alpha must be in (0, 1), got ${alpha}`);
  if (synthetic.s.length === 0) throw new Error('dependenceAudit: no synthetic records to audit');
  const syn = labelsDependence(synthetic, opts);
  const synGap = { gap: syn.gap.estimate, variance: labelParityGapVariance(syn.counts) };
  let ref: DependenceAudit['reference'];
  let refGap: { gap: number; variance: number };
  if ('labels' in reference) {
    if (reference.labels.s.length === 0) throw new Error(`dependenceAudit: the reference dataset "${reference.name}" has no records`);
    const dep = labelsDependence(reference.labels, opts);
    ref = { kind: 'data', name: reference.name, ...dep };
    refGap = { gap: dep.gap.estimate, variance: labelParityGapVariance(dep.counts) };
  } else {
    if (!(Math.abs(reference.labelParityGap) <= 1)) throw new Error(`dependenceAudit: a published labelParityGap must be in [−1, 1], got ${reference.labelParityGap}`);
    ref = { kind: 'published', gap: reference.labelParityGap };
    refGap = { gap: reference.labelParityGap, variance: 0 };
  }
  const test = gapDifferenceTest(synGap, refGap, opts.tolerance ?? 0);
  return {
    synthetic: syn,
    reference: ref,
    gapSynthetic: syn.gap,
    gapReference: ref.gap,
    test,
    difference: test.difference,
    pValue: test.pValue,
    alpha,
    flagged: test.pValue < alpha,
  };
}

/**
 * The (s, y) counts of a sample whose s is a discriminator's guess ŝ, corrected by its confusion matrix: with
 * TPR = P(ŝ=1 | s=1) and FPR = P(ŝ=1 | s=0) measured on held-out real records, and the discriminator's errors
 * independent of y given s, P(ŝ=1, y) = TPR·P(s=1, y) + FPR·P(s=0, y) for each y, which is inverted per y (the
 * PIA correction of docs/pia.md, applied within each label class). Cells are clamped at 0 (a noisy inversion can
 * dip below). Returns expected counts (not integers). Throws when TPR ≤ FPR (the discriminator is no better than chance).
 */
export function correctedCounts(guessed: SYCounts, tpr: number, fpr: number): SYCounts {
  if (!(tpr > fpr)) throw new Error(`correctedCounts: the discriminator's TPR (${tpr}) must exceed its FPR (${fpr}) to be inverted`);
  const out: SYCounts = [
    [0, 0],
    [0, 0],
  ];
  for (const y of [0, 1] as const) {
    const total = guessed[0][y] + guessed[1][y];
    const s1 = Math.min(total, Math.max(0, (guessed[1][y] - fpr * total) / (tpr - fpr)));
    out[1][y] = s1;
    out[0][y] = total - s1;
  }
  return out;
}
