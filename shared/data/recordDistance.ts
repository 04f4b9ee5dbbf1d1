/**
 * The distance between two records of one table, defined once (docs/privacy.md, "The distance"): the data owner's
 * near-duplicate removal and nearest-neighbour rejection use it, and it is the space in which the referee counts
 * Carlini extraction (receiver/moves/carlini-extraction/score.ts), so a rejection radius τ and the extraction
 * criterion are in the same units.
 *
 *   d(a, b) = ‖e(a) − e(b)‖₂,  e = TableEncoder fitted on a reference table (the training set) with numeric columns
 *   standardised (mean 0, std 1 after ln(1 + x) for heavy-tailed non-negative columns) and categorical columns one-hot.
 *
 * So one unit is one standard deviation of a numeric column, and two records that differ in one category are √2
 * apart. Every column of the encoder's reference counts, the label included (a released record carries it); columns
 * the model never sees (sharer.hideColumns) must be dropped from the reference first by the caller. No column names
 * are known here: it works on any table.
 */
import { TableEncoder, type EncoderOptions } from './encoder';
import type { Table } from './table';

/** The encoding of the distance: the referee's extraction space (standard numerics, plain one-hot). */
export const RECORD_SPACE_OPTIONS: EncoderOptions = { numeric: 'standard', categorical: 'onehot' };

/** What the report calls the distance. */
export const RECORD_DISTANCE_NAME = 'l2-standardised-onehot';

/** Records in the distance's coordinates, fitted on a reference table. */
export class RecordSpace {
  private constructor(private readonly encoder: TableEncoder) {}

  /** Fits the encoding on `reference` (every column of it counts). */
  static fit(reference: Table): RecordSpace {
    if (reference.rows.length === 0) throw new Error('RecordSpace.fit: the reference table has no records');
    return new RecordSpace(TableEncoder.fit(reference, RECORD_SPACE_OPTIONS));
  }

  get width(): number {
    return this.encoder.width;
  }

  /** Row-major n × width; columns found by name (extra columns are ignored, a missing one is an error). */
  encode(table: Table): Float32Array {
    return this.encoder.encode(table);
  }
}

/**
 * For each query row (q × D), whether some reference row (r × D) lies strictly within `radius` (d < radius). Stops at
 * the first reference row found, and abandons a reference row as soon as its partial sum reaches radius².
 */
export function withinRadius(queries: Float32Array, reference: Float32Array, D: number, radius: number): Uint8Array {
  const q = rowsOf(queries, D, 'queries');
  const r = rowsOf(reference, D, 'reference');
  const bound = radius * radius;
  const out = new Uint8Array(q);
  for (let i = 0; i < q; i++) {
    const qo = i * D;
    for (let k = 0; k < r; k++) {
      const ko = k * D;
      let sq = 0;
      for (let j = 0; j < D && sq < bound; j++) {
        const d = queries[qo + j] - reference[ko + j];
        sq += d * d;
      }
      if (sq < bound) {
        out[i] = 1;
        break;
      }
    }
  }
  return out;
}

/** For each query row, the distance to its nearest reference row (Infinity without reference rows). */
export function nearestDistances(queries: Float32Array, reference: Float32Array, D: number): Float64Array {
  const q = rowsOf(queries, D, 'queries');
  const r = rowsOf(reference, D, 'reference');
  return Float64Array.from({ length: q }, (_, i) => Math.sqrt(nearestSquared(queries, i, reference, r, D, -1)));
}

/**
 * For each row of a set (n × D), the distance to its nearest other row of the same set: how often a generator
 * produces (nearly) that record again.
 */
export function nearestOtherDistances(rows: Float32Array, D: number): Float64Array {
  const n = rowsOf(rows, D, 'rows');
  return Float64Array.from({ length: n }, (_, i) => Math.sqrt(nearestSquared(rows, i, rows, n, D, i)));
}

/**
 * The squared distance from query row i to its nearest reference row other than `skip` (−1: none skipped),
 * abandoning a reference row as soon as its partial sum reaches the best so far.
 */
function nearestSquared(queries: Float32Array, i: number, reference: Float32Array, r: number, D: number, skip: number): number {
  const qo = i * D;
  let best = Infinity;
  for (let k = 0; k < r; k++) {
    if (k === skip) continue;
    const ko = k * D;
    let sq = 0;
    for (let j = 0; j < D && sq < best; j++) {
      const d = queries[qo + j] - reference[ko + j];
      sq += d * d;
    }
    if (sq < best) best = sq;
  }
  return best;
}

function rowsOf(values: Float32Array, D: number, name: string): number {
  if (!Number.isInteger(D) || D < 1) throw new Error(`recordDistance: width must be a positive integer (got ${D})`);
  const n = values.length / D;
  if (!Number.isInteger(n)) throw new Error(`recordDistance: ${values.length} ${name} values do not divide into rows of ${D}`);
  return n;
}
