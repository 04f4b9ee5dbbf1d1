/**
 * Property inference across a sweep (docs/pia.md; Luo et al. 2024 §3, Theorem 1). Per run, the move's own scorer
 * (receiver/moves/property-inference/score.ts, called by the referee) compares each estimate with the property's
 * share in the sharer's records; across the variants, `piaStudy` averages the errors per sample count n and checks them against
 * the Hoeffding radius plus the discriminator error.
 *
 * The bound per estimate is r + e (r = sqrt(ln(2/η)/(2n)), or the K-way union-bound radius; e the
 * discriminator's held-out error, 0 for the identity discriminator). It assumes p_G = p (the generator
 * reproduces the share), which is exactly what these runs measure: `held` is false when it does not. Theorem 1 is
 * about the raw p̂, and r + e loosens as the discriminator gets worse, so it is no test of an attack on its own:
 *
 * Every estimate stands beside the trivial attacks that look at no sample (baselines): the constant guess of the
 * midpoint (1/K per outcome), and the constant guess of the property's share in the receiver's own aux data (the
 * prior it holds before querying anything). The study's headline is the attack's mean error against the better of
 * the two (`errorRatioToConstant`, `marginOverConstant`), and how often the truth lies in the interval the attack
 * itself reports (`coverage`: the calibrated corrected interval when it offers one, its Hoeffding interval otherwise).
 */
// The scores of the property-inference move (its scorer runs in the referee, not in the receiver).
import { intervalWidth, type PiaAttackScore, type PiaEstimateScore } from '../../receiver/moves/property-inference/score';

export interface PiaSection {
  attacks: PiaAttackScore[];
}

export interface PiaStudyByN {
  variants: number;
  meanAbsError: number;
  /** Mean |corrected − p|; null when no variant has a corrected estimate. */
  meanAbsErrorCorrected: number | null;
  hoeffdingRadius: number;
  meanDiscriminatorError: number;
  /** hoeffdingRadius + meanDiscriminatorError. */
  bound: number;
  /** Share of variants whose raw estimate is within its own bound. */
  boundHeldShare: number;
  /** Share of variants whose corrected estimate is within its own bound (null without corrections). */
  correctedBoundHeldShare: number | null;
  /** 1 when the mean raw error is ≤ bound (Theorem 1, which is about p̂), else 0. */
  meanWithinBound: number;
  /** The attack's headline error: mean corrected error when every variant has one, else mean raw error. */
  meanAttackError: number;
  /** Mean error of always answering the midpoint (1/K), and the share in the receiver's aux data (null without). */
  midpointGuessError: number;
  auxPriorGuessError: number | null;
  /** The better of the two constant guesses' mean errors: the trivial attack to beat. */
  constantGuessError: number;
  /** meanAttackError / constantGuessError: 1 is no better than a constant answer, 0 is exact. */
  errorRatioToConstant: number;
  /** constantGuessError − meanAttackError. */
  marginOverConstant: number;
  /** Share of variants whose truth lies in the interval the attack reported (its `intervalKind`). */
  coverage: number;
  /** Mean width of those intervals (the widest outcome's, K-way): coverage means little when the width is near 1. */
  meanIntervalWidth: number | null;
}

/** One estimate of one variant, as the move's scorer gave it (r, e and the bound are this variant's own). */
export type PiaStudyRow = { variant: string; truth: number | number[] } & Pick<
  PiaEstimateScore,
  'n' | 'pHat' | 'corrected' | 'error' | 'correctedError' | 'hoeffdingRadius' | 'discriminatorError' | 'bound' | 'held' | 'interval' | 'covered'
>;

/**
 * One group of variants that differ only in the property's share, e.g. one generator of a sweep over
 * `sharer.model` × `propertyShare.share`: its PIA errors per n beside its fidelity (means over its variants).
 */
export interface PiaStudyGroup {
  variants: string[];
  /** The sharer's model kind(s) in this group. */
  modelKind: string;
  byN: Record<string, PiaStudyByN>;
  /** Mean over the group's variants of the referee's worst and mean marginal total variation. */
  maxTotalVariation: number | null;
  meanTotalVariation: number | null;
  /** Per receiver classifier: mean |real − synthetic accuracy| and mean (real − synthetic) accuracy. */
  accuracyGap: Record<string, number>;
  accuracyBelowReal: Record<string, number>;
}

export interface PiaStudy {
  property: string;
  discriminator: string;
  byN: Record<string, PiaStudyByN>;
  rows: PiaStudyRow[];
  /**
   * Present when the sweep varies something besides the property's share: the variants grouped by their other
   * swept values (the group label joins those label segments, e.g. `model=vae`).
   */
  byGroup?: Record<string, PiaStudyGroup>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** What piaStudy reads of a variant's result (its overrides, fidelity and sharer sections are optional). */
export interface PiaStudyVariant {
  label: string;
  result: {
    pia?: PiaSection;
    overrides?: Record<string, unknown>;
    fidelity?: Record<string, unknown>;
    sharer?: { model?: { kind?: string } };
  };
}

/** The cross-variant summary of the first property inference attack, or null when no variant ran one. */
export function piaStudy(variants: ReadonlyArray<PiaStudyVariant>): PiaStudy | null {
  const scored = variants.flatMap((v) => (v.result.pia?.attacks[0] ? [{ label: v.label, score: v.result.pia.attacks[0] }] : []));
  if (scored.length === 0) return null;
  const rows: PiaStudyRow[] = [];
  for (const { label, score } of scored) {
    for (const e of Object.values(score.byN)) {
      rows.push({
        variant: label,
        truth: score.truth,
        n: e.n,
        pHat: e.pHat,
        corrected: e.corrected,
        error: e.error,
        correctedError: e.correctedError,
        hoeffdingRadius: e.hoeffdingRadius,
        discriminatorError: e.discriminatorError,
        bound: e.bound,
        held: e.held,
        interval: e.interval,
        covered: e.covered,
      });
    }
  }
  const byGroup = groupSummaries(variants);
  return {
    property: scored[0].score.property,
    discriminator: scored[0].score.discriminator,
    byN: summariseByN(scored.map((s) => s.score)),
    rows,
    ...(byGroup ? { byGroup } : {}),
  };
}

/** The label of the group a variant belongs to: its label segments except the property share's, or null. */
function groupLabel(variant: PiaStudyVariant): string | null {
  const paths = Object.keys(variant.result.overrides ?? {});
  const segments = variant.label.split(',');
  if (paths.length === 0 || segments.length !== paths.length) return null;
  const kept = segments.filter((_, i) => !paths[i].endsWith('.propertyShare.share'));
  return kept.length === 0 || kept.length === segments.length ? null : kept.join(',');
}

function groupSummaries(variants: ReadonlyArray<PiaStudyVariant>): Record<string, PiaStudyGroup> | null {
  const groups = new Map<string, PiaStudyVariant[]>();
  for (const v of variants) {
    const label = groupLabel(v);
    if (label === null) return null;
    groups.set(label, [...(groups.get(label) ?? []), v]);
  }
  if (groups.size < 2) return null;
  const out: Record<string, PiaStudyGroup> = {};
  for (const [label, members] of groups) {
    const scores = members.flatMap((v) => (v.result.pia?.attacks[0] ? [v.result.pia.attacks[0]] : []));
    if (scores.length === 0) continue;
    const marginals = members.flatMap((v) => {
      const m = v.result.fidelity?.marginals as { maxTotalVariation?: number; meanTotalVariation?: number } | undefined;
      return m && typeof m.maxTotalVariation === 'number' && typeof m.meanTotalVariation === 'number' ? [m as { maxTotalVariation: number; meanTotalVariation: number }] : [];
    });
    const classifiers = new Map<string, { gap: number[]; loss: number[] }>();
    for (const v of members) {
      for (const [kind, f] of Object.entries(v.result.fidelity ?? {})) {
        const c = f as { accuracyGap?: number; accuracyBelowReal?: { estimate: number } };
        if (kind === 'marginals' || typeof c?.accuracyGap !== 'number' || typeof c.accuracyBelowReal?.estimate !== 'number') continue;
        const entry = classifiers.get(kind) ?? { gap: [], loss: [] };
        entry.gap.push(c.accuracyGap);
        entry.loss.push(c.accuracyBelowReal.estimate);
        classifiers.set(kind, entry);
      }
    }
    out[label] = {
      variants: members.map((v) => v.label),
      modelKind: [...new Set(members.map((v) => v.result.sharer?.model?.kind ?? 'unknown'))].join(', '),
      byN: summariseByN(scores),
      maxTotalVariation: marginals.length ? mean(marginals.map((m) => m.maxTotalVariation)) : null,
      meanTotalVariation: marginals.length ? mean(marginals.map((m) => m.meanTotalVariation)) : null,
      accuracyGap: Object.fromEntries([...classifiers].map(([k, c]) => [k, mean(c.gap)])),
      accuracyBelowReal: Object.fromEntries([...classifiers].map(([k, c]) => [k, mean(c.loss)])),
    };
  }
  return out;
}

/** Per n: mean errors over the attacks beside the constant guesses', the Hoeffding radius, how often each bound held. */
function summariseByN(scores: PiaAttackScore[]): Record<string, PiaStudyByN> {
  const ns = new Map<string, PiaEstimateScore[]>();
  for (const score of scores) {
    for (const [n, e] of Object.entries(score.byN)) ns.set(n, [...(ns.get(n) ?? []), e]);
  }
  const midpointGuessError = mean(scores.map((s) => s.baselines.midpoint.error));
  const auxErrors = scores.map((s) => s.baselines.auxPrior?.error ?? null);
  const auxPriorGuessError = auxErrors.every((x): x is number => x !== null) ? mean(auxErrors) : null;
  const constantGuessError = Math.min(midpointGuessError, auxPriorGuessError ?? Infinity);
  const byN: Record<string, PiaStudyByN> = {};
  for (const [n, es] of [...ns.entries()].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const corrected = es.map((e) => e.correctedError).filter((x): x is number => x !== null);
    const correctedHeld = es.map((e) => e.correctedHeld).filter((x): x is boolean => x !== null);
    const meanAbsError = mean(es.map((e) => e.error));
    const meanAbsErrorCorrected = corrected.length === es.length ? mean(corrected) : null;
    const meanDiscriminatorError = mean(es.map((e) => e.bound - e.hoeffdingRadius));
    const bound = es[0].hoeffdingRadius + meanDiscriminatorError;
    const meanAttackError = meanAbsErrorCorrected ?? meanAbsError;
    byN[n] = {
      variants: es.length,
      meanAbsError,
      meanAbsErrorCorrected,
      hoeffdingRadius: es[0].hoeffdingRadius,
      meanDiscriminatorError,
      bound,
      boundHeldShare: es.filter((e) => e.held).length / es.length,
      correctedBoundHeldShare: correctedHeld.length === es.length ? correctedHeld.filter(Boolean).length / es.length : null,
      meanWithinBound: meanAbsError <= bound ? 1 : 0,
      meanAttackError,
      midpointGuessError,
      auxPriorGuessError,
      constantGuessError,
      errorRatioToConstant: constantGuessError > 0 ? meanAttackError / constantGuessError : meanAttackError === 0 ? 0 : Infinity,
      marginOverConstant: constantGuessError - meanAttackError,
      coverage: es.filter((e) => e.covered === true).length / es.length,
      meanIntervalWidth: es.every((e) => e.interval !== null) ? mean(es.map((e) => intervalWidth(e.interval!))) : null,
    };
  }
  return byN;
}
