/**
 * A floor on timesteps (issue 16, docs/privacy.md "Broker defences"): the platform refuses every gray- or white-box
 * question about the model at t < minTimestep. Membership signal concentrates at small t, where x_t is nearly x₀ and a
 * memorised record's x̂₀ or loss is nearly exact (Carlini et al. 2023 §5; Zhu et al. 2023's loss curves; docs/mia.md):
 * the floor removes the easiest part of the grid. The attacker who knows it (receiver moves' `timesteps.min`) asks
 * only at t ≥ minTimestep.
 *
 * Refused (PERMISSION_DENIED, one line naming the RPC, the floor and the offending t), refunded and audited by the
 * chain like any refusal:
 *   GrayBox.PredictX0      any of `timesteps` below the floor (one t for all states, one per state, or the grid)
 *   WhiteBox.TimestepLoss  any of `timesteps` below the floor
 *   GrayBox.Trajectory     states (and x̂₀) asked at a timestep below the floor; its final records are black-box
 *                          outputs and stay allowed
 * A move whose call is refused fails, and with it the receiver and the run (exit 2, the broker's line in the
 * message), as for any refusal (docs/moves.md).
 */
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { rpcError } from '../../../shared/grpc/errors';
import type { MoveIssue } from '../../../shared/moves/move';
import type { Scenario } from '../../../shared/scenario/schema';
import type { BrokerMove } from '../context';

/** The RPCs whose request names timesteps (`args.timesteps` in the chain's call context). */
const FLOORED_RPCS = ['GrayBox.PredictX0', 'WhiteBox.TimestepLoss', 'GrayBox.Trajectory'] as const;

const configSchema = z.strictObject({
  /** The smallest t the platform answers at. */
  minTimestep: z.number().int().min(1),
});
export type TimestepFloorConfig = z.output<typeof configSchema>;

export const timestepFloor: BrokerMove<TimestepFloorConfig> = {
  id: 'timestep-floor',
  party: 'broker',
  describe: 'Refuses every PredictX0, TimestepLoss and Trajectory call that asks about the model at a timestep below minTimestep',
  paper: 'membership signal concentrates at small t (Carlini et al. 2023 §5, Zhu et al. 2023)',
  requires: { access: [] },
  configSchema,
  cost: () => 0,
  check(config, scenario: Scenario): MoveIssue[] {
    const issues: MoveIssue[] = [];
    if (!scenario.broker.access.includes('gray-box') && !scenario.broker.access.includes('white-box')) {
      issues.push({ path: ['kind'], message: 'floors gray- and white-box queries, but broker.access grants neither' });
    }
    const model = scenario.sharer.model as { timesteps?: number };
    if (model.timesteps !== undefined && config.minTimestep > model.timesteps - 1) {
      issues.push({ path: ['minTimestep'], message: `expected at most T − 1 = ${model.timesteps - 1} (sharer.model.timesteps is ${model.timesteps}); got ${config.minTimestep}` });
    }
    return issues;
  },
  async run(config) {
    const byRpc: Record<string, { checked: number; refused: number }> = {};
    let checked = 0;
    let refused = 0;
    return {
      name: this.id,
      check(call) {
        if (!(FLOORED_RPCS as readonly string[]).includes(call.rpc)) return;
        const counts = (byRpc[call.rpc] ??= { checked: 0, refused: 0 });
        checked++;
        counts.checked++;
        const timesteps = (call.args.timesteps ?? []) as number[];
        let lowest = Infinity;
        for (const t of timesteps) if (t < lowest) lowest = t;
        if (lowest < config.minTimestep) {
          refused++;
          counts.refused++;
          throw rpcError(
            grpc.status.PERMISSION_DENIED,
            `${call.rpc}: the platform answers only at t ≥ ${config.minTimestep} (timestep floor); this call asks at t = ${lowest}`,
          );
        }
      },
      report: () => ({ checked, refused, byRpc }),
    };
  },
  score: (evidence, config, _truth, label) => ({
    report: { moves: { [label]: { minTimestep: config.minTimestep, callsChecked: evidence.checked, refused: evidence.refused, byRpc: evidence.byRpc } } },
  }),
};
