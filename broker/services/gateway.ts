import type { GatewayHandlers } from '../../shared/grpc/generated/sharebox/Gateway';
import type { DescribeReply } from '../../shared/grpc/generated/sharebox/DescribeReply';
import { runChain, type ChainDeps } from '../chain';
import type { SharerLink } from '../sharerLink';

/** Gateway.Describe: the record schema, the grants in force and the budget left. Not metered. */
export function gatewayHandlers(deps: ChainDeps, sharer: SharerLink): GatewayHandlers {
  return {
    Describe(call, callback) {
      let reply: DescribeReply = {};
      runChain({ rpc: 'Gateway.Describe', grant: null, metadata: call.metadata, args: {}, cost: 0 }, deps, async () => {
        const host = await sharer.describe();
        reply = {
          schema: host.schema,
          access: [...deps.grants],
          budgetSamplesTotal: deps.budget.total,
          budgetSamplesLeft: deps.budget.left,
          modelKind: host.modelKind,
        };
      }).then(
        () => callback(null, reply),
        (err) => callback(err),
      );
    },
  };
}
