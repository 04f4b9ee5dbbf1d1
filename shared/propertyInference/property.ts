/**
 * What the receiver wants to learn the share of (Luo et al. 2024 §3.1: "the proportion p of a sensitive
 * property in the sharer's training set"). Three forms:
 *
 *   { column, value }            binary: a record has the property when its categorical `column` equals `value`
 *                                (e.g. { column: 'sex', value: 'Male' }).
 *   { column, values: [...] }    K-way (§3.5, the multi-valued extension): one class per listed value. When the
 *                                values do not cover every category of the column, the rest are pooled into a
 *                                last class OTHER_OUTCOME, so the K shares always sum to 1. K counts that class;
 *                                at least two values must be listed (one value is the binary form).
 *   { rule: { column, op, value } }
 *                                binary, a predicate on one column. Numeric columns take every operator
 *                                ('==' '!=' '<' '<=' '>' '>=' with a number, 'in' with a list of numbers);
 *                                categorical columns take '==' and '!=' (a category name) and 'in' (a list of
 *                                names). Ordering a categorical column is an error: category order is a storage
 *                                detail, not a meaning. Example: { rule: { column: 'age', op: '<', value: 30 } }.
 *
 * Everything here matches columns and categories by NAME, never by code, because the receiver's aux table and
 * the synthetic samples are loaded separately and may order categories differently.
 */
import { columnIndex, type ColumnSpec, type Table, type TableSchema } from '../data/table';
import { PropertyInferenceError } from './errors';

export const RULE_OPS = ['==', '!=', '<', '<=', '>', '>=', 'in'] as const;
export type RuleOp = (typeof RULE_OPS)[number];

export interface PropertyRule {
  column: string;
  op: RuleOp;
  /** A number (numeric column), a category name (categorical column), or a list of either for 'in'. */
  value: string | number | ReadonlyArray<string | number>;
}

export type PropertySpec =
  | { column: string; value: string }
  | { column: string; values: readonly string[] }
  | { rule: PropertyRule };

/** The pooled class of a K-way property whose values do not cover the column. */
export const OTHER_OUTCOME = '(other)';

export function isRuleProperty(spec: PropertySpec): spec is { rule: PropertyRule } {
  return 'rule' in spec;
}

export function isMultiValuedProperty(spec: PropertySpec): spec is { column: string; values: readonly string[] } {
  return 'values' in spec;
}

/** The one column the property is defined on. */
export function propertyColumn(spec: PropertySpec): string {
  return isRuleProperty(spec) ? spec.rule.column : spec.column;
}

/** Human-readable form for messages and reports, e.g. `sex == "Male"`, `marital_status ∈ {…}`, `age < 30`. */
export function describeProperty(spec: PropertySpec): string {
  if (isRuleProperty(spec)) {
    const { column, op, value } = spec.rule;
    return `${column} ${op} ${JSON.stringify(value)}`;
  }
  if (isMultiValuedProperty(spec)) return `${spec.column} ∈ {${spec.values.map((v) => JSON.stringify(v)).join(', ')}}`;
  return `${spec.column} == ${JSON.stringify(spec.value)}`;
}

/** Checks the spec on its own (no table): K ≥ 2, no duplicates, a known operator, a value of the right shape. */
export function validatePropertySpec(spec: PropertySpec): void {
  const where = describeSafely(spec);
  if (isRuleProperty(spec)) {
    const { column, op, value } = spec.rule;
    if (typeof column !== 'string' || column === '') throw new PropertyInferenceError('invalid-property', `rule ${where}: column must be a non-empty name`);
    if (!(RULE_OPS as readonly string[]).includes(op)) {
      throw new PropertyInferenceError('invalid-property', `rule ${where}: unknown operator "${op}" (known: ${RULE_OPS.join(' ')})`);
    }
    if (op === 'in') {
      if (!Array.isArray(value) || value.length === 0) {
        throw new PropertyInferenceError('invalid-property', `rule ${where}: 'in' needs a non-empty list of values`);
      }
    } else if (Array.isArray(value)) {
      throw new PropertyInferenceError('invalid-property', `rule ${where}: '${op}' takes one value, not a list (use 'in')`);
    }
    return;
  }
  if (typeof spec.column !== 'string' || spec.column === '') {
    throw new PropertyInferenceError('invalid-property', `property ${where}: column must be a non-empty name`);
  }
  if (isMultiValuedProperty(spec)) {
    if (!Array.isArray(spec.values) || spec.values.length < 2) {
      throw new PropertyInferenceError(
        'invalid-property',
        `property ${where}: a K-way property needs K ≥ 2 values, got ${Array.isArray(spec.values) ? spec.values.length : 'none'} ` +
          `(for one value use the binary form { column, value })`,
      );
    }
    const seen = new Set<string>();
    for (const v of spec.values) {
      if (seen.has(v)) throw new PropertyInferenceError('invalid-property', `property ${where}: value "${v}" is listed twice`);
      seen.add(v);
    }
  } else if (typeof spec.value !== 'string') {
    throw new PropertyInferenceError('invalid-property', `property ${where}: value must be a category name (use a rule for numeric columns)`);
  }
}

function describeSafely(spec: PropertySpec): string {
  try {
    return describeProperty(spec);
  } catch {
    return JSON.stringify(spec);
  }
}

/**
 * A property bound to one table schema: its outcome labels (class k is `outcomes[k]`) and a labeller that maps
 * each record to its class. Binary properties have outcomes [`not <property>`, `<property>`]: class 1 = has it.
 */
export interface ResolvedProperty {
  spec: PropertySpec;
  column: string;
  outcomes: string[];
  /** Class index per record of a table with the resolved schema's column (matched by name). */
  label(table: Table): Int32Array;
}

/**
 * Binds the property to `schema` (the aux table's, or the samples' on the visible path). `what` names the table
 * in errors ("aux data", "samples"). Throws missing-column / missing-value when the table cannot express it.
 */
export function resolveProperty(spec: PropertySpec, schema: TableSchema, what: string): ResolvedProperty {
  validatePropertySpec(spec);
  const column = propertyColumn(spec);
  const col = schema.columns.find((c) => c.name === column);
  if (!col) {
    throw new PropertyInferenceError(
      'missing-column',
      `${what} has no column "${column}" needed by the property ${describeProperty(spec)} (columns: ${schema.columns.map((c) => c.name).join(', ')})`,
    );
  }
  if (isRuleProperty(spec)) return resolveRule(spec, col, what);

  const categories = requireCategorical(col, spec, what);
  const wanted = isMultiValuedProperty(spec) ? [...spec.values] : [spec.value];
  for (const v of wanted) {
    if (!categories.includes(v)) {
      throw new PropertyInferenceError(
        'missing-value',
        `${what}: column "${column}" has no value "${v}" needed by the property ${describeProperty(spec)} (values: ${categories.join(', ')})`,
      );
    }
  }
  if (!isMultiValuedProperty(spec)) {
    const description = describeProperty(spec);
    const positive = spec.value;
    return {
      spec,
      column,
      outcomes: [`not ${description}`, description],
      label: (table) => labelCategorical(table, column, (value) => (value === positive ? 1 : 0)),
    };
  }
  const outcomes = [...spec.values];
  const covers = categories.every((c) => outcomes.includes(c));
  if (!covers) outcomes.push(OTHER_OUTCOME);
  const classOf = new Map(spec.values.map((v, k) => [v, k]));
  const other = spec.values.length;
  return { spec, column, outcomes, label: (table) => labelCategorical(table, column, (value) => classOf.get(value) ?? other) };
}

function requireCategorical(col: ColumnSpec, spec: PropertySpec, what: string): string[] {
  if (col.type !== 'categorical' || !col.categories) {
    throw new PropertyInferenceError(
      'invalid-property',
      `${what}: column "${col.name}" is ${col.type}; the property ${describeProperty(spec)} needs a categorical column (use a rule for numeric ones)`,
    );
  }
  return col.categories;
}

/** Maps each record's category NAME (so any code order works) to a class. */
function labelCategorical(table: Table, column: string, classOf: (value: string) => number): Int32Array {
  const j = columnIndex(table.schema, column);
  const categories = table.schema.columns[j].categories ?? [];
  const byCode = categories.map(classOf);
  const out = new Int32Array(table.rows.length);
  for (let i = 0; i < table.rows.length; i++) {
    const cls = byCode[table.rows[i][j]];
    if (cls === undefined) throw new Error(`record ${i}: column "${column}" has code ${table.rows[i][j]}, outside its ${categories.length} categories`);
    out[i] = cls;
  }
  return out;
}

function resolveRule(spec: { rule: PropertyRule }, col: ColumnSpec, what: string): ResolvedProperty {
  const { column, op, value } = spec.rule;
  const description = describeProperty(spec);
  const outcomes = [`not ${description}`, description];
  const list = Array.isArray(value) ? (value as ReadonlyArray<string | number>) : [value as string | number];

  if (col.type === 'numeric') {
    for (const v of list) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new PropertyInferenceError('invalid-property', `${what}: rule ${description}: column "${column}" is numeric, so the value must be a finite number, got ${JSON.stringify(v)}`);
      }
    }
    const numbers = list as number[];
    const x = numbers[0];
    const test: (v: number) => boolean =
      op === '==' ? (v) => v === x
      : op === '!=' ? (v) => v !== x
      : op === '<' ? (v) => v < x
      : op === '<=' ? (v) => v <= x
      : op === '>' ? (v) => v > x
      : op === '>=' ? (v) => v >= x
      : (v) => numbers.includes(v);
    return {
      spec,
      column,
      outcomes,
      label: (table) => {
        const j = columnIndex(table.schema, column);
        if (table.schema.columns[j].type !== 'numeric') {
          throw new PropertyInferenceError('invalid-property', `rule ${description}: column "${column}" is numeric in the ${what} but not in this table`);
        }
        const out = new Int32Array(table.rows.length);
        for (let i = 0; i < table.rows.length; i++) out[i] = test(table.rows[i][j]) ? 1 : 0;
        return out;
      },
    };
  }

  const categories = requireCategorical(col, spec, what);
  if (op !== '==' && op !== '!=' && op !== 'in') {
    throw new PropertyInferenceError(
      'invalid-property',
      `${what}: rule ${description}: '${op}' orders values, but column "${column}" is categorical (use '==', '!=' or 'in')`,
    );
  }
  for (const v of list) {
    if (typeof v !== 'string' || !categories.includes(v)) {
      throw new PropertyInferenceError(
        'missing-value',
        `${what}: rule ${description}: column "${column}" has no value ${JSON.stringify(v)} (values: ${categories.join(', ')})`,
      );
    }
  }
  const names = new Set(list as string[]);
  const positive = op === '!=' ? (v: string) => !names.has(v) : (v: string) => names.has(v);
  return { spec, column, outcomes, label: (table) => labelCategorical(table, column, (v) => (positive(v) ? 1 : 0)) };
}
