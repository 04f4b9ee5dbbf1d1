import { CENSUS_TASK, generateCensus } from '../shared/data/census';
import { balanceCells, cellIndices, joinColumn, splitTable, subsampleWithProportion } from '../shared/data/split';
import { binaryColumn, Table } from '../shared/data/table';
import { Rng } from '../shared/random';

/** Census rows with a trailing id column, so tests can see which records a utility picked. */
function withIds(table: Table): Table {
  return joinColumn(table, { name: 'id', type: 'numeric' }, table.rows.map((_, i) => i));
}

function ids(table: Table): number[] {
  return table.rows.map((r) => r[r.length - 1]);
}

function cellSizes(table: Table): Record<string, number> {
  return Object.fromEntries([...cellIndices(table, CENSUS_TASK)].map(([key, idx]) => [key, idx.length]));
}

describe('splitTable', () => {
  const table = withIds(generateCensus({ rows: 1001, seed: 1 }));

  it('partitions the rows by fraction, shuffled', () => {
    const [a, b] = splitTable(table, 0.7, new Rng(5));
    expect(a.rows.length).toBe(701);
    expect(b.rows.length).toBe(300);
    const all = [...ids(a), ...ids(b)].sort((x, y) => x - y);
    expect(all).toEqual(ids(table));
    expect(ids(a).slice(0, 20)).not.toEqual(ids(table).slice(0, 20));
    expect(a.schema).toBe(table.schema);
  });

  it('is deterministic in the Rng seed', () => {
    expect(ids(splitTable(table, 0.5, new Rng(9))[0])).toEqual(ids(splitTable(table, 0.5, new Rng(9))[0]));
    expect(ids(splitTable(table, 0.5, new Rng(9))[0])).not.toEqual(ids(splitTable(table, 0.5, new Rng(10))[0]));
  });

  it('handles the extremes and rejects bad fractions', () => {
    expect(splitTable(table, 0, new Rng(1))[0].rows.length).toBe(0);
    expect(splitTable(table, 1, new Rng(1))[1].rows.length).toBe(0);
    expect(() => splitTable(table, 1.2, new Rng(1))).toThrow(/fraction/);
  });
});

describe('balanceCells', () => {
  const table = withIds(generateCensus({ rows: 4000, seed: 2, dependence: 0.6 }));

  it('keeps the smallest cell size from every (s, y) cell, making S and Y independent', () => {
    const sizes = cellSizes(table);
    const smallest = Math.min(...Object.values(sizes));
    const pool = balanceCells(table, CENSUS_TASK, new Rng(3));
    expect(cellSizes(pool)).toEqual({ '0,0': smallest, '0,1': smallest, '1,0': smallest, '1,1': smallest });
    expect(new Set(ids(pool)).size).toBe(4 * smallest); // distinct records
    // Not grouped by cell: the first quarter mixes cells.
    const s = binaryColumn(pool, 'sex', 'Male');
    const y = binaryColumn(pool, 'income', '>50K');
    const firstQuarter = new Set(Array.from({ length: smallest }, (_, i) => `${s[i]},${y[i]}`));
    expect(firstQuarter.size).toBe(4);
  });

  it('takes perCell when given, and refuses more than the smallest cell holds', () => {
    const pool = balanceCells(table, CENSUS_TASK, new Rng(3), 50);
    expect(Object.values(cellSizes(pool))).toEqual([50, 50, 50, 50]);
    const sizes = cellSizes(table);
    const tooMany = Math.min(...Object.values(sizes)) + 1;
    expect(() => balanceCells(table, CENSUS_TASK, new Rng(3), tooMany)).toThrow(/fewer than the .* requested/);
  });

  it('refuses an empty cell', () => {
    const y = binaryColumn(table, 'income', '>50K');
    const s = binaryColumn(table, 'sex', 'Male');
    const noRichWomen: Table = { schema: table.schema, rows: table.rows.filter((_, i) => !(y[i] === 1 && s[i] === 0)) };
    expect(() => balanceCells(noRichWomen, CENSUS_TASK, new Rng(1))).toThrow(/\(s,y\)=\(0,1\): 0/);
  });
});

describe('subsampleWithProportion', () => {
  const table = withIds(generateCensus({ rows: 3000, seed: 4 }));

  it('draws exactly round(p × rows) records with the value, distinct, shuffled', () => {
    for (const p of [0, 0.1, 0.35, 0.9, 1]) {
      const sample = subsampleWithProportion(table, 'sex', 'Male', p, 500, new Rng(6));
      expect(sample.rows.length).toBe(500);
      const males = binaryColumn(sample, 'sex', 'Male').reduce((a, b) => a + b, 0);
      expect(males).toBe(Math.round(p * 500));
      expect(new Set(ids(sample)).size).toBe(500);
    }
    const s = binaryColumn(subsampleWithProportion(table, 'sex', 'Male', 0.5, 100, new Rng(6)), 'sex', 'Male');
    expect(Array.from(s.slice(0, 50)).every((v) => v === 1)).toBe(false);
  });

  it('is deterministic in the Rng seed', () => {
    const a = subsampleWithProportion(table, 'sex', 'Male', 0.3, 200, new Rng(8));
    const b = subsampleWithProportion(table, 'sex', 'Male', 0.3, 200, new Rng(8));
    expect(ids(a)).toEqual(ids(b));
  });

  it('refuses impossible requests', () => {
    const males = binaryColumn(table, 'sex', 'Male').reduce((a, b) => a + b, 0);
    expect(() => subsampleWithProportion(table, 'sex', 'Male', 1, males + 1, new Rng(1))).toThrow(/but the table has/);
    expect(() => subsampleWithProportion(table, 'sex', 'Male', 0, 3000 - males + 1, new Rng(1))).toThrow(/but the table has/);
    expect(() => subsampleWithProportion(table, 'sex', 'Male', 1.5, 10, new Rng(1))).toThrow(/p must be/);
    expect(() => subsampleWithProportion(table, 'sex', 'Other', 0.5, 10, new Rng(1))).toThrow(/no value "Other"/);
  });
});

describe('joinColumn', () => {
  const table = generateCensus({ rows: 5, seed: 5 });

  it('appends a column without touching the input', () => {
    const joined = joinColumn(table, { name: 'group', type: 'categorical', categories: ['a', 'b'] }, [0, 1, 1, 0, 1]);
    expect(joined.schema.columns.at(-1)).toEqual({ name: 'group', type: 'categorical', categories: ['a', 'b'] });
    expect(joined.rows.map((r) => r.at(-1))).toEqual([0, 1, 1, 0, 1]);
    expect(joined.rows[0].slice(0, -1)).toEqual(table.rows[0]);
    expect(table.schema.columns.length).toBe(9);
    expect(table.rows[0].length).toBe(9);
  });

  it('refuses wrong lengths, duplicate names and invalid values', () => {
    expect(() => joinColumn(table, { name: 'z', type: 'numeric' }, [1, 2])).toThrow(/2 values for 5 rows/);
    expect(() => joinColumn(table, { name: 'age', type: 'numeric' }, [1, 2, 3, 4, 5])).toThrow(/already has a column "age"/);
    expect(() => joinColumn(table, { name: 'z', type: 'numeric' }, [1, 2, NaN, 4, 5])).toThrow(/finite number/);
    expect(() => joinColumn(table, { name: 'g', type: 'categorical', categories: ['a'] }, [0, 0, 1, 0, 0])).toThrow(/category code/);
    expect(() => joinColumn(table, { name: 'g', type: 'categorical' }, [0, 0, 0, 0, 0])).toThrow(/needs categories/);
  });
});
