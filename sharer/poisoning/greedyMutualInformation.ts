/**
 * Fairness poisoning by selection (FPA, Luo et al. 2024, Algorithm 1; papers/fpa-pia.md §2.3, docs/fpa.md).
 *
 * From a pool D where S and Y are independent (balanceCells), pick N records D_p that
 *   maximise I_{D_p}(S;Y)   subject to   |I_{D_p}(X;Y) − I_D(X;Y)| < δ,   D_p ⊇ B (random base of (1−α)N).
 * Records are selected, never altered: a class-conditional generator trained on D_p then reproduces the
 * S–Y dependence, and a receiver's classifier trained on its samples becomes unfair.
 *
 * Two defects of the reference code are fixed here (docs/fpa.md, "Fixes"):
 * 1. Ties in step 4a. The reference keys a dict by the float gain, so cells with equal gain overwrite each
 *    other and usually only two of the four cells are ever tried. Here all four cells (those with unused
 *    records) are ordered by gain, largest first, with ties (|Δgain| ≤ GAIN_TIE_TOLERANCE) broken by the
 *    fixed cell order (0,0), (0,1), (1,0), (1,1).
 * 2. Silent constraint violations in step 4c. The reference adds the last cell's best candidate even when it
 *    breaks the constraint and says nothing. Here such an addition is counted (`additions −
 *    additionsMeetingConstraint`) and the fallback is chosen by `onConstraintMiss`: 'closest' (default) adds,
 *    among the best candidates of all cells tried, the one whose I(X;Y) is closest to the target (the least
 *    violation, not the arbitrary last cell); 'throw' stops with an error. The base (step 2) is treated the same
 *    way: after `maxBaseDraws` failed draws, 'closest' keeps the draw closest to the target and reports
 *    `baseMeetsConstraint: false`.
 */
import { IncrementalDiscreteMi, labelParityGap, mutualInformationBits } from '../../shared/metrics/mutualInformation';
import { Rng } from '../../shared/random';

/** Row-major feature matrix: feature j of record i is data[i * cols + j] (same shape as the receiver's). */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** What an I(X;Y) estimator sees: features and the task label. Never S. */
export interface MiPool {
  x: FeatureMatrix;
  y: Uint8Array;
}

/** The attacker's pool: features, sensitive attribute and label per record. */
export interface FpaPool extends MiPool {
  s: Uint8Array;
}

/**
 * A growing record set, evaluated incrementally: the greedy sampler asks `valueWith` for up to 4 × 100
 * candidates per addition, so estimators should answer it in O(1) (both estimators here do).
 */
export interface MiSetState {
  readonly size: number;
  /** I(X;Y) in bits of the current set. */
  value(): number;
  /** I(X;Y) in bits of the current set plus pool record `candidate` (the set is not changed). */
  valueWith(candidate: number): number;
  add(candidate: number): void;
}

/** An estimator of I(X;Y) (bits) on subsets of one pool. */
export interface MiEstimator {
  readonly id: string;
  /** Learns whatever the estimator needs from the whole pool (once). Must be called before anything else. */
  prepare(pool: MiPool): Promise<void>;
  /** I(X;Y) in bits on the pool records `indices` (the whole pool gives the target I*). */
  value(indices: ArrayLike<number>): number;
  /** An incremental state holding the pool records `indices`. */
  openSet(indices: ArrayLike<number>): MiSetState;
  /** Frees tensors or caches. */
  dispose(): void;
}

export type Cell = readonly [s: 0 | 1, y: 0 | 1];
/** The fixed order that breaks ties between cells of equal gain. */
export const CELLS: readonly Cell[] = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
/** Gains closer than this (bits) count as equal: symmetric cells differ only by floating-point rounding. */
export const GAIN_TIE_TOLERANCE = 1e-12;

export interface GreedyOptions {
  /** N, the size of the selected set. */
  n: number;
  /** Poisoning ratio α ∈ [0, 1]: the base has ⌊N(1−α)⌋ random records, the other N − ⌊N(1−α)⌋ are added greedily. */
  alpha: number;
  /** δ = deltaFraction · I*(pool) (reference: 0.1). */
  deltaFraction?: number;
  /** Random candidates drawn per cell at each step (reference: 100). */
  candidatesPerCell?: number;
  /** A prepared estimator (prepare(pool) already called). */
  estimator: MiEstimator;
  rng: Rng;
  /** Base draws before the fallback (default 1000). */
  maxBaseDraws?: number;
  /** What to do when no candidate (or no base draw) meets the constraint: see the module comment. */
  onConstraintMiss?: 'closest' | 'throw';
}

export interface GreedyReport {
  /** Set by the stealthy sharer (greedy-mi with `stealth`): the α it was allowed, the one it chose, and each one it tried. */
  stealth?: {
    maxLabelParityGap: number;
    alphaStep: number;
    allowedAlpha: number;
    chosenAlpha: number;
    tried: Array<{ alpha: number; labelParityGap: number }>;
  };
  n: number;
  alpha: number;
  baseSize: number;
  /** Rejection-sampling attempts for the base (step 2), including the accepted one. */
  baseDraws: number;
  baseMeetsConstraint: boolean;
  /** Greedy additions (N − baseSize). */
  additions: number;
  /** Additions whose I(X;Y) was within δ of the target; the rest came from the fallback. */
  additionsMeetingConstraint: number;
  /** Additions taken from the cell ranked r-th by gain (r = 0..3); ranks 2 and 3 are the cells the reference's tie bug loses. */
  additionsByGainRank: number[];
  /** Final counts in the selected set, counts[s][y]. */
  cellCounts: number[][];
  /** Greedy additions per cell, perCellAdded[s][y]. */
  perCellAdded: number[][];
  /** Plug-in I(S;Y) in bits of the selected set. */
  iSY: number;
  /** |P(y=1|s=1) − P(y=1|s=0)| of the selected set's labels. */
  labelParityGap: number;
  /** I(X;Y) in bits of the selected set, by the estimator. */
  iXY: number;
  /** I* = I(X;Y) of the whole pool. */
  iXYTarget: number;
  delta: number;
  estimator: string;
}

export interface GreedyResult {
  /** Pool indices of the selected records: the base first, then the additions in order. */
  indices: number[];
  report: GreedyReport;
}

function checkPool(pool: FpaPool): void {
  const { x, s, y } = pool;
  if (x.data.length !== x.rows * x.cols) throw new Error(`FPA pool: x has ${x.data.length} values for ${x.rows} × ${x.cols}`);
  if (s.length !== x.rows || y.length !== x.rows) {
    throw new Error(`FPA pool: ${x.rows} feature rows but ${s.length} sensitive values and ${y.length} labels`);
  }
  for (let i = 0; i < s.length; i++) {
    if ((s[i] !== 0 && s[i] !== 1) || (y[i] !== 0 && y[i] !== 1)) {
      throw new Error(`FPA pool: record ${i} has (s, y) = (${s[i]}, ${y[i]}); both must be 0 or 1`);
    }
  }
}

/**
 * The cells with unused records, by gain in I(S;Y) (largest first), ties broken by CELLS order. Never drops a
 * cell (defect 1 of the reference code). Exported for tests.
 */
export function cellsInGainOrder(mi: IncrementalDiscreteMi, available: (cell: number) => boolean = () => true): number[] {
  const gains = CELLS.map(([s, y]) => mi.gain(s, y));
  const order = [0, 1, 2, 3].filter(available);
  order.sort((a, b) => {
    const d = gains[b] - gains[a];
    return Math.abs(d) <= GAIN_TIE_TOLERANCE ? a - b : d;
  });
  return order;
}

/**
 * Algorithm 1 (papers/fpa-pia.md §2.3) with the two fixes described at the top of this module. O(α·N·4·C)
 * estimator calls of `valueWith` plus the base draws' `value` calls.
 */
export function greedyMutualInformationSampling(pool: FpaPool, opts: GreedyOptions): GreedyResult {
  checkPool(pool);
  const M = pool.x.rows;
  const { n, alpha, estimator, rng } = opts;
  const deltaFraction = opts.deltaFraction ?? 0.1;
  const candidatesPerCell = opts.candidatesPerCell ?? 100;
  const maxBaseDraws = opts.maxBaseDraws ?? 1000;
  const onMiss = opts.onConstraintMiss ?? 'closest';
  if (!(Number.isInteger(n) && n >= 1 && n <= M)) throw new Error(`greedyMutualInformationSampling: n must be an integer in [1, ${M}] (pool size), got ${n}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`greedyMutualInformationSampling: alpha must be in [0, 1], got ${alpha}`);
  if (!(deltaFraction > 0)) throw new Error(`greedyMutualInformationSampling: deltaFraction must be > 0, got ${deltaFraction}`);
  if (!(Number.isInteger(candidatesPerCell) && candidatesPerCell >= 1)) {
    throw new Error(`greedyMutualInformationSampling: candidatesPerCell must be an integer ≥ 1, got ${candidatesPerCell}`);
  }

  // Step 0: target and tolerance.
  const all = Array.from({ length: M }, (_, i) => i);
  const target = estimator.value(all);
  const delta = deltaFraction * Math.abs(target);

  // Steps 1-2: rejection-sample a base whose I(X;Y) is within δ of the target.
  const baseSize = Math.floor(n * (1 - alpha) + 1e-9);
  let base: number[] = [];
  let baseDraws = 0;
  let baseMeets = false;
  let bestBase: number[] = [];
  let bestBaseDeviation = Infinity;
  while (baseDraws < maxBaseDraws) {
    baseDraws++;
    const draw = rng.sampleIndices(M, baseSize);
    // An empty base has no MI: it meets the constraint vacuously (α = 1).
    const deviation = baseSize === 0 ? 0 : Math.abs(estimator.value(draw) - target);
    if (deviation < bestBaseDeviation) {
      bestBaseDeviation = deviation;
      bestBase = draw;
    }
    if (deviation < delta) {
      base = draw;
      baseMeets = true;
      break;
    }
  }
  if (!baseMeets) {
    if (onMiss === 'throw') {
      throw new Error(
        `greedyMutualInformationSampling: no base of ${baseSize} records within δ = ${delta.toFixed(4)} bits of I* = ${target.toFixed(4)} ` +
          `after ${maxBaseDraws} draws (closest: ${bestBaseDeviation.toFixed(4)} away); raise deltaFraction or maxBaseDraws`,
      );
    }
    base = bestBase;
  }

  // Step 3: unused records per cell (swap-remove arrays: O(1) removal, order irrelevant).
  const used = new Uint8Array(M);
  for (const i of base) used[i] = 1;
  const unused: number[][] = [[], [], [], []];
  for (let i = 0; i < M; i++) if (!used[i]) unused[pool.s[i] * 2 + pool.y[i]].push(i);

  const sy = IncrementalDiscreteMi.fromLabels(pool.s, pool.y, base);
  const set = estimator.openSet(base);
  const indices = base.slice();
  const perCellAdded = [0, 0, 0, 0];
  const additionsByGainRank = [0, 0, 0, 0];
  let meeting = 0;

  // Step 4: greedy additions.
  for (let k = baseSize; k < n; k++) {
    const order = cellsInGainOrder(sy, (c) => unused[c].length > 0);
    let chosen = -1;
    let chosenCell = -1;
    let chosenRank = -1;
    let chosenPosition = -1;
    let fallbackDeviation = Infinity;
    for (let rank = 0; rank < order.length && chosen < 0; rank++) {
      const cell = order[rank];
      const members = unused[cell];
      const draws = Math.min(candidatesPerCell, members.length);
      let best = -1;
      let bestPosition = -1;
      let bestDeviation = Infinity;
      // Partial Fisher–Yates: the first `draws` slots become a uniform sample without replacement.
      for (let t = 0; t < draws; t++) {
        const j = t + rng.int(members.length - t);
        const tmp = members[t];
        members[t] = members[j];
        members[j] = tmp;
        const deviation = Math.abs(set.valueWith(members[t]) - target);
        if (deviation < bestDeviation) {
          bestDeviation = deviation;
          best = members[t];
          bestPosition = t;
        }
      }
      if (bestDeviation < delta) {
        chosen = best;
        chosenCell = cell;
        chosenRank = rank;
        chosenPosition = bestPosition;
        meeting++;
      } else if (bestDeviation < fallbackDeviation) {
        fallbackDeviation = bestDeviation;
        chosenCell = cell;
        chosenRank = rank;
        chosenPosition = bestPosition;
      }
    }
    if (chosen < 0) {
      if (onMiss === 'throw') {
        throw new Error(
          `greedyMutualInformationSampling: addition ${k - baseSize + 1} of ${n - baseSize}: no candidate keeps I(X;Y) within ` +
            `δ = ${delta.toFixed(4)} bits of I* = ${target.toFixed(4)} (closest ${fallbackDeviation.toFixed(4)} away)`,
        );
      }
      // Fallback 'closest': the least-violating candidate seen in this step (its position is still valid: later
      // cells shuffle only their own arrays).
      chosen = unused[chosenCell][chosenPosition];
    }
    const members = unused[chosenCell];
    members[chosenPosition] = members[members.length - 1];
    members.pop();
    set.add(chosen);
    sy.add(pool.s[chosen], pool.y[chosen]);
    indices.push(chosen);
    perCellAdded[chosenCell]++;
    additionsByGainRank[chosenRank]++;
  }

  const iSY = mutualInformationBits(pool.s, pool.y, indices);
  return {
    indices,
    report: {
      n,
      alpha,
      baseSize,
      baseDraws,
      baseMeetsConstraint: baseMeets,
      additions: n - baseSize,
      additionsMeetingConstraint: meeting,
      additionsByGainRank,
      cellCounts: sy.table(),
      perCellAdded: [
        [perCellAdded[0], perCellAdded[1]],
        [perCellAdded[2], perCellAdded[3]],
      ],
      iSY,
      labelParityGap: labelParityGap(pool.s, pool.y, indices),
      iXY: set.value(),
      iXYTarget: target,
      delta,
      estimator: estimator.id,
    },
  };
}

/**
 * The honest baseline ("no attack", α = 0): a uniformly random subset of N records whose I(X;Y) is within δ of
 * the pool's, found by rejection sampling. The reference code obtains it by running the greedy sampler at α = 0.
 */
export function randomSubsetMeetingConstraint(pool: FpaPool, opts: Omit<GreedyOptions, 'alpha' | 'candidatesPerCell'>): GreedyResult {
  return greedyMutualInformationSampling(pool, { ...opts, alpha: 0 });
}

export interface LabelFlippingResult {
  /** Pool indices of the N records, in draw order. */
  indices: number[];
  /** The labels of the selected set (y[t] belongs to indices[t]): y := s on the last ⌊αN⌋ records. */
  y: Uint8Array;
  /** ⌊αN⌋: records whose label was set to s. */
  relabelled: number;
  /** Of those, records whose label actually changed (y ≠ s before). */
  flipped: number;
  iSY: number;
  labelParityGap: number;
}

/**
 * The label-flipping baseline (reference `LabelFlipping`): N random records; the last ⌊αN⌋ of them get y := s.
 * The strongest S–Y correlation for a given α, but it alters labels where the greedy attack only selects.
 */
export function labelFlipping(pool: FpaPool, n: number, alpha: number, rng: Rng): LabelFlippingResult {
  checkPool(pool);
  const M = pool.x.rows;
  if (!(Number.isInteger(n) && n >= 1 && n <= M)) throw new Error(`labelFlipping: n must be an integer in [1, ${M}] (pool size), got ${n}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`labelFlipping: alpha must be in [0, 1], got ${alpha}`);
  const indices = rng.sampleIndices(M, n);
  const relabelled = Math.floor(alpha * n + 1e-9);
  const y = new Uint8Array(n);
  const s = new Uint8Array(n);
  let flipped = 0;
  for (let t = 0; t < n; t++) {
    const i = indices[t];
    s[t] = pool.s[i];
    y[t] = pool.y[i];
    if (t >= n - relabelled) {
      if (y[t] !== s[t]) flipped++;
      y[t] = s[t];
    }
  }
  return { indices, y, relabelled, flipped, iSY: mutualInformationBits(s, y), labelParityGap: labelParityGap(s, y) };
}
