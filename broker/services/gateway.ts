import type { GatewayHandlers } from '../../shared/grpc/generated/sharebox/Gateway';
import type { DescribeReply } from '../../shared/grpc/generated/sharebox/DescribeReply';
import { runChain, type ChainDeps } from '../chain';
import type { SharerLink } from '../sharerLink';

/** Gateway.Describe: the record schema (with the training data's class shares only under the `class-shares` grant),
 * the grants in force, the budget left, and (gray-/white-box only) the noise schedule. Not metered. */
export function gatewayHandlers(deps: ChainDeps, sharer: SharerLink): GatewayHandlers {
  return {
    Describe(call, callback) {
      let reply: DescribeReply = {};
      runChain({ rpc: 'Gateway.Describe', grant: null, metadata: call.metadata, args: {}, cost: 0 }, deps, async () => {
        const host = await sharer.describe();
        reply = {
          // Class shares are a property of the private data: given only when granted (shared/scenario/lists.ts).
          schema: host.schema && !deps.grants.has('class-shares') ? { ...host.schema, classShares: [] } : host.schema,
          access: [...deps.grants],
          budgetSamplesTotal: deps.budget.total,
          budgetSamplesLeft: deps.budget.left,
          modelKind: host.modelKind,
          // ᾱ_t is what gray-/white-box attacks need to move between x0, x_t and x̂0; black-box gets nothing of the model.
          ...(deps.grants.has('gray-box') || deps.grants.has('white-box') ? { schedule: host.schedule } : {}),
        };
        for (const link of deps.links) if (link.filterDescription) reply = link.filterDescription(reply);
      }).then(
        () => callback(null, reply),
        (err) => callback(err),
      );
    },
  };
}
