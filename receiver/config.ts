import { z } from 'zod';
import { formatZodIssues } from '../shared/party/configErrors';
import { CLASSIFIER_KINDS } from '../shared/evaluation/classifiers';
import { drawSchema, taskSchema } from '../shared/scenario/schema';
import { resolvedDatasetSchema } from '../shared/scenario/slices';

/**
 * What the runner hands the receiver: its slice of the scenario (its own test data, the task, how to draw,
 * which classifiers) plus the broker's address and its token. Never the sharer's data or model config. The pieces
 * are the scenario's own schemas (defaults already applied, so parsing again changes nothing).
 */
export const receiverRuntimeConfigSchema = z
  .object({
    seed: z.number().int().nonnegative(),
    /** The receiver's own real test split, with its seed (see shared/scenario/slices.ts ResolvedDataset). */
    testData: resolvedDatasetSchema,
    task: taskSchema,
    draw: drawSchema,
    classifiers: z.array(z.enum(CLASSIFIER_KINDS)).min(1),
    classifierEpochs: z.number().int().positive(),
    /** `receiver.attacks`, defaults applied (each attack's own fields are checked by its runner). */
    attacks: z.array(z.object({ kind: z.string() }).passthrough()).default(() => []),
    /** `receiver.defences`, defaults applied (each re-read by its move's schema). */
    defences: z.array(z.object({ kind: z.string() }).passthrough()).default(() => []),
    /** The receiver's own datasets named by its attacks (aux data), resolved with their seeds, by name. */
    attackData: z.record(z.string(), resolvedDatasetSchema).default(() => ({})),
    /** Evaluate on equal (s, y) cells of the test split (shared/data/split.ts balanceCells). */
    balanceTest: z.boolean(),
    /**
     * The membership game's challenge records, shuffled and unlabelled (shared/scenario/membership.ts); the schema
     * passes through whole, so image records keep their shape (`schema.image`).
     */
    membershipChallenge: z.object({ schema: z.object({ columns: z.array(z.any()) }).passthrough(), rows: z.array(z.array(z.number())) }).optional(),
    brokerAddress: z.string().min(1),
    token: z.string().min(16),
  })
  .passthrough();

export type ReceiverRuntimeConfig = z.infer<typeof receiverRuntimeConfigSchema>;

export function parseReceiverRuntimeConfig(raw: unknown): ReceiverRuntimeConfig {
  const parsed = receiverRuntimeConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`receiver configuration: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}
