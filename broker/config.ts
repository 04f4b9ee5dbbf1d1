import { z } from 'zod';
import { formatZodIssues } from '../shared/party/configErrors';

/**
 * What the runner hands the broker: its slice of the scenario (grants, budget, chunk bound, seed) plus the
 * wiring of this run (where the sharer is, the tokens, where the audit log goes). No dataset, no model.
 */
export const brokerRuntimeConfigSchema = z
  .object({
    seed: z.number().int().nonnegative(),
    access: z.array(z.string()).min(1),
    budgetSamples: z.number().int().nonnegative(),
    maxChunkRecords: z.number().int().positive(),
    sharerAddress: z.string().min(1),
    sharerToken: z.string().min(16),
    /** The run's reservation key: signs what each ModelHost call may take (shared/grpc/reservation.ts). */
    reservationKey: z.string().min(32),
    receiverToken: z.string().min(16),
    auditLogPath: z.string().min(1),
    /** `broker.defences`, defaults applied (each move's own fields are parsed again by its schema). */
    defences: z.array(z.object({ kind: z.string() }).passthrough()).default(() => []),
    /** An external receiver's seat (docs/external-receiver.md): the broker then serves Evidence.Submit, checked against it. */
    evidenceSeat: z
      .object({
        deadline: z.string().min(1),
        attacks: z.array(
          z.object({
            index: z.number().int().nonnegative(),
            kind: z.string().min(1),
            evidence: z.enum(['membership', 'property']),
            challengeRecords: z.number().int().nonnegative().optional(),
          }),
        ),
      })
      .optional(),
  })
  .passthrough();

export type BrokerRuntimeConfig = z.infer<typeof brokerRuntimeConfigSchema>;

export function parseBrokerRuntimeConfig(raw: unknown): BrokerRuntimeConfig {
  const parsed = brokerRuntimeConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`broker configuration: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}
