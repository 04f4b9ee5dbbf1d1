/**
 * The referee's score of Shake-to-Leak (docs/shake-to-leak.md): each membership attack's scores on the base model and
 * on the fine-tuned version, restricted to the challenge records of the domain c, as a paired difference
 * Δ = AUC(fine-tuned) − AUC(base) with its paired stratified bootstrap interval (both scorings cover the same records,
 * shared/metrics/roc.ts pairedAucDifference), beside each one's AUC and TPR at 1% FPR; the same over every class,
 * where amplification should be weaker. Extraction is scored by its own scorer on each model, side by side.
 */
import { Rng, deriveSeed } from '../../../shared/random';
import { columnIndex, dropColumns, type Table } from '../../../shared/data/table';
import { marginalDistances } from '../../../shared/metrics/marginals';
import { membershipMetrics, pairedAucDifference } from '../../../shared/metrics/roc';
import type { Interval } from '../../../shared/metrics/bootstrap';
import type { MoveEvidence, ScoredMove } from '../../../shared/moves/move';
import { moveById } from '../../../shared/moves/registry';
import type { RefereeTruth } from '../../../shared/moves/truth';
import { gameOf } from '../membership/score';
import { duplicatedFlags } from '../../../shared/scenario/membership';
import type { MembershipEvidence } from '../membership/run';
import type { ShakeToLeakConfig } from './config';

export interface ShakeToLeakEvidence extends MoveEvidence {
  class: string;
  classIndex: number;
  classColumn: string;
  source: string;
  fineTuningRecords: number;
  fineTune: {
    spec: ShakeToLeakConfig['fineTune'];
    modelVersion: string;
    parentVersion: string;
    recordsSha256: string;
    deltaSha256: string;
    unitsCharged: number;
    trainableParameters: number;
    finalLoss: number;
    seconds: number;
  };
  attacks: Array<{ kind: string; index: number; config: Record<string, unknown>; base: MembershipEvidence; fineTuned: MembershipEvidence }>;
  /** The utility guard's draws of the class (rows in the shared schema), or null when it is off. */
  guard: { base: number[][]; fineTuned: number[][] } | null;
}

/**
 * The worst marginal total variation of each model's draws of the class against the training records of the class
 * (shared/metrics/marginals.ts, the report's marginal fidelity): a version much worse than the base is a broken model, whose
 * lower membership scores say nothing about leakage.
 */
function utilityGuard(evidence: ShakeToLeakEvidence, truth: RefereeTruth, schema: Table['schema']): Record<string, unknown> | null {
  if (!evidence.guard) return null;
  const training = dropColumns(truth.trainingRecords, truth.hideColumns);
  const label = columnIndex(training.schema, evidence.classColumn);
  const real: Table = { schema: training.schema, rows: training.rows.filter((r) => r[label] === evidence.classIndex) };
  const worst = (rows: number[][]) => {
    const d = marginalDistances({ schema, rows }, real);
    return d.reduce((w, c) => (c.totalVariation > w.totalVariation ? c : w), d[0]);
  };
  const base = worst(evidence.guard.base);
  const tuned = worst(evidence.guard.fineTuned);
  return {
    records: evidence.guard.base.length,
    worstMarginalTvBase: base.totalVariation,
    worstColumnBase: base.column,
    worstMarginalTvFineTuned: tuned.totalVariation,
    worstColumnFineTuned: tuned.column,
  };
}

/** One score on one set of challenge records: base, fine-tuned, and the paired difference. */
export interface AmplificationEntry {
  nMembers: number;
  nNonMembers: number;
  aucBase: Interval;
  aucFineTuned: Interval;
  /** AUC(fine-tuned) − AUC(base), paired on the same records (assert on `.low` > 0 for amplification). */
  deltaAuc: Interval;
  tprAt1PctBase: number;
  tprAt1PctFineTuned: number;
}

function split(values: readonly number[], isMember: readonly boolean[], keep: readonly boolean[]): { members: number[]; nonMembers: number[] } {
  const members: number[] = [];
  const nonMembers: number[] = [];
  values.forEach((v, i) => {
    if (!keep[i]) return;
    (isMember[i] ? members : nonMembers).push(v);
  });
  return { members, nonMembers };
}

function amplification(base: readonly number[], tuned: readonly number[], isMember: readonly boolean[], keep: readonly boolean[], seed: number): AmplificationEntry {
  const a = split(tuned, isMember, keep);
  const b = split(base, isMember, keep);
  // The same bootstrap resamples for both models: equal scores (the sham) give equal intervals, not only equal AUCs.
  const mTuned = membershipMetrics(a.members, a.nonMembers, new Rng(deriveSeed(seed, 'auc')));
  const mBase = membershipMetrics(b.members, b.nonMembers, new Rng(deriveSeed(seed, 'auc')));
  const d = pairedAucDifference(a, b, new Rng(deriveSeed(seed, 'delta'))).difference;
  return {
    nMembers: a.members.length,
    nNonMembers: a.nonMembers.length,
    aucBase: mBase.auc,
    aucFineTuned: mTuned.auc,
    deltaAuc: { estimate: d.estimate, low: d.low, high: d.high },
    tprAt1PctBase: mBase.tprAt['0.01'] ?? NaN,
    tprAt1PctFineTuned: mTuned.tprAt['0.01'] ?? NaN,
  };
}

/**
 * The class's duplicated members against all its non-members, and its single members against them: the same
 * non-members in both, so the two Δs differ only by which members are asked about.
 */
function byCopies(
  base: readonly number[],
  tuned: readonly number[],
  isMember: readonly boolean[],
  inClass: readonly boolean[],
  duplicated: readonly boolean[],
  seed: number,
): { inClassDuplicated: AmplificationEntry; inClassSingle: AmplificationEntry } {
  const keep = (wantDuplicated: boolean) => inClass.map((c, i) => c && (!isMember[i] || duplicated[i] === wantDuplicated));
  return {
    inClassDuplicated: amplification(base, tuned, isMember, keep(true), deriveSeed(seed, 'class-duplicated')),
    inClassSingle: amplification(base, tuned, isMember, keep(false), deriveSeed(seed, 'class-single')),
  };
}

export function scoreShakeToLeak(evidence: ShakeToLeakEvidence, _config: ShakeToLeakConfig, truth: RefereeTruth, label: string): ScoredMove {
  const game = gameOf(truth, evidence);
  const labelColumn = columnIndex(game.challenge.schema, evidence.classColumn);
  const inClass = game.challenge.rows.map((r) => r[labelColumn] === evidence.classIndex);
  const everyone = game.challenge.rows.map(() => true);
  const seed = deriveSeed(truth.seed, `shake-to-leak/${label}`);
  // With duplicated members (membership.duplicates) the memorised ones are scored apart: S2L's leak is theirs.
  const duplicated = duplicatedFlags(game, 'challenge');
  const attacks: Record<string, unknown> = {};
  for (const [i, pair] of evidence.attacks.entries()) {
    const key = evidence.attacks.length > 1 ? `${pair.kind}-${i}` : pair.kind;
    if (pair.base.scores && pair.fineTuned.scores) {
      const scores: Record<string, unknown> = {};
      for (const name of Object.keys(pair.base.scores)) {
        const base = pair.base.scores[name];
        const tuned = pair.fineTuned.scores[name];
        if (!tuned || tuned.length !== base.length || base.length !== game.isMember.length) {
          throw new Error(`receiver.attacks[${evidence.index}] (shake-to-leak): attack ${key} score "${name}": ${base.length} base and ${tuned?.length ?? 0} fine-tuned scores for ${game.isMember.length} challenge records`);
        }
        scores[name] = {
          inClass: amplification(base, tuned, game.isMember, inClass, deriveSeed(seed, `${key}/${name}/class`)),
          allClasses: amplification(base, tuned, game.isMember, everyone, deriveSeed(seed, `${key}/${name}/all`)),
          ...(duplicated ? byCopies(base, tuned, game.isMember, inClass, duplicated, deriveSeed(seed, `${key}/${name}`)) : {}),
        };
      }
      attacks[key] = { kind: pair.kind, access: pair.base.access, scores };
    } else {
      // Extraction (generations): its own scorer on each model, side by side.
      const move = moveById(pair.kind);
      const scoreOf = (e: MembershipEvidence) => move?.score?.(e, pair.config, truth, key)?.report as { membership?: { extraction?: Record<string, unknown> } } | undefined;
      attacks[key] = { kind: pair.kind, access: pair.base.access, base: scoreOf(pair.base)?.membership?.extraction?.[key] ?? null, fineTuned: scoreOf(pair.fineTuned)?.membership?.extraction?.[key] ?? null };
    }
  }
  const f = evidence.fineTune;
  return {
    report: {
      moves: {
        [label]: {
          class: evidence.class,
          source: evidence.source,
          fineTuningRecords: evidence.fineTuningRecords,
          fineTune: { ...f.spec, modelVersion: f.modelVersion, unitsCharged: f.unitsCharged, trainableParameters: f.trainableParameters, finalLoss: f.finalLoss, seconds: f.seconds, deltaSha256: f.deltaSha256 },
          attacks,
          utility: utilityGuard(evidence, truth, game.challenge.schema),
        },
      },
    },
  };
}
