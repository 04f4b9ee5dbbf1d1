/**
 * Hiding the training data's class shares (issue 19, docs/privacy.md "Broker defences"): by default `Gateway.Describe`
 * reports the exact share of each class in the sharer's training data, which the receiver uses to draw its synthetic
 * set in the model's proportions — and which is itself a property of the private data (Luo et al.'s property inference
 * estimates such shares; here they would be given away). With this move Describe reports no shares: a receiver that
 * wants the model's proportions asks for an unconditional draw, and the sharer picks each record's class from its
 * shares at random, so the receiver sees the shares only through a sample (±1/√n), as any generative model gives them.
 */
import { z } from 'zod';
import type { BrokerMove } from '../context';

const configSchema = z.strictObject({});
export type HideClassSharesConfig = z.output<typeof configSchema>;

export const hideClassShares: BrokerMove<HideClassSharesConfig> = {
  id: 'hide-class-shares',
  party: 'broker',
  describe: "Gateway.Describe reports no class shares of the training data; the receiver's draws in the model's proportions become unconditional samples",
  paper: 'class shares are a property of the private data (Luo et al. 2024, property inference)',
  requires: { access: [] },
  configSchema,
  cost: () => 0,
  check: () => [],
  async run() {
    let described = 0;
    return {
      name: this.id,
      filterDescription(reply) {
        described++;
        return reply.schema ? { ...reply, schema: { ...reply.schema, classShares: [] } } : reply;
      },
      report: () => ({ describesFiltered: described }),
    };
  },
  score: (evidence, _config, _truth, label) => ({ report: { moves: { [label]: { describesFiltered: evidence.describesFiltered } } } }),
};
