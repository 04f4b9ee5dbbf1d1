/**
 * Turns zod issues into the scenario's own wording: "what was expected (got X)", with "X" read from the parsed
 * YAML rather than from zod's generic text, and unknown fields named one by one with the fields allowed there.
 */
import type { z } from 'zod';
import type { PathIssue, ScenarioIssuePath } from './errors';

type ZodIssue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The raw value at `path`, and whether every step of the path exists. */
export function valueAt(root: unknown, path: ScenarioIssuePath): { found: boolean; value: unknown } {
  let node: unknown = root;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number' && segment < node.length) {
      node = node[segment];
    } else if (isPlainObject(node) && Object.hasOwn(node, String(segment))) {
      node = node[String(segment)];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value: node };
}

/** How a found value reads in a message: strings quoted, collections named. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') {
    const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(text);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (isPlainObject(value)) return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping';
  return typeof value;
}

const TYPE_NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'an empty value',
};

function bound(issue: { origin: string; inclusive?: boolean; exact?: boolean }, limit: number | bigint, side: 'min' | 'max'): string {
  const n = Number(limit);
  switch (issue.origin) {
    case 'array':
    case 'set':
      if (issue.exact) return `expected exactly ${n} items`;
      if (side === 'min') return n === 1 && issue.inclusive !== false ? 'expected a non-empty list' : `expected at least ${n} items`;
      return `expected at most ${n} items`;
    case 'string':
      if (issue.exact) return `expected exactly ${n} character${n === 1 ? '' : 's'}`;
      if (side === 'min') return n === 1 ? 'expected a non-empty string' : `expected at least ${n} characters`;
      return `expected at most ${n} characters`;
    default: {
      const noun = issue.origin === 'int' ? 'an integer' : 'a number';
      const op = side === 'min' ? (issue.inclusive === false ? '>' : '≥') : issue.inclusive === false ? '<' : '≤';
      return `expected ${noun} ${op} ${n}`;
    }
  }
}

// --- Walking the schema to list the fields allowed at a path (for unknown-field messages). ---------------------

interface DefLike {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  valueType?: AnySchema;
  element?: AnySchema;
  options?: AnySchema[];
  discriminator?: string;
  values?: unknown[];
}

function defOf(schema: AnySchema): DefLike {
  return schema._zod.def as unknown as DefLike;
}

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (let guard = 0; guard < 20; guard++) {
    const def = defOf(current);
    if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      break;
    }
  }
  return current;
}

/** For a discriminated union, the option whose discriminator matches the raw value; otherwise the schema itself. */
function pickOption(schema: AnySchema, raw: unknown): AnySchema | undefined {
  const s = unwrap(schema);
  const def = defOf(s);
  if (def.type !== 'union') return s;
  if (!def.discriminator || !def.options || !isPlainObject(raw)) return undefined;
  const tag = raw[def.discriminator];
  return def.options.find((option) => {
    const field = defOf(unwrap(option)).shape?.[def.discriminator!];
    return field !== undefined && (defOf(field).values ?? []).includes(tag);
  });
}

function schemaAt(schema: AnySchema, path: ScenarioIssuePath, root: unknown): AnySchema | undefined {
  let current: AnySchema | undefined = schema;
  for (let i = 0; i < path.length && current; i++) {
    const here = pickOption(current, valueAt(root, path.slice(0, i)).value);
    if (!here) return undefined;
    const def = defOf(here);
    if (def.type === 'object') current = def.shape?.[String(path[i])];
    else if (def.type === 'record') current = def.valueType;
    else if (def.type === 'array') current = def.element;
    else return undefined;
  }
  return current ? pickOption(current, valueAt(root, path).value) : undefined;
}

/** Field names allowed in the mapping at `path`, when the schema there is a known object. */
export function allowedKeysAt(schema: AnySchema, path: ScenarioIssuePath, root: unknown): string[] | undefined {
  const at = schemaAt(schema, path, root);
  if (!at) return undefined;
  const def = defOf(at);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

export function unknownKeyMessage(key: string, allowed: string[] | undefined): string {
  if (!allowed) return `unknown field "${key}"`;
  const best = allowed
    .map((name) => ({ name, d: editDistance(key, name) }))
    .sort((x, y) => x.d - y.d)[0];
  const hint = best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean "${best.name}"?` : '';
  return `unknown field "${key}"${hint} (allowed here: ${allowed.join(', ')})`;
}

// --- Issues ------------------------------------------------------------------------------------------------

/** Appends "(got X)" when the value at the path exists. */
function withGot(message: string, root: unknown, path: ScenarioIssuePath): string {
  const { found, value } = valueAt(root, path);
  return found ? `${message} (got ${describeValue(value)})` : message;
}

/**
 * One zod issue → issues in scenario wording. An unrecognized_keys issue becomes one issue per key, with the
 * key appended to the path so the location is the key itself.
 */
export function describeZodIssue(issue: ZodIssue, root: unknown, schema: AnySchema): PathIssue[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const present = valueAt(root, path);
  const missing = (expected: string): PathIssue[] => [{ path, message: `required field is missing (expected ${expected})` }];

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(schema, path, root);
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, allowed), pointAt: 'key' as const }));
    }
    case 'invalid_type': {
      const noun = TYPE_NOUNS[issue.expected] ?? issue.expected;
      if (!present.found || present.value === undefined) return missing(noun);
      const quoteHint =
        issue.expected === 'string' && (typeof present.value === 'number' || typeof present.value === 'boolean')
          ? '; quote the value to make it a string'
          : '';
      return [{ path, message: withGot(`expected ${noun}${quoteHint}`, root, path) }];
    }
    case 'invalid_union': {
      const options = 'options' in issue ? issue.options : undefined;
      if (issue.discriminator && options && options.length > 0) {
        const expected = `one of ${options.map(String).join(' | ')}`;
        if (!present.found) return missing(expected);
        return [{ path, message: withGot(`expected ${expected}`, root, path) }];
      }
      return [{ path, message: withGot(issue.message, root, path) }];
    }
    case 'invalid_value': {
      const expected = issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map(String).join(' | ')}`;
      if (!present.found) return missing(expected);
      return [{ path, message: withGot(`expected ${expected}`, root, path) }];
    }
    case 'too_small':
      return [{ path, message: withGot(bound(issue, issue.minimum, 'min'), root, path) }];
    case 'too_big':
      return [{ path, message: withGot(bound(issue, issue.maximum, 'max'), root, path) }];
    case 'not_multiple_of':
      return [{ path, message: withGot(`expected a multiple of ${issue.divisor}`, root, path) }];
    case 'invalid_key': {
      const inner = issue.issues.map((i) => i.message).join('; ');
      return [{ path, message: `invalid name "${String(path[path.length - 1])}": ${inner}`, pointAt: 'key' }];
    }
    default:
      return [{ path, message: withGot(issue.message, root, path) }];
  }
}
