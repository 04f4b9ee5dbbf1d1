/**
 * `sharer.encoderData` (issue 19, finding 2; docs/privacy.md "What each grant reveals"): by default the encoder is fitted
 * on the private training set, so one encoded record (GrayBox.Encode, or x̂₀ at small t) gives each category's training
 * share; fitted on a dataset the owner treats as public it gives that dataset's shares, whatever the private data is.
 * Through the real fitting path (TabularModel.trainOrLoad → trainOrLoadCached) with a model trained for two steps: what
 * is tested is the encoder, not the model. The scenario's checks of the field, and the slices that carry it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../shared/tf';
import { generateCensus } from '../shared/data/census';
import type { Table } from '../shared/data/table';
import { TabularModel } from '../sharer/tabularModel';
import { BaselineModel } from '../sharer/baselineModel';
import type { TabularDdpmConfig } from '../sharer/config';
import { encoderFitTable } from '../sharer/encoderData';
import { parseScenario, ScenarioError, sharerGameSlice, sharerSlice } from '../shared/scenario';
import { sharesFromEncodedRecord } from './helpers/encodedShares';

const TASK = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };
/** Two training steps: the tests read the encoder, which is fitted before any training. */
const MODEL: TabularDdpmConfig = {
  kind: 'tabular-ddpm',
  timesteps: 10,
  schedule: 'cosine',
  hidden: [16],
  timeEmbedding: 8,
  trainSteps: 2,
  batchSize: 32,
  learningRate: 0.001,
  lrSchedule: 'constant',
  warmupSteps: 0,
  emaDecay: 0,
  guidanceScale: 1,
  condDropProb: 0,
  sampler: { kind: 'ddpm' },
};

/** Two private tables that differ in the share of men (0.8 and 0.3), and a public one at 0.5. */
const privateA = generateCensus({ rows: 400, seed: 1, pSensitive: 0.8, dependence: 0.3 });
const privateB = generateCensus({ rows: 400, seed: 2, pSensitive: 0.3, dependence: 0.6 });
const publicTable = generateCensus({ rows: 500, seed: 3, pSensitive: 0.5, dependence: 0.3 });
const PUBLIC = { name: 'public', table: publicTable };
const SEX = privateA.schema.columns.findIndex((c) => c.name === 'sex');
const MALE = privateA.schema.columns[SEX].categories!.indexOf('Male');
/** The records a receiver asks to encode: the first few public ones, men among them. */
const probe: Table = { schema: publicTable.schema, rows: publicTable.rows.slice(0, 20) };
const maleRow = probe.rows.findIndex((r) => r[SEX] === MALE);

const shareOf = (table: Table, column: number, code: number) => table.rows.filter((r) => r[column] === code).length / table.rows.length;

let cacheDir: string;
const models: TabularModel[] = [];
async function train(table: Table, encoderData?: { name: string; table: Table }) {
  const { model, report } = await TabularModel.trainOrLoad(table, TASK, MODEL, 7, cacheDir, () => undefined, { encoderData });
  models.push(model);
  return { model, report, x: model.encodeRecords(probe).x, width: model.diffusionSchedule.modelWidth };
}

beforeAll(async () => {
  await initBackend();
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-encoder-data-'));
});
afterAll(() => {
  for (const m of models) m.dispose();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

describe('the encoder behind GrayBox.Encode', () => {
  test('fitted on the private data (the default), one record\'s encoding changes with the private data; with encoderData it does not', async () => {
    const [a, b, aPublic, bPublic] = [await train(privateA), await train(privateB), await train(privateA, PUBLIC), await train(privateB, PUBLIC)];
    expect(Array.from(a.x)).not.toEqual(Array.from(b.x));
    expect(Array.from(aPublic.x)).toEqual(Array.from(bPublic.x));
    expect(Array.from(aPublic.x)).not.toEqual(Array.from(a.x));
    expect(a.report).toMatchObject({ encoderFittedOn: 'private' });
    expect(a.report.encoderData).toBeUndefined();
    expect(aPublic.report).toMatchObject({ encoderFittedOn: 'public', encoderData: 'public' });
    // One private table under two encoders is two cache entries (the key holds the fitted encoder) ...
    expect(aPublic.report.cacheKey).not.toBe(a.report.cacheKey);
    // ... and two private tables under one public encoder are two entries too (the key holds the training data).
    expect(aPublic.report.cacheKey).not.toBe(bPublic.report.cacheKey);
  });

  test('one encoded record gives the training share of men (finding 2); with encoderData the public share instead', async () => {
    expect(maleRow).toBeGreaterThanOrEqual(0);
    const privateShare = shareOf(privateA, SEX, MALE);
    const publicShare = shareOf(publicTable, SEX, MALE);
    expect(Math.abs(privateShare - publicShare)).toBeGreaterThan(0.2);
    const read = ({ x, width }: { x: Float32Array; width: number }) => sharesFromEncodedRecord(x, width, maleRow, probe.schema, TASK.label, 'sex', MALE)[MALE];
    expect(read(await train(privateA))).toBeCloseTo(privateShare, 5);
    expect(read(await train(privateA, PUBLIC))).toBeCloseTo(publicShare, 5);
  });

  test('a category the public data lacks keeps its place in the schema: private records of it encode, decode back to it, and samples decode', async () => {
    const WORKCLASS = publicTable.schema.columns.findIndex((c) => c.name === 'workclass');
    const withoutPay = publicTable.schema.columns[WORKCLASS].categories!.indexOf('Without-pay');
    const lacking: Table = { schema: publicTable.schema, rows: publicTable.rows.filter((r) => r[WORKCLASS] !== withoutPay) };
    const training: Table = { schema: privateA.schema, rows: privateA.rows.map((r, i) => (i < 10 ? r.map((v, j) => (j === WORKCLASS ? withoutPay : v)) : r)) };
    const { model } = await train(training, { name: 'public', table: lacking });
    const records: Table = { schema: training.schema, rows: training.rows.slice(0, 30) };
    const { x, classes } = model.encodeRecords(records);
    expect(x.every(Number.isFinite)).toBe(true);
    const decoded = model.decodeRecords(x, classes);
    expect(decoded.rows.map((r) => r[WORKCLASS])).toEqual(records.rows.map((r) => r[WORKCLASS]));
    expect(decoded.rows.slice(0, 10).every((r) => r[WORKCLASS] === withoutPay)).toBe(true);
    const sampled = await model.sample(50, null, 3, () => 0.5);
    for (const row of sampled.table.rows) expect(row.every(Number.isFinite)).toBe(true);
  });

  test('the baselines take the public encoder too', async () => {
    const config = { kind: 'tabular-vae' as const, hidden: [16], latentDim: 4, klWeight: 1, trainSteps: 2, batchSize: 32, learningRate: 0.001 };
    const run = (encoderData?: typeof PUBLIC) => BaselineModel.trainOrLoad(privateA, TASK, config, 7, cacheDir, () => undefined, { encoderData });
    const [fitted, publicFit] = [await run(), await run(PUBLIC)];
    expect(fitted.report).toMatchObject({ encoderFittedOn: 'private' });
    expect(publicFit.report).toMatchObject({ encoderFittedOn: 'public', encoderData: 'public' });
    expect(publicFit.report.cacheKey).not.toBe(fitted.report.cacheKey);
    fitted.model.dispose();
    publicFit.model.dispose();
  });
});

describe('the public table the encoder is fitted on (sharer/encoderData.ts)', () => {
  test('re-expressed in the training table\'s column order and category codes', () => {
    const reversed: Table = {
      schema: { columns: [...publicTable.schema.columns].reverse().map((c) => (c.categories ? { ...c, categories: [...c.categories].reverse() } : c)) },
      rows: publicTable.rows.map((r) => [...r].reverse().map((v, j) => {
        const spec = publicTable.schema.columns[publicTable.schema.columns.length - 1 - j];
        return spec.categories ? spec.categories.length - 1 - v : v;
      })),
    };
    expect(encoderFitTable(privateA, { name: 'public', table: reversed })).toEqual(publicTable);
    expect(encoderFitTable(privateA, undefined)).toBe(privateA);
  });

  test('another column set, a category the training data lacks, or no rows: one line naming sharer.encoderData', () => {
    const dropped: Table = { schema: { columns: publicTable.schema.columns.slice(1) }, rows: publicTable.rows.map((r) => r.slice(1)) };
    expect(() => encoderFitTable(privateA, { name: 'pub', table: dropped })).toThrow(/^sharer\.encoderData "pub": expected the columns of the training data \(age \(numeric\), .*got hours_per_week \(numeric\)/);
    const extraCategory: Table = {
      schema: { columns: publicTable.schema.columns.map((c) => (c.name === 'workclass' ? { ...c, categories: [...c.categories!, 'Volunteer'] } : c)) },
      rows: publicTable.rows,
    };
    expect(() => encoderFitTable(privateA, { name: 'pub', table: extraCategory })).toThrow(/^sharer\.encoderData "pub": column "workclass" has "Volunteer", not among the training data's categories/);
    expect(() => encoderFitTable(privateA, { name: 'pub', table: { schema: publicTable.schema, rows: [] } })).toThrow(/^sharer\.encoderData "pub": the dataset has no rows/);
  });
});

describe('scenario: sharer.encoderData', () => {
  const scenario = (encoderData: string, extra: { datasets?: string; model?: string; membership?: string } = {}) =>
    [
      'name: unit',
      'seed: 3',
      'datasets:',
      '  private: { source: census, rows: 500 }',
      '  public: { source: census, rows: 300 }',
      '  test: { source: census, rows: 200 }',
      ...(extra.datasets ? [extra.datasets] : []),
      'task: { label: income, positive: ">50K", sensitive: sex, privileged: Male }',
      'sharer:',
      '  data: private',
      `  encoderData: ${encoderData}`,
      `  model: ${extra.model ?? '{ kind: tabular-ddpm, trainSteps: 10 }'}`,
      'broker: { access: [black-box, gray-box], budget: { samples: 10000 } }',
      'receiver: { testData: test, draw: { samples: 300 } }',
      ...(extra.membership ? [extra.membership] : []),
    ].join('\n') + '\n';
  const messageOf = (source: string): string => {
    try {
      parseScenario(source, '/virtual/unit.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      const issues = (err as ScenarioError).issues.filter((i) => i.path.join('.') === 'sharer.encoderData');
      expect(issues).toHaveLength(1);
      return issues[0].message;
    }
    throw new Error('expected the scenario to be rejected');
  };

  test('a declared public dataset reaches the sharer\'s slice with its seed, in a membership game too', () => {
    const s = parseScenario(scenario('public'), '/virtual/unit.yaml');
    expect(s.sharer.encoderData).toBe('public');
    const slice = sharerSlice(s);
    expect(slice.encoderData).toMatchObject({ name: 'public', source: 'census', rows: 300 });
    expect(slice.encoderData!.seed).not.toBe(slice.data.seed);
    expect(sharerSlice(parseScenario(scenario('public').replace('  encoderData: public\n', ''), '/virtual/unit.yaml'))).not.toHaveProperty('encoderData');
    const game = parseScenario(scenario('public', { membership: 'membership: { members: 100, nonMembers: 100 }' }), '/virtual/unit.yaml');
    const gameSlice = sharerGameSlice(game, { schema: publicTable.schema, rows: [] });
    expect(gameSlice.encoderData).toEqual(slice.encoderData);
    expect(gameSlice.data).toEqual({ source: 'membership', name: 'private', seed: slice.data.seed });
  });

  test('refusals, each naming the field', () => {
    expect(messageOf(scenario('nowhere'))).toBe('expected the name of a dataset declared under datasets (declared: private, public, test) (got "nowhere")');
    expect(messageOf(scenario('private'))).toMatch(/^must not be the private data sharer\.data "private"/);
    expect(messageOf(scenario('test'))).toMatch(/^must not be the receiver's test data "test"/);
    expect(messageOf(scenario('digits', { datasets: '  digits: { source: mnist, digits: [0, 1], part: aux }' }))).toMatch(
      /^expected a dataset with the columns of sharer\.data "private" \(age \(numeric\), .*\), but "digits" has /,
    );
    expect(
      messageOf(scenario('held', { datasets: '  held: { source: census, rows: 300 }', membership: 'membership: { members: 100, nonMembers: 100, nonMembersFrom: held }' })),
    ).toMatch(/^must not be membership\.nonMembersFrom "held"/);
  });

  test('an image model is refused: its pixel scaling is fitted on no data', () => {
    const images = [
      'name: unit',
      'seed: 3',
      'datasets:',
      '  pool: { source: mnist, digits: [0, 1], part: pool }',
      '  aux: { source: mnist, digits: [0, 1], part: aux }',
      '  test: { source: mnist, digits: [0, 1], part: test }',
      'task: { label: digit, positive: "1", sensitive: stroke, privileged: thick }',
      'sharer:',
      '  data: pool',
      '  encoderData: aux',
      '  model: { kind: image-ddpm, baseChannels: 8, channelMults: [1, 2], timesteps: 100, trainSteps: 20, batchSize: 16, sampler: { steps: 5 } }',
      'broker: { access: [black-box, gray-box], budget: { samples: 10000 } }',
      'receiver: { testData: test, draw: { samples: 64 }, classifiers: [cnn] }',
    ].join('\n');
    expect(messageOf(images + '\n')).toMatch(/^applies to tabular models only: image-ddpm /);
  });
});
