/**
 * What the sharer hands its moves (shared/moves/move.ts has the contract). Today's sharer moves are the fairness-
 * poisoning methods (docs/fpa.md): each gets the pool already prepared (balanced, its features, the training-set size
 * N checked against it) and returns the training set with its ground truth. The data owner's defences
 * (sharer.defences) get a context of their own (SharerDefenceContext), run in list order after poisoning.
 */
import type { Table, TaskSpec } from '../../shared/data/table';
import type { Move } from '../../shared/moves/move';
import type { RefereeTruth } from '../../shared/moves/truth';
import type { Rng } from '../../shared/random';
import type { Scenario } from '../../shared/scenario/schema';
import type { FpaPool, GreedyReport } from '../poisoning';
import type { SharerModelConfig, SharerPoisoningConfig } from '../config';
import type { DpSgdOptions } from '../diffusion/dpSgd';
import type { ReleaseGuard } from '../releaseGuard';

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

/**
 * What the sharer hands each of its defences (sharer.defences), in list order: the training set as the defences
 * before it left it (after any poisoning move; every column, hidden ones included, so a defence can act on a column
 * the model never sees), the task, the model and the move's own seed.
 */
export interface SharerDefenceContext {
  /** The records the model will be trained on so far. */
  trainingSet: Table;
  task: TaskSpec;
  model: SharerModelConfig;
  /** Columns dropped before training (the receiver's records lack them). */
  hideColumns: readonly string[];
  /** The move's index in sharer.defences. */
  index: number;
  /** The move's own seed, derived from the sharer's seed and its index. */
  seed: number;
}

/**
 * What a defence returns: what it changes, and its evidence (the sharer's ground truth, for the referee). A defence
 * may change the training set (deduplication, a property decoy: the next defence and the model see the new set),
 * how the model is trained (DP-SGD), or both.
 */
export interface SharerDefenceResult {
  /** The training set from here on (absent: unchanged). */
  trainingSet?: Table;
  /** Train with DP-SGD with these settings (sharer/diffusion/dpSgd.ts). */
  dp?: DpSgdOptions;
  /**
   * A rule on what the model may release (sharer/releaseGuard.ts: nearest-neighbour rejection), built once every
   * defence has run, from the final training set as the model sees it (hidden columns dropped, the label kept).
   * ModelHost applies it to every record it releases; its refusal counts join this defence's evidence as `release`.
   */
  release?: (trainingSet: Table) => ReleaseGuard;
  evidence: Record<string, unknown>;
}

/** The evidence the sharer returns for each defence: its result's evidence, with the move's id and index. */
export type SharerDefenceEvidence = { kind: string; index: number } & Record<string, unknown>;

/** A defence of the data owner (listed in `sharer.defences`). */
export type SharerDefenceMove<Config> = Move<Config, SharerDefenceEvidence, SharerDefenceContext, RefereeTruth, Scenario, SharerDefenceResult> & {
  party: 'sharer';
  slot: 'defences';
};
