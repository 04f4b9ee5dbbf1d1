/**
 * ModelHost.FineTune (docs/shake-to-leak.md): the sharer's half of the fine-tuning grant. The broker has checked the
 * caller, the grant, its caps and the price; the sharer reads the spec and the uploaded records, fine-tunes a copy
 * of its model (the base is never changed) and registers it as a new version, which it then serves by name. The
 * weights never leave: the reply carries the version's name and hashes for the lineage, not the adapter.
 */
import * as grpc from '@grpc/grpc-js';
import type { BrokerGate } from './brokerGate';
import { fineTuneUnits } from '../shared/grpc/pricing';
import { rpcError, toRpcError } from '../shared/grpc/errors';
import { rowsFromChunk } from '../shared/grpc/records';
import { readFineTuneUpload } from '../shared/grpc/fineTuneUpload';
import type { FineTuneUpload__Output } from '../shared/grpc/generated/sharebox/FineTuneUpload';
import type { FineTuneReply } from '../shared/grpc/generated/sharebox/FineTuneReply';
import type { FineTuneSpec__Output } from '../shared/grpc/generated/sharebox/FineTuneSpec';
import type { Table } from '../shared/data/table';
import { fineTuneRequestOf, type FineTunable } from './fineTuning';
import type { ModelVersions } from './modelVersions';
import type { TabularGenerator } from './tabularGenerator';

/**
 * The upload read whole (shared/grpc/fineTuneUpload.ts: the spec and the records' hash, as the broker read it) and its
 * records decoded in the model's schema.
 */
async function readUpload(
  call: AsyncIterable<FineTuneUpload__Output>,
  schema: Table['schema'],
  rpc: string,
): Promise<{ spec: FineTuneSpec__Output; table: Table; recordsSha256: string }> {
  const { messages, spec, recordsSha256 } = await readFineTuneUpload(call, rpc);
  const rows: number[][] = [];
  messages.forEach((message, index) => {
    if (!message.records || message.records.count === 0) return;
    try {
      rows.push(...rowsFromChunk(message.records, schema));
    } catch (err) {
      throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: records of message ${index}: ${(err as Error).message}`);
    }
  });
  return { spec, table: { schema, rows }, recordsSha256 };
}

function canFineTune(model: TabularGenerator): model is TabularGenerator & FineTunable {
  return typeof (model as Partial<FineTunable>).fineTune === 'function';
}

export function fineTuneHandler(
  state: { model: TabularGenerator | null; modelKind: string; versions?: ModelVersions<TabularGenerator> },
  gate: BrokerGate,
  serialise: <T>(fn: () => Promise<T>) => Promise<T>,
): grpc.handleClientStreamingCall<FineTuneUpload__Output, FineTuneReply> {
  const rpc = 'ModelHost.FineTune';
  return (call, callback) => {
    const run = async (): Promise<FineTuneReply> => {
      gate.authenticate(call.metadata, rpc);
      // Fine-tunes start from the sharer's own model (a version of a version is not offered: one lineage step each).
      const versions = state.versions;
      if (!versions) throw rpcError(grpc.status.FAILED_PRECONDITION, `${rpc}: this sharer keeps no model versions`);
      const base = versions.resolve(state.model, '', rpc);
      if (!canFineTune(base)) throw rpcError(grpc.status.FAILED_PRECONDITION, `${rpc}: the sharer's model is a ${state.modelKind}, which cannot be fine-tuned (a tabular-ddpm or an image-ddpm can)`);
      const { spec, table, recordsSha256 } = await readUpload(call, base.schema, rpc);
      // The price is known once the spec is read: no training beyond what the broker reserved.
      gate.admit(call.metadata, rpc, fineTuneUnits(spec));
      let request;
      try {
        request = fineTuneRequestOf(spec);
      } catch (err) {
        throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: ${(err as Error).message}`);
      }
      const started = Date.now();
      const { model, outcome } = await serialise(async () => {
        try {
          return await base.fineTune(table, request);
        } catch (err) {
          throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: ${(err as Error).message}`);
        }
      });
      const lineage = versions.register(model, { parent: '', method: request.method, records: table.rows.length, recordsSha256, deltaSha256: outcome.deltaSha256 });
      return {
        modelVersion: lineage.version,
        parentVersion: lineage.parent,
        records: table.rows.length,
        finalLoss: outcome.finalLoss,
        recordsSha256,
        deltaSha256: outcome.deltaSha256,
        trainableParameters: outcome.trainableParameters,
        newClass: outcome.newClass ?? -1,
        seconds: (Date.now() - started) / 1000,
      };
    };
    run().then(
      (reply) => callback(null, reply),
      (err) => callback(toRpcError(err, rpc)),
    );
  };
}
