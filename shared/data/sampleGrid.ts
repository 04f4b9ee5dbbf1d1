/**
 * The report's picture of an image model: per class, a row of the sharer's real images beside a row of the
 * receiver's synthetic ones, as one PNG written beside report.json (and embedded in report.html). The receiver
 * hands over the first GRID_IMAGES_PER_CLASS images it drew of each class; the referee takes as many real ones.
 */
import { imageShapeOf, pixelCount, pixelsOf, type ImageShape } from './imageTable';
import { imageGridPng } from './imageGrid';
import { columnIndex, type Table } from './table';

export const GRID_IMAGES_PER_CLASS = 8;
export const SAMPLE_GRID_FILE = 'samples.png';

/** A few images per class, pixels as 0-255 bytes in base64 (JSON-friendly). */
export interface ImagesPerClass {
  shape: ImageShape;
  classColumn: string;
  classes: Array<{ value: string; count: number; pixelsBase64: string }>;
}

/** The first `perClass` images of each class of the label column, or null when the records are not images. */
export function imagesPerClass(table: Table, labelColumn: string, perClass = GRID_IMAGES_PER_CLASS): ImagesPerClass | null {
  const shape = imageShapeOf(table.schema);
  if (!shape) return null;
  const label = columnIndex(table.schema, labelColumn);
  const values = table.schema.columns[label].categories ?? [];
  const { pixels } = pixelsOf(table);
  const n = pixelCount(shape);
  return {
    shape,
    classColumn: labelColumn,
    classes: values.map((value, code) => {
      const rows: number[] = [];
      for (let i = 0; i < table.rows.length && rows.length < perClass; i++) if (table.rows[i][label] === code) rows.push(i);
      const bytes = new Uint8Array(rows.length * n);
      rows.forEach((i, r) => {
        for (let k = 0; k < n; k++) bytes[r * n + k] = Math.round(255 * Math.min(1, Math.max(0, pixels[i * n + k])));
      });
      return { value, count: rows.length, pixelsBase64: Buffer.from(bytes).toString('base64') };
    }),
  };
}

/**
 * The PNG: for each class, one row of real images then one row of synthetic ones (empty slots stay background),
 * and the row order for the report's caption.
 */
export function realVsSyntheticGrid(real: ImagesPerClass, synthetic: ImagesPerClass): { png: Buffer; rows: string[] } {
  const shape = synthetic.shape;
  const n = pixelCount(shape);
  const columns = GRID_IMAGES_PER_CLASS;
  const rowsOut: string[] = [];
  const data: number[] = [];
  const pushRow = (part: { count: number; pixelsBase64: string } | undefined) => {
    const bytes = part ? Buffer.from(part.pixelsBase64, 'base64') : Buffer.alloc(0);
    for (let slot = 0; slot < columns; slot++) {
      for (let k = 0; k < n; k++) data.push(part && slot < part.count ? bytes[slot * n + k] / 255 : 0.5);
    }
  };
  for (const cls of synthetic.classes) {
    pushRow(real.classes.find((c) => c.value === cls.value));
    rowsOut.push(`real ${synthetic.classColumn} = ${cls.value}`);
    pushRow(cls);
    rowsOut.push(`synthetic ${synthetic.classColumn} = ${cls.value}`);
  }
  const png = imageGridPng(Float32Array.from(data), { ...shape, columns, scale: 2, padding: 2 });
  return { png, rows: rowsOut };
}
