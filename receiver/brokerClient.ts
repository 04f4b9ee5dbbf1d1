/**
 * The receiver's view of the world: the broker's address and its own token, nothing else. It holds a client
 * only for the services the broker says were granted (Describe tells), as an attack library would hold only
 * the estimator capabilities it was given.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProto, CHANNEL_OPTIONS } from '../shared/grpc/proto';
import { bearerMetadata } from '../shared/grpc/auth';
import { unary } from '../shared/grpc/streams';
import { rowsFromChunk, schemaFromWire, type ClassInfo } from '../shared/grpc/records';
import type { TableSchema } from '../shared/data/table';
import type { GatewayClient } from '../shared/grpc/generated/sharebox/Gateway';
import type { BlackBoxClient } from '../shared/grpc/generated/sharebox/BlackBox';
import type { DescribeRequest } from '../shared/grpc/generated/sharebox/DescribeRequest';
import type { DescribeReply__Output } from '../shared/grpc/generated/sharebox/DescribeReply';
import type { SampleChunk__Output } from '../shared/grpc/generated/sharebox/SampleChunk';

export interface BrokerDescription {
  schema: TableSchema;
  classes: ClassInfo;
  access: string[];
  budgetSamplesTotal: number;
  budgetSamplesLeft: number;
  modelKind: string;
}

export interface SampledRows {
  rows: number[][];
  classes: number[];
  budgetSamplesLeft: number;
}

export class BrokerClient {
  private readonly gateway: GatewayClient;
  /** Created only once Describe has said that "black-box" is granted. */
  private blackBox: BlackBoxClient | null = null;

  constructor(
    private readonly address: string,
    private readonly token: string,
  ) {
    this.gateway = new (loadProto().sharebox.Gateway)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
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
      this.blackBox = new (loadProto().sharebox.BlackBox)(this.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    }
    return {
      schema,
      classes,
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

  close(): void {
    this.gateway.close();
    this.blackBox?.close();
  }
}
