/**
 * Generic CSV loader: a header row, then one record per line (RFC 4180 quoting, so quoted fields may hold the
 * separator, doubled quotes and line breaks). The scenario names and types the columns it wants; the file may
 * hold more, which are dropped. Files from the wild get declarative preprocessing (the scenario's `rename`, `filters`,
 * `missing`): repeated header names addressed by occurrence, rows filtered by rule, missing cells dropped, kept as a
 * category or refused, each with a count of what it dropped. No CSV library is installed, so the parser below is a small hand-written
 * state machine; it reports every problem as a DataError with the file and the line where the record starts.
 */
import * as fs from 'fs';
import { ColumnSpec, ColumnType, Table } from './table';
import { DataError } from './errors';
import { renamedHeader } from './csvHeader';
import { compileFilter, describeFilter, type RowFilter } from './rowFilters';

export type CsvColumns = Record<string, ColumnType> | ColumnSpec[];

/** What a missing cell becomes in a column: its row dropped, a category of its own, or an error naming the line. */
export type MissingPolicy = 'drop' | 'category' | 'error';

/** Which cells are missing, and each column's policy (the scenario's `missing:`). */
export interface CsvMissing {
  /** Cell texts (after trimming) that mean "missing"; [] makes empty cells ordinary values (errors in numeric columns). */
  values: string[];
  /** The policy of the columns `policy` does not name. */
  default: 'drop' | 'error';
  policy: Record<string, MissingPolicy>;
  /** The category a missing cell becomes under the `category` policy. */
  categoryName: string;
}

/** Empty cells drop their row: what a table with gaps most often needs, and what the loader always did. */
export const DEFAULT_MISSING: CsvMissing = { values: [''], default: 'drop', policy: {}, categoryName: '?' };

export interface CsvOptions {
  /** The columns to keep, in output order. A Record keeps its key order (avoid integer-like names there). */
  columns: CsvColumns;
  /** One character; default ",". Fields are trimmed, so ", " separated files load with ",". */
  separator?: string;
  /** Header names (or `name#k` for the k-th of a repeated name) → new names, applied before `columns` is matched. */
  rename?: Record<string, string>;
  /** Rows kept: those passing every filter, each on a declared column. */
  filters?: RowFilter[];
  /** Missing cells; fields left out take DEFAULT_MISSING's. */
  missing?: Partial<CsvMissing>;
}

export interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts (a quoted field may continue it over several lines). */
  line: number;
}

/** Reads a whole text file, turning "no such file" and "nothing in it" into DataErrors. Strips a UTF-8 BOM. */
export function readDataFile(path: string): string {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, expected a file' : String(err);
    throw new DataError(reason, { file: path });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new DataError('file is empty, expected a header row and data rows', { file: path, line: 1 });
  return text;
}

/**
 * Splits CSV text into records. Blank lines are skipped (files often end with one). A quote opens a quoted field
 * only at the start of a field (leading spaces allowed, for ", "-separated files); elsewhere it is literal.
 */
export function parseCsvRecords(text: string, file: string, separator = ','): CsvRecord[] {
  if (separator.length !== 1 || separator === '"' || separator === '\n' || separator === '\r') {
    throw new Error(`CSV separator must be one character other than a quote or a line break, got ${JSON.stringify(separator)}`);
  }
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let line = 1;
  let recordLine = 1;
  // A lone quoted empty field ("") is a value, not a blank line.
  let recordHasQuotedField = false;
  let i = 0;
  const n = text.length;

  const endRecord = () => {
    const blank = fields.length === 1 && fields[0].trim() === '' && !recordHasQuotedField;
    if (!blank) records.push({ fields, line: recordLine });
    fields = [];
    recordHasQuotedField = false;
  };

  while (i <= n) {
    // At the start of a field: skip spaces to see whether it is quoted.
    let j = i;
    while (j < n && (text[j] === ' ' || text[j] === '\t') && text[j] !== separator) j++;
    if (j < n && text[j] === '"') {
      const quoteLine = line;
      const parts: string[] = [];
      let k = j + 1;
      for (;;) {
        const q = text.indexOf('"', k);
        if (q < 0) {
          throw new DataError('unterminated quoted field: expected a closing quote (")', { file, line: quoteLine });
        }
        const chunk = text.slice(k, q);
        line += countLineBreaks(chunk);
        parts.push(chunk);
        if (text[q + 1] === '"') {
          parts.push('"');
          k = q + 2;
        } else {
          k = q + 1;
          break;
        }
      }
      fields.push(parts.join(''));
      recordHasQuotedField = true;
      // Only spaces may sit between the closing quote and the separator or line end.
      while (k < n && (text[k] === ' ' || text[k] === '\t')) k++;
      i = k;
      if (i >= n) {
        endRecord();
        break;
      }
      const c = text[i];
      if (c === separator) {
        i++;
        continue;
      }
      if (c === '\n' || c === '\r') {
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        endRecord();
        line++;
        recordLine = line;
        continue;
      }
      throw new DataError(`expected "${separator}" or the end of the line after a closing quote, found ${JSON.stringify(c)}`, {
        file,
        line,
      });
    }
    // Unquoted field: runs to the next separator or line break.
    let k = i;
    while (k < n && text[k] !== separator && text[k] !== '\n' && text[k] !== '\r') k++;
    fields.push(text.slice(i, k));
    if (k >= n) {
      endRecord();
      break;
    }
    if (text[k] === separator) {
      i = k + 1;
      continue;
    }
    i = k + (text[k] === '\r' && text[k + 1] === '\n' ? 2 : 1);
    endRecord();
    line++;
    recordLine = line;
    if (i >= n) break;
  }
  return records;
}

function countLineBreaks(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\n') count++;
    else if (s[i] === '\r' && s[i + 1] !== '\n') count++;
  }
  return count;
}

/** Parses a trimmed numeric field; anything Number() would accept except "" and non-finite values. */
export function parseNumericField(raw: string, where: { file: string; line: number; column: string }): number {
  const value = raw === '' ? NaN : Number(raw);
  if (!Number.isFinite(value)) {
    throw new DataError(`expected a number in numeric column "${where.column}", found ${JSON.stringify(raw)}`, where);
  }
  return value;
}

/** Normalises the scenario's column list and checks it for mistakes that are not the file's fault. */
function normaliseColumns(columns: CsvColumns): ColumnSpec[] {
  const specs: ColumnSpec[] = Array.isArray(columns)
    ? columns.map((c) => ({ ...c }))
    : Object.entries(columns).map(([name, type]) => ({ name, type }));
  if (specs.length === 0) throw new Error('loadCsv: `columns` must name at least one column');
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new Error(`loadCsv: column "${spec.name}" is named twice in \`columns\``);
    seen.add(spec.name);
    if (spec.type !== 'numeric' && spec.type !== 'categorical') {
      throw new Error(`loadCsv: column "${spec.name}" has type ${JSON.stringify(spec.type)}, expected "numeric" or "categorical"`);
    }
    if (spec.categories && new Set(spec.categories).size !== spec.categories.length) {
      throw new Error(`loadCsv: column "${spec.name}" lists a category twice`);
    }
  }
  return specs;
}

/**
 * Sorted distinct values become the category list, so the codes do not depend on row order. Values that are all
 * numbers sort numerically ("2" before "10"); otherwise by UTF-16 code units (locale-independent).
 */
function sortCategories(values: Iterable<string>): string[] {
  const distinct = [...new Set(values)];
  const allNumeric = distinct.every((v) => v !== '' && Number.isFinite(Number(v)));
  return allNumeric
    ? distinct.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What the file's rows became: the counts the report shows beside the dataset (`trainingData.loaded`). */
export interface CsvLoadFacts {
  /** Data rows in the file (the header and blank lines not counted). */
  rowsRead: number;
  /** Per filter, in the scenario's order: the rows it dropped (a row is counted against the first filter it fails). */
  droppedByFilter: Array<{ filter: string; rows: number }>;
  /** Per column with the `drop` policy: the rows dropped for a missing cell there (the first such column of the row). */
  droppedByMissing: Record<string, number>;
  /** Rows left: rowsRead minus every drop. */
  rowsKept: number;
}

/**
 * Reads a csv file into a table: header (with `rename`), then per row the filters, then the missing-value policy,
 * then the values. Every problem of the file is a DataError naming its line (and column).
 */
export function readCsv(path: string, opts: CsvOptions): { table: Table; facts: CsvLoadFacts } {
  const specs = normaliseColumns(opts.columns);
  const missing = { ...DEFAULT_MISSING, ...opts.missing };
  const missingValues = new Set(missing.values);
  const filters = opts.filters ?? [];
  const text = readDataFile(path);
  const records = parseCsvRecords(text, path, opts.separator ?? ',');
  if (records.length === 0) throw new DataError('file is empty, expected a header row', { file: path, line: 1 });

  const header = records[0];
  const headerNames = renamedHeader(
    header.fields.map((f) => f.trim()),
    opts.rename ?? {},
    path,
    header.line,
  );
  const fieldIndex = specs.map((spec) => {
    const at = headerNames.indexOf(spec.name);
    if (at < 0) {
      throw new DataError(`the scenario names column "${spec.name}" but the header lacks it (header: ${headerNames.join(', ')})`, {
        file: path,
        line: header.line,
        column: spec.name,
      });
    }
    return at;
  });
  if (records.length === 1) {
    throw new DataError('expected at least one data row after the header', { file: path, line: header.line + 1 });
  }

  const specIndex = (column: string, what: string): number => {
    const c = specs.findIndex((spec) => spec.name === column);
    if (c < 0) throw new Error(`loadCsv: ${what} names column "${column}", which \`columns\` does not declare`);
    return c;
  };
  const compiledFilters = filters.map((filter) => {
    const c = specIndex(filter.column, `filter ${describeFilter(filter)}`);
    return { c, test: compileFilter(filter, specs[c].type, (cell, line) => parseNumericField(cell, { file: path, line, column: filter.column }), path) };
  });
  const policies = specs.map((spec) => missing.policy[spec.name] ?? missing.default);
  for (const column of Object.keys(missing.policy)) specIndex(column, 'missing.policy');
  specs.forEach((spec, c) => {
    if (policies[c] === 'category' && spec.type !== 'categorical') {
      throw new Error(`loadCsv: missing.policy.${spec.name} is category, but "${spec.name}" is numeric: expected drop or error`);
    }
  });
  const facts: CsvLoadFacts = {
    rowsRead: records.length - 1,
    droppedByFilter: filters.map((filter) => ({ filter: describeFilter(filter), rows: 0 })),
    droppedByMissing: {},
    rowsKept: 0,
  };

  // Categorical columns without a fixed list are coded after the pass, once all their values are known.
  const fixedCodes = specs.map((spec) => (spec.categories ? new Map(spec.categories.map((c, code) => [c, code])) : null));
  const rawCategorical: string[][] = [];
  const rows: number[][] = [];
  rowLoop: for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    if (fields.length !== headerNames.length) {
      throw new DataError(`expected ${headerNames.length} fields (as in the header) but found ${fields.length}`, { file: path, line });
    }
    const cells = fieldIndex.map((at) => {
      const raw = fields[at].trim();
      return missingValues.has(raw) ? null : raw;
    });
    for (let f = 0; f < compiledFilters.length; f++) {
      if (!compiledFilters[f].test(cells[compiledFilters[f].c], line)) {
        facts.droppedByFilter[f].rows++;
        continue rowLoop;
      }
    }
    // `error` before `drop`: a column that must not miss a value is checked on every row the filters keep.
    const missingAt = specs.flatMap((_, c) => (cells[c] === null ? [c] : []));
    const fatal = missingAt.find((c) => policies[c] === 'error');
    if (fatal !== undefined) {
      const raw = fields[fieldIndex[fatal]].trim();
      throw new DataError(`missing value ${JSON.stringify(raw)}, which missing.policy makes an error here: expected a value, or a policy drop or category`, {
        file: path,
        line,
        column: specs[fatal].name,
      });
    }
    const dropAt = missingAt.find((c) => policies[c] === 'drop');
    if (dropAt !== undefined) {
      facts.droppedByMissing[specs[dropAt].name] = (facts.droppedByMissing[specs[dropAt].name] ?? 0) + 1;
      continue;
    }
    const row = new Array<number>(specs.length);
    const rawRow: string[] = new Array(specs.length);
    for (let c = 0; c < specs.length; c++) {
      const spec = specs[c];
      // Only the `category` policy leaves a missing cell here (numeric columns cannot have it).
      const raw = cells[c] ?? missing.categoryName;
      if (spec.type === 'numeric') {
        row[c] = parseNumericField(raw, { file: path, line, column: spec.name });
        continue;
      }
      const codes = fixedCodes[c];
      if (codes) {
        const code = codes.get(raw);
        if (code === undefined) {
          throw new DataError(`${JSON.stringify(raw)} is not a category of "${spec.name}" (expected one of: ${spec.categories!.join(', ')})`, {
            file: path,
            line,
            column: spec.name,
          });
        }
        row[c] = code;
      } else {
        rawRow[c] = raw;
      }
    }
    rows.push(row);
    rawCategorical.push(rawRow);
  }
  facts.rowsKept = rows.length;
  if (rows.length === 0) {
    const byFilters = facts.droppedByFilter.reduce((sum, f) => sum + f.rows, 0);
    const byMissing = Object.values(facts.droppedByMissing).reduce((sum, n) => sum + n, 0);
    throw new DataError(
      `no data row is left: of ${facts.rowsRead} read, ${byFilters} failed a filter and ${byMissing} had a missing value ` +
        `(${[...missingValues].map((m) => JSON.stringify(m)).join(', ')}) in a column whose policy is drop`,
      { file: path },
    );
  }

  const columns: ColumnSpec[] = specs.map((spec, c) => {
    if (spec.type === 'numeric') return { name: spec.name, type: 'numeric' };
    if (spec.categories) return { name: spec.name, type: 'categorical', categories: [...spec.categories] };
    const categories = sortCategories(rawCategorical.map((raw) => raw[c]));
    const code = new Map(categories.map((v, k) => [v, k]));
    for (let r = 0; r < rows.length; r++) rows[r][c] = code.get(rawCategorical[r][c])!;
    return { name: spec.name, type: 'categorical', categories };
  });
  return { table: { schema: { columns }, rows }, facts };
}

/** The table of `readCsv`, without its facts. */
export function loadCsv(path: string, opts: CsvOptions): Table {
  return readCsv(path, opts).table;
}
