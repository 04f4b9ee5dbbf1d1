/**
 * GrayBox (Encode, PredictX0) and WhiteBox (TimestepLoss): registered only under the "gray-box" and "white-box"
 * grants respectively (docs/mia.md). Each call goes through the same chain as BlackBox.Sample and is metered in
 * budget units, one unit = one denoiser evaluation of one record:
 *   GrayBox.Encode             1 unit per record
 *   GrayBox.PredictX0          K units per record for records x0 at K timesteps; 1 unit per model-space state
 *   WhiteBox.TimestepLoss      K × noise draws units per record
 * The whole cost is reserved before forwarding; the reply is cut at exactly the rows paid for, and what is
 * not delivered is refunded.
 */
import * as grpc from '@grpc/grpc-js';
import type { GrayBoxHandlers } from '../../shared/grpc/generated/sharebox/GrayBox';
import type { WhiteBoxHandlers } from '../../shared/grpc/generated/sharebox/WhiteBox';
import type { RecordChunk__Output } from '../../shared/grpc/generated/sharebox/RecordChunk';
import type { TimestepQuery__Output } from '../../shared/grpc/generated/sharebox/TimestepQuery';
import { rpcError } from '../../shared/grpc/errors';
import { failStream, writeWithBackpressure } from '../../shared/grpc/streams';
import { TABLE_ENCODING } from '../../shared/grpc/records';
import { runChain, type ChainDeps, type Delivery } from '../chain';
import type { AccessLevel } from '../grants';
import type { SharerLink } from '../sharerLink';
import { splitChunk } from '../chunks';

export interface TimestepAccessOptions {
  maxChunkRecords: number;
}

/** What one call costs and how many reply rows it pays for. */
interface Metering {
  /** Units reserved; 0 for a malformed request (refused before forwarding). */
  cost: number;
  /** Units per reply row. */
  unitsPerRow: number;
  /** Why the request is malformed, if it is. */
  invalid?: string;
}

function recordCount(records: RecordChunk__Output | null): number {
  return records && Number.isSafeInteger(records.count) && records.count > 0 ? records.count : 0;
}

export function encodeMetering(records: RecordChunk__Output): Metering {
  const n = recordCount(records);
  return n > 0 ? { cost: n, unitsPerRow: 1 } : { cost: 0, unitsPerRow: 1, invalid: 'expected at least one record' };
}

export function predictX0Metering(q: TimestepQuery__Output): Metering {
  const n = recordCount(q.records);
  const K = q.timesteps.length;
  if (n === 0 || K === 0) return { cost: 0, unitsPerRow: 1, invalid: 'expected at least one record and one timestep' };
  // Records x0 are queried at every timestep; model-space states carry their own t.
  return { cost: q.records!.encoding === TABLE_ENCODING ? n * K : n, unitsPerRow: 1 };
}

export function timestepLossMetering(q: TimestepQuery__Output): Metering {
  const n = recordCount(q.records);
  const K = q.timesteps.length;
  const draws = q.noiseDraws || 1;
  if (n === 0 || K === 0 || !(draws >= 1)) return { cost: 0, unitsPerRow: 1, invalid: 'expected at least one record, one timestep and noise_draws ≥ 0' };
  return { cost: n * K * draws, unitsPerRow: K * draws };
}

function queryArgs(q: TimestepQuery__Output): Record<string, unknown> {
  return {
    records: recordCount(q.records),
    encoding: q.records?.encoding ?? null,
    timesteps: q.timesteps,
    noiseSeed: q.noiseSeed,
    noiseDraws: q.noiseDraws || 1,
  };
}

/** Runs one metered call: chain, then the sharer's stream forwarded re-chunked and cut at the rows paid for. */
function meteredForward(
  call: grpc.ServerWritableStream<unknown, RecordChunk__Output>,
  deps: ChainDeps,
  rpc: string,
  grant: AccessLevel,
  args: Record<string, unknown>,
  seed: number | undefined,
  metering: Metering,
  upstream: () => grpc.ClientReadableStream<RecordChunk__Output>,
  opts: TimestepAccessOptions,
): void {
  const ctx = { rpc, grant, metadata: call.metadata, args, cost: metering.cost, seed };
  runChain(ctx, deps, async (delivery: Delivery) => {
    if (metering.invalid) throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: ${metering.invalid}`);
    const paidRows = metering.cost / metering.unitsPerRow;
    const stream = upstream();
    call.on('cancelled', () => stream.cancel());
    let rows = 0;
    for await (const chunk of stream as AsyncIterable<RecordChunk__Output>) {
      for (const piece of splitChunk(chunk, opts.maxChunkRecords)) {
        const room = paidRows - rows;
        if (room <= 0) break;
        const part = piece.count > room ? splitChunk(piece, room)[0] : piece;
        rows += part.count;
        delivery.add(part.count * metering.unitsPerRow, part.data);
        await writeWithBackpressure(call, part);
      }
      if (rows >= paidRows) {
        stream.cancel();
        break;
      }
    }
  }).then(
    () => call.end(),
    (err) => failStream(call, err),
  );
}

export function grayBoxHandlers(deps: ChainDeps, sharer: SharerLink, opts: TimestepAccessOptions): GrayBoxHandlers {
  return {
    Encode(call) {
      const req = call.request;
      const args = { records: recordCount(req), encoding: req.encoding };
      meteredForward(call, deps, 'GrayBox.Encode', 'gray-box', args, undefined, encodeMetering(req), () => sharer.encode(req), opts);
    },
    PredictX0(call) {
      const req = call.request;
      meteredForward(call, deps, 'GrayBox.PredictX0', 'gray-box', queryArgs(req), req.noiseSeed, predictX0Metering(req), () => sharer.predictX0(req), opts);
    },
  };
}

export function whiteBoxHandlers(deps: ChainDeps, sharer: SharerLink, opts: TimestepAccessOptions): WhiteBoxHandlers {
  return {
    TimestepLoss(call) {
      const req = call.request;
      meteredForward(call, deps, 'WhiteBox.TimestepLoss', 'white-box', queryArgs(req), req.noiseSeed, timestepLossMetering(req), () => sharer.timestepLoss(req), opts);
    },
  };
}
