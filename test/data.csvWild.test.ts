/**
 * The csv source's declarative preprocessing on a file with the quirks of tables from the wild (test/helpers/wildCsv.ts):
 * a repeated header name renamed by occurrence, rows dropped by filters, "?" and empty cells under per-column policies,
 * a dropped column, and one file split into train / test / aux parts, stratified and seeded.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { DataError } from '../shared/data/errors';
import { loadDatasetWithFacts, type DatasetSpec } from '../shared/data/loadDataset';
import { largestRemainderSizes } from '../shared/data/split';
import type { Table } from '../shared/data/table';
import { csvDatasetSchema, type CsvDatasetConfig } from '../shared/scenario/schema';
import { WILD_CSV_DATASET_YAML, wildCsv } from './helpers/wildCsv';

let dir: string;
let file: string;
const wild = wildCsv(600);
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-csv-wild-'));
  file = path.join(dir, 'wild.csv');
  fs.writeFileSync(file, wild.text);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The scenario's dataset entry (the very YAML the end-to-end test uses), parsed with the schema's defaults. */
function declaration(overrides: Record<string, unknown> = {}): CsvDatasetConfig {
  const raw = parseDocument(['x:', ...WILD_CSV_DATASET_YAML].join('\n')).toJS().x;
  return csvDatasetSchema.parse({ ...raw, path: file, ...overrides });
}

function load(spec: CsvDatasetConfig, part: string | undefined, seed = 11) {
  return loadDatasetWithFacts({ ...spec, ...(part !== undefined ? { splitPart: part } : {}) } as DatasetSpec, seed);
}

const ids = (t: Table) => t.rows.map((r) => r[t.schema.columns.findIndex((c) => c.name === 'id')]);

describe('a csv file from the wild, described in YAML alone', () => {
  it('counts what each filter and the missing-value policy dropped', () => {
    const { loaded } = load(declaration(), 'train');
    expect(loaded).toMatchObject({
      rowsRead: 600,
      droppedByFilter: [
        { filter: 'age ≥ 17', rows: wild.minors },
        { filter: 'workclass in {"Private", "Self-emp", "Gov"}', rows: wild.neverWorked },
      ],
      droppedByMissing: { hours: wild.emptyHours },
      rowsKept: 600 - wild.minors - wild.neverWorked - wild.emptyHours,
    });
    expect(wild.minors).toBeGreaterThan(0);
    expect(wild.neverWorked).toBeGreaterThan(0);
    expect(wild.emptyHours).toBeGreaterThan(0);
  });

  it('renames the repeated header by occurrence, keeps "?" as a category, drops the named column', () => {
    const { table } = load(declaration(), 'train');
    expect(table.schema.columns.map((c) => c.name)).toEqual(['id', 'age', 'workclass', 'capital_gain', 'hours', 'sex', 'income']);
    expect(table.schema.columns[2].categories).toEqual(['?', 'Gov', 'Private', 'Self-emp']);
    // Row 2 of the file (id 1) holds the first "capital" in field 4: the gain, not the loss.
    const firstLine = wild.text.split('\n')[1].split(',');
    const all = [...load(declaration(), 'train').table.rows, ...load(declaration(), 'test').table.rows, ...load(declaration(), 'aux').table.rows];
    const row1 = all.find((r) => r[0] === 1); // id 1 passes every filter
    expect(row1![3]).toBe(Number(firstLine[3]));
  });

  it('cuts the file into disjoint parts that cover it exactly, each stratum in the fractions (largest remainder)', () => {
    const spec = declaration();
    const parts = ['train', 'test', 'aux'].map((p) => load(spec, p));
    const kept = parts[0].loaded!.rowsKept;
    const partIds = parts.map((p) => ids(p.table));
    const union = new Set(partIds.flat());
    expect(union.size).toBe(kept);
    expect(partIds.reduce((n, p) => n + p.length, 0)).toBe(kept);
    expect(parts[0].loaded!.split).toEqual({ part: 'train', rows: { train: partIds[0].length, test: partIds[1].length, aux: partIds[2].length } });

    // Per (income, sex) stratum: the sizes are the largest-remainder split of the stratum's size.
    const stratumOf = (t: Table) => {
      const income = t.schema.columns.findIndex((c) => c.name === 'income');
      const sex = t.schema.columns.findIndex((c) => c.name === 'sex');
      const counts = new Map<string, number>();
      for (const r of t.rows) {
        const key = `${t.schema.columns[income].categories![r[income]]}/${t.schema.columns[sex].categories![r[sex]]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    const perPart = parts.map((p) => stratumOf(p.table));
    const strata = new Set(perPart.flatMap((m) => [...m.keys()]));
    expect(strata.size).toBe(4);
    for (const key of strata) {
      const sizes = perPart.map((m) => m.get(key) ?? 0);
      const n = sizes.reduce((a, b) => a + b, 0);
      expect(sizes).toEqual(largestRemainderSizes(n, [0.6, 0.3, 0.1]));
    }
  });

  it('is deterministic from the seed; another seed or split.seed cuts it otherwise', () => {
    const spec = declaration();
    expect(ids(load(spec, 'test', 11).table)).toEqual(ids(load(spec, 'test', 11).table));
    expect(ids(load(spec, 'test', 12).table)).not.toEqual(ids(load(spec, 'test', 11).table));
    const pinned = declaration({ split: { parts: { train: 0.6, test: 0.3, aux: 0.1 }, stratifyBy: ['income', 'sex'], seed: 5 } });
    expect(ids(load(pinned, 'test', 11).table)).toEqual(ids(load(pinned, 'test', 99).table));
  });

  it('asks for a part: the whole of a split dataset or an undeclared part is an error', () => {
    expect(() => load(declaration(), undefined)).toThrow(/split: expected one of its parts to load \(train, test, aux\), got the whole dataset/);
    expect(() => load(declaration(), 'valid')).toThrow(/got "valid"/);
  });

  it('without rename, the repeated header is an error naming it and its columns', () => {
    const err = (() => {
      try {
        load(declaration({ rename: {} }), 'train');
      } catch (e) {
        return e;
      }
    })() as DataError;
    expect(err).toBeInstanceOf(DataError);
    expect(err.line).toBe(1);
    expect(err.message).toContain('the header names "capital" (columns 4, 7) more than once');
    expect(err.message).toContain('rename: { "capital#2": capital_2 }');
  });

  it('a rename key that names no column is an error at the header', () => {
    expect(() => load(declaration({ rename: { 'capital#3': 'x', 'capital#1': 'capital_gain', 'capital#2': 'capital_loss' } }), 'train')).toThrow(
      /wild\.csv:1: rename: "capital#3" asks for column "capital" number 3, but the header names it 2 time/,
    );
  });

  it('missing policy error names the file, line and column', () => {
    const spec = declaration({ missing: { values: ['', '?'], policy: { workclass: 'error' } } });
    const firstUnknown = wild.text.split('\n').findIndex((l, i) => i > 0 && l.split(',')[2] === '?' && Number(l.split(',')[1]) >= 17);
    expect(() => load(spec, 'train')).toThrow(`wild.csv:${firstUnknown + 1}, column "workclass": missing value "?"`);
  });
});
