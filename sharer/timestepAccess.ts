/**
 * The sharer's half of gray-box and white-box access (docs/mia.md): ModelHost.Encode, PredictX0, Trajectory and
 * TimestepLoss, called by the broker only (by its token) and only when the scenario grants gray-box or white-box
 * (the broker registers its receiver-facing services under those grants alone). They need a model with timesteps;
 * any other model kind (a VAE, a GAN) answers FAILED_PRECONDITION naming its kind, and so would Trajectory for a
 * model that does not keep its sampler's states (both diffusion models do). Records x₀ come in the encoding of the
 * model's shared schema (table rows, or image rows for an image model: `recordEncoding`).
 */
import * as grpc from '@grpc/grpc-js';
import type * as protoTypes from '../shared/grpc/generated/sharebox/ModelHost';
import type { RecordChunk__Output } from '../shared/grpc/generated/sharebox/RecordChunk';
import type { TimestepQuery__Output } from '../shared/grpc/generated/sharebox/TimestepQuery';
import type { DiffusionSchedule } from '../shared/grpc/generated/sharebox/DiffusionSchedule';
import type { BrokerGate } from './brokerGate';
import { encodeUnits, predictX0Units, timestepLossUnits, trajectoryUnits } from '../shared/grpc/pricing';
import { isRpcError, rpcError, toRpcError } from '../shared/grpc/errors';
import { failStream, writeWithBackpressure } from '../shared/grpc/streams';
import { LOSSES_ENCODING, MODEL_ENCODING, matrixChunk, matrixFromChunk, recordEncoding, rowsFromChunk } from '../shared/grpc/records';
import type { Table, TableSchema } from '../shared/data/table';
import type { TrajectoryRequest__Output } from '../shared/grpc/generated/sharebox/TrajectoryRequest';
import type { TrajectoryChunk } from '../shared/grpc/generated/sharebox/TrajectoryChunk';
import type { ClassInfo } from '../shared/grpc/records';
import { stepsChunk, tableChunk } from '../shared/grpc/records';
import type { DiffusionScheduleInfo, TrajectoryRecords } from './tabularModel';
import { forEachGenerationBatch } from './generationBatches';
import { modelAt, type ModelVersions } from './modelVersions';
import type { ReleaseGate } from './releaseGuard';

/** What a model must offer to be queried at timesteps (TabularModel and ImageModel do). */
export interface TimestepModel {
  readonly schema: TableSchema;
  readonly diffusionSchedule: DiffusionScheduleInfo;
  encodeRecords(table: Table): { x: Float32Array; classes: Int32Array };
  predictX0(xt: Float32Array, t: Int32Array, classes: Int32Array): Float32Array;
  predictX0AtTimesteps(table: Table, timesteps: number[], noiseSeed: number): Float32Array;
  timestepLoss(table: Table, timesteps: number[], noiseSeed: number, draws: number): Float32Array;
  readonly classes: ClassInfo;
  /**
   * Model-space rows (one class each) decoded into records of the shared schema, as `sample` decodes its draws: what
   * a release guard checks x̂₀ against. Absent for a model whose x̂₀ cannot be guarded yet (the image model).
   */
  decodeRecords?(x: Float32Array, classes: Int32Array): Table;
  /** Records per generation batch when not GENERATION_BATCH: Trajectory batches as Sample does, so the records agree. */
  readonly generationBatch?: number;
  /** GrayBox.Trajectory; absent for a model that does not serve it (FAILED_PRECONDITION naming the model's kind). */
  sampleTrajectory?(
    n: number,
    classIndex: number | null,
    seed: number,
    rngForClasses: () => number,
    trajectory: { timesteps: number[]; predictedX0: boolean },
  ): Promise<TrajectoryRecords>;
}

export function hasTimesteps(model: unknown): model is TimestepModel {
  return typeof model === 'object' && model !== null && 'diffusionSchedule' in model && typeof (model as TimestepModel).timestepLoss === 'function';
}

/** The schedule for Describe, or undefined for a model without one. */
export function scheduleOf(model: unknown): DiffusionSchedule | undefined {
  if (!hasTimesteps(model)) return undefined;
  const s = model.diffusionSchedule;
  return { timesteps: s.timesteps, kind: s.kind, alphaBars: s.alphaBars, modelWidth: s.modelWidth, samplerTimesteps: s.samplerTimesteps };
}

/** Upper bound on output rows of one call (records × timesteps): bounds the sharer's memory per request. */
export const MAX_QUERY_ROWS = 250_000;
/**
 * Upper bound on the values of one call's states (rows × model width, float32): 128 MiB. Binds only for wide
 * records: an MNIST image is 784 values, so at most 42,799 rows; a tabular record of < 134 values never reaches it.
 */
export const MAX_QUERY_VALUES = 1 << 25;
/** Noise draws per (record, t) of one TimestepLoss call. */
export const MAX_NOISE_DRAWS = 64;
/** Rows per streamed chunk back to the broker, at most (and at most REPLY_BYTES: messages are bounded at 16 MiB). */
const REPLY_ROWS = 4096;
const REPLY_BYTES = 4 << 20;
/** Bytes of trajectory states per streamed chunk (a record carries K states; messages are bounded at 16 MiB). */
const TRAJECTORY_CHUNK_BYTES = 4 << 20;

export interface TimestepAccessState {
  model: unknown;
  modelKind: string;
  /** Fine-tuned versions by name (sharer/modelVersions.ts); queries name one with model_version. */
  versions?: ModelVersions<{ dispose(): void }>;
  /** Withholds the x̂₀ rows and trajectories a defence refuses to release (sharer/releaseGuard.ts). */
  release?: ReleaseGate;
}

type Handlers = Pick<protoTypes.ModelHostHandlers, 'Encode' | 'PredictX0' | 'TimestepLoss' | 'Trajectory'>;

/** `serialise` runs model work one call at a time (tfjs work from two requests must not interleave). */
export function timestepAccessHandlers(
  state: TimestepAccessState,
  gate: BrokerGate,
  serialise: <T>(fn: () => Promise<T>) => Promise<T>,
): Handlers {
  /** The model, or the reason it cannot answer a timestep query. */
  const timestepModel = (rpc: string, version: string | undefined): TimestepModel => {
    const model: unknown = modelAt(state as { model: { dispose(): void } | null; versions?: ModelVersions<{ dispose(): void }> }, version, rpc);
    if (!hasTimesteps(model)) {
      throw rpcError(
        grpc.status.FAILED_PRECONDITION,
        `${rpc}: the sharer's model is a ${state.modelKind}, which has no diffusion timesteps; gray-box and white-box queries need a diffusion model`,
      );
    }
    return model;
  };

  /** How a guard reads x̂₀ rows as records; only asked for when a guard is active. */
  const decoderOf = (rpc: string, model: TimestepModel) => {
    const decode = model.decodeRecords?.bind(model);
    if (!decode) throw rpcError(grpc.status.FAILED_PRECONDITION, `${rpc}: a release guard is set but a ${state.modelKind} cannot decode x̂0 into records`);
    return decode;
  };

  const serve = <Req>(
    rpc: string,
    call: grpc.ServerWritableStream<Req, unknown>,
    work: (model: TimestepModel, req: Req) => { values: Float32Array; width: number; encoding: string; classes?: ArrayLike<number> },
    /** What the request costs (shared/grpc/pricing.ts): served only within the broker's reservation for it. */
    unitsOf: (req: Req) => number,
    /** The model version the request names (Encode names none: every version encodes records alike). */
    versionOf: (req: Req) => string | undefined = () => undefined,
  ) => {
    const run = async () => {
      gate.authenticate(call.metadata, rpc);
      const model = timestepModel(rpc, versionOf(call.request));
      gate.admit(call.metadata, rpc, unitsOf(call.request));
      const out = await serialise(async () => {
        try {
          return work(model, call.request);
        } catch (err) {
          // Everything `work` throws is about the request (a bad timestep, a record that does not fit the schema).
          throw isRpcError(err) ? err : rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: ${(err as Error).message}`);
        }
      });
      const rows = out.values.length / out.width;
      const perChunk = Math.max(1, Math.min(REPLY_ROWS, Math.floor(REPLY_BYTES / (4 * out.width))));
      for (let start = 0; start < rows && !call.cancelled; start += perChunk) {
        const end = Math.min(rows, start + perChunk);
        const classes = out.classes ? Array.from(out.classes).slice(start, end) : [];
        await writeWithBackpressure(call as grpc.ServerWritableStream<Req, unknown>, matrixChunk(out.encoding, out.values.subarray(start * out.width, end * out.width), out.width, classes));
      }
    };
    run().then(
      () => call.end(),
      (err) => failStream(call, toRpcError(err, rpc)),
    );
  };

  /** x̂₀ rows a release guard refuses become rows of NaN (docs/privacy.md): the receiver sees which were withheld. */
  const guardX0 = (model: TimestepModel, x0: Float32Array, width: number, classes: ArrayLike<number>): Float32Array =>
    state.release?.active ? state.release.withholdPredictedX0(x0, width, classes, decoderOf('ModelHost.PredictX0', model)) : x0;

  return {
    Encode(call) {
      serve('ModelHost.Encode', call, (model, chunk) => {
        const table = recordsOf(chunk, model.schema);
        const { x, classes } = model.encodeRecords(table);
        return { values: x, width: model.diffusionSchedule.modelWidth, encoding: MODEL_ENCODING, classes };
      }, encodeUnits);
    },
    PredictX0(call) {
      serve('ModelHost.PredictX0', call, (model, req) => {
        const { timesteps, records } = checkQuery(model, req);
        const width = model.diffusionSchedule.modelWidth;
        if (records.encoding === recordEncoding(model.schema)) {
          const table = recordsOf(records, model.schema);
          checkRows(table.rows.length * timesteps.length, width);
          const x0 = model.predictX0AtTimesteps(table, timesteps, req.noiseSeed);
          const { classes } = model.encodeRecords(table);
          const rowClasses = Array.from(classes).flatMap((c) => timesteps.map(() => c));
          return { values: guardX0(model, x0, width, rowClasses), width, encoding: MODEL_ENCODING, classes: rowClasses };
        }
        const { values, classes } = matrixFromChunk(records, MODEL_ENCODING, width);
        const n = values.length / width;
        checkRows(n, width);
        if (classes.length !== n) throw new Error(`records: ${classes.length} classes for ${n} model-space states`);
        if (timesteps.length !== 1 && timesteps.length !== n) {
          throw new Error(`timesteps: expected one t for all ${n} states or one per state (got ${timesteps.length})`);
        }
        const t = Int32Array.from({ length: n }, (_, i) => timesteps[timesteps.length === 1 ? 0 : i]);
        return { values: guardX0(model, model.predictX0(values, t, Int32Array.from(classes)), width, classes), width, encoding: MODEL_ENCODING, classes };
      }, predictX0Units, (req) => req.modelVersion);
    },
    Trajectory(call) {
      // The same batches, seeds and class draws as ModelHost.Sample, so the final records equal Sample's.
      const rpc = 'ModelHost.Trajectory';
      const run = async () => {
        gate.authenticate(call.metadata, rpc);
        const model = timestepModel(rpc, call.request.sample?.modelVersion);
        const sampleTrajectory = model.sampleTrajectory?.bind(model);
        if (!sampleTrajectory) {
          throw rpcError(grpc.status.FAILED_PRECONDITION, `${rpc}: Trajectory is not implemented for ${state.modelKind} (Encode, PredictX0 and TimestepLoss are)`);
        }
        const { count, seed, classIndex, timesteps, predictedX0 } = checkTrajectory(model, call.request);
        gate.admit(call.metadata, rpc, trajectoryUnits(call.request, model.diffusionSchedule.samplerTimesteps.length));
        const width = model.diffusionSchedule.modelWidth;
        const K = timesteps.length;
        const recordsPerChunk = Math.max(1, Math.floor(TRAJECTORY_CHUNK_BYTES / (K * width * 4 * (predictedX0 ? 2 : 1))));
        // One batch's states are n × K × width floats (× 2 with x̂₀), n ≤ the model's generation batch (256 images).
        await forEachGenerationBatch(count, seed, () => call.cancelled, async (n, batchSeed, rngForClasses) => {
          const out = await serialise(async () => {
            try {
              const drawn = await sampleTrajectory(n, classIndex, batchSeed, rngForClasses, { timesteps, predictedX0 });
              // A refused final record withholds its whole trajectory; a refused x̂0 row alone (sharer/releaseGuard.ts).
              return state.release?.active ? state.release.withholdTrajectory(drawn, K, width, decoderOf(rpc, model)) : drawn;
            } catch (err) {
              throw isRpcError(err) ? err : rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: ${(err as Error).message}`);
            }
          });
          const { table, classes } = out.records;
          for (let start = 0; start < n && !call.cancelled; start += recordsPerChunk) {
            const end = Math.min(n, start + recordsPerChunk);
            const chunk: TrajectoryChunk = {
              samples: tableChunk(table, classes, start, end),
              states: stepsChunk(out.states, K, width, classes, start, end),
              predictedX0: out.predictedX0 ? stepsChunk(out.predictedX0, K, width, classes, start, end) : null,
            };
            await writeWithBackpressure(call, chunk);
          }
        }, model.generationBatch);
      };
      run().then(
        () => call.end(),
        (err) => failStream(call, toRpcError(err, rpc)),
      );
    },
    TimestepLoss(call) {
      serve('ModelHost.TimestepLoss', call, (model, req) => {
        const { timesteps, records } = checkQuery(model, req);
        const expected = recordEncoding(model.schema);
        if (records.encoding !== expected) throw new Error(`records: TimestepLoss takes records x0 as "${expected}" (got "${records.encoding}")`);
        const draws = req.noiseDraws || 1;
        if (!Number.isInteger(draws) || draws < 1 || draws > MAX_NOISE_DRAWS) throw new Error(`noise_draws: expected 1 … ${MAX_NOISE_DRAWS} (got ${req.noiseDraws})`);
        const table = recordsOf(records, model.schema);
        checkRows(table.rows.length * timesteps.length, model.diffusionSchedule.modelWidth);
        return { values: model.timestepLoss(table, timesteps, req.noiseSeed, draws), width: timesteps.length, encoding: LOSSES_ENCODING };
      }, timestepLossUnits, (req) => req.modelVersion);
    },
  };
}

function recordsOf(chunk: RecordChunk__Output | null, schema: TableSchema): Table {
  if (!chunk || chunk.count === 0) throw new Error('records: expected at least one record');
  return { schema, rows: rowsFromChunk(chunk, schema) };
}

function checkQuery(model: TimestepModel, req: TimestepQuery__Output): { timesteps: number[]; records: RecordChunk__Output } {
  if (!req.records || req.records.count <= 0) throw new Error('records: expected at least one record');
  const T = model.diffusionSchedule.timesteps;
  if (req.timesteps.length === 0) throw new Error('timesteps: expected at least one');
  const bad = req.timesteps.find((t) => !Number.isInteger(t) || t < 0 || t >= T);
  if (bad !== undefined) throw new Error(`timesteps: ${bad} is outside the model's schedule 0 … ${T - 1}`);
  return { timesteps: [...req.timesteps], records: req.records };
}

/** Bounds one call's model-space rows (records × timesteps, or states) of `width` values each. */
function checkRows(rows: number, width: number): void {
  const most = Math.min(MAX_QUERY_ROWS, Math.floor(MAX_QUERY_VALUES / Math.max(1, width)));
  if (rows > most) throw new Error(`${rows} rows (records × timesteps) in one call; at most ${most} of width ${width}: split the query`);
}

/** A trajectory request checked against the model: the field at fault is named in the message. */
function checkTrajectory(
  model: TimestepModel,
  req: TrajectoryRequest__Output,
): { count: number; seed: number; classIndex: number | null; timesteps: number[]; predictedX0: boolean } {
  const invalid = (msg: string) => rpcError(grpc.status.INVALID_ARGUMENT, `ModelHost.Trajectory: ${msg}`);
  const sample = req.sample;
  if (!sample || !Number.isSafeInteger(sample.count) || sample.count <= 0) {
    throw invalid(`sample.count must be a positive integer (got ${sample?.count})`);
  }
  const classCount = model.classes.values.length;
  if (sample.conditional && (sample.classIndex < 0 || sample.classIndex >= classCount)) {
    throw invalid(`sample.class_index ${sample.classIndex} is out of range (the model has ${classCount} classes)`);
  }
  if (req.timesteps.length === 0) throw invalid('timesteps: expected at least one');
  const onSchedule = new Set(model.diffusionSchedule.samplerTimesteps);
  const off = req.timesteps.find((t) => !onSchedule.has(t));
  if (off !== undefined) {
    throw invalid(`timesteps: ${off} is not on the sampler's schedule (see DiffusionSchedule.sampler_timesteps: ${onSchedule.size} of 0 … ${model.diffusionSchedule.timesteps - 1})`);
  }
  if (new Set(req.timesteps).size !== req.timesteps.length) throw invalid('timesteps: each timestep at most once');
  const rows = sample.count * req.timesteps.length * (req.includePredictedX0 ? 2 : 1);
  const most = Math.min(MAX_QUERY_ROWS, Math.floor(MAX_QUERY_VALUES / Math.max(1, model.diffusionSchedule.modelWidth)));
  if (rows > most) {
    throw invalid(
      `sample.count × timesteps${req.includePredictedX0 ? ' × 2 (with x̂0)' : ''} is ${rows} states in one call; at most ${most} of width ${model.diffusionSchedule.modelWidth}: ask for fewer records or timesteps`,
    );
  }
  return {
    count: sample.count,
    seed: sample.seed,
    classIndex: sample.conditional ? sample.classIndex : null,
    timesteps: [...req.timesteps],
    predictedX0: req.includePredictedX0,
  };
}
