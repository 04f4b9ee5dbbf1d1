/**
 * The sharer's fairness-poisoning moves (FPA, Luo et al. 2024; docs/fpa.md): turn the private dataset into the
 * training set the diffusion model actually sees. The algorithms live in `poisoning/`, each move in `moves/<id>/`;
 * this module prepares what they share (pool → features → N) and runs the move `sharer.poisoning.method` names.
 *
 * Features X are every column but the label, S included: the paper's X is a face image, which shows S. For image
 * records X is the pooled image beside the attribute columns (fpaPoolFromTable).
 */
import { TableEncoder } from '../shared/data/encoder';
import { balanceCells } from '../shared/data/split';
import { binaryColumn, dropColumns, type Table, type TaskSpec } from '../shared/data/table';
import { imageShapeOf, imageSummaryTable, INK_MASS_COLUMN, pixelsOf } from '../shared/data/imageTable';
import { Rng, deriveSeed } from '../shared/random';
import { mutualInformationBits, labelParityGap } from '../shared/metrics/mutualInformation';
import { createMiEstimator, type FpaPool, type MiEstimator } from './poisoning';
import type { SharerPoisoningConfig } from './config';
import { moveById } from '../shared/moves/registry';
import type { PoisonedTrainingSet, PoisoningContext, PoisoningMove } from './moves/context';

export type { LabelFlippingReport, PoisonedTrainingSet, PoisoningMoveRecord } from './moves/context';

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

export function estimatorFor(kind: SharerPoisoningConfig['estimator'], seed: number): MiEstimator {
  if (kind === 'logistic-ce') return createMiEstimator({ kind: 'logistic-ce' });
  return createMiEstimator({
    kind: 'mine',
    // The permutation of the noisy marginal comes from the move's seed too, so no number in a run is fixed by hand.
    options: { fit: { seed }, marginal: kind === 'mine-expected' ? 'expected' : 'permutation', permutationSeed: deriveSeed(seed, 'permutation') },
  });
}

export function cellCounts(s: Uint8Array, y: Uint8Array): number[][] {
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
  const move = moveById(config.method);
  if (!move || move.party !== 'sharer') throw new Error(`sharer.poisoning.method: "${config.method}" is not a registered sharer move`);
  const fpaPool = fpaPoolFromTable(pool, task);
  const common = {
    method: config.method,
    alpha: config.alpha,
    trainRows: n,
    poolRows,
    dataRows: data.rows.length,
    balancePool: config.balancePool,
    describe: move.describe,
    paper: move.paper ?? '',
    pool: { iSY: mutualInformationBits(fpaPool.s, fpaPool.y), labelParityGap: labelParityGap(fpaPool.s, fpaPool.y) },
  };
  const { method: _method, ...fields } = config;
  const ctx: PoisoningContext = { pool, fpaPool, n, task, rng, seed, common };
  return (move as PoisoningMove).run(fields, ctx);
}
