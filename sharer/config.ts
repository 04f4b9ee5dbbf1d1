import { z } from 'zod';
import { formatZodIssues } from '../shared/party/configErrors';
import { DATASET_SOURCES, imageDdpmSchema, tabularGanSchema, tabularVaeSchema } from '../shared/scenario/schema';
import { POISONING_ESTIMATORS, POISONING_METHODS } from '../shared/scenario/lists';

/**
 * What the runner hands the sharer: its slice of the scenario (its own dataset, the task, its model and
 * moves) plus the wiring of this run (the broker's token, the model cache). The runner validated the
 * scenario already; this re-check guards the process boundary and names any field that is off.
 */
const tabularDdpmSchema = z
  .object({
    kind: z.literal('tabular-ddpm'),
    timesteps: z.number().int().positive(),
    schedule: z.enum(['cosine', 'linear']),
    hidden: z.array(z.number().int().positive()).min(1),
    timeEmbedding: z.number().int().positive(),
    trainSteps: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    lrSchedule: z.enum(['cosine', 'constant']),
    warmupSteps: z.number().int().min(0),
    emaDecay: z.number().min(0).lt(1),
    guidanceScale: z.number().nonnegative(),
    condDropProb: z.number().min(0).max(1),
    sampler: z.object({ kind: z.enum(['ddpm', 'ddim']), steps: z.number().int().positive().optional() }),
  })
  .passthrough();

/** `sharer.poisoning` (shared/scenario/schema.ts poisoningSchema), defaults already applied by the runner. */
const poisoningSchema = z.object({
  method: z.enum(POISONING_METHODS),
  alpha: z.number().min(0).lt(1),
  trainRows: z.number().int().positive().optional(),
  balancePool: z.boolean(),
  deltaFraction: z.number().positive(),
  candidatesPerCell: z.number().int().positive(),
  estimator: z.enum(POISONING_ESTIMATORS),
});

export const sharerRuntimeConfigSchema = z
  .object({
    seed: z.number().int().nonnegative(),
    /** The sharer's own dataset, with its seed (see shared/scenario/slices.ts ResolvedDataset). */
    data: z.object({ source: z.enum([...DATASET_SOURCES, 'membership']), name: z.string(), seed: z.number().int().nonnegative() }).passthrough(),
    /** In a membership game (source "membership"): the members, the whole training set (shared/scenario/membership.ts). */
    trainingRecords: z.object({ schema: z.object({ columns: z.array(z.any()) }).passthrough(), rows: z.array(z.array(z.number())) }).optional(),
    task: z.object({ label: z.string(), positive: z.string(), sensitive: z.string(), privileged: z.string() }),
    // The baselines' schemas are the scenario's own (strict, defaults already applied by the runner).
    model: z.discriminatedUnion('kind', [tabularDdpmSchema, tabularVaeSchema, tabularGanSchema, imageDdpmSchema]),
    hideColumns: z.array(z.string()),
    poisoning: poisoningSchema.optional(),
    brokerToken: z.string().min(16),
    cacheDir: z.string().min(1),
  })
  .passthrough();

export type SharerRuntimeConfig = z.infer<typeof sharerRuntimeConfigSchema>;
export type TabularDdpmConfig = z.infer<typeof tabularDdpmSchema>;
export type SharerModelConfig = SharerRuntimeConfig['model'];
export type SharerPoisoningConfig = z.infer<typeof poisoningSchema>;

export function parseSharerRuntimeConfig(raw: unknown): SharerRuntimeConfig {
  const parsed = sharerRuntimeConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`sharer configuration: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}
