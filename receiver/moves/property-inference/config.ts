/**
 * Scenario config of the property inference attack (Luo et al. 2024 §3, Algorithm 2 and Theorem 1;
 * docs/pia.md): the move's fields in `receiver.attacks`. The property forms are `PropertySpec` in
 * shared/propertyInference/property.ts, which the receiver and the referee both use.
 */
import { z } from 'zod';
import { CLASSIFIER_KINDS } from '../../../shared/scenario/lists';
import { RULE_OPS } from '../../../shared/propertyInference/property';

const name = () => z.string().min(1);

/** The operators of a rule property (one list, with the property's definition). */
export const PROPERTY_RULE_OPS = RULE_OPS;

const scalar = z.union([z.string(), z.number()]);

/** `{ column, value }` (binary), `{ column, values }` (K-way, K ≥ 2) or `{ rule: { column, op, value } }`. */
export const propertySpecSchema = z.union([
  z.strictObject({ column: name(), value: name() }),
  z.strictObject({ column: name(), values: z.array(name()).min(2) }),
  z.strictObject({ rule: z.strictObject({ column: name(), op: z.enum(PROPERTY_RULE_OPS), value: z.union([scalar, z.array(scalar).min(1)]) }) }),
]);

export const DEFAULT_PIA_SAMPLES = [100, 200, 500, 1000, 2000];

export const propertyInferenceConfigSchema = z.strictObject({
  /** The property whose share in the sharer's training data the receiver estimates. */
  property: propertySpecSchema,
  /**
   * The receiver's own auxiliary dataset (a key of `datasets:`, never the sharer's, with the property column):
   * trains the discriminator when the property column is hidden from the samples.
   */
  auxData: name().optional(),
  /**
   * The no-aux-data route (the paper's zero-shot discriminator): a directory holding a pretrained tfjs
   * discriminator (model.json, weights.bin, sharebox-discriminator.json; pretrained.ts beside
   * this file), relative to the scenario file. Used instead of `auxData` when the column is hidden.
   */
  pretrained: name().optional(),
  /** Sample counts n to estimate with; the receiver draws max(samples) records and uses the first n for each. */
  samples: z
    .array(z.number().int().min(1))
    .min(1)
    .refine((v) => new Set(v).size === v.length, { error: 'expected distinct sample counts' })
    .default(() => [...DEFAULT_PIA_SAMPLES]),
  /** Failure probability η of the Hoeffding bound, in (0, 1). */
  eta: z.number().gt(0).lt(1).default(0.05),
  /** Discriminator trained on aux data when the column is hidden. */
  classifier: z.enum(CLASSIFIER_KINDS).default('logistic'),
  /** Report the confusion-matrix correction (docs/pia.md, "The correction"). */
  correction: z.boolean().default(true),
}).refine((c) => !(c.auxData !== undefined && c.pretrained !== undefined), {
  error: 'expected auxData (train a discriminator on the receiver\'s own data) or pretrained (load one), not both',
  path: ['pretrained'],
});

export type PropertyInferenceConfig = z.output<typeof propertyInferenceConfigSchema>;
