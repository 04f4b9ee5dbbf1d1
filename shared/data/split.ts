/**
 * Row-level table utilities used by the parties: train/test splits, the (s, y)-balanced pool the fairness
 * poisoning attack draws from, the controlled-proportion subsamples of property inference sweeps, and
 * appending a column. All randomness comes from the caller's Rng; outputs share row arrays with the input
 * (rows are never mutated here).
 */
import { Rng } from '../random';
import { binaryColumn, ColumnSpec, columnIndex, selectRows, Table, TaskSpec } from './table';

/** Random split: the first table gets round(fraction × n) rows, the second the rest; both in random order. */
export function splitTable(table: Table, fraction: number, rng: Rng): [Table, Table] {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`splitTable: fraction must be in [0, 1], got ${fraction}`);
  const order = rng.shuffle(Array.from({ length: table.rows.length }, (_, i) => i));
  const cut = Math.round(fraction * order.length);
  return [selectRows(table, order.slice(0, cut)), selectRows(table, order.slice(cut))];
}

/** Row indices of each (s, y) cell, keyed "s,y" with s, y ∈ {0, 1} as defined by the task. */
export function cellIndices(table: Table, task: TaskSpec): Map<string, number[]> {
  const s = binaryColumn(table, task.sensitive, task.privileged);
  const y = binaryColumn(table, task.label, task.positive);
  const cells = new Map<string, number[]>([
    ['0,0', []],
    ['0,1', []],
    ['1,0', []],
    ['1,1', []],
  ]);
  for (let i = 0; i < s.length; i++) cells.get(`${s[i]},${y[i]}`)!.push(i);
  return cells;
}

/**
 * perCell records from each of the four (s, y) cells, shuffled together. Equal cells make S and Y independent
 * in the pool (I(S; Y) = 0), which is the starting point of the fairness poisoning attacks: the attacker then
 * picks from it to create dependence. perCell defaults to the smallest cell's size.
 */
export function balanceCells(table: Table, task: TaskSpec, rng: Rng, perCell?: number): Table {
  const cells = cellIndices(table, task);
  const sizes = [...cells.entries()].map(([key, idx]) => `(s,y)=(${key}): ${idx.length}`).join(', ');
  const smallest = Math.min(...[...cells.values()].map((idx) => idx.length));
  const k = perCell ?? smallest;
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(`balanceCells: need at least 1 record per (s, y) cell, got perCell = ${k} (cells ${sizes})`);
  }
  const chosen: number[] = [];
  for (const [key, idx] of cells) {
    if (idx.length < k) {
      throw new Error(`balanceCells: cell (s,y)=(${key}) has ${idx.length} records, fewer than the ${k} requested (cells ${sizes})`);
    }
    for (const pick of rng.sampleIndices(idx.length, k)) chosen.push(idx[pick]);
  }
  return selectRows(table, rng.shuffle(chosen));
}

/**
 * `rows` records, round(p × rows) of them with column == value and the rest without, shuffled. Property
 * inference sweeps use it to build shadow datasets with a known share of the property.
 */
export function subsampleWithProportion(table: Table, column: string, value: string, p: number, rows: number, rng: Rng): Table {
  if (!(p >= 0 && p <= 1)) throw new Error(`subsampleWithProportion: p must be in [0, 1], got ${p}`);
  if (!Number.isInteger(rows) || rows < 0) throw new Error(`subsampleWithProportion: rows must be a non-negative integer, got ${rows}`);
  const has = binaryColumn(table, column, value);
  const withValue: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < has.length; i++) (has[i] ? withValue : without).push(i);
  const wanted = Math.round(p * rows);
  if (wanted > withValue.length || rows - wanted > without.length) {
    throw new Error(
      `subsampleWithProportion: ${rows} rows with ${column} = "${value}" at share ${p} need ${wanted} with it and ${rows - wanted} without, ` +
        `but the table has ${withValue.length} and ${without.length}`,
    );
  }
  const chosen = [
    ...rng.sampleIndices(withValue.length, wanted).map((i) => withValue[i]),
    ...rng.sampleIndices(without.length, rows - wanted).map((i) => without[i]),
  ];
  return selectRows(table, rng.shuffle(chosen));
}

/** A new table with `spec` appended as the last column (values[i] goes to row i; category codes if categorical). */
export function joinColumn(table: Table, spec: ColumnSpec, values: ArrayLike<number>): Table {
  if (values.length !== table.rows.length) {
    throw new Error(`joinColumn: column "${spec.name}" has ${values.length} values for ${table.rows.length} rows`);
  }
  if (table.schema.columns.some((c) => c.name === spec.name)) {
    throw new Error(`joinColumn: the table already has a column "${spec.name}"`);
  }
  const categoryCount = spec.type === 'categorical' ? spec.categories?.length ?? 0 : 0;
  if (spec.type === 'categorical' && categoryCount === 0) throw new Error(`joinColumn: categorical column "${spec.name}" needs categories`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const ok = spec.type === 'numeric' ? Number.isFinite(v) : Number.isInteger(v) && v >= 0 && v < categoryCount;
    if (!ok) {
      const expected = spec.type === 'numeric' ? 'a finite number' : `a category code in [0, ${categoryCount})`;
      throw new Error(`joinColumn: value ${i} of column "${spec.name}" is ${v}, expected ${expected}`);
    }
  }
  const column: ColumnSpec = spec.categories ? { ...spec, categories: [...spec.categories] } : { ...spec };
  return {
    schema: { columns: [...table.schema.columns, column] },
    rows: table.rows.map((row, i) => [...row, values[i]]),
  };
}

/**
 * Row indices of named disjoint parts that cover the table exactly: `fractions` (part → share, summing to 1) cut
 * each stratum (the rows sharing the values of the categorical `stratifyBy` columns; one stratum without them) on its
 * own, so every part keeps the strata's proportions. A stratum of n rows gives part p floor(n·f_p) rows, and its
 * leftover rows one each to the parts with the largest remainders n·f_p − floor(n·f_p) (Hamilton's largest-remainder
 * method; ties to the part declared first), so a stratum of a few rows leans to the larger parts. Which rows go
 * where is a shuffle of each stratum by `rng`, strata taken in the order of their first row. Each part's indices are
 * in table order.
 */
export function stratifiedPartition(table: Table, fractions: Readonly<Record<string, number>>, stratifyBy: readonly string[], rng: Rng): Record<string, number[]> {
  const parts = Object.keys(fractions);
  const strata = new Map<string, number[]>();
  const columns = stratifyBy.map((name) => {
    const j = columnIndex(table.schema, name);
    if (table.schema.columns[j].type !== 'categorical') throw new Error(`stratifiedPartition: stratifyBy column "${name}" must be categorical`);
    return j;
  });
  table.rows.forEach((row, i) => {
    const key = columns.map((j) => row[j]).join(',');
    const members = strata.get(key);
    if (members) members.push(i);
    else strata.set(key, [i]);
  });
  const out: Record<string, number[]> = Object.fromEntries(parts.map((p) => [p, []]));
  for (const members of strata.values()) {
    const sizes = largestRemainderSizes(members.length, parts.map((p) => fractions[p]));
    const order = rng.shuffle([...members]);
    let next = 0;
    parts.forEach((p, k) => {
      out[p].push(...order.slice(next, next + sizes[k]));
      next += sizes[k];
    });
  }
  for (const p of parts) out[p].sort((a, b) => a - b);
  return out;
}

/** n split in the given shares (summing to 1): floors, then the leftovers to the largest remainders (ties: first share). */
export function largestRemainderSizes(n: number, shares: readonly number[]): number[] {
  // The epsilon keeps 10 × 0.3 = 3.0000000000000004 (or 2.9999999999999996) at 3.
  const quotas = shares.map((f) => n * f);
  const sizes = quotas.map((q) => Math.floor(q + 1e-9));
  let left = n - sizes.reduce((a, b) => a + b, 0);
  const byRemainder = quotas.map((q, k) => ({ k, remainder: q - sizes[k] })).sort((a, b) => b.remainder - a.remainder || a.k - b.k);
  for (const { k } of byRemainder) {
    if (left <= 0) break;
    sizes[k]++;
    left--;
  }
  return sizes;
}
