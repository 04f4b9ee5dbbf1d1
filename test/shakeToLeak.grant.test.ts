/**
 * The fine-tune grant through the real processes (docs/shake-to-leak.md): refused when not granted (the service is
 * not registered, and no query may name a version); under the grant, a fine-tune is priced steps × batch × 3 and
 * charged exactly, its lineage is in the audit log, the broker's caps refuse an oversized spec before the sharer sees
 * it (refunded, audited), versions are served by name and unknown names fail closed, and the sham control (learning
 * rate 0) gives a version whose answers equal the base's bit for bit.
 */
import { capBroken } from '../broker/moves/fine-tune-caps';
import * as grpc from '@grpc/grpc-js';
import { readAuditLog } from '../broker/audit';
import { BrokerClient } from '../receiver/brokerClient';
import { startSharerAndBroker, type LivePair } from './helpers/liveParties';

let plain: LivePair;
let granted: LivePair;
const CAP = 2000;

beforeAll(async () => {
  [plain, granted] = await Promise.all([
    startSharerAndBroker({ budgetSamples: 100_000, access: ['black-box'] }),
    startSharerAndBroker({
      budgetSamples: 100_000,
      access: ['black-box', 'gray-box', 'fine-tune'],
      defences: [{ kind: 'fine-tune-caps', maxStepsTimesBatch: CAP, methods: ['full', 'lora'] }],
    }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([plain?.stop(), granted?.stop()]);
});

async function clientOf(pair: LivePair): Promise<{ client: BrokerClient; schema: Awaited<ReturnType<BrokerClient['describe']>>['schema'] }> {
  const client = new BrokerClient(pair.brokerAddress, pair.receiverToken);
  const { schema } = await client.describe();
  return { client, schema };
}

const spec = (over: Record<string, unknown> = {}) => ({ method: 'lora', steps: 10, batchSize: 32, learningRate: 0.001, rank: 4, loraAlpha: 16, modules: [], seed: 7, ...over });

describe('the fine-tune grant', () => {
  it('is refused when not granted: FineTune answers UNIMPLEMENTED and no query may name a version', async () => {
    const { client, schema } = await clientOf(plain);
    try {
      const rows = (await client.sample(schema, { count: 20, seed: 1 })).rows;
      await expect(client.fineTune(spec(), rows, rows.map(() => 0))).rejects.toThrow(/not granted/);
      // Straight at the service the broker did not register.
      const { loadProto } = await import('../shared/grpc/proto');
      const raw = new (loadProto().sharebox.FineTune)(plain.brokerAddress, grpc.credentials.createInsecure());
      const code = await new Promise<number>((resolve) => {
        const stream = raw.start(new grpc.Metadata(), (err: grpc.ServiceError | null) => resolve(err?.code ?? 0));
        stream.end();
      });
      raw.close();
      expect(code).toBe(grpc.status.UNIMPLEMENTED);
      const left = (await client.describe()).budgetSamplesLeft;
      await expect(client.atVersion('ft-1').sample(schema, { count: 5, seed: 1 })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      expect((await client.describe()).budgetSamplesLeft).toBe(left);
    } finally {
      client.close();
    }
  });

  it('prices, charges and logs a fine-tune; serves the version by name; refuses unknown names', async () => {
    const { client, schema } = await clientOf(granted);
    try {
      const sp = await client.sample(schema, { count: 100, seed: 3, classIndex: 1 });
      const before = (await client.describe()).budgetSamplesLeft;
      const reply = await client.fineTune(spec(), sp.rows, sp.classes);
      expect(reply.modelVersion).toBe('ft-1');
      expect(reply.unitsCharged).toBe(10 * 32 * 3);
      expect((await client.describe()).budgetSamplesLeft).toBe(before - 960);
      expect(reply.records).toBe(100);
      expect(reply.deltaSha256).toMatch(/^[0-9a-f]{64}$/);

      const line = readAuditLog(granted.auditLog).filter((r) => r.method === 'FineTune.Start').pop()!;
      expect(line.status).toBe('OK');
      expect(line.samplesReturned).toBe(960);
      expect(line.arguments).toMatchObject({ method: 'lora', steps: 10, batchSize: 32, records: 100, modelVersion: 'ft-1', parentVersion: '', recordsSha256: reply.recordsSha256, deltaSha256: reply.deltaSha256 });
      // The lineage names the classes the records were of (the sharer's class names).
      expect(line.arguments.classes).toEqual([schema.columns.find((c) => c.name === 'income')!.categories![1]]);

      const version = client.atVersion('ft-1');
      const a = await version.sample(schema, { count: 50, seed: 9 });
      const b = await version.sample(schema, { count: 50, seed: 9 });
      const base = await client.sample(schema, { count: 50, seed: 9 });
      expect(a.rows).toEqual(b.rows);
      expect(a.rows).not.toEqual(base.rows);

      const left = (await client.describe()).budgetSamplesLeft;
      await expect(client.atVersion('ft-9').sample(schema, { count: 5, seed: 1 })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      expect((await client.describe()).budgetSamplesLeft).toBe(left);
      expect(readAuditLog(granted.auditLog).filter((r) => r.method === 'BlackBox.Sample').pop()).toMatchObject({ status: 'NOT_FOUND', samplesReturned: 0, arguments: { modelVersion: 'ft-9' } });
    } finally {
      client.close();
    }
  }, 60_000);

  it('refuses a spec over the caps before the sharer sees it, refunded and audited', async () => {
    const { client, schema } = await clientOf(granted);
    try {
      const rows = (await client.sample(schema, { count: 20, seed: 4 })).rows;
      const left = (await client.describe()).budgetSamplesLeft;
      await expect(client.fineTune(spec({ steps: 100, batchSize: 32 }), rows, rows.map(() => 0))).rejects.toMatchObject({
        code: grpc.status.PERMISSION_DENIED,
        details: expect.stringContaining(`100 × 32 = 3200, at most ${CAP} allowed (maxStepsTimesBatch)`),
      });
      await expect(client.fineTune(spec({ method: 'class-embedding' }), rows, rows.map(() => 0))).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
      expect((await client.describe()).budgetSamplesLeft).toBe(left);
      expect(readAuditLog(granted.auditLog).filter((r) => r.method === 'FineTune.Start').pop()).toMatchObject({ status: 'PERMISSION_DENIED', samplesReturned: 0, arguments: { method: 'class-embedding' } });
    } finally {
      client.close();
    }
  }, 30_000);

  it('the sham control (learning rate 0) answers exactly as the base model', async () => {
    const { client, schema } = await clientOf(granted);
    try {
      const sp = await client.sample(schema, { count: 60, seed: 5, classIndex: 0 });
      for (const method of ['lora', 'full']) {
        const reply = await client.fineTune(spec({ method, learningRate: 0 }), sp.rows, sp.classes);
        const sham = client.atVersion(reply.modelVersion);
        expect((await sham.sample(schema, { count: 40, seed: 11 })).rows).toEqual((await client.sample(schema, { count: 40, seed: 11 })).rows);
        const oracleSham = sham.grayBoxOracle();
        const oracleBase = client.grayBoxOracle();
        const x0Sham = await oracleSham.predictX0AtTimesteps(sp.rows.slice(0, 10), [1, 5, 10], 3);
        const x0Base = await oracleBase.predictX0AtTimesteps(sp.rows.slice(0, 10), [1, 5, 10], 3);
        expect(Buffer.from(x0Sham.buffer).equals(Buffer.from(x0Base.buffer))).toBe(true);
      }
    } finally {
      client.close();
    }
  }, 60_000);
});

describe('fine-tune-caps on modules and classes', () => {
  const base = { method: 'lora', steps: 10, batchSize: 32, learningRate: 0.001, rank: 8, records: 100 };
  test('a spec must name its modules, each allowed; every weight (empty modules) is refused', () => {
    const caps = { modules: ['layer0', 'layer1'] };
    expect(capBroken(caps, { ...base, modules: ['layer0'] })).toBeNull();
    expect(capBroken(caps, { ...base, modules: [] })).toBe('every weight asked (modules empty), only layer0, layer1 allowed (modules)');
    expect(capBroken(caps, { ...base, modules: ['layer0', 'out'] })).toBe('modules out not allowed (allowed: layer0, layer1)');
    expect(capBroken({}, { ...base, modules: [] })).toBeNull();
  });
  test('records of a class outside the allowed ones are refused, naming it', () => {
    const caps = { classes: ['<=50K'] };
    expect(capBroken(caps, { ...base, classes: ['<=50K'] })).toBeNull();
    expect(capBroken(caps, { ...base, classes: ['<=50K', '>50K'] })).toBe('records of class ">50K" not allowed (allowed: "<=50K") (classes)');
  });
});
