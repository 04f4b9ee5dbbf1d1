/**
 * The one reader of a FineTune upload (shared/grpc/fineTuneUpload.ts), used by the broker and by the sharer: the spec
 * first and only there, records after it, the records' hash over their chunks in order.
 */
import * as grpc from '@grpc/grpc-js';
import { readFineTuneUpload } from '../shared/grpc/fineTuneUpload';
import type { FineTuneUpload__Output } from '../shared/grpc/generated/sharebox/FineTuneUpload';

const spec = { method: 'lora', steps: 1, batchSize: 1 } as unknown as FineTuneUpload__Output['spec'];
const chunk = (count: number, byte: number) => ({ count, encoding: 'f32le-rows', shape: [], data: Buffer.alloc(4 * count, byte), classes: [] }) as unknown as FineTuneUpload__Output['records'];
async function* stream(messages: Array<Partial<FineTuneUpload__Output>>): AsyncGenerator<FineTuneUpload__Output> {
  for (const m of messages) yield { spec: null, records: null, ...m } as FineTuneUpload__Output;
}

test('reads the spec, counts the records and hashes their chunks', async () => {
  const read = await readFineTuneUpload(stream([{ spec }, { records: chunk(2, 1) }, { records: chunk(3, 2) }]), 'FineTune.Start');
  expect(read.records).toBe(5);
  expect(read.messages).toHaveLength(3);
  expect(read.recordsSha256).toMatch(/^[0-9a-f]{64}$/);
  const again = await readFineTuneUpload(stream([{ spec }, { records: chunk(2, 1) }, { records: chunk(3, 2) }]), 'FineTune.Start');
  expect(again.recordsSha256).toBe(read.recordsSha256);
});

test('refuses an upload without the spec first, with a second spec, without records, or over the bound', async () => {
  const refused = (messages: Array<Partial<FineTuneUpload__Output>>, max?: number) => readFineTuneUpload(stream(messages), 'FineTune.Start', max);
  await expect(refused([{ records: chunk(1, 1) }])).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, message: expect.stringMatching(/the first message must hold the spec/) });
  await expect(refused([{ spec }, { spec, records: chunk(1, 1) }])).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
    message: expect.stringMatching(/FineTune\.Start: message 1 holds a second spec; only the first message may/),
  });
  await expect(refused([{ spec }])).rejects.toMatchObject({ message: expect.stringMatching(/no records to fine-tune on/) });
  await expect(refused([])).rejects.toMatchObject({ message: expect.stringMatching(/empty upload/) });
  await expect(refused([{ spec }, { records: chunk(3, 1) }], 2)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
});
