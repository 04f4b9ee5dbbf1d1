import { generateCensus } from '../shared/data/census';
import { TableEncoder, TableEncoderJSON } from '../shared/data/encoder';
import { columnIndex, Table } from '../shared/data/table';
import { Rng } from '../shared/random';

/** A small mixed table with non-integer, integer, heavy-tailed and constant numeric columns. */
function mixedTable(n: number, seed: number): Table {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push([
      1.5 + 2 * rng.normal(), // real-valued
      rng.int(3), // colour code
      20 + rng.int(50), // integer
      rng.bernoulli(0.1) ? Math.round(Math.exp(8 + rng.normal())) : 0, // heavy tail
      7, // constant
      rng.int(2), // label code
    ]);
  }
  return {
    schema: {
      columns: [
        { name: 'x', type: 'numeric' },
        { name: 'colour', type: 'categorical', categories: ['red', 'green', 'blue'] },
        { name: 'count', type: 'numeric' },
        { name: 'gain', type: 'numeric' },
        { name: 'constant', type: 'numeric' },
        { name: 'label', type: 'categorical', categories: ['no', 'yes'] },
      ],
    },
    rows,
  };
}

function numericEntry(encoder: TableEncoder, name: string) {
  const entry = encoder.toJSON().columns.find((c) => c.name === name);
  if (!entry || entry.kind !== 'numeric') throw new Error(`no numeric entry ${name}`);
  return entry;
}

describe('TableEncoder', () => {
  it('one-hot encodes categorical columns and lays out blocks in column order', () => {
    const t = mixedTable(200, 1);
    const encoder = TableEncoder.fit(t, { exclude: ['label'] });
    expect(encoder.schema.columns.map((c) => c.name)).toEqual(['x', 'colour', 'count', 'gain', 'constant']);
    expect(encoder.width).toBe(1 + 3 + 1 + 1 + 1);
    expect(encoder.oneHotBlocks()).toEqual([[1, 4]]);
    const x = encoder.encode(t);
    expect(x.length).toBe(200 * encoder.width);
    for (let i = 0; i < 200; i++) {
      const block = Array.from(x.subarray(i * encoder.width + 1, i * encoder.width + 4));
      expect(block.reduce((a, b) => a + b, 0)).toBe(1);
      expect(block[t.rows[i][1]]).toBe(1);
    }
  });

  it('standardises numeric columns to mean 0 and std 1 on the fitted table', () => {
    const t = mixedTable(2000, 2);
    const encoder = TableEncoder.fit(t, { numeric: 'standard' });
    const x = encoder.encode(t);
    for (const offset of [0, 4]) {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < 2000; i++) sum += x[i * encoder.width + offset];
      const mean = sum / 2000;
      for (let i = 0; i < 2000; i++) sq += (x[i * encoder.width + offset] - mean) ** 2;
      expect(mean).toBeCloseTo(0, 4);
      expect(Math.sqrt(sq / 2000)).toBeCloseTo(1, 4);
    }
  });

  it('round-trips: decode(encode(t)) equals t (categorical exactly, numeric within float32 tolerance)', () => {
    const t = mixedTable(1000, 3);
    const encoder = TableEncoder.fit(t);
    const back = encoder.decode(encoder.encode(t), t.rows.length);
    expect(back.schema).toEqual(t.schema);
    for (let i = 0; i < t.rows.length; i++) {
      expect(back.rows[i][1]).toBe(t.rows[i][1]);
      expect(back.rows[i][5]).toBe(t.rows[i][5]);
      expect(back.rows[i][0]).toBeCloseTo(t.rows[i][0], 4);
      // Integer-valued columns come back exactly (rounded), even through the log transform.
      expect(back.rows[i][2]).toBe(t.rows[i][2]);
      expect(back.rows[i][3]).toBe(t.rows[i][3]);
      expect(back.rows[i][4]).toBe(7);
    }
  });

  it('round-trips the census table exactly', () => {
    const t = generateCensus({ rows: 3000, seed: 9 });
    const encoder = TableEncoder.fit(t);
    expect(encoder.width).toBe(4 + 4 + 8 + 4 + 2 + 2);
    expect(encoder.decode(encoder.encode(t), t.rows.length)).toEqual(t);
  });

  it('log-transforms heavy-tailed non-negative columns only, unless told not to', () => {
    const t = mixedTable(2000, 4);
    const encoder = TableEncoder.fit(t, { numeric: 'standard' });
    expect(numericEntry(encoder, 'gain').transform).toBe('log1p');
    expect(numericEntry(encoder, 'count').transform).toBe('identity');
    expect(numericEntry(encoder, 'x').transform).toBe('identity'); // takes negative values
    const gainOffset = 5; // x, colour×3, count, gain
    const x = encoder.encode(t);
    let maxEncoded = -Infinity;
    for (let i = 0; i < 2000; i++) maxEncoded = Math.max(maxEncoded, x[i * encoder.width + gainOffset]);
    expect(maxEncoded).toBeLessThan(6);
    const plain = TableEncoder.fit(t, { numeric: 'standard', heavyTails: 'none' });
    expect(numericEntry(plain, 'gain').transform).toBe('identity');
    const xPlain = plain.encode(t);
    let maxPlain = -Infinity;
    for (let i = 0; i < 2000; i++) maxPlain = Math.max(maxPlain, xPlain[i * plain.width + gainOffset]);
    expect(maxPlain).toBeGreaterThan(maxEncoded);
  });

  it('decodes model output: clips to the fitted range, rounds integer columns, argmax per block', () => {
    const t = mixedTable(500, 5);
    const encoder = TableEncoder.fit(t, { numeric: 'standard', exclude: ['label', 'gain'] });
    const countEntry = numericEntry(encoder, 'count');
    const xEntry = numericEntry(encoder, 'x');
    // width: x, colour×3, count, constant
    const out = new Float32Array([
      100, 0.2, 0.7, 0.1, -100, 3,
      -100, 0.9, -1, 0.3, 0.123, -3,
      NaN, 0.1, 0.2, 0.3, 0, 0,
    ]);
    const decoded = encoder.decode(out, 3);
    expect(decoded.rows[0]).toEqual([xEntry.max, 1, countEntry.min, 7]);
    expect(decoded.rows[1][0]).toBe(xEntry.min);
    expect(decoded.rows[1][1]).toBe(0);
    expect(Number.isInteger(decoded.rows[1][2])).toBe(true);
    expect(decoded.rows[1][2]).toBe(Math.round(Math.fround(0.123) * countEntry.std + countEntry.mean));
    expect(decoded.rows[2][1]).toBe(2);
    expect(Number.isFinite(decoded.rows[2][0])).toBe(true);
    expect(() => encoder.decode(out, 4)).toThrow(/need 24 values/);
  });

  it('encodes by column name: extra columns, another column order and another category order give the same matrix', () => {
    const t = mixedTable(100, 6);
    const encoder = TableEncoder.fit(t, { exclude: ['label'] });
    const expected = encoder.encode(t);
    // Reverse the columns and renumber colours under a permuted category list.
    const permuted = ['blue', 'red', 'green'];
    const reordered: Table = {
      schema: {
        columns: [...t.schema.columns]
          .reverse()
          .map((c) => (c.name === 'colour' ? { ...c, categories: permuted } : c)),
      },
      rows: t.rows.map((r) => {
        const copy = [...r];
        copy[1] = permuted.indexOf(['red', 'green', 'blue'][r[1]]);
        return copy.reverse();
      }),
    };
    expect(encoder.encode(reordered)).toEqual(expected);
  });

  it('refuses tables it cannot encode', () => {
    const t = mixedTable(50, 7);
    const encoder = TableEncoder.fit(t);
    const without: Table = { schema: { columns: t.schema.columns.slice(1) }, rows: t.rows.map((r) => r.slice(1)) };
    expect(() => encoder.encode(without)).toThrow(/lacks column "x"/);
    const purple: Table = {
      schema: { columns: t.schema.columns.map((c) => (c.name === 'colour' ? { ...c, categories: ['red', 'green', 'purple'] } : c)) },
      rows: t.rows.map((r, i) => (i === 0 ? [r[0], 2, ...r.slice(2)] : r)),
    };
    expect(() => encoder.encode(purple)).toThrow(/"purple", unknown when fitted/);
    expect(() => TableEncoder.fit(t, { exclude: ['nope'] })).toThrow(/nope/);
  });

  it('maps a constant column to 0 (std floor) and back to the constant', () => {
    const t = mixedTable(50, 8);
    const encoder = TableEncoder.fit(t, { numeric: 'standard' });
    expect(numericEntry(encoder, 'constant').std).toBe(1e-6);
    const x = encoder.encode(t);
    const offset = 1 + 3 + 1 + 1;
    for (let i = 0; i < 50; i++) expect(x[i * encoder.width + offset]).toBe(0);
  });

  it('survives toJSON / JSON.stringify / fromJSON unchanged', () => {
    const t = mixedTable(300, 9);
    const encoder = TableEncoder.fit(t, { exclude: ['label'] });
    const restored = TableEncoder.fromJSON(JSON.parse(JSON.stringify(encoder.toJSON())));
    expect(restored.width).toBe(encoder.width);
    expect(restored.schema).toEqual(encoder.schema);
    expect(restored.encode(t)).toEqual(encoder.encode(t));
    const x = encoder.encode(t);
    expect(restored.decode(x, 300)).toEqual(encoder.decode(x, 300));
    expect(() => TableEncoder.fromJSON({ version: 2, columns: [] })).toThrow(/version: 1/);
    const broken = encoder.toJSON() as TableEncoderJSON;
    (broken.columns[0] as { mean: unknown }).mean = 'zero';
    expect(() => TableEncoder.fromJSON(broken)).toThrow(/malformed/);
  });

  it('keeps the label column usable for a classifier when excluded from features', () => {
    const t = generateCensus({ rows: 100, seed: 1 });
    const encoder = TableEncoder.fit(t, { exclude: ['income'] });
    expect(() => columnIndex(encoder.schema, 'income')).toThrow();
    expect(encoder.encode(t).length).toBe(100 * encoder.width);
  });

  describe("quantile-normal transform (numeric: 'quantile', the default)", () => {
    it('maps each numeric column to roughly N(0, 1) and round-trips the census table exactly', () => {
      const t = generateCensus({ rows: 4000, seed: 12 });
      const encoder = TableEncoder.fit(t);
      const x = encoder.encode(t);
      const j = 0; // age, the first column
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < 4000; i++) {
        sum += x[i * encoder.width + j];
        sq += x[i * encoder.width + j] ** 2;
      }
      expect(Math.abs(sum / 4000)).toBeLessThan(0.05);
      expect(Math.sqrt(sq / 4000)).toBeGreaterThan(0.85);
      expect(Math.sqrt(sq / 4000)).toBeLessThan(1.1);
      expect(encoder.decode(x, 4000)).toEqual(t);
    });

    it('gives a point mass a band of z values that all decode to it', () => {
      // 40 holds 10 of 20 records: its band of cumulative probability is [0.25, 0.75], z in [-0.674, 0.674].
      const values = [1, 2, 3, 4, 5, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 60, 61, 62, 63, 64];
      const t = { schema: { columns: [{ name: 'h', type: 'numeric' as const }] }, rows: values.map((v) => [v]) };
      const encoder = TableEncoder.fit(t);
      const x = encoder.encode(t);
      expect(x[5]).toBeCloseTo(0, 6); // middle of the band
      const decoded = encoder.decode(new Float32Array([-0.6, 0, 0.6, -3, 3]), 5);
      expect(decoded.rows).toEqual([[40], [40], [40], [1], [64]]);
    });

    it('interpolates a many-valued column through a quantile grid and survives JSON', () => {
      const n = 5000;
      const rows = Array.from({ length: n }, (_, i) => [Math.sin(i) * 100 + i / 10]);
      const t = { schema: { columns: [{ name: 'v', type: 'numeric' as const }] }, rows };
      const encoder = TableEncoder.fit(t);
      const back = encoder.decode(encoder.encode(t), n);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(back.rows[i][0] - rows[i][0]));
      expect(worst).toBeLessThan(2); // the grid's spacing, on a range of ~700
      const again = TableEncoder.fromJSON(JSON.parse(JSON.stringify(encoder.toJSON())));
      expect(again.encode(t)).toEqual(encoder.encode(t));
    });
  });

  describe("categorical: 'standardised'", () => {
    it('gives every one-hot coordinate mean 0 and std 1, and decodes by the argmax of the un-standardised scores', () => {
      const t = generateCensus({ rows: 3000, seed: 4 });
      const encoder = TableEncoder.fit(t, { categorical: 'standardised' });
      const x = encoder.encode(t);
      for (const [start, end] of encoder.oneHotBlocks()) {
        for (let j = start; j < end; j++) {
          let sum = 0;
          let sq = 0;
          for (let i = 0; i < 3000; i++) {
            sum += x[i * encoder.width + j];
            sq += x[i * encoder.width + j] ** 2;
          }
          expect(Math.abs(sum / 3000)).toBeLessThan(1e-4);
          expect(Math.sqrt(sq / 3000)).toBeCloseTo(1, 3);
        }
      }
      expect(encoder.decode(x, 3000)).toEqual(t);
      const again = TableEncoder.fromJSON(JSON.parse(JSON.stringify(encoder.toJSON())));
      expect(again.decode(x, 3000)).toEqual(t);
    });

    it('compares shares, not standardised scores, when decoding', () => {
      // 'a' is 90% of records, 'b' 10%: a raw score of 0.6 for 'a' and 0.4 for 'b' must decode to 'a', though
      // standardised, b's 0.4 lies further above its mean than a's 0.6 does.
      const rows = Array.from({ length: 100 }, (_, i) => [i < 90 ? 0 : 1]);
      const t = { schema: { columns: [{ name: 'c', type: 'categorical' as const, categories: ['a', 'b'] }] }, rows };
      const encoder = TableEncoder.fit(t, { categorical: 'standardised' });
      const z = (raw: number, p: number) => (raw - p) / Math.sqrt(p * (1 - p));
      const decoded = encoder.decode(new Float32Array([z(0.6, 0.9), z(0.4, 0.1)]), 1);
      expect(decoded.rows).toEqual([[0]]);
    });
  });
});
