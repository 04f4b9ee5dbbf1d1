/**
 * What a classifier reads from records: the encoded feature columns (TableEncoder: standardised numerics, one-hot
 * categories) for the feed-forward kinds, and the raw pixels in [0, 1] for the CNN, which needs the image's
 * layout intact (per-pixel standardising would make a stroke's value depend on where it is).
 */
import { alignToSchema } from '../../data/align';
import { TableEncoder } from '../../data/encoder';
import { imageShapeOf, pixelsOf, type ImageShape } from '../../data/imageTable';
import type { Table, TableSchema } from '../../data/table';
import type { ClassifierKind, FeatureMatrix } from './index';

export interface FeatureEncoding {
  /** Features per record. */
  readonly width: number;
  /** The image shape a CNN reads, or null for encoded columns. */
  readonly image: ImageShape | null;
  /** `table` re-expressed in the feature schema (matched by column name), as a feature matrix. */
  encode(table: Table, what: string): FeatureMatrix;
}

/** Fits the features of `kind` on `train` (already in `featureSchema`'s columns). */
export function fitFeatures(kind: ClassifierKind, featureSchema: TableSchema, train: Table): FeatureEncoding {
  if (kind === 'cnn') {
    const image = imageShapeOf(featureSchema);
    if (!image) {
      throw new Error(`the cnn classifier reads images, but the records have no image columns (columns: ${featureSchema.columns.slice(0, 6).map((c) => c.name).join(', ')}…); use logistic or mlp`);
    }
    const width = image.height * image.width * image.channels;
    return {
      width,
      image,
      encode: (table, what) => {
        const { pixels } = pixelsOf(alignToSchema(table, featureSchema, what), what);
        return { data: pixels, rows: table.rows.length, cols: width };
      },
    };
  }
  const encoder = TableEncoder.fit(alignToSchema(train, featureSchema, 'training records'));
  return {
    width: encoder.width,
    image: null,
    encode: (table, what) => {
      const aligned = alignToSchema(table, featureSchema, what);
      return { data: encoder.encode(aligned), rows: aligned.rows.length, cols: encoder.width };
    },
  };
}
