/**
 * The `sweep:` entries of a scenario as data (their schema); expanding them into variants is sweep.ts. A module of its
 * own so that the scenario schema can use it without importing the expansion, which parses the scenario schema.
 */
import { z } from 'zod';

/**
 * A scalar, or a whole object or list that replaces the field's subtree (e.g. `sharer.model`, whose fields depend
 * on its kind, or `sharer.hideColumns`).
 */
export const sweepValueSchema = z.union([z.number(), z.string(), z.boolean(), z.record(z.string(), z.unknown()), z.array(z.unknown())]);
export type SweepValue = z.output<typeof sweepValueSchema>;

/** A name for a value in variant labels and `variants[…]` paths. */
const SWEEP_LABEL_PATTERN = /^[A-Za-z0-9_.+-]+$/;

/** A field path a sweep may set (shared by both kinds of entry). */
const sweepPathSchema = () =>
  z.string().regex(/^(?:sharer|broker|receiver|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)+)$/, {
    error: 'expected a dotted path of at least two field names, like sharer.poisoning.alpha, or a party section (sharer, broker, receiver)',
  });

export const sweepValuesEntrySchema = z
  .strictObject({
    /**
     * Dotted path of the field to vary, e.g. `sharer.poisoning.alpha`; every segment but the last must exist. A party's
     * whole section (`sharer`, `broker`, `receiver`) may be one value: e.g. an external receiver beside the built-in one
     * on the same seed (scenarios/external-census.yaml).
     */
    path: sweepPathSchema(),
    /** The values it takes, in order; at least one, no repeats. An object or list value replaces the whole field. */
    values: z
      .array(sweepValueSchema)
      .min(1)
      // Scalars compare as their label text (1 and "1" would give the same variant label).
      .refine((v) => new Set(v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x)))).size === v.length, { error: 'expected distinct values' }),
    /** Names of the values in variant labels, one per value (required when a value is an object or a list). */
    labels: z
      .array(z.string().regex(SWEEP_LABEL_PATTERN, { error: 'expected letters, digits, "_", ".", "+" or "-"' }))
      .refine((v) => new Set(v).size === v.length, { error: 'expected distinct labels' })
      .optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.labels && entry.labels.length !== entry.values.length) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: `expected one label per value (${entry.values.length}), got ${entry.labels.length}` });
    }
    if (!entry.labels && entry.values.some((v) => typeof v === 'object')) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: 'expected labels: an object or list value needs a name for its variant label' });
    }
  });

/**
 * Named cases, each setting any number of fields at once: one axis whose points differ in more than one place, e.g.
 * the defences of the attack × defence matrix, which sit at different parties (`sharer.defences`, `broker.defences`,
 * `receiver.defences`). The first case is the axis's baseline (e.g. `none`, setting nothing): studies pair every other
 * case with it. Variant labels read `<name>=<label>`.
 */
export const sweepCasesEntrySchema = z.strictObject({
  /** The axis's name in variant labels (`defence=dp-eps10`). */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, { error: 'expected a name of letters, digits, "_" or "-"' }),
  cases: z
    .array(
      z.strictObject({
        label: z.string().regex(SWEEP_LABEL_PATTERN, { error: 'expected letters, digits, "_", ".", "+" or "-"' }),
        /** Field path → value, as a `path`/`values` entry would set it; empty for the baseline. */
        set: z.record(sweepPathSchema(), sweepValueSchema).default(() => ({})),
      }),
    )
    .min(2)
    .refine((cases) => new Set(cases.map((c) => c.label)).size === cases.length, { error: 'expected distinct case labels' }),
});

export const sweepEntrySchema = z.union([sweepValuesEntrySchema, sweepCasesEntrySchema]);

export type SweepEntry = z.output<typeof sweepEntrySchema>;
export type SweepCasesEntry = z.output<typeof sweepCasesEntrySchema>;

