/**
 * The second-pass checks of a `source: csv` declaration (consistency.ts calls them): every column its `filters`,
 * `missing.policy`, `dropColumns` and `split.stratifyBy` name must be declared in `columns`, with a type that suits the
 * use. What needs the file itself (the header, repeated names, `rename` keys) is checked when it is read
 * (shared/data/csv.ts, csvHeader.ts).
 */
import type { CsvDatasetConfig, TaskConfig } from './schema';
import { listForMessage, type PathIssue } from './errors';

export function checkCsvDataset(name: string, ds: CsvDatasetConfig, task: TaskConfig): PathIssue[] {
  const issues: PathIssue[] = [];
  const at = (...path: Array<string | number>) => ['datasets', name, ...path];
  const declared = Object.keys(ds.columns);
  // The loader adds the value written ("(got …)") to these messages.
  const undeclared = () => `expected a column declared in columns (declared: ${listForMessage(declared)})`;

  ds.filters.forEach((filter, i) => {
    const type = ds.columns[filter.column];
    if (type === undefined) {
      issues.push({ path: at('filters', i, 'column'), message: undeclared() });
      return;
    }
    if (filter.range !== undefined && type !== 'numeric') {
      issues.push({ path: at('filters', i, 'range'), message: `a range needs a numeric column, but "${filter.column}" is ${type}: use equals or in` });
    }
    if (type === 'numeric') {
      const values: Array<[Array<string | number>, string | number]> =
        filter.equals !== undefined ? [[['equals'], filter.equals]] : (filter.in ?? []).map((v, k) => [['in', k], v]);
      for (const [where, value] of values) {
        if (typeof value !== 'number') {
          issues.push({ path: at('filters', i, ...where), message: `expected a number: "${filter.column}" is numeric` });
        }
      }
    }
  });

  for (const [column, policy] of Object.entries(ds.missing.policy)) {
    const type = ds.columns[column];
    if (type === undefined) issues.push({ path: at('missing', 'policy', column), message: undeclared(), pointAt: 'key' });
    else if (policy === 'category' && type !== 'categorical') {
      issues.push({ path: at('missing', 'policy', column), message: `category needs a categorical column, but "${column}" is ${type}: expected drop or error` });
    }
  }

  const seenDropped = new Set<string>();
  ds.dropColumns.forEach((column, i) => {
    if (ds.columns[column] === undefined) issues.push({ path: at('dropColumns', i), message: undeclared() });
    else if (seenDropped.has(column)) issues.push({ path: at('dropColumns', i), message: 'expected each column at most once' });
    else if (column === task.label || column === task.sensitive) {
      issues.push({ path: at('dropColumns', i), message: `must not drop a task column (task.label = ${task.label}, task.sensitive = ${task.sensitive})` });
    }
    seenDropped.add(column);
  });
  if (declared.every((column) => seenDropped.has(column))) {
    issues.push({ path: at('dropColumns'), message: 'must leave at least one declared column' });
  }

  const renamedTo = new Map<string, string>();
  for (const [from, to] of Object.entries(ds.rename)) {
    const earlier = renamedTo.get(to);
    if (earlier !== undefined) issues.push({ path: at('rename', from), message: `"${earlier}" is renamed to "${to}" already: expected a name of its own` });
    renamedTo.set(to, from);
  }

  if (ds.split) {
    const seen = new Set<string>();
    ds.split.stratifyBy.forEach((column, i) => {
      const type = ds.columns[column];
      if (type === undefined) issues.push({ path: at('split', 'stratifyBy', i), message: undeclared() });
      else if (type !== 'categorical') issues.push({ path: at('split', 'stratifyBy', i), message: `expected a categorical column, but "${column}" is ${type}` });
      else if (seen.has(column)) issues.push({ path: at('split', 'stratifyBy', i), message: 'expected each column at most once' });
      seen.add(column);
    });
    if (ds.propertyShare) {
      // A property share set before the split would set it in every part, the receiver's included.
      issues.push({ path: at('propertyShare'), message: 'not with split: it would set the share in every part; size the parts with split.parts' });
    }
  }
  return issues;
}
