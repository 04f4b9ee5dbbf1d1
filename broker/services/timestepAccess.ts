/**
 * GrayBox (Encode, PredictX0, Trajectory) and WhiteBox (TimestepLoss): registered only under the "gray-box" and
 * "white-box" grants respectively (docs/mia.md). Each call goes through the same chain as BlackBox.Sample and is
 * metered in budget units, one unit = one denoiser evaluation of one record:
 *   GrayBox.Encode             1 unit per record
 *   GrayBox.PredictX0          K units per record for records x0 at K timesteps; 1 unit per model-space state
 *   GrayBox.Trajectory         S units per record, S = the sampler's steps (the whole chain is evaluated whatever
 *                              timesteps are returned); priced from the sharer's schedule before reserving
 *   WhiteBox.TimestepLoss      K × noise draws units per record
 * The whole cost is reserved before forwarding; the reply is cut at exactly the rows paid for, and what is
 * not delivered is refunded. Every chunk of every answer passes the broker's output filters (`filterOutput`, the
 * links' `filterChunk`: output noise) before the receiver sees it and the audit hashes it.
 */
import * as grpc from '@grpc/grpc-js';
import type { GrayBoxHandlers } from '../../shared/grpc/generated/sharebox/GrayBox';
import type { WhiteBoxHandlers } from '../../shared/grpc/generated/sharebox/WhiteBox';
import type { RecordChunk__Output } from '../../shared/grpc/generated/sharebox/RecordChunk';
import type { TimestepQuery__Output } from '../../shared/grpc/generated/sharebox/TimestepQuery';
import type { TrajectoryRequest__Output } from '../../shared/grpc/generated/sharebox/TrajectoryRequest';
import type { TrajectoryChunk, TrajectoryChunk__Output } from '../../shared/grpc/generated/sharebox/TrajectoryChunk';
import { deriveSeed } from '../../shared/random';
import { rpcError } from '../../shared/grpc/errors';
import { failStream, writeWithBackpressure } from '../../shared/grpc/streams';
import { encodeUnits, predictX0Units, timestepLossUnits, trajectoryUnits } from '../../shared/grpc/pricing';
import { filterOutput, runChain, type ChainDeps, type Delivery, type OutputPart } from '../chain';
import type { AccessLevel } from '../grants';
import type { SharerLink } from '../sharerLink';
import { splitChunk } from '../chunks';

export interface TimestepAccessOptions {
  maxChunkRecords: number;
}

export interface GrayBoxOptions extends TimestepAccessOptions {
  /** Seeds Trajectory requests that carry none (seed 0), as BlackBox.Sample does. */
  brokerSeed: number;
}

/** Bytes of one trajectory chunk to the receiver at most (messages are bounded at 16 MiB). */
const TRAJECTORY_CHUNK_BYTES = 4 << 20;

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
  const cost = encodeUnits(records);
  return cost > 0 ? { cost, unitsPerRow: 1 } : { cost: 0, unitsPerRow: 1, invalid: 'expected at least one record' };
}

export function predictX0Metering(q: TimestepQuery__Output): Metering {
  const n = recordCount(q.records);
  const K = q.timesteps.length;
  if (n === 0 || K === 0) return { cost: 0, unitsPerRow: 1, invalid: 'expected at least one record and one timestep' };
  // Records x0 come in the encoding of the model's schema, which the sharer checks: a malformed encoding is refused
  // by the sharer and refunded.
  return { cost: predictX0Units(q), unitsPerRow: 1 };
}

export function timestepLossMetering(q: TimestepQuery__Output): Metering {
  const n = recordCount(q.records);
  const K = q.timesteps.length;
  const draws = q.noiseDraws || 1;
  if (n === 0 || K === 0 || !(draws >= 1)) return { cost: 0, unitsPerRow: 1, invalid: 'expected at least one record, one timestep and noise_draws ≥ 0' };
  return { cost: timestepLossUnits(q), unitsPerRow: K * draws };
}

function queryArgs(q: TimestepQuery__Output): Record<string, unknown> {
  return {
    records: recordCount(q.records),
    encoding: q.records?.encoding ?? null,
    timesteps: q.timesteps,
    noiseSeed: q.noiseSeed,
    noiseDraws: q.noiseDraws || 1,
    ...(q.modelVersion ? { modelVersion: q.modelVersion } : {}),
  };
}

/**
 * Runs one metered call: chain, then the sharer's stream forwarded re-chunked, cut at the rows paid for, and each
 * chunk filtered as the answer's `part` by the broker's links.
 */
function meteredForward(
  call: grpc.ServerWritableStream<unknown, RecordChunk__Output>,
  deps: ChainDeps,
  rpc: string,
  part: OutputPart,
  grant: AccessLevel,
  args: Record<string, unknown>,
  seed: number | undefined,
  metering: Metering,
  /** The sharer's stream, given the units reserved for it (the sharer serves no more). */
  upstream: (units: number) => grpc.ClientReadableStream<RecordChunk__Output>,
  opts: TimestepAccessOptions,
): void {
  const modelVersion = typeof args.modelVersion === 'string' ? args.modelVersion : undefined;
  const ctx = { rpc, grant, metadata: call.metadata, args, cost: metering.cost, seed, modelVersion };
  runChain(ctx, deps, async (delivery: Delivery) => {
    if (metering.invalid) throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: ${metering.invalid}`);
    const paidRows = metering.cost / metering.unitsPerRow;
    const stream = upstream(metering.cost);
    call.on('cancelled', () => stream.cancel());
    let rows = 0;
    for await (const chunk of stream as AsyncIterable<RecordChunk__Output>) {
      for (const piece of splitChunk(chunk, opts.maxChunkRecords)) {
        const room = paidRows - rows;
        if (room <= 0) break;
        const out = filterOutput(ctx, deps, part, piece.count > room ? splitChunk(piece, room)[0] : piece);
        rows += out.count;
        delivery.expect(out, out.count * metering.unitsPerRow, out.data);
        await writeWithBackpressure(call, out);
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

export function grayBoxHandlers(deps: ChainDeps, sharer: SharerLink, opts: GrayBoxOptions): GrayBoxHandlers {
  let trajectoryCalls = 0;
  return {
    Trajectory(call) {
      const req = call.request;
      const sample = req.sample;
      const seed = sample && sample.seed !== 0 ? sample.seed : deriveSeed(opts.brokerSeed, `trajectory/${trajectoryCalls}`);
      trajectoryCalls++;
      trajectory(call, deps, sharer, req, seed, opts);
    },
    Encode(call) {
      const req = call.request;
      const args = { records: recordCount(req), encoding: req.encoding };
      meteredForward(call, deps, 'GrayBox.Encode', 'encoded', 'gray-box', args, undefined, encodeMetering(req), (units) => sharer.encode(req, units), opts);
    },
    PredictX0(call) {
      const req = call.request;
      meteredForward(call, deps, 'GrayBox.PredictX0', 'predictedX0', 'gray-box', queryArgs(req), req.noiseSeed, predictX0Metering(req), (units) => sharer.predictX0(req, units), opts);
    },
  };
}

export function whiteBoxHandlers(deps: ChainDeps, sharer: SharerLink, opts: TimestepAccessOptions): WhiteBoxHandlers {
  return {
    TimestepLoss(call) {
      const req = call.request;
      meteredForward(call, deps, 'WhiteBox.TimestepLoss', 'losses', 'white-box', queryArgs(req), req.noiseSeed, timestepLossMetering(req), (units) => sharer.timestepLoss(req, units), opts);
    },
  };
}

/**
 * GrayBox.Trajectory: priced at count × S from the sharer's schedule once the caller is authenticated and granted
 * (a request off the schedule is refused there, before anything is reserved), then forwarded re-chunked and cut at
 * `count` records like Sample.
 */
function trajectory(
  call: grpc.ServerWritableStream<TrajectoryRequest__Output, TrajectoryChunk>,
  deps: ChainDeps,
  sharer: SharerLink,
  req: TrajectoryRequest__Output,
  seed: number,
  opts: TimestepAccessOptions,
): void {
  const rpc = 'GrayBox.Trajectory';
  const invalid = (msg: string) => rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: ${msg}`);
  const count = req.sample?.count ?? 0;
  let steps = 0;
  const args: Record<string, unknown> = {
    count,
    seed: req.sample?.seed ?? 0,
    conditional: req.sample?.conditional ?? false,
    classIndex: req.sample?.classIndex ?? 0,
    timesteps: req.timesteps,
    includePredictedX0: req.includePredictedX0,
    ...(req.sample?.modelVersion ? { modelVersion: req.sample.modelVersion } : {}),
  };
  const price = async (): Promise<number> => {
    if (!Number.isSafeInteger(count) || count <= 0) throw invalid(`sample.count must be a positive integer (got ${count})`);
    if (req.timesteps.length === 0) throw invalid('timesteps: expected at least one');
    const host = await sharer.describe();
    const schedule = host.schedule;
    if (!schedule) {
      throw rpcError(grpc.status.FAILED_PRECONDITION, `${rpc}: the sharer's model is a ${host.modelKind}, which has no diffusion timesteps`);
    }
    const onSchedule = new Set(schedule.samplerTimesteps);
    const off = req.timesteps.find((t) => !onSchedule.has(t));
    if (off !== undefined) {
      throw invalid(`timesteps: ${off} is not on the sampler's schedule (${onSchedule.size} steps of T = ${schedule.timesteps}; Describe lists them as schedule.sampler_timesteps)`);
    }
    if (new Set(req.timesteps).size !== req.timesteps.length) throw invalid('timesteps: each timestep at most once');
    steps = onSchedule.size;
    args.steps = steps;
    return trajectoryUnits(req, steps);
  };
  const ctx = { rpc, grant: 'gray-box' as const, metadata: call.metadata, args, cost: 0, seed, modelVersion: req.sample?.modelVersion };
  runChain(
    ctx,
    deps,
    async (delivery: Delivery) => {
      const upstream = sharer.trajectory({ ...req, sample: { ...req.sample!, seed } }, ctx.cost);
      call.on('cancelled', () => upstream.cancel());
      let records = 0;
      for await (const chunk of upstream as AsyncIterable<TrajectoryChunk__Output>) {
        for (const piece of splitTrajectoryChunk(chunk, opts.maxChunkRecords)) {
          const room = count - records;
          if (room <= 0) break;
          const cut = piece.samples!.count > room ? splitTrajectoryChunk(piece, room)[0] : piece;
          // Each part through the output filters: the final records as Sample's, the states and x̂₀ as gray-box answers.
          const part = {
            samples: filterOutput(ctx, deps, 'samples', cut.samples!),
            states: filterOutput(ctx, deps, 'states', cut.states!),
            predictedX0: cut.predictedX0 ? filterOutput(ctx, deps, 'predictedX0', cut.predictedX0) : null,
          };
          const n = part.samples.count;
          records += n;
          const message = { ...part, budgetSamplesLeft: deps.budget.left };
          delivery.expect(message, n * steps, ...[part.samples.data, part.states.data, ...(part.predictedX0 ? [part.predictedX0.data] : [])]);
          await writeWithBackpressure(call, message);
        }
        if (records >= count) {
          upstream.cancel();
          break;
        }
      }
    },
    price,
  ).then(
    () => call.end(),
    (err) => failStream(call, err),
  );
}

/** Splits a trajectory chunk into pieces of at most `maxRecords` records (and TRAJECTORY_CHUNK_BYTES), part by part. */
function splitTrajectoryChunk(chunk: TrajectoryChunk__Output, maxRecords: number): TrajectoryChunk__Output[] {
  const { samples, states, predictedX0 } = chunk;
  if (!samples || !states || states.count !== samples.count || (predictedX0 && predictedX0.count !== samples.count)) {
    throw new Error('TrajectoryChunk: the sharer sent parts with different record counts');
  }
  const bytesPerRecord = (samples.data.length + states.data.length + (predictedX0?.data.length ?? 0)) / Math.max(1, samples.count);
  const bound = Math.max(1, Math.min(maxRecords, Math.floor(TRAJECTORY_CHUNK_BYTES / Math.max(1, bytesPerRecord))));
  const s = splitChunk(samples, bound);
  const x = splitChunk(states, bound);
  const p = predictedX0 ? splitChunk(predictedX0, bound) : null;
  return s.map((piece, i) => ({ samples: piece, states: x[i], predictedX0: p ? p[i] : null, budgetSamplesLeft: 0 }));
}
