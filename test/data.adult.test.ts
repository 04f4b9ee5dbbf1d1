import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ADULT_COLUMNS, ADULT_TASK, adultSchemaFor, loadAdult } from '../shared/data/adult';
import { DataError } from '../shared/data/errors';
import { binaryColumn, columnIndex, Table } from '../shared/data/table';
import { repoRoot } from '../shared/repoRoot';

// The team's data folder beside the checkout (../shared), found from the repository root wherever it is cloned.
const REAL_DIR = path.resolve(repoRoot(), '..', 'shared', 'datasets', 'adult');
const realFilesPresent = fs.existsSync(path.join(REAL_DIR, 'adult.data')) && fs.existsSync(path.join(REAL_DIR, 'adult.test'));

const TRAIN_LINES = [
  '39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K',
  '50, Self-emp-not-inc, 83311, Bachelors, 13, Married-civ-spouse, Exec-managerial, Husband, White, Male, 0, 0, 13, United-States, <=50K',
  '54, ?, 180211, Some-college, 10, Married-civ-spouse, ?, Husband, Asian-Pac-Islander, Male, 0, 0, 60, South, >50K',
  '31, Private, 45781, Masters, 14, Never-married, Prof-specialty, Not-in-family, White, Female, 14084, 0, 50, United-States, >50K',
];
const TEST_LINES = [
  '|1x3 Cross validator',
  '25, Private, 226802, 11th, 7, Never-married, Machine-op-inspct, Own-child, Black, Male, 0, 0, 40, United-States, <=50K.',
  '44, Private, 160323, Some-college, 10, Married-civ-spouse, Machine-op-inspct, Husband, Black, Male, 7688, 0, 40, United-States, >50K.',
  '18, ?, 103497, Some-college, 10, Never-married, ?, Own-child, White, Female, 0, 0, 30, ?, <=50K.',
];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adult-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeFixture(name: string, lines: string[], trailer = '\n\n'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + trailer);
  return file;
}

function value(table: Table, row: number, column: string): string | number {
  const j = columnIndex(table.schema, column);
  const spec = table.schema.columns[j];
  const v = table.rows[row][j];
  return spec.type === 'categorical' ? spec.categories![v] : v;
}

/** Runs fn, expects a DataError, returns it. */
function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError, none was thrown');
}

describe('loadAdult on fixtures', () => {
  it('reads adult.data format, dropping rows with "?" and trailing blank lines', () => {
    const t = loadAdult(writeFixture('adult.data', TRAIN_LINES));
    expect(t.schema.columns.map((c) => c.name)).toEqual(ADULT_COLUMNS.map((c) => c.name));
    expect(t.rows.length).toBe(3);
    expect(value(t, 0, 'age')).toBe(39);
    expect(value(t, 0, 'workclass')).toBe('State-gov');
    expect(value(t, 0, 'capital-gain')).toBe(2174);
    expect(value(t, 2, 'education')).toBe('Masters');
    expect(value(t, 2, 'sex')).toBe('Female');
    expect(Array.from(binaryColumn(t, 'income', '>50K'))).toEqual([0, 0, 1]);
  });

  it('reads adult.test format: skips the "|1x3 Cross validator" line and strips the label\'s trailing dot', () => {
    const t = loadAdult(writeFixture('adult.test', TEST_LINES));
    expect(t.rows.length).toBe(2);
    expect(value(t, 0, 'income')).toBe('<=50K');
    expect(value(t, 1, 'income')).toBe('>50K');
    expect(t.schema.columns.find((c) => c.name === 'income')!.categories).toEqual(['<=50K', '>50K']);
  });

  it('gives train and test files the same schema and codes', () => {
    const train = loadAdult(writeFixture('same.data', TRAIN_LINES));
    const test = loadAdult(writeFixture('same.test', TEST_LINES));
    expect(test.schema).toEqual(train.schema);
    // 'Machine-op-inspct' is only in the test fixture; its code still comes from the fixed adult.names list.
    const occupation = columnIndex(test.schema, 'occupation');
    expect(test.rows[0][occupation]).toBe(ADULT_COLUMNS[6].categories!.indexOf('Machine-op-inspct'));
  });

  it("keeps missing values as a '?' category with missing: 'category'", () => {
    const t = loadAdult(writeFixture('cat.test', TEST_LINES), { missing: 'category' });
    expect(t.rows.length).toBe(3);
    expect(value(t, 2, 'workclass')).toBe('?');
    expect(value(t, 2, 'occupation')).toBe('?');
    expect(value(t, 2, 'native-country')).toBe('?');
    for (const name of ['workclass', 'occupation', 'native-country']) {
      expect(t.schema.columns.find((c) => c.name === name)!.categories!.at(-1)).toBe('?');
    }
    expect(t.schema.columns.find((c) => c.name === 'race')!.categories).not.toContain('?');
    expect(t.schema.columns).toEqual(adultSchemaFor({ missing: 'category' }));
  });

  it('drops columns on request, keeping the order of the rest', () => {
    const t = loadAdult(writeFixture('drop.data', TRAIN_LINES), { dropColumns: ['fnlwgt', 'education'] });
    expect(t.schema.columns.length).toBe(13);
    expect(t.schema.columns.map((c) => c.name)).not.toContain('fnlwgt');
    expect(t.rows[0].length).toBe(13);
    expect(value(t, 0, 'education-num')).toBe(13);
  });

  it('copes with Windows line endings and no trailing newline', () => {
    const file = path.join(dir, 'crlf.data');
    fs.writeFileSync(file, TRAIN_LINES.join('\r\n'));
    expect(loadAdult(file).rows.length).toBe(3);
  });

  it('exports the usual task', () => {
    expect(ADULT_TASK).toEqual({ label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' });
  });
});

describe('loadAdult errors name the file, the line and what was expected', () => {
  it('missing file', () => {
    const file = path.join(dir, 'nope.data');
    const err = dataError(() => loadAdult(file));
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/not found/);
  });

  it('empty file', () => {
    const err = dataError(() => loadAdult(writeFixture('empty.data', [], '\n\n')));
    expect(err.message).toContain('empty.data');
    expect(err.message).toMatch(/empty/);
  });

  it('wrong field count', () => {
    const lines = [...TRAIN_LINES];
    lines[1] = '50, Self-emp-not-inc, 83311, Bachelors, 13';
    const err = dataError(() => loadAdult(writeFixture('short.data', lines)));
    expect(err.line).toBe(2);
    expect(err.message).toContain('short.data:2');
    expect(err.message).toMatch(/expected 15 .*found 5/);
  });

  it('non-numeric value in a numeric column', () => {
    const lines = [...TRAIN_LINES];
    lines[3] = lines[3].replace(/^31,/, 'thirty-one,');
    const err = dataError(() => loadAdult(writeFixture('age.data', lines)));
    expect(err.line).toBe(4);
    expect(err.column).toBe('age');
    expect(err.message).toContain('age.data:4');
    expect(err.message).toMatch(/expected a number.*"thirty-one"/);
  });

  it('unknown category', () => {
    const lines = [...TRAIN_LINES];
    lines[0] = lines[0].replace('State-gov', 'Space-gov');
    const err = dataError(() => loadAdult(writeFixture('cat.data', lines)));
    expect(err.line).toBe(1);
    expect(err.column).toBe('workclass');
    expect(err.message).toContain('cat.data:1');
    expect(err.message).toMatch(/"Space-gov" is not a value of "workclass".*Private/);
  });

  it('label outside the fixed list, on the right line of a test file', () => {
    const lines = [...TEST_LINES];
    lines[2] = lines[2].replace('>50K.', '>60K.');
    const err = dataError(() => loadAdult(writeFixture('label.test', lines)));
    expect(err.line).toBe(3);
    expect(err.column).toBe('income');
    expect(err.message).toContain('label.test:3');
    expect(err.message).toMatch(/"[>]60K".*<=50K, >50K/);
  });

  it('unknown column in dropColumns', () => {
    const err = dataError(() => loadAdult(writeFixture('x.data', TRAIN_LINES), { dropColumns: ['salary'] }));
    expect(err.column).toBe('salary');
    expect(err.message).toContain('x.data');
  });
});

(realFilesPresent ? describe : describe.skip)('loadAdult on the real UCI files', () => {
  const trainPath = path.join(REAL_DIR, 'adult.data');
  const testPath = path.join(REAL_DIR, 'adult.test');

  it('loads adult.data: 30,162 complete rows of 32,561', () => {
    const t = loadAdult(trainPath);
    expect(t.rows.length).toBe(30162);
    expect(t.rows.every((r) => r.length === 15)).toBe(true);
    expect(binaryColumn(t, 'income', '>50K').reduce((a, b) => a + b, 0)).toBe(7508);
    expect(loadAdult(trainPath, { missing: 'category' }).rows.length).toBe(32561);
  });

  it('loads adult.test: 15,060 complete rows of 16,281, labels without the trailing dot', () => {
    const t = loadAdult(testPath);
    expect(t.rows.length).toBe(15060);
    expect(binaryColumn(t, 'income', '>50K').reduce((a, b) => a + b, 0)).toBe(3700);
    expect(loadAdult(testPath, { missing: 'category' }).rows.length).toBe(16281);
    expect(t.schema).toEqual(loadAdult(trainPath).schema);
  });
});
