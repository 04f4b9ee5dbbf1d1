/**
 * Turns a Table into the dense float matrix a model trains on, and the model's output back into a Table.
 * Numeric columns are standardised with the fitted mean and std; categorical columns become one-hot blocks.
 *
 * Heavy tails: a non-negative column whose skewness exceeds HEAVY_TAIL_SKEWNESS (Adult's capital-gain and
 * capital-loss, the census capital_gain: mostly 0 with values up to 99,999) is passed through ln(1 + x) before
 * standardising. Raw standardisation would squeeze the zeros into one point and put the tail 10+ std away,
 * which a diffusion model, whose noise is N(0, 1), reproduces badly; the log keeps the tail within a few std.
 * It is exactly inverted (expm1) on decode. Turn it off with `heavyTails: 'none'`.
 */
import { ColumnSpec, Table, TableSchema } from './table';

export interface EncoderOptions {
  /** Columns to leave out of the encoding (e.g. the label for a conditional model). */
  exclude?: string[];
  /** 'log1p' (default): log-transform heavy-tailed non-negative numeric columns; 'none': plain standardising. */
  heavyTails?: 'log1p' | 'none';
}

export const STD_FLOOR = 1e-6;
/** Sample skewness above which a non-negative column counts as heavy-tailed (Adult ages: 0.56, capital-gain: 11.9). */
export const HEAVY_TAIL_SKEWNESS = 2;

export type NumericTransform = 'identity' | 'log1p';

interface NumericColumnStats {
  kind: 'numeric';
  name: string;
  transform: NumericTransform;
  /** Mean and std of the transformed values. */
  mean: number;
  std: number;
  /** Range of the raw values: decoding clips into it. */
  min: number;
  max: number;
  /** Every fitted value was an integer, so decoded values are rounded. */
  integer: boolean;
}

interface CategoricalColumnStats {
  kind: 'categorical';
  name: string;
  categories: string[];
}

type ColumnEncoding = NumericColumnStats | CategoricalColumnStats;

export interface TableEncoderJSON {
  version: 1;
  columns: ColumnEncoding[];
}

export class TableEncoder {
  /** The encoded columns, in the fitted table's order. */
  readonly schema: TableSchema;
  /** Floats per encoded row: 1 per numeric column, one per category for categorical columns. */
  readonly width: number;
  private readonly columns: ColumnEncoding[];
  /** offsets[k] is where column k's block starts in an encoded row. */
  private readonly offsets: number[];

  private constructor(columns: ColumnEncoding[]) {
    this.columns = columns;
    this.schema = {
      columns: columns.map((c): ColumnSpec =>
        c.kind === 'numeric' ? { name: c.name, type: 'numeric' } : { name: c.name, type: 'categorical', categories: [...c.categories] },
      ),
    };
    this.offsets = [];
    let width = 0;
    for (const c of columns) {
      this.offsets.push(width);
      width += c.kind === 'numeric' ? 1 : c.categories.length;
    }
    this.width = width;
  }

  static fit(table: Table, opts: EncoderOptions = {}): TableEncoder {
    const exclude = new Set(opts.exclude ?? []);
    for (const name of exclude) {
      if (!table.schema.columns.some((c) => c.name === name)) throw new Error(`TableEncoder.fit: cannot exclude "${name}": no such column`);
    }
    if (table.rows.length === 0) throw new Error('TableEncoder.fit: the table has no rows to fit on');
    const columns: ColumnEncoding[] = [];
    table.schema.columns.forEach((spec, j) => {
      if (exclude.has(spec.name)) return;
      if (spec.type === 'categorical') {
        if (!spec.categories || spec.categories.length === 0) {
          throw new Error(`TableEncoder.fit: categorical column "${spec.name}" has no categories`);
        }
        columns.push({ kind: 'categorical', name: spec.name, categories: [...spec.categories] });
      } else {
        columns.push(fitNumeric(spec.name, table.rows.map((r) => r[j]), opts.heavyTails ?? 'log1p'));
      }
    });
    if (columns.length === 0) throw new Error('TableEncoder.fit: every column is excluded');
    return new TableEncoder(columns);
  }

  /**
   * [start, end) of each categorical column's one-hot block in an encoded row, in column order: models that
   * treat those coordinates as a distribution (softmax, snapping to one-hot) need to know where they are.
   */
  oneHotBlocks(): Array<[number, number]> {
    const blocks: Array<[number, number]> = [];
    this.columns.forEach((c, k) => {
      if (c.kind === 'categorical') blocks.push([this.offsets[k], this.offsets[k] + c.categories.length]);
    });
    return blocks;
  }

  /** Row-major n × width. Columns are found by name, so `table` may carry extra columns (e.g. the label). */
  encode(table: Table): Float32Array {
    const n = table.rows.length;
    const out = new Float32Array(n * this.width);
    this.columns.forEach((col, k) => {
      const j = table.schema.columns.findIndex((c) => c.name === col.name);
      if (j < 0) throw new Error(`TableEncoder.encode: the table lacks column "${col.name}"`);
      const spec = table.schema.columns[j];
      const offset = this.offsets[k];
      if (col.kind === 'numeric') {
        if (spec.type !== 'numeric') throw new Error(`TableEncoder.encode: column "${col.name}" was numeric when fitted, now ${spec.type}`);
        for (let i = 0; i < n; i++) {
          const raw = table.rows[i][j];
          // A column fitted as non-negative may meet a negative value later; log1p would give NaN, so floor at 0.
          const x = col.transform === 'log1p' ? Math.log1p(Math.max(raw, 0)) : raw;
          out[i * this.width + offset] = (x - col.mean) / col.std;
        }
        return;
      }
      const codeMap = categoryCodeMap(col, spec);
      for (let i = 0; i < n; i++) {
        const source = table.rows[i][j];
        const code = codeMap[source];
        if (code === undefined) {
          throw new Error(`TableEncoder.encode: row ${i} of column "${col.name}" has code ${source}, outside its ${codeMap.length} categories`);
        }
        if (code < 0) {
          throw new Error(
            `TableEncoder.encode: row ${i} of column "${col.name}" is "${spec.categories![source]}", unknown when fitted (${col.categories.join(', ')})`,
          );
        }
        out[i * this.width + offset + code] = 1;
      }
    });
    return out;
  }

  /** Inverse of encode for n rows of model output: de-standardise, clip, round integers; argmax each one-hot block. */
  decode(matrix: Float32Array, n: number): Table {
    if (matrix.length < n * this.width) {
      throw new Error(`TableEncoder.decode: ${n} rows of width ${this.width} need ${n * this.width} values, got ${matrix.length}`);
    }
    const rows: number[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const base = i * this.width;
      const row = new Array<number>(this.columns.length);
      for (let k = 0; k < this.columns.length; k++) {
        const col = this.columns[k];
        const offset = base + this.offsets[k];
        if (col.kind === 'numeric') {
          const x = matrix[offset] * col.std + col.mean;
          let value = col.transform === 'log1p' ? Math.expm1(x) : x;
          if (!Number.isFinite(value)) value = value > 0 ? col.max : col.min; // expm1 overflow or NaN from the model
          value = Math.min(col.max, Math.max(col.min, value));
          row[k] = col.integer ? Math.round(value) : value;
        } else {
          let best = 0;
          for (let c = 1; c < col.categories.length; c++) if (matrix[offset + c] > matrix[offset + best]) best = c;
          row[k] = best;
        }
      }
      rows[i] = row;
    }
    return { schema: { columns: this.schema.columns.map((c) => ({ ...c, categories: c.categories && [...c.categories] })) }, rows };
  }

  toJSON(): TableEncoderJSON {
    return { version: 1, columns: this.columns.map((c) => (c.kind === 'numeric' ? { ...c } : { ...c, categories: [...c.categories] })) };
  }

  static fromJSON(json: unknown): TableEncoder {
    const data = json as Partial<TableEncoderJSON> | null;
    if (!data || data.version !== 1 || !Array.isArray(data.columns)) {
      throw new Error('TableEncoder.fromJSON: expected { version: 1, columns: [...] } as written by toJSON()');
    }
    for (const c of data.columns) {
      const ok =
        c &&
        typeof c.name === 'string' &&
        (c.kind === 'categorical'
          ? Array.isArray(c.categories) && c.categories.length > 0
          : c.kind === 'numeric' &&
            [c.mean, c.std, c.min, c.max].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
            (c.transform === 'identity' || c.transform === 'log1p'));
      if (!ok) throw new Error(`TableEncoder.fromJSON: malformed column entry ${JSON.stringify(c)}`);
    }
    return new TableEncoder(data.columns.map((c) => ({ ...c })));
  }
}

function fitNumeric(name: string, values: number[], heavyTails: 'log1p' | 'none'): NumericColumnStats {
  let min = Infinity;
  let max = -Infinity;
  let integer = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`TableEncoder.fit: column "${name}" row ${i} is ${v}, expected a finite number`);
    if (v < min) min = v;
    if (v > max) max = v;
    if (integer && !Number.isInteger(v)) integer = false;
  }
  const transform: NumericTransform = heavyTails === 'log1p' && min >= 0 && skewness(values) > HEAVY_TAIL_SKEWNESS ? 'log1p' : 'identity';
  const transformed = transform === 'log1p' ? values.map(Math.log1p) : values;
  const { mean, std } = meanStd(transformed);
  return { kind: 'numeric', name, transform, mean, std: Math.max(std, STD_FLOOR), min, max, integer };
}

function meanStd(values: number[]): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(sq / values.length) };
}

/** Sample skewness E[(x - mean)^3] / std^3; 0 for a constant column. */
function skewness(values: number[]): number {
  const { mean, std } = meanStd(values);
  if (std === 0) return 0;
  let cube = 0;
  for (const v of values) cube += ((v - mean) / std) ** 3;
  return cube / values.length;
}

/**
 * codeMap[sourceCode] = fitted code. Identity when the table uses the fitted category list; a remap when the
 * same values come in another order; -1 for a value the encoder never saw (an error only if a row uses it).
 */
function categoryCodeMap(col: CategoricalColumnStats, spec: ColumnSpec): number[] {
  if (spec.type !== 'categorical' || !spec.categories) {
    throw new Error(`TableEncoder.encode: column "${col.name}" was categorical when fitted, now ${spec.type}`);
  }
  return spec.categories.map((value) => col.categories.indexOf(value));
}
