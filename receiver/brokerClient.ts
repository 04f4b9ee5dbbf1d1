/**
 * The receiver's view of the world: the broker's address and its own token, nothing else. It holds a client
 * only for the services the broker says were granted (Describe tells), as an attack library would hold only
 * the estimator capabilities it was given.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../shared/grpc/proto';
import { channelTo, INSECURE, type Transport } from '../shared/grpc/transport';
import { bearerMetadata } from '../shared/grpc/auth';
import { unary } from '../shared/grpc/streams';
import { rowsFromChunk, schemaFromWire, type ClassInfo } from '../shared/grpc/records';
import type { TableSchema } from '../shared/data/table';
import type { GatewayClient } from '../shared/grpc/generated/sharebox/Gateway';
import type { BlackBoxClient } from '../shared/grpc/generated/sharebox/BlackBox';
import type { DescribeRequest } from '../shared/grpc/generated/sharebox/DescribeRequest';
import type { DescribeReply__Output } from '../shared/grpc/generated/sharebox/DescribeReply';
import type { SampleChunk__Output } from '../shared/grpc/generated/sharebox/SampleChunk';
import type { GrayBoxClient } from '../shared/grpc/generated/sharebox/GrayBox';
import type { WhiteBoxClient } from '../shared/grpc/generated/sharebox/WhiteBox';
import type { RecordChunk, RecordChunk__Output } from '../shared/grpc/generated/sharebox/RecordChunk';
import { collectStream } from '../shared/grpc/streams';
import { concatFloat32 } from '../shared/math/float32';
import { LOSSES_ENCODING, MODEL_ENCODING, matrixChunk, matrixFromChunk, stepsFromChunk, tableChunk } from '../shared/grpc/records';
import type { TrajectoryChunk__Output } from '../shared/grpc/generated/sharebox/TrajectoryChunk';
import type { GrayBoxOracle, ScheduleView, WhiteBoxOracle } from './moves/membership/oracle';
import type { FineTuneClient } from '../shared/grpc/generated/sharebox/FineTune';
import type { FineTuneSpec } from '../shared/grpc/generated/sharebox/FineTuneSpec';
import type { FineTuneReply__Output } from '../shared/grpc/generated/sharebox/FineTuneReply';

export interface BrokerDescription {
  schema: TableSchema;
  classes: ClassInfo;
  access: string[];
  budgetSamplesTotal: number;
  budgetSamplesLeft: number;
  modelKind: string;
  /** The model's noise schedule: only with a gray-box or white-box grant, for a model with timesteps. */
  schedule: ScheduleView | null;
}

export interface SampledRows {
  rows: number[][];
  classes: number[];
  budgetSamplesLeft: number;
}

/** A generation trajectory as GrayBox.Trajectory returns it (docs/mia.md). */
export interface TrajectoryRows {
  /** The final records in table columns, as BlackBox.Sample returns them for the same count, seed and class. */
  rows: number[][];
  classes: number[];
  /** count × K × modelWidth, record-major: the state x_t at each requested t, in model coordinates. */
  states: Float32Array;
  /** Same layout: x̂₀ at each requested t, or null unless asked for. */
  predictedX0: Float32Array | null;
  budgetSamplesLeft: number;
}

export class BrokerClient {
  private readonly gateway: GatewayClient;
  /** Created only once Describe has said that "black-box" is granted. */
  private blackBox: BlackBoxClient | null = null;
  /** Likewise for "gray-box" and "white-box". */
  private grayBox: GrayBoxClient | null = null;
  private whiteBox: WhiteBoxClient | null = null;
  private fineTuneClient: FineTuneClient | null = null;
  /** The model version every query names (empty: the sharer's model); `atVersion` makes a client for another. */
  private modelVersion = '';
  /** Every client of this broker dials with the receiver's identity and checks the server's is the broker's. */
  private readonly channel: ReturnType<typeof channelTo>;

  /**
   * `transport` defaults to plaintext for tests and benches that start their parties insecure; the receiver process
   * passes its own identity. A plaintext client cannot talk to a TLS broker, so the default never lowers a server's bar.
   */
  constructor(
    private readonly address: string,
    private readonly token: string,
    transport: Transport = INSECURE,
  ) {
    this.channel = channelTo(transport, 'broker');
    this.gateway = new (loadProto().sharebox.Gateway)(address, this.channel.credentials, this.channel.options);
  }

  async describe(): Promise<BrokerDescription> {
    const reply = await unary<DescribeRequest, DescribeReply__Output>(
      this.gateway.describe.bind(this.gateway),
      {},
      bearerMetadata(this.token),
    );
    if (!reply.schema) throw new Error('Gateway.Describe: the broker sent no record schema');
    const { schema, classes } = schemaFromWire(reply.schema);
    if (reply.access.includes('black-box') && !this.blackBox) {
      this.blackBox = new (loadProto().sharebox.BlackBox)(this.address, this.channel.credentials, this.channel.options);
    }
    const proto = loadProto().sharebox;
    if (reply.access.includes('gray-box') && !this.grayBox) {
      this.grayBox = new proto.GrayBox(this.address, this.channel.credentials, this.channel.options);
    }
    if (reply.access.includes('white-box') && !this.whiteBox) {
      this.whiteBox = new proto.WhiteBox(this.address, this.channel.credentials, this.channel.options);
    }
    if (reply.access.includes('fine-tune') && !this.fineTuneClient) {
      this.fineTuneClient = new proto.FineTune(this.address, this.channel.credentials, this.channel.options);
    }
    const s = reply.schedule;
    this.schema = schema;
    this.scheduleView = s
      ? { timesteps: s.timesteps, alphaBars: [...s.alphaBars], modelWidth: s.modelWidth, samplerTimesteps: [...s.samplerTimesteps] }
      : null;
    return {
      schema,
      classes,
      schedule: this.scheduleView,
      access: reply.access,
      budgetSamplesTotal: reply.budgetSamplesTotal,
      budgetSamplesLeft: reply.budgetSamplesLeft,
      modelKind: reply.modelKind,
    };
  }

  /** Draws `count` records (of one class when `classIndex` is given) through BlackBox.Sample. */
  sample(
    schema: TableSchema,
    request: { count: number; seed: number; classIndex?: number },
    onChunk?: (received: number) => void,
  ): Promise<SampledRows> {
    const blackBox = this.blackBox;
    if (!blackBox) {
      return Promise.reject(new Error('BlackBox.Sample: not granted to this receiver (call describe() first; the broker lists its grants there)'));
    }
    return new Promise((resolve, reject) => {
      const stream = blackBox.sample(
        {
          count: request.count,
          seed: request.seed,
          conditional: request.classIndex !== undefined,
          classIndex: request.classIndex ?? 0,
          modelVersion: this.modelVersion,
        },
        bearerMetadata(this.token),
      );
      const out: SampledRows = { rows: [], classes: [], budgetSamplesLeft: -1 };
      stream.on('data', (chunk: SampleChunk__Output) => {
        if (!chunk.records) return;
        try {
          out.rows.push(...rowsFromChunk(chunk.records, schema));
        } catch (err) {
          stream.cancel();
          reject(err);
          return;
        }
        out.classes.push(...chunk.records.classes);
        out.budgetSamplesLeft = chunk.budgetSamplesLeft;
        onChunk?.(out.rows.length);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(out));
    });
  }

  private schema: TableSchema | null = null;
  private scheduleView: ScheduleView | null = null;

  /** GrayBox RPCs as an attack sees them (docs/mia.md). Throws if gray-box is not granted or the model has no schedule. */
  grayBoxOracle(): GrayBoxOracle {
    const client = this.grayBox;
    const { schema, schedule } = this.timestepAccess('GrayBox', client);
    const width = schedule.modelWidth;
    const md = () => bearerMetadata(this.token);
    return {
      schedule,
      encode: async (rows) => {
        const chunks = await collectStream<RecordChunk__Output>(client!.encode(recordsChunk(schema, rows), md()));
        const { values, classes } = joinMatrix(chunks, MODEL_ENCODING, width);
        return { x: values, classes: Int32Array.from(classes) };
      },
      predictX0AtTimesteps: async (rows, timesteps, noiseSeed) => {
        const chunks = await collectStream<RecordChunk__Output>(client!.predictX0({ records: recordsChunk(schema, rows), timesteps, noiseSeed, modelVersion: this.modelVersion }, md()));
        return joinMatrix(chunks, MODEL_ENCODING, width).values;
      },
      predictX0: async (xt, t, classes) => {
        const chunks = await collectStream<RecordChunk__Output>(
          client!.predictX0({ records: matrixChunk(MODEL_ENCODING, xt, width, classes), timesteps: Array.from(t), noiseSeed: 0, modelVersion: this.modelVersion }, md()),
        );
        return joinMatrix(chunks, MODEL_ENCODING, width).values;
      },
      trajectory: async (request) => {
        const { states, predictedX0 } = await this.trajectory(request);
        return { states, predictedX0 };
      },
    };
  }

  /**
   * GrayBox.Trajectory: `count` records drawn as Sample draws them, with the chain's states (and x̂₀ when asked) at
   * `timesteps`, which must be on the sampler's schedule (Describe: schedule.samplerTimesteps). Costs count × S.
   */
  async trajectory(request: { count: number; seed: number; classIndex?: number; timesteps: number[]; includePredictedX0?: boolean }): Promise<TrajectoryRows> {
    const client = this.grayBox;
    const { schema, schedule } = this.timestepAccess('GrayBox', client);
    const K = request.timesteps.length;
    const width = schedule.modelWidth;
    const chunks = await collectStream<TrajectoryChunk__Output>(
      client!.trajectory(
        {
          sample: {
            count: request.count,
            seed: request.seed,
            conditional: request.classIndex !== undefined,
            classIndex: request.classIndex ?? 0,
            modelVersion: this.modelVersion,
          },
          timesteps: request.timesteps,
          includePredictedX0: request.includePredictedX0 ?? false,
        },
        bearerMetadata(this.token),
      ),
    );
    const out: TrajectoryRows = { rows: [], classes: [], states: new Float32Array(0), predictedX0: null, budgetSamplesLeft: -1 };
    const states: Float32Array[] = [];
    const predicted: Float32Array[] = [];
    for (const chunk of chunks) {
      if (!chunk.samples || !chunk.states) throw new Error('GrayBox.Trajectory: a chunk without samples or states');
      out.rows.push(...rowsFromChunk(chunk.samples, schema));
      out.classes.push(...chunk.samples.classes);
      states.push(stepsFromChunk(chunk.states, K, width).values);
      if (chunk.predictedX0) predicted.push(stepsFromChunk(chunk.predictedX0, K, width).values);
      out.budgetSamplesLeft = chunk.budgetSamplesLeft;
    }
    out.states = concatFloat32(states);
    if (request.includePredictedX0) out.predictedX0 = concatFloat32(predicted);
    return out;
  }

  /** WhiteBox RPCs as an attack sees them. */
  whiteBoxOracle(): WhiteBoxOracle {
    const client = this.whiteBox;
    const { schema, schedule } = this.timestepAccess('WhiteBox', client);
    return {
      schedule,
      timestepLoss: async (rows, timesteps, noiseSeed, draws) => {
        const chunks = await collectStream<RecordChunk__Output>(
          client!.timestepLoss({ records: recordsChunk(schema, rows), timesteps, noiseSeed, noiseDraws: draws, modelVersion: this.modelVersion }, bearerMetadata(this.token)),
        );
        return joinMatrix(chunks, LOSSES_ENCODING, timesteps.length).values;
      },
    };
  }

  /**
   * FineTune.Start (docs/shake-to-leak.md): uploads the spec and the records (table rows with the label), and waits
   * for the sharer's new model version, reachable afterwards through `atVersion(reply.modelVersion)`.
   */
  fineTune(spec: FineTuneSpec, rows: number[][], classes: number[]): Promise<FineTuneReply__Output> {
    const client = this.fineTuneClient;
    if (!client) return Promise.reject(new Error('FineTune.Start: not granted to this receiver (call describe() first; the broker lists its grants there)'));
    if (!this.schema) return Promise.reject(new Error('FineTune.Start: call describe() first (the upload is encoded in the schema it gives)'));
    const schema = this.schema;
    return new Promise((resolve, reject) => {
      const stream = client.start(bearerMetadata(this.token), (err: grpc.ServiceError | null, reply?: FineTuneReply__Output) => (err ? reject(err) : resolve(reply!)));
      stream.write({ spec });
      for (let start = 0; start < rows.length; start += UPLOAD_RECORDS) {
        const end = Math.min(rows.length, start + UPLOAD_RECORDS);
        stream.write({ records: tableChunk({ schema, rows }, classes, start, end) });
      }
      stream.end();
    });
  }

  /**
   * The same client, its queries naming `version` (a version FineTune.Start returned; '' for the sharer's model).
   * It shares this client's connections: close only the original.
   */
  atVersion(version: string): BrokerClient {
    const view = Object.create(this) as BrokerClient;
    view.modelVersion = version;
    return view;
  }

  get version(): string {
    return this.modelVersion;
  }

  private timestepAccess(service: string, client: unknown): { schema: TableSchema; schedule: ScheduleView } {
    if (!client) throw new Error(`${service}: not granted to this receiver (call describe() first; the broker lists its grants there)`);
    if (!this.schema || !this.scheduleView) {
      throw new Error(`${service}: the broker describes no noise schedule (the sharer's model has no diffusion timesteps)`);
    }
    return { schema: this.schema, schedule: this.scheduleView };
  }

  close(): void {
    this.gateway.close();
    this.blackBox?.close();
    this.grayBox?.close();
    this.whiteBox?.close();
    this.fineTuneClient?.close();
  }
}

/** Records per message of a fine-tuning upload (messages are bounded at 16 MiB). */
const UPLOAD_RECORDS = 2000;

function recordsChunk(schema: TableSchema, rows: number[][]): RecordChunk {
  return tableChunk({ schema, rows }, new Array(rows.length).fill(0), 0, rows.length);
}

/** Concatenates a reply's chunks into one matrix. */
function joinMatrix(chunks: RecordChunk__Output[], encoding: string, width: number): { values: Float32Array; classes: number[] } {
  const parts = chunks.map((c) => matrixFromChunk(c, encoding, width));
  const values = new Float32Array(parts.reduce((a, p) => a + p.values.length, 0));
  let offset = 0;
  const classes: number[] = [];
  for (const p of parts) {
    values.set(p.values, offset);
    offset += p.values.length;
    classes.push(...p.classes);
  }
  return { values, classes };
}
