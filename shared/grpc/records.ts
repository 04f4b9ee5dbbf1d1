/**
 * Tables to and from wire messages. The protocol carries typed chunks (RecordChunk.encoding) rather than a
 * fixed "row of numbers" message, so an image chunk can use the same messages with another encoding.
 */
import type { Table, TableSchema } from '../data/table';
import { imageShapeOf, pixelCount } from '../data/imageTable';
import type { RecordChunk, RecordChunk__Output } from './generated/sharebox/RecordChunk';
import type { RecordSchema, RecordSchema__Output } from './generated/sharebox/RecordSchema';

export const TABLE_ENCODING = 'f32le-rows';

/** Metadata about a model's classes that travels with the schema. */
export interface ClassInfo {
  column: string;
  values: string[];
  shares: number[];
}

export function schemaToWire(schema: TableSchema, classes: ClassInfo): RecordSchema {
  const image = imageShapeOf(schema);
  return {
    // Image records travel as rows like table records (their pixel columns last); `shape` says how to read them.
    modality: image ? 'image' : 'table',
    columns: schema.columns.map((c) => ({ name: c.name, type: c.type, categories: c.categories ?? [] })),
    shape: image ? [image.height, image.width, image.channels] : [],
    classColumn: classes.column,
    classValues: classes.values,
    classShares: classes.shares,
  };
}

export function schemaFromWire(wire: RecordSchema__Output): { schema: TableSchema; classes: ClassInfo } {
  if (wire.modality !== 'table' && wire.modality !== 'image') {
    throw new Error(`RecordSchema: modality "${wire.modality}" is not supported here (expected "table" or "image")`);
  }
  const schema: TableSchema = {
    columns: wire.columns.map((c) => {
      if (c.type !== 'numeric' && c.type !== 'categorical') {
        throw new Error(`RecordSchema: column "${c.name}" has type "${c.type}" (expected numeric or categorical)`);
      }
      return c.type === 'categorical'
        ? { name: c.name, type: c.type, categories: [...c.categories] }
        : { name: c.name, type: c.type };
    }),
  };
  if (wire.modality === 'image') {
    const [height, width, channels] = wire.shape;
    if (wire.shape.length !== 3 || !wire.shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new Error(`RecordSchema: an image schema needs shape [height, width, channels], got [${wire.shape.join(', ')}]`);
    }
    schema.image = { height, width, channels };
    if (!imageShapeOf(schema)) {
      throw new Error(`RecordSchema: an image schema of shape [${wire.shape.join(', ')}] must end with the pixel columns px0 … px${height * width * channels - 1}`);
    }
  }
  return {
    schema,
    classes: { column: wire.classColumn, values: [...wire.classValues], shares: [...wire.classShares] },
  };
}

/**
 * Image records on the wire: per record its A attribute values as float32 LE, then its N pixel intensities as
 * bytes (round(255·v), v clipped to [0, 1]; decoded as byte/255), 4A + N bytes per record. shape = [count, A, N].
 * An 8-bit pixel is what an image file holds; float32 pixels would make every image chunk four times larger.
 */
export const IMAGE_ENCODING = 'f32le-u8-image-rows';

/** Encodes rows [start, end) of a table as one chunk (image records as IMAGE_ENCODING). */
export function tableChunk(table: Table, classes: ArrayLike<number>, start: number, end: number): RecordChunk {
  const width = table.schema.columns.length;
  const count = end - start;
  const classList: number[] = new Array(count);
  for (let i = 0; i < count; i++) classList[i] = classes[start + i];
  const image = imageShapeOf(table.schema);
  if (image) {
    const n = pixelCount(image);
    const a = width - n;
    const bytes = Buffer.alloc(count * (4 * a + n));
    for (let i = 0; i < count; i++) {
      const row = table.rows[start + i];
      const base = i * (4 * a + n);
      for (let j = 0; j < a; j++) bytes.writeFloatLE(row[j], base + 4 * j);
      for (let k = 0; k < n; k++) {
        const v = row[a + k];
        bytes[base + 4 * a + k] = Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : v));
      }
    }
    return { count, encoding: IMAGE_ENCODING, shape: [count, a, n], data: bytes, classes: classList };
  }
  const values = new Float32Array(count * width);
  for (let i = 0; i < count; i++) {
    const row = table.rows[start + i];
    for (let j = 0; j < width; j++) values[i * width + j] = row[j];
  }
  return {
    count,
    encoding: TABLE_ENCODING,
    shape: [count, width],
    data: Buffer.from(values.buffer, values.byteOffset, values.byteLength),
    classes: classList,
  };
}

/** The encoding records of this schema travel in (`tableChunk` writes, `rowsFromChunk` reads): images or table rows. */
export function recordEncoding(schema: TableSchema): string {
  return imageShapeOf(schema) ? IMAGE_ENCODING : TABLE_ENCODING;
}

/** Decodes one chunk into rows, checking that it matches the schema it claims to follow. */
export function rowsFromChunk(chunk: RecordChunk__Output, schema: TableSchema): number[][] {
  const image = imageShapeOf(schema);
  const expected = recordEncoding(schema);
  if (chunk.encoding !== expected) {
    throw new Error(`RecordChunk: encoding "${chunk.encoding}" (expected "${expected}" for ${image ? 'image' : 'table'} records)`);
  }
  const width = schema.columns.length;
  if (image) {
    const n = pixelCount(image);
    const a = width - n;
    const [count, attrs, pixels] = chunk.shape;
    const per = 4 * a + n;
    if (count !== chunk.count || attrs !== a || pixels !== n || chunk.data.length !== count * per) {
      throw new Error(
        `RecordChunk: shape [${chunk.shape.join(', ')}] with ${chunk.data.length} bytes does not match ` +
          `${chunk.count} image records of ${a} attributes and ${n} pixels`,
      );
    }
    const data = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.length);
    const rows: number[][] = new Array(count);
    for (let i = 0; i < count; i++) {
      const row = new Array<number>(width);
      const base = i * per;
      for (let j = 0; j < a; j++) row[j] = data.readFloatLE(base + 4 * j);
      for (let k = 0; k < n; k++) row[a + k] = data[base + 4 * a + k] / 255;
      rows[i] = row;
    }
    return rows;
  }
  const [count, cols] = chunk.shape;
  if (count !== chunk.count || cols !== width || chunk.data.length !== count * width * 4) {
    throw new Error(
      `RecordChunk: shape [${chunk.shape.join(', ')}] with ${chunk.data.length} bytes does not match ` +
        `${chunk.count} records of ${width} columns`,
    );
  }
  // Copy into an aligned buffer: protobuf byte fields may start at any offset.
  const aligned = new Uint8Array(chunk.data.length);
  aligned.set(chunk.data);
  const values = new Float32Array(aligned.buffer);
  const rows: number[][] = new Array(count);
  for (let i = 0; i < count; i++) rows[i] = Array.from(values.subarray(i * width, (i + 1) * width));
  return rows;
}

/** Records in a model's own coordinates (a diffusion model's x0, x_t, x̂0), `count × width` (docs/mia.md). */
export const MODEL_ENCODING = 'f32le-model';
/** One row of K per-timestep losses per record. */
export const LOSSES_ENCODING = 'f32le-losses';

/** A dense row-major float matrix as one chunk (`classes` per row for model-space records). */
export function matrixChunk(encoding: string, values: Float32Array, width: number, classes: ArrayLike<number> = []): RecordChunk {
  if (width < 1 || values.length % width !== 0) {
    throw new Error(`matrixChunk: ${values.length} values do not divide into rows of ${width}`);
  }
  const count = values.length / width;
  return {
    count,
    encoding,
    shape: [count, width],
    data: Buffer.from(values.buffer, values.byteOffset, values.byteLength),
    classes: Array.from(classes),
  };
}

/** Decodes a dense matrix chunk, checking its encoding and (when given) its row width. */
export function matrixFromChunk(chunk: RecordChunk__Output, encoding: string, width?: number): { values: Float32Array; width: number; classes: number[] } {
  if (chunk.encoding !== encoding) throw new Error(`RecordChunk: encoding "${chunk.encoding}" (expected "${encoding}")`);
  const [count, cols] = chunk.shape;
  if (count !== chunk.count || (width !== undefined && cols !== width) || !(cols >= 1) || chunk.data.length !== count * cols * 4) {
    throw new Error(
      `RecordChunk: shape [${chunk.shape.join(', ')}] with ${chunk.data.length} bytes does not match ${chunk.count} ${encoding} rows` +
        (width !== undefined ? ` of width ${width}` : ''),
    );
  }
  const aligned = new Uint8Array(chunk.data.length);
  aligned.set(chunk.data);
  return { values: new Float32Array(aligned.buffer), width: cols, classes: [...chunk.classes] };
}

/** K states per record in model coordinates (a generation trajectory), count × K × width, record-major. */
export const STEPS_ENCODING = 'f32le-model-steps';

/** Records [start, end) of an n × K × width trajectory buffer as one "f32le-model-steps" chunk. */
export function stepsChunk(values: Float32Array, steps: number, width: number, classes: ArrayLike<number>, start: number, end: number): RecordChunk {
  const per = steps * width;
  const part = values.subarray(start * per, end * per);
  return {
    count: end - start,
    encoding: STEPS_ENCODING,
    shape: [end - start, steps, width],
    data: Buffer.from(part.buffer, part.byteOffset, part.byteLength),
    classes: Array.from(classes).slice(start, end),
  };
}

/** Decodes an "f32le-model-steps" chunk, checking K and the width. */
export function stepsFromChunk(chunk: RecordChunk__Output, steps: number, width: number): { values: Float32Array; classes: number[] } {
  const [count, k, cols] = chunk.shape;
  if (chunk.encoding !== STEPS_ENCODING) throw new Error(`RecordChunk: encoding "${chunk.encoding}" (expected "${STEPS_ENCODING}")`);
  if (count !== chunk.count || k !== steps || cols !== width || chunk.data.length !== count * steps * width * 4) {
    throw new Error(
      `RecordChunk: shape [${chunk.shape.join(', ')}] with ${chunk.data.length} bytes does not match ${chunk.count} records of ${steps} states of width ${width}`,
    );
  }
  const aligned = new Uint8Array(chunk.data.length);
  aligned.set(chunk.data);
  return { values: new Float32Array(aligned.buffer), classes: [...chunk.classes] };
}
