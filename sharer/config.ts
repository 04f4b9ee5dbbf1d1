import { z } from 'zod';
import { formatZodIssues } from '../shared/party/configErrors';
import { SHARER_MAX_UNITS_PER_CALL, modelSchema, poisoningSchema, type tabularDdpmSchema } from '../shared/scenario/schema';
import { resolvedDatasetSchema } from '../shared/scenario/slices';

/**
 * What the runner hands the sharer: its slice of the scenario (its own dataset, the task, its model and
 * moves) plus the wiring of this run (the broker's token, the model cache). The runner validated the
 * scenario already; this re-check guards the process boundary and names any field that is off. The model and the
 * poisoning move are checked by the scenario's own schemas (defaults already applied, so parsing again changes
 * nothing): one contract per message, no second copy of a field's range.
 */
export const sharerRuntimeConfigSchema = z
  .object({
    seed: z.number().int().nonnegative(),
    /** The sharer's own dataset, with its seed (see shared/scenario/slices.ts ResolvedDataset). */
    data: z.union([
      z.strictObject({ source: z.literal('membership'), name: z.string(), seed: z.number().int().nonnegative() }),
      resolvedDatasetSchema,
    ]),
    /** sharer.encoderData: the dataset the owner treats as public; the encoder is fitted on it (sharer/encoderData.ts). */
    encoderData: resolvedDatasetSchema.optional(),
    /** In a membership game (source "membership"): the members, the whole training set (shared/scenario/membership.ts). */
    trainingRecords: z.object({ schema: z.object({ columns: z.array(z.any()) }).passthrough(), rows: z.array(z.array(z.number())) }).optional(),
    task: z.object({ label: z.string(), positive: z.string(), sensitive: z.string(), privileged: z.string() }),
    model: modelSchema,
    hideColumns: z.array(z.string()),
    poisoning: poisoningSchema.optional(),
    /** `sharer.defences`, defaults applied (each move's own fields are parsed again by its schema). */
    defences: z.array(z.object({ kind: z.string() }).passthrough()).default(() => []),
    /** sharer.maxUnitsPerCall (defaulted for a slice written before it existed). */
    maxUnitsPerCall: z.number().int().positive().default(SHARER_MAX_UNITS_PER_CALL),
    brokerToken: z.string().min(16),
    /** The run's reservation key: the broker signs each metered call's reservation with it (sharer/brokerGate.ts). */
    reservationKey: z.string().min(32),
    cacheDir: z.string().min(1),
  })
  .passthrough();

export type SharerRuntimeConfig = z.infer<typeof sharerRuntimeConfigSchema>;
export type TabularDdpmConfig = z.output<typeof tabularDdpmSchema>;
export type SharerModelConfig = SharerRuntimeConfig['model'];
export type SharerPoisoningConfig = z.output<typeof poisoningSchema>;

export function parseSharerRuntimeConfig(raw: unknown): SharerRuntimeConfig {
  const parsed = sharerRuntimeConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`sharer configuration: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}
