/**
 * End to end through the CLI: one csv file from the wild (test/helpers/wildCsv.ts) described in YAML alone, split into
 * train / test / aux; the sharer trains on all.train, the receiver tests on all.test, and the report records what the
 * filters and the missing-value policy dropped and the parts' sizes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from './helpers/cli';
import { WILD_CSV_DATASET_YAML, wildCsv } from './helpers/wildCsv';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-csv-wild-run-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a tiny scenario on one split csv file runs, and the report records the drops', async () => {
  const wild = wildCsv(900);
  fs.writeFileSync(path.join(tmp, 'wild.csv'), wild.text);
  const scenario = [
    'name: csv-wild',
    'seed: 5',
    'datasets:',
    '  all:',
    '    path: wild.csv',
    ...WILD_CSV_DATASET_YAML,
    'task: { label: income, positive: ">50K", sensitive: sex, privileged: Male }',
    'sharer:',
    '  data: all.train',
    '  hideColumns: [id]',
    '  model: { kind: tabular-ddpm, timesteps: 20, hidden: [32, 32], trainSteps: 40, batchSize: 64, warmupSteps: 5 }',
    'broker: { access: [black-box, class-shares], budget: { samples: 300 } }',
    'receiver:',
    '  testData: all.test',
    '  draw: { samples: 200 }',
    '  classifiers: [logistic]',
    '  classifierEpochs: 3',
    'expect:',
    '  - { metric: sharer.trainingData.loaded.droppedByFilter.0.rows, min: 1 }',
    '  - { metric: sharer.trainingData.loaded.droppedByMissing.hours, min: 1 }',
  ];
  fs.writeFileSync(path.join(tmp, 'wild.yaml'), scenario.join('\n') + '\n');
  const run = await runCli(['run', path.join(tmp, 'wild.yaml'), '--out', path.join(tmp, 'out'), '--cache', path.join(tmp, 'cache')]);
  expect(run.stderr).not.toMatch(/sharebox run:/);
  expect(run.code).toBe(0);
  const report = JSON.parse(fs.readFileSync(path.join(tmp, 'out', 'report.json'), 'utf8'));
  const kept = 900 - wild.minors - wild.neverWorked - wild.emptyHours;
  expect(report.sharer.trainingData.loaded).toMatchObject({
    dataset: 'all.train',
    rowsRead: 900,
    droppedByFilter: [
      { filter: 'age ≥ 17', rows: wild.minors },
      { filter: 'workclass in {"Private", "Self-emp", "Gov"}', rows: wild.neverWorked },
    ],
    droppedByMissing: { hours: wild.emptyHours },
    rowsKept: kept,
    split: { part: 'train' },
  });
  const parts = report.sharer.trainingData.loaded.split.rows;
  expect(parts.train + parts.test + parts.aux).toBe(kept);
  // The sharer trained on the train part, and the receiver evaluated on the test part (all of it).
  expect(report.sharer.trainingData.rows).toBe(parts.train);
  expect(report.sharer.trainingData.columns).toEqual(['id', 'age', 'workclass', 'capital_gain', 'hours', 'sex', 'income']);
  expect(JSON.stringify(report.receiver)).toContain(`"testRows":${parts.test}`);
  expect(fs.readFileSync(path.join(tmp, 'out', 'report.md'), 'utf8')).toContain(`data "all.train": 900 rows read, dropped ${wild.minors} by filter age ≥ 17`);
}, 240_000);
