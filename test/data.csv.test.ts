import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCsv, parseCsvRecords } from '../shared/data/csv';
import { DataError } from '../shared/data/errors';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Runs fn, expects a DataError naming `file` (and `line` when given), returns it. */
function dataError(fn: () => unknown, file: string, line?: number): DataError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DataError);
  const err = caught as DataError;
  expect(err.file).toBe(file);
  expect(err.line).toBe(line);
  expect(err.message).toContain(line === undefined ? file : `${file}:${line}`);
  return err;
}

describe('loadCsv', () => {
  it('keeps the named columns in the scenario order, types them, and drops the rest', () => {
    const file = write('people.csv', 'id,city,age,score\n1,Paris,30,0.5\n2,Lyon,41,1.25\n3,Paris,25,-2\n');
    const t = loadCsv(file, { columns: { age: 'numeric', city: 'categorical' } });
    expect(t.schema.columns).toEqual([
      { name: 'age', type: 'numeric' },
      { name: 'city', type: 'categorical', categories: ['Lyon', 'Paris'] },
    ]);
    expect(t.rows).toEqual([
      [30, 1],
      [41, 0],
      [25, 1],
    ]);
  });

  it('accepts the array form with fixed categories, whose order defines the codes', () => {
    const file = write('fixed.csv', 'y,x\nno,1\nyes,2\n');
    const t = loadCsv(file, {
      columns: [
        { name: 'y', type: 'categorical', categories: ['yes', 'no', 'maybe'] },
        { name: 'x', type: 'numeric' },
      ],
    });
    expect(t.schema.columns[0].categories).toEqual(['yes', 'no', 'maybe']);
    expect(t.rows).toEqual([
      [1, 1],
      [0, 2],
    ]);
  });

  it('sorts numeric-looking categories numerically and others by code unit, independent of row order', () => {
    const file = write('sort.csv', 'grade,name\n10,b\n9,B\n100,a\n9,a\n');
    const t = loadCsv(file, { columns: { grade: 'categorical', name: 'categorical' } });
    expect(t.schema.columns[0].categories).toEqual(['9', '10', '100']);
    expect(t.schema.columns[1].categories).toEqual(['B', 'a', 'b']);
    expect(t.rows).toEqual([
      [1, 2],
      [0, 0],
      [2, 1],
      [0, 1],
    ]);
  });

  it('handles quoted fields with separators, doubled quotes and line breaks; CRLF; a BOM; spaces around fields', () => {
    const text = '\ufeffname,note,n\r\n"Smith, J.", "said ""hi""" ,1\r\n"multi\nline",plain, 2 \r\n';
    const file = write('quoted.csv', text);
    const t = loadCsv(file, { columns: { name: 'categorical', note: 'categorical', n: 'numeric' } });
    expect(t.schema.columns[0].categories).toEqual(['Smith, J.', 'multi\nline']);
    expect(t.schema.columns[1].categories).toEqual(['plain', 'said "hi"']);
    expect(t.rows.map((r) => r[2])).toEqual([1, 2]);
  });

  it('uses another separator when told', () => {
    const file = write('semi.csv', 'a;b\n1,5;x\n2;y\n');
    const t = loadCsv(file, { columns: { a: 'categorical', b: 'categorical' }, separator: ';' });
    expect(t.schema.columns[0].categories).toEqual(['1,5', '2']);
  });

  it('drops rows with a missing value in a kept column (default: empty cells), ignores it in dropped columns', () => {
    const file = write('missing.csv', 'a,b,c\n1,x,\n,y,7\n3,NA,8\n4,z,9\n');
    const byDefault = loadCsv(file, { columns: { a: 'numeric', b: 'categorical' } });
    expect(byDefault.rows.length).toBe(3); // only the row with an empty "a" goes
    expect(byDefault.schema.columns[1].categories).toEqual(['NA', 'x', 'z']);
    const withNa = loadCsv(file, { columns: { a: 'numeric', b: 'categorical' }, missing: { values: ['', 'NA'] } });
    expect(withNa.rows).toEqual([
      [1, 0],
      [4, 1],
    ]);
  });

  it('skips blank lines, e.g. at the end of the file', () => {
    const file = write('blank.csv', 'a\n1\n\n2\n\n\n');
    expect(loadCsv(file, { columns: { a: 'numeric' } }).rows).toEqual([[1], [2]]);
  });
});

describe('loadCsv errors are DataErrors with file, line and what was expected', () => {
  it('missing file', () => {
    const file = path.join(dir, 'absent.csv');
    const err = dataError(() => loadCsv(file, { columns: { a: 'numeric' } }), file);
    expect(err.message).toMatch(/not found/);
  });

  it('empty file', () => {
    const file = write('empty.csv', '');
    expect(dataError(() => loadCsv(file, { columns: { a: 'numeric' } }), file, 1).message).toMatch(/empty/);
    const blank = write('blank-only.csv', '\n \n');
    dataError(() => loadCsv(blank, { columns: { a: 'numeric' } }), blank, 1);
  });

  it('header without data rows', () => {
    const file = write('header-only.csv', 'a,b\n');
    expect(dataError(() => loadCsv(file, { columns: { a: 'numeric' } }), file, 2).message).toMatch(/at least one data row/);
  });

  it('a column the scenario names but the header lacks', () => {
    const file = write('lacks.csv', 'a,b\n1,2\n');
    const err = dataError(() => loadCsv(file, { columns: { a: 'numeric', income: 'categorical' } }), file, 1);
    expect(err.column).toBe('income');
    expect(err.message).toMatch(/"income".*header: a, b/);
  });

  it('wrong field count: expected N got M', () => {
    const file = write('count.csv', 'a,b,c\n1,2,3\n4,5\n');
    expect(dataError(() => loadCsv(file, { columns: { a: 'numeric' } }), file, 3).message).toMatch(/expected 3 fields .* found 2/);
  });

  it('non-numeric value in a numeric column, with line numbers counted across quoted line breaks', () => {
    const file = write('nan.csv', 'note,x\n"two\nlines",1\nok,abc\n');
    const err = dataError(() => loadCsv(file, { columns: { x: 'numeric' } }), file, 4);
    expect(err.column).toBe('x');
    expect(err.message).toMatch(/expected a number .*"abc"/);
  });

  it('empty numeric cell when empty is not declared missing', () => {
    // Quoted, because an unquoted empty line is a blank line and is skipped.
    const file = write('empty-cell.csv', 'x\n1\n""\n');
    dataError(() => loadCsv(file, { columns: { x: 'numeric' }, missing: { values: [] } }), file, 3);
  });

  it('value outside the fixed categories', () => {
    const file = write('label.csv', 'y\nyes\nno\nmaybe\n');
    const err = dataError(() => loadCsv(file, { columns: [{ name: 'y', type: 'categorical', categories: ['no', 'yes'] }] }), file, 4);
    expect(err.column).toBe('y');
    expect(err.message).toMatch(/"maybe" is not a category of "y" \(expected one of: no, yes\)/);
  });

  it('unterminated quote, reported where the quote opened', () => {
    const file = write('open-quote.csv', 'a,b\n1,2\n3,"oops\n4,5\n');
    expect(dataError(() => loadCsv(file, { columns: { a: 'numeric' } }), file, 3).message).toMatch(/closing quote/);
  });

  it('text after a closing quote', () => {
    const file = write('after-quote.csv', 'a,b\n"x"y,2\n');
    expect(dataError(() => loadCsv(file, { columns: { a: 'categorical' } }), file, 2).message).toMatch(/after a closing quote/);
  });

  it('a kept column named twice in the header', () => {
    const file = write('dup.csv', 'a,a\n1,2\n');
    dataError(() => loadCsv(file, { columns: { a: 'numeric' } }), file, 1);
  });
});

describe('parseCsvRecords', () => {
  it('returns fields and the line each record starts on', () => {
    const records = parseCsvRecords('a,b\n"x\ny",2\n\n3,""\n', 'mem.csv');
    expect(records).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x\ny', '2'], line: 2 },
      { fields: ['3', ''], line: 5 },
    ]);
  });

  it('keeps a trailing empty field', () => {
    expect(parseCsvRecords('a,b,\n', 'mem.csv')[0].fields).toEqual(['a', 'b', '']);
  });
});
