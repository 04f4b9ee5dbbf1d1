/**
 * The data model shared by every party. A Table is row-major numbers: a numeric column holds its value, a
 * categorical column holds the index of its value in `categories`. An image record is a row too: its attribute
 * columns, then one numeric column per pixel, with the image shape in the schema. When that shape holds
 * (imageShapeOf) is defined here with the schema, so that dropColumns keeps it; the pixel helpers are in
 * imageTable.ts.
 */

export type ColumnType = 'numeric' | 'categorical';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Required for categorical columns: the order defines the codes stored in rows. */
  categories?: string[];
}

export interface TableSchema {
  columns: ColumnSpec[];
  /**
   * Image records only: the shape of the image whose pixels are the last height·width·channels columns, named
   * px0 … (imageShapeOf). Absent for plain tables.
   */
  image?: { height: number; width: number; channels: number };
}

export interface Table {
  schema: TableSchema;
  /** rows[i][j] is the value of column j in record i (category code for categorical columns). */
  rows: number[][];
}

/** The shape of the images of an image table (TableSchema.image). */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

export const PIXEL_COLUMN_PREFIX = 'px';

/** Values per image. */
export function pixelCount(shape: ImageShape): number {
  return shape.height * shape.width * shape.channels;
}

/**
 * The image shape of a schema whose last N columns are the pixel columns px0 … px{N−1} (in order), or null
 * for a table, or for a schema that lost some of its pixel columns.
 */
export function imageShapeOf(schema: TableSchema): ImageShape | null {
  const shape = schema.image;
  if (!shape) return null;
  const n = pixelCount(shape);
  const first = schema.columns.length - n;
  if (first < 0) return null;
  for (let k = 0; k < n; k++) {
    const col = schema.columns[first + k];
    if (col.name !== `${PIXEL_COLUMN_PREFIX}${k}` || col.type !== 'numeric') return null;
  }
  return shape;
}

/** A schema of `columns` that keeps `from`'s image shape when the pixel columns survive, in order, at the end. */
export function schemaWithColumns(from: TableSchema, columns: ColumnSpec[]): TableSchema {
  if (!from.image) return { columns };
  const candidate: TableSchema = { columns, image: from.image };
  return imageShapeOf(candidate) ? candidate : { columns };
}

/** The prediction task and the protected attribute, as named in the scenario (`task:`). */
export interface TaskSpec {
  /** Label column (categorical); `positive` is the value treated as y = 1. */
  label: string;
  positive: string;
  /** Sensitive attribute column (categorical); `privileged` is the value treated as s = 1. */
  sensitive: string;
  privileged: string;
}

export function columnIndex(schema: TableSchema, name: string): number {
  const i = schema.columns.findIndex((c) => c.name === name);
  if (i < 0) {
    throw new Error(`column "${name}" is not in the table (columns: ${schema.columns.map((c) => c.name).join(', ')})`);
  }
  return i;
}

/** 0/1 vector: 1 where the categorical column `name` equals `value`. */
export function binaryColumn(table: Table, name: string, value: string): Uint8Array {
  const j = columnIndex(table.schema, name);
  const spec = table.schema.columns[j];
  if (spec.type !== 'categorical' || !spec.categories) {
    throw new Error(`column "${name}" must be categorical to define a binary attribute, but it is ${spec.type}`);
  }
  const code = spec.categories.indexOf(value);
  if (code < 0) {
    throw new Error(`column "${name}" has no value "${value}" (values: ${spec.categories.join(', ')})`);
  }
  const out = new Uint8Array(table.rows.length);
  for (let i = 0; i < table.rows.length; i++) out[i] = table.rows[i][j] === code ? 1 : 0;
  return out;
}

export function selectRows(table: Table, indices: ArrayLike<number>): Table {
  const rows: number[][] = new Array(indices.length);
  for (let i = 0; i < indices.length; i++) rows[i] = table.rows[indices[i]];
  return { schema: table.schema, rows };
}

/** The table without the named columns (e.g. the sharer's hidden columns). Unknown names are an error. */
export function dropColumns(table: Table, names: readonly string[]): Table {
  if (names.length === 0) return table;
  const drop = new Set(names.map((n) => columnIndex(table.schema, n)));
  const keep = table.schema.columns.map((_, j) => j).filter((j) => !drop.has(j));
  return {
    schema: schemaWithColumns(table.schema, keep.map((j) => table.schema.columns[j])),
    rows: table.rows.map((row) => keep.map((j) => row[j])),
  };
}

/** Stable content hash input: the schema and every value, for model-cache keys. */
export function tableFingerprint(table: Table): string {
  return JSON.stringify(table.schema) + '\n' + table.rows.map((r) => r.join(',')).join('\n');
}
