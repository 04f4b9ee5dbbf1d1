/**
 * Scenario errors of the csv source's preprocessing fields and of part references (`<dataset>.<part>`): each a one-line
 * message at the YAML line of the field to fix.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseScenario, ScenarioError, sharerSlice, receiverSlice, type ScenarioIssue } from '../shared/scenario';
import { WILD_CSV_DATASET_YAML } from './helpers/wildCsv';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-scenario-csv-'));
  fs.writeFileSync(path.join(dir, 'wild.csv'), 'id\n1\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A valid scenario on one split file: lines 1-4 head, the dataset entry from line 5 on, then the rest. */
function scenarioLines(dataset: string[] = WILD_CSV_DATASET_YAML, sharerData = 'all.train', testData = 'all.test'): string[] {
  return [
    'name: wild', //                  1
    'seed: 3', //                     2
    'datasets:', //                   3
    '  all:', //                      4
    '    path: wild.csv', //          5
    ...dataset, //                    6 …
    'task: { label: income, positive: ">50K", sensitive: sex, privileged: Male }',
    `sharer: { data: ${sharerData}, model: { kind: tabular-ddpm, trainSteps: 10 } }`,
    'broker: { access: [black-box], budget: { samples: 100 } }',
    `receiver: { testData: ${testData}, draw: { samples: 50 } }`,
  ];
}
const DATASET_FIRST_LINE = 6;
/** The line of a dataset line that starts with `prefix`. */
const lineOf = (lines: string[], prefix: string) => lines.findIndex((l) => l.startsWith(prefix)) + 1;

function issuesOf(lines: string[]): readonly ScenarioIssue[] {
  try {
    parseScenario(lines.join('\n') + '\n', path.join(dir, 'wild.yaml'));
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues;
  }
  throw new Error('expected the scenario to be rejected');
}

function replaced(prefix: string, by: string | string[]): string[] {
  const dataset = [...WILD_CSV_DATASET_YAML];
  const i = dataset.findIndex((l) => l.startsWith(prefix));
  if (i < 0) throw new Error(`no dataset line starts with ${prefix}`);
  dataset.splice(i, 1, ...(Array.isArray(by) ? by : [by]));
  return scenarioLines(dataset);
}

describe('a split csv dataset and its parts', () => {
  it('parses; the parties get the parts, with the whole dataset\'s seed and their part', () => {
    const s = parseScenario(scenarioLines().join('\n') + '\n', path.join(dir, 'wild.yaml'));
    const train = sharerSlice(s).data;
    const test = receiverSlice(s).testData;
    expect(train).toMatchObject({ name: 'all.train', splitPart: 'train', source: 'csv' });
    expect(test).toMatchObject({ name: 'all.test', splitPart: 'test' });
    expect(train.seed).toBe(test.seed);
    expect(DATASET_FIRST_LINE).toBe(6);
  });

  it('a part that is not declared, and the whole of a split dataset, are errors at the reference', () => {
    const lines = scenarioLines(WILD_CSV_DATASET_YAML, 'all', 'all.valid');
    const issues = issuesOf(lines);
    expect(issues.map((i) => [i.line, i.path.join('.'), i.message])).toEqual([
      [lineOf(lines, 'sharer:'), 'sharer.data', '"all" is split into parts (train, test, aux): expected one of them, all.train, all.test, all.aux (got "all")'],
      [lineOf(lines, 'receiver:'), 'receiver.testData', '"all" has no part "valid" (split.parts: train, test, aux) (got "all.valid")'],
    ]);
  });

  it('fractions that do not sum to 1', () => {
    const lines = replaced('      parts:', '      parts: { train: 0.6, test: 0.3, aux: 0.2 }');
    const issues = issuesOf(lines);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: lineOf(lines, '      parts:'), path: ['datasets', 'all', 'split', 'parts'] });
    expect(issues[0].message).toMatch(/^expected fractions summing to 1, but they sum to 1\.1/);
  });

  it('an unknown column in a filter, a range on a categorical column, text for a numeric one', () => {
    const lines = replaced('      - { column: age', ['      - { column: agee, range: [17, null] }', '      - { column: sex, range: [0, 1] }', '      - { column: age, in: [17, "old"] }']);
    const issues = issuesOf(lines);
    expect(issues.map((i) => [i.line, i.path.join('.'), i.message])).toEqual([
      [lineOf(lines, '      - { column: agee'), 'datasets.all.filters.0.column', expect.stringMatching(/^expected a column declared in columns \(declared: id, age, .*\) \(got "agee"\)$/)],
      [lineOf(lines, '      - { column: sex'), 'datasets.all.filters.1.range', 'a range needs a numeric column, but "sex" is categorical: use equals or in'],
      [lineOf(lines, '      - { column: age, in'), 'datasets.all.filters.2.in.1', 'expected a number: "age" is numeric (got "old")'],
    ]);
  });

  it('a filter with no test or two tests', () => {
    const lines = replaced('      - { column: age', ['      - { column: age }', '      - { column: age, equals: 3, notMissing: true }']);
    const issues = issuesOf(lines);
    expect(issues.map((i) => [i.line, i.message])).toEqual([
      [lineOf(lines, '      - { column: age }'), expect.stringContaining('expected exactly one test besides column: equals | in | range | notMissing')],
      [lineOf(lines, '      - { column: age, equals'), expect.stringContaining('expected exactly one test besides column')],
    ]);
  });

  it('missing-value policies: an undeclared column, category on a numeric column', () => {
    const lines = replaced('    missing:', '    missing: { values: ["", "?"], policy: { workclass: category, hours: category, hourz: drop } }');
    const issues = issuesOf(lines);
    expect(issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['datasets.all.missing.policy.hours', 'category needs a categorical column, but "hours" is numeric: expected drop or error (got "category")'],
      ['datasets.all.missing.policy.hourz', expect.stringContaining('expected a column declared in columns')],
    ]);
  });

  it('stratifyBy a numeric column, dropColumns a task column', () => {
    const lines = replaced('      stratifyBy:', '      stratifyBy: [income, age]');
    lines[lines.findIndex((l) => l.startsWith('    dropColumns:'))] = '    dropColumns: [sex]';
    const issues = issuesOf(lines);
    expect(issues.map((i) => [i.path.join('.'), i.message])).toEqual(
      expect.arrayContaining([
        ['datasets.all.dropColumns.0', expect.stringContaining('must not drop a task column')],
        ['datasets.all.split.stratifyBy.1', 'expected a categorical column, but "age" is numeric (got "age")'],
      ]),
    );
  });
});
