/**
 * A FineTune upload read whole (protos/sharebox.proto, FineTuneUpload): the spec in the first message, records in the
 * later ones. The broker reads it to price and check the call, the sharer to fine-tune; both compute the records'
 * SHA-256 here, over the data of every non-empty record chunk in order, so the broker can compare the sharer's hash
 * with its own (the version's lineage).
 */
import * as crypto from 'crypto';
import * as grpc from '@grpc/grpc-js';
import { rpcError } from './errors';
import type { FineTuneUpload__Output } from './generated/sharebox/FineTuneUpload';
import type { FineTuneSpec__Output } from './generated/sharebox/FineTuneSpec';

export interface ReadUpload {
  messages: FineTuneUpload__Output[];
  spec: FineTuneSpec__Output;
  /** Records over every message. */
  records: number;
  recordsSha256: string;
}

/** Reads the upload, or refuses it (INVALID_ARGUMENT; RESOURCE_EXHAUSTED past `maxRecords`) naming `rpc`. */
export async function readFineTuneUpload(call: AsyncIterable<FineTuneUpload__Output>, rpc: string, maxRecords = Infinity): Promise<ReadUpload> {
  const messages: FineTuneUpload__Output[] = [];
  const hash = crypto.createHash('sha256');
  let records = 0;
  for await (const message of call) {
    if (messages.length === 0 && !message.spec) throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: the first message must hold the spec`);
    if (messages.length > 0 && message.spec) throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: message ${messages.length} holds a second spec; only the first message may`);
    const count = message.records?.count ?? 0;
    if (!Number.isSafeInteger(count) || count < 0) throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: message ${messages.length}: records.count must be a non-negative integer`);
    records += count;
    if (records > maxRecords) throw rpcError(grpc.status.RESOURCE_EXHAUSTED, `${rpc}: more than ${maxRecords} records in one upload`);
    if (message.records && count > 0) hash.update(message.records.data);
    messages.push(message);
  }
  if (messages.length === 0) throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: empty upload (expected a spec, then records)`);
  if (records === 0) throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: no records to fine-tune on`);
  return { messages, spec: messages[0].spec!, records, recordsSha256: hash.digest('hex') };
}
