/**
 * The sharer's fairness-poisoning move (FPA, Luo et al. 2024; docs/fpa.md): turn the private dataset into the
 * training set the diffusion model actually sees. The algorithms live in `poisoning/`; this module wires them to
 * a Table: pool → features → selection → training table, plus the ground truth the referee reports.
 *
 * Features X are every column but the label, S included: the paper's X is a face image, which shows S. For image
 * records X is the pooled image beside the attribute columns (fpaPoolFromTable).
 */
import { TableEncoder } from '../shared/data/encoder';
import { balanceCells } from '../shared/data/split';
import { binaryColumn, columnIndex, dropColumns, selectRows, type Table, type TaskSpec } from '../shared/data/table';
import { imageShapeOf, imageSummaryTable, INK_MASS_COLUMN, pixelsOf } from '../shared/data/imageTable';
import { Rng, deriveSeed } from '../shared/random';
import { mutualInformationBits, labelParityGap } from '../shared/metrics/mutualInformation';
import {
  createMiEstimator,
  greedyMutualInformationSampling,
  labelFlipping,
  randomSubsetMeetingConstraint,
  POISONING_MOVES,
  type FpaPool,
  type GreedyReport,
  type MiEstimator,
} from './poisoning';
import type { SharerPoisoningConfig } from './config';

/** Ground truth of one move, as it appears in the sharer's result (`moves[]`). */
export interface PoisoningMoveRecord {
  method: 'greedy-mi' | 'label-flipping';
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

/**
 * The pool as the selection algorithms see it: features X (every column but the label, one-hot), S and Y. Image
 * records: the attribute columns but the label, plus the image average-pooled to at most POOLED_GRID × POOLED_GRID
 * cells (7 × 7 for MNIST). Hundreds of raw pixels would make every I(X;Y) fit of the greedy loop slow and noisy; the
 * pooled image keeps what separates the classes (where the ink is) and how much ink there is (the stroke).
 */
export function fpaPoolFromTable(pool: Table, task: TaskSpec): FpaPool {
  const x = imageShapeOf(pool.schema) ? imageFeatures(pool, task) : tableFeatures(pool, task);
  return { x, s: binaryColumn(pool, task.sensitive, task.privileged), y: binaryColumn(pool, task.label, task.positive) };
}

function tableFeatures(pool: Table, task: TaskSpec): FpaPool['x'] {
  const encoder = TableEncoder.fit(pool, { exclude: [task.label] });
  return { data: encoder.encode(pool), rows: pool.rows.length, cols: encoder.width };
}

/** Cells per side of the pooled image in the FPA features. */
export const POOLED_GRID = 7;

function imageFeatures(pool: Table, task: TaskSpec): FpaPool['x'] {
  const { pixels, shape } = pixelsOf(pool, 'sharer data');
  const attributes = dropColumns(imageSummaryTable(pool), [INK_MASS_COLUMN]);
  const encoder = attributes.schema.columns.length > 1 ? TableEncoder.fit(attributes, { exclude: [task.label] }) : null;
  const attributeX = encoder ? encoder.encode(attributes) : new Float32Array(0);
  const a = encoder ? encoder.width : 0;
  const cellH = Math.ceil(shape.height / POOLED_GRID);
  const cellW = Math.ceil(shape.width / POOLED_GRID);
  const gh = Math.ceil(shape.height / cellH);
  const gw = Math.ceil(shape.width / cellW);
  const cols = a + gh * gw * shape.channels;
  const n = pool.rows.length;
  const size = shape.height * shape.width * shape.channels;
  const data = new Float32Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < a; j++) data[i * cols + j] = attributeX[i * a + j];
    for (let y = 0; y < shape.height; y++) {
      for (let x = 0; x < shape.width; x++) {
        for (let c = 0; c < shape.channels; c++) {
          const cell = (Math.floor(y / cellH) * gw + Math.floor(x / cellW)) * shape.channels + c;
          data[i * cols + a + cell] += pixels[i * size + (y * shape.width + x) * shape.channels + c] / (cellH * cellW);
        }
      }
    }
  }
  return { data, rows: n, cols };
}

function estimatorFor(kind: SharerPoisoningConfig['estimator'], seed: number): MiEstimator {
  if (kind === 'logistic-ce') return createMiEstimator({ kind: 'logistic-ce' });
  return createMiEstimator({
    kind: 'mine',
    // The permutation of the noisy marginal comes from the move's seed too, so no number in a run is fixed by hand.
    options: { fit: { seed }, marginal: kind === 'mine-expected' ? 'expected' : 'permutation', permutationSeed: deriveSeed(seed, 'permutation') },
  });
}

function cellCounts(s: Uint8Array, y: Uint8Array): number[][] {
  const counts = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < s.length; i++) counts[s[i]][y[i]]++;
  return counts;
}

/**
 * The training set of a poisoning sharer (method ≠ none). `seed` is the sharer's poisoning seed
 * (deriveSeed(sharer seed, 'poisoning')): it balances the pool, draws the base and the candidates, and seeds MINE.
 */
export async function poisonTrainingSet(data: Table, task: TaskSpec, config: SharerPoisoningConfig, seed: number): Promise<PoisonedTrainingSet> {
  if (config.method === 'none') throw new Error('poisonTrainingSet: method none trains on the whole dataset; nothing to select');
  const rng = new Rng(seed);
  const pool = config.balancePool ? balanceCells(data, task, rng) : data;
  const poolRows = pool.rows.length;
  const n = config.trainRows ?? poolRows;
  if (n > poolRows) {
    const balanced = config.balancePool ? ` after sharer.poisoning.balancePool kept ${poolRows / 4} records per (s, y) cell` : '';
    throw new Error(
      `sharer.poisoning.trainRows: ${n} training records requested but the pool has ${poolRows}${balanced} ` +
        `(of ${data.rows.length} private records); lower trainRows or give the sharer more data`,
    );
  }
  const fpaPool = fpaPoolFromTable(pool, task);
  const common = {
    method: config.method,
    alpha: config.alpha,
    trainRows: n,
    poolRows,
    dataRows: data.rows.length,
    balancePool: config.balancePool,
    describe: POISONING_MOVES.get(config.method)!.describe,
    paper: POISONING_MOVES.get(config.method)!.paper,
    pool: { iSY: mutualInformationBits(fpaPool.s, fpaPool.y), labelParityGap: labelParityGap(fpaPool.s, fpaPool.y) },
  };

  if (config.method === 'label-flipping') {
    const result = labelFlipping(fpaPool, n, config.alpha, rng);
    const labelColumn = columnIndex(pool.schema, task.label);
    const spec = pool.schema.columns[labelColumn];
    const positiveCode = spec.categories!.indexOf(task.positive);
    const negativeCode = spec.categories!.findIndex((_, code) => code !== positiveCode);
    if (negativeCode < 0) throw new Error(`label flipping: task.label column "${task.label}" has no value other than "${task.positive}"`);
    // Only the binary task is defined: a flipped label becomes the positive value or the first other value.
    const rows = result.indices.map((i, t) => {
      const row = [...pool.rows[i]];
      if (result.y[t] !== fpaPool.y[i]) row[labelColumn] = result.y[t] === 1 ? positiveCode : negativeCode;
      return row;
    });
    const s = Uint8Array.from(result.indices, (i) => fpaPool.s[i]);
    const report: LabelFlippingReport = {
      n,
      alpha: config.alpha,
      relabelled: result.relabelled,
      flipped: result.flipped,
      cellCounts: cellCounts(s, result.y),
      iSY: result.iSY,
      labelParityGap: result.labelParityGap,
    };
    return { table: { schema: pool.schema, rows }, move: { ...common, algorithm: 'labelFlipping', report } };
  }

  const estimator = estimatorFor(config.estimator, deriveSeed(seed, 'mine'));
  try {
    await estimator.prepare(fpaPool);
    const opts = { n, deltaFraction: config.deltaFraction, estimator, rng };
    const honest = config.alpha === 0;
    const { indices, report } = honest
      ? randomSubsetMeetingConstraint(fpaPool, opts)
      : greedyMutualInformationSampling(fpaPool, { ...opts, alpha: config.alpha, candidatesPerCell: config.candidatesPerCell });
    return {
      table: selectRows(pool, indices),
      move: { ...common, algorithm: honest ? 'randomSubsetMeetingConstraint' : 'greedyMutualInformationSampling', report },
    };
  } finally {
    estimator.dispose();
  }
}
