/**
 * Images as tables. An image record is a row: its attribute columns (the digit, the stroke, …) first, then one
 * numeric column per pixel intensity in [0, 1], named px0 … px{N−1} in NHWC order (N = height·width·channels),
 * and the schema carries the image's shape. Keeping images in the one record model means everything that
 * selects, subsamples, balances, splits or streams records (take, propertyShare, the FPA selection, the membership
 * game, the broker's chunks) works on images unchanged; only the code that reads pixels as pixels (the image
 * DDPM, the CNN, the PNG grid, the ink-mass summary) asks for `imageShapeOf` and `pixelsOf`.
 */
import {
  imageShapeOf,
  pixelCount,
  PIXEL_COLUMN_PREFIX,
  schemaWithColumns,
  type ColumnSpec,
  type ImageShape,
  type Table,
  type TableSchema,
} from './table';

// The schema's image shape is part of the data model, so it is defined with TableSchema in table.ts (dropColumns
// keeps it); code that reads images imports it from here with the pixel helpers.
export { imageShapeOf, pixelCount, PIXEL_COLUMN_PREFIX, schemaWithColumns, type ImageShape };

/** Whether a column name is a pixel column's (px0, px1, …). */
export function isPixelColumnName(name: string): boolean {
  return new RegExp(`^${PIXEL_COLUMN_PREFIX}(0|[1-9][0-9]*)$`).test(name);
}

export function pixelColumns(shape: ImageShape): ColumnSpec[] {
  return Array.from({ length: pixelCount(shape) }, (_, k) => ({ name: `${PIXEL_COLUMN_PREFIX}${k}`, type: 'numeric' as const }));
}

/** Whether the column is one of an image's pixel columns. */
export function isPixelColumn(schema: TableSchema, index: number): boolean {
  const shape = imageShapeOf(schema);
  return shape !== null && index >= schema.columns.length - pixelCount(shape);
}

/** The pixels of every record, n × N row-major (NHWC per record). Throws for a schema without images. */
export function pixelsOf(table: Table, what = 'records'): { pixels: Float32Array; shape: ImageShape } {
  const shape = imageShapeOf(table.schema);
  if (!shape) throw new Error(`${what}: expected image records (a schema with an image shape and its px columns), got columns ${table.schema.columns.slice(0, 8).map((c) => c.name).join(', ')}${table.schema.columns.length > 8 ? ', …' : ''}`);
  const n = pixelCount(shape);
  const first = table.schema.columns.length - n;
  const pixels = new Float32Array(table.rows.length * n);
  table.rows.forEach((row, i) => {
    for (let k = 0; k < n; k++) pixels[i * n + k] = row[first + k];
  });
  return { pixels, shape };
}

/** Column of the ink-mass summary (the sum of an image's intensities), which stands in for the pixels in fidelity tables. */
export const INK_MASS_COLUMN = 'ink_mass';

/**
 * The record's attribute columns plus its ink mass, without the pixel columns: what a report can tabulate per
 * record (the referee's marginals compare synthetic and real images on it; the samples came out thinner than
 * the data in docs/images.md). A table without images is returned as it is.
 */
export function imageSummaryTable(table: Table): Table {
  const shape = imageShapeOf(table.schema);
  if (!shape) return table;
  const n = pixelCount(shape);
  const first = table.schema.columns.length - n;
  return {
    schema: { columns: [...table.schema.columns.slice(0, first), { name: INK_MASS_COLUMN, type: 'numeric' }] },
    rows: table.rows.map((row) => {
      let ink = 0;
      for (let k = first; k < row.length; k++) ink += row[k];
      return [...row.slice(0, first), ink];
    }),
  };
}
