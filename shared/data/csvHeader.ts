/**
 * A csv header's names as the scenario addresses them. Files in the wild repeat names (two "capital-gain" columns
 * after a join, an unnamed index column twice): such a column is addressed as `name#k`, the k-th column (1-based) the
 * header names so, and given a name of its own with `rename`. A name the header still repeats after the renames is an
 * error naming it, since matching it would silently pick one of the columns.
 */
import { DataError } from './errors';

/** `capital-gain#2` → the second "capital-gain" column. */
const OCCURRENCE = /^(.*)#([1-9][0-9]*)$/;

/**
 * The header's names after `rename` (a map from a header name, or `name#k`, to the new name). Throws a DataError at
 * the header line for a key that names no column, for two keys naming one column, and for names still repeated.
 */
export function renamedHeader(names: readonly string[], rename: Readonly<Record<string, string>>, file: string, line: number): string[] {
  const out = [...names];
  const renamed = new Map<number, string>();
  for (const [key, to] of Object.entries(rename)) {
    const index = headerIndexOf(names, key, file, line);
    if (renamed.has(index)) {
      throw new DataError(`rename: "${key}" and "${renamed.get(index)}" name the same column ${index + 1}; keep one`, { file, line });
    }
    renamed.set(index, key);
    out[index] = to;
  }
  const positions = new Map<string, number[]>();
  out.forEach((name, i) => positions.set(name, [...(positions.get(name) ?? []), i + 1]));
  const repeated = [...positions].filter(([, at]) => at.length > 1);
  if (repeated.length > 0) {
    const described = repeated.map(([name, at]) => `"${name}" (columns ${at.join(', ')})`).join(', ');
    const [name] = repeated[0];
    throw new DataError(
      `the header names ${described} more than once: give all but one a name of their own, e.g. rename: { "${name}#2": ${name}_2 }`,
      { file, line },
    );
  }
  return out;
}

/** Index of the column a rename key names: a name the header holds once, or `name#k`. */
function headerIndexOf(names: readonly string[], key: string, file: string, line: number): number {
  const exact = names.flatMap((name, i) => (name === key ? [i] : []));
  if (exact.length === 1) return exact[0];
  if (exact.length > 1) {
    throw new DataError(`rename: the header names "${key}" ${exact.length} times: expected "${key}#1" … "${key}#${exact.length}" to say which`, { file, line });
  }
  const occurrence = OCCURRENCE.exec(key);
  if (occurrence) {
    const [, name, k] = occurrence;
    const at = names.flatMap((n, i) => (n === name ? [i] : []));
    if (at.length > 0 && Number(k) <= at.length) return at[Number(k) - 1];
    if (at.length > 0) throw new DataError(`rename: "${key}" asks for column "${name}" number ${k}, but the header names it ${at.length} time(s)`, { file, line });
  }
  throw new DataError(`rename: "${key}" is not a column of the header (header: ${names.join(', ')})`, { file, line });
}
