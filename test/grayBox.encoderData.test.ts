/**
 * `sharer.encoderData` end to end (issue 19, finding 2; docs/privacy.md "What each grant reveals"): two real sharers
 * with different private data (60 % and 25 % men) and the same public dataset (50 % men) behind real brokers answer
 * GrayBox.Encode of the same records with the same bytes, and the share of men read off one encoded record is the
 * public one. The default (encoder fitted on the private data) is test/sharer.encoderData.test.ts.
 */
import { BrokerClient } from '../receiver/brokerClient';
import { loadDataset } from '../shared/data/loadDataset';
import type { DatasetConfig } from '../shared/scenario/schema';
import type { SharerResult } from '../shared/party/results';
import { startSharerAndBroker, TINY_DATASET, TINY_TASK, type LivePair } from './helpers/liveParties';
import { sharesFromEncodedRecord } from './helpers/encodedShares';

const PUBLIC = { source: 'census', rows: 500, pSensitive: 0.5, dependence: 0.3, name: 'public', seed: 31 };
const OTHER_PRIVATE = { ...TINY_DATASET, pSensitive: 0.25, dependence: 0.6, seed: 12 };

let pairs: LivePair[] = [];
beforeAll(async () => {
  pairs = await Promise.all([
    startSharerAndBroker({ budgetSamples: 1000, access: ['gray-box'], data: { ...TINY_DATASET, pSensitive: 0.6 }, encoderData: PUBLIC }),
    startSharerAndBroker({ budgetSamples: 1000, access: ['gray-box'], data: OTHER_PRIVATE, encoderData: PUBLIC }),
  ]);
}, 90_000);
afterAll(async () => {
  await Promise.all(pairs.map((p) => p.stop()));
});

test('GrayBox.Encode gives the same coordinates whatever the private data, and the public share of men', async () => {
  const publicTable = loadDataset(PUBLIC as DatasetConfig, PUBLIC.seed);
  const probe = publicTable.rows.slice(0, 10);
  const sex = publicTable.schema.columns.findIndex((c) => c.name === 'sex');
  const male = publicTable.schema.columns[sex].categories!.indexOf('Male');
  const row = probe.findIndex((r) => r[sex] === male);
  const answers = await Promise.all(
    pairs.map(async (pair) => {
      const client = new BrokerClient(pair.brokerAddress, pair.receiverToken);
      const described = await client.describe();
      expect(described.schema).toEqual(publicTable.schema);
      const { x } = await client.grayBoxOracle().encode(probe);
      client.close();
      return { x, width: described.schedule!.modelWidth };
    }),
  );
  expect(Array.from(answers[0].x)).toEqual(Array.from(answers[1].x));
  const publicShare = publicTable.rows.filter((r) => r[sex] === male).length / publicTable.rows.length;
  const read = sharesFromEncodedRecord(answers[0].x, answers[0].width, row, publicTable.schema, TINY_TASK.label, 'sex', male)[male];
  expect(read).toBeCloseTo(publicShare, 5);
  for (const pair of pairs) {
    const result = (await pair.sharer.result()) as SharerResult;
    expect(result.model).toMatchObject({ encoderFittedOn: 'public', encoderData: 'public' });
  }
});
