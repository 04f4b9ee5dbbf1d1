/**
 * FineTune.Start: registered only under the "fine-tune" grant (docs/shake-to-leak.md). The receiver uploads a spec
 * and its records; the call passes the same chain as every query (authenticate, grant, meter, the broker's moves such
 * as fine-tune-caps, forward, audit), and the sharer fine-tunes a copy of its model, which becomes a version the
 * receiver's later queries may name. Price: 3 units per record per step (a forward and a backward pass, the backward
 * costing about twice the forward), steps × batch_size × 3, charged whole once the sharer has made the version and
 * refunded whole when it fails. The audit line is the version's lineage: the spec, the records' count and hash, the
 * parent, the new version and the hash of its weight change.
 */
import * as grpc from '@grpc/grpc-js';
import type { FineTuneHandlers } from '../../shared/grpc/generated/sharebox/FineTune';
import { readFineTuneUpload, type ReadUpload } from '../../shared/grpc/fineTuneUpload';
import { fineTuneUnits } from '../../shared/grpc/pricing';
import type { FineTuneReply } from '../../shared/grpc/generated/sharebox/FineTuneReply';
import { rpcError } from '../../shared/grpc/errors';
import { runChain, type ChainDeps, type Delivery } from '../chain';
import type { SharerLink } from '../sharerLink';

/** Records one upload may hold, whatever the caps: bounds the broker's memory per call. */
export const MAX_UPLOAD_RECORDS = 200_000;

/** The distinct classes of an upload's records, by the sharer's class names, in class order. */
async function classNamesOf(upload: ReadUpload, sharer: SharerLink, rpc: string): Promise<string[]> {
  const indices = new Set<number>();
  for (const m of upload.messages) for (const c of m.records?.classes ?? []) indices.add(c);
  const { schema } = await sharer.describe();
  const names = schema?.classValues ?? [];
  return [...indices]
    .sort((a, b) => a - b)
    .map((k) => {
      if (!Number.isInteger(k) || k < 0 || k >= names.length) throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: a record of class index ${k}, but the model has ${names.length} classes`);
      return names[k];
    });
}

export function fineTuneHandlers(deps: ChainDeps, sharer: SharerLink): FineTuneHandlers {
  return {
    Start(call, callback) {
      const rpc = 'FineTune.Start';
      const args: Record<string, unknown> = {};
      let upload: ReadUpload | null = null;
      let reply: FineTuneReply | null = null;
      // Read after the caller is authenticated and granted (an unknown caller uploads nothing into the broker).
      const price = async (): Promise<number> => {
        upload = await readFineTuneUpload(call, rpc, MAX_UPLOAD_RECORDS);
        const spec = upload.spec;
        Object.assign(args, {
          method: spec.method,
          steps: spec.steps,
          batchSize: spec.batchSize,
          learningRate: spec.learningRate,
          rank: spec.rank,
          loraAlpha: spec.loraAlpha,
          modules: spec.modules,
          seed: spec.seed,
          records: upload.records,
          recordsSha256: upload.recordsSha256,
          // The classes the records are of, by name: a cap may restrict them, and the lineage records them.
          classes: await classNamesOf(upload, sharer, rpc),
          parentVersion: '',
        });
        for (const [field, value] of [['steps', spec.steps], ['batch_size', spec.batchSize]] as const) {
          if (!Number.isSafeInteger(value) || (value as number) < 1) throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: spec.${field} must be a positive integer (got ${value})`);
        }
        return fineTuneUnits({ steps: spec.steps as number, batchSize: spec.batchSize as number });
      };
      const ctx = { rpc, grant: 'fine-tune' as const, metadata: call.metadata, args, cost: 0 };
      runChain(
        ctx,
        deps,
        async (delivery: Delivery) => {
          const made = await sharer.fineTune(upload!.messages, ctx.cost);
          if (made.recordsSha256 !== upload!.recordsSha256) {
            throw rpcError(grpc.status.INTERNAL, `${rpc}: the sharer hashed the upload as ${made.recordsSha256}, the broker as ${upload!.recordsSha256}`);
          }
          deps.versions.add(made.modelVersion);
          // The lineage goes into this call's audit line.
          Object.assign(args, { modelVersion: made.modelVersion, parentVersion: made.parentVersion, deltaSha256: made.deltaSha256, trainableParameters: made.trainableParameters });
          reply = { ...made, unitsCharged: ctx.cost, budgetSamplesLeft: deps.budget.left };
          // Charged whole once the reply has left (broker/edgeAudit.ts).
          delivery.expect(reply, ctx.cost, Buffer.from(JSON.stringify(made)));
        },
        price,
      ).then(
        () => callback(null, reply!),
        (err) => callback(err),
      );
    },
  };
}
