/** BlackBox.Sample: registered only under the "black-box" grant. Metered in samples, streamed in chunks. */
import * as grpc from '@grpc/grpc-js';
import type { BlackBoxHandlers } from '../../shared/grpc/generated/sharebox/BlackBox';
import type { RecordChunk__Output } from '../../shared/grpc/generated/sharebox/RecordChunk';
import { rpcError } from '../../shared/grpc/errors';
import { failStream, writeWithBackpressure } from '../../shared/grpc/streams';
import { deriveSeed } from '../../shared/random';
import { filterOutput, runChain, type ChainDeps, type Delivery } from '../chain';
import type { SharerLink } from '../sharerLink';
import { splitChunk } from '../chunks';

export interface BlackBoxOptions {
  maxChunkRecords: number;
  /** Seeds requests that carry none (seed 0), so that even those are reproducible from the scenario seed. */
  brokerSeed: number;
}

export function blackBoxHandlers(deps: ChainDeps, sharer: SharerLink, opts: BlackBoxOptions): BlackBoxHandlers {
  let callIndex = 0;
  return {
    Sample(call) {
      const req = call.request;
      const rpc = 'BlackBox.Sample';
      const seed = req.seed !== 0 ? req.seed : deriveSeed(opts.brokerSeed, `sample/${callIndex}`);
      callIndex++;
      const ctx = {
        rpc,
        grant: 'black-box' as const,
        metadata: call.metadata,
        args: { count: req.count, seed: req.seed, conditional: req.conditional, classIndex: req.classIndex, ...(req.modelVersion ? { modelVersion: req.modelVersion } : {}) },
        cost: Number.isSafeInteger(req.count) && req.count > 0 ? req.count : 0,
        seed,
        modelVersion: req.modelVersion,
      };
      runChain(ctx, deps, async (delivery) => {
        if (!Number.isSafeInteger(req.count) || req.count <= 0) {
          throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: count must be a positive integer (got ${req.count})`);
        }
        // The broker's output filters see each chunk before the receiver does.
        const filter = (chunk: RecordChunk__Output) => filterOutput(ctx, deps, 'samples', chunk);
        await forwardSamples(call, sharer, { ...req, seed }, ctx.cost, opts.maxChunkRecords, delivery, () => deps.budget.left, filter);
      }).then(
        () => call.end(),
        (err) => failStream(call, err),
      );
    },
  };
}

/**
 * Streams the sharer's chunks to the receiver, re-chunked to the broker's bound and cut at exactly `count`
 * records: a sharer that sends more than asked can never push the receiver past its budget. `count` is also what the
 * chain reserved, and the sharer's reservation for this call (it serves no more).
 */
async function forwardSamples(
  call: grpc.ServerWritableStream<unknown, { records: RecordChunk__Output; budgetSamplesLeft: number }>,
  sharer: SharerLink,
  request: { count: number; seed: number; conditional: boolean; classIndex: number; modelVersion: string },
  count: number,
  maxChunkRecords: number,
  delivery: Delivery,
  /** Budget left once this call completes (its whole request is already reserved). */
  budgetLeft: () => number,
  /** The broker's output filters (identity without any). */
  filter: (chunk: RecordChunk__Output) => RecordChunk__Output,
): Promise<void> {
  const upstream = sharer.sample(request, count);
  call.on('cancelled', () => upstream.cancel());
  let sent = 0;
  for await (const chunk of upstream as AsyncIterable<RecordChunk__Output>) {
    for (const piece of splitChunk(chunk, maxChunkRecords)) {
      const room = count - sent;
      if (room <= 0) break;
      const part = filter(piece.count > room ? splitChunk(piece, room)[0] : piece);
      const message = { records: part, budgetSamplesLeft: budgetLeft() };
      delivery.expect(message, part.count, part.data);
      sent += part.count;
      await writeWithBackpressure(call, message);
    }
    if (sent >= count) {
      upstream.cancel();
      break;
    }
  }
}
