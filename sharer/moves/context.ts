/**
 * What the sharer hands its moves (shared/moves/move.ts has the contract). Today's sharer moves are the fairness-
 * poisoning methods (docs/fpa.md): each gets the pool already prepared (balanced, its features, the training-set size
 * N checked against it) and returns the training set with its ground truth. Later sharer moves (DP training,
 * deduplication) get a context of their own beside this one.
 */
import type { Table, TaskSpec } from '../../shared/data/table';
import type { Move } from '../../shared/moves/move';
import type { RefereeTruth } from '../../shared/moves/truth';
import type { Rng } from '../../shared/random';
import type { Scenario } from '../../shared/scenario/schema';
import type { FpaPool, GreedyReport } from '../poisoning';
import type { SharerModelConfig, SharerPoisoningConfig } from '../config';
import type { DpSgdOptions } from '../diffusion/dpSgd';

/** Ground truth of one move, as it appears in the sharer's result (`moves[]`). */
export interface PoisoningMoveRecord {
  /** The move's id (`sharer.poisoning.method`). */
  method: string;
  alpha: number;
  /** N, the training-set size. */
  trainRows: number;
  /** Records the selection chose from (after balancing). */
  poolRows: number;
  /** Records in the private dataset before balancing. */
  dataRows: number;
  balancePool: boolean;
  /** Which library function ran: the honest α = 0 greedy run is the random subset meeting the constraint. */
  algorithm: 'greedyMutualInformationSampling' | 'randomSubsetMeetingConstraint' | 'labelFlipping';
  describe: string;
  paper: string;
  /** Plug-in I(S;Y) (bits) and label DP gap of the pool: ≈ 0 when balanced. */
  pool: { iSY: number; labelParityGap: number };
  report: GreedyReport | LabelFlippingReport;
}

export interface LabelFlippingReport {
  n: number;
  alpha: number;
  /** ⌊αN⌋: records whose label was set to s. */
  relabelled: number;
  /** Of those, the labels that actually changed. */
  flipped: number;
  /** Final (s, y) counts of the training set, cellCounts[s][y]. */
  cellCounts: number[][];
  iSY: number;
  labelParityGap: number;
}

export interface PoisonedTrainingSet {
  table: Table;
  move: PoisoningMoveRecord;
}

export interface PoisoningContext {
  /** The records the selection chooses from (balanced into equal (s, y) cells when balancePool is set). */
  pool: Table;
  /** The pool as the selection algorithms see it: features X, S and Y. */
  fpaPool: FpaPool;
  /** N, the training-set size. */
  n: number;
  task: TaskSpec;
  /** The move's random stream: it balanced the pool, and draws the base and the candidates next. */
  rng: Rng;
  /** The move's seed (MINE derives its own from it). */
  seed: number;
  /** The ground truth every poisoning move reports (method, α, N, pool facts), before its own report. */
  common: Omit<PoisoningMoveRecord, 'algorithm' | 'report'>;
}

/**
 * A fairness-poisoning move of the sharer. It has no per-run scorer: its effect is a paired delta against the honest
 * variant of the same sweep, which the FPA study computes (cli/studies/fpa.ts).
 */
export type PoisoningMove = Move<PoisoningFields, PoisonedTrainingSet, PoisoningContext, RefereeTruth, Scenario> & { party: 'sharer' };

/** The config fields of the poisoning moves: `sharer.poisoning` without `method`, which names the move. */
export type PoisoningFields = Omit<SharerPoisoningConfig, 'method'>;

/** What the sharer hands a defence that changes how its model is trained: the training set's size and the model. */
export interface TrainingDefenceContext {
  /** N, the records the model is trained on. */
  trainRows: number;
  model: SharerModelConfig;
  /** The move's index in sharer.defences. */
  index: number;
}

/** What such a defence returns: how training changes, and its evidence (the sharer's ground truth, for the referee). */
export interface TrainingDefenceResult {
  /** Train with DP-SGD with these settings (sharer/diffusion/dpSgd.ts). */
  dp?: DpSgdOptions;
  evidence: Record<string, unknown>;
}

/** The evidence the sharer returns for each defence: its result's evidence, with the move's id and index. */
export type SharerDefenceEvidence = { kind: string; index: number } & Record<string, unknown>;

/** A defence of the data owner that changes how its model is trained (listed in `sharer.defences`). */
export type TrainingDefenceMove<Config> = Move<Config, SharerDefenceEvidence, TrainingDefenceContext, RefereeTruth, Scenario, TrainingDefenceResult> & {
  party: 'sharer';
  slot: 'defences';
};
