/**
 * References to datasets: `sharer.data`, `sharer.encoderData`, `receiver.testData`, a move's `auxData` or `reference`,
 * `membership.nonMembersFrom`. A reference is a key of `datasets:`, or `<key>.<part>`, one part of a dataset declared
 * with `split` (schema.ts csvSplitSchema). Dataset and part names hold no ".", so the first "." separates them. Every
 * reader of a reference goes through this module, so a part is a dataset like any other everywhere else.
 */
import type { DatasetConfig } from './schema';

export interface DatasetRef {
  /** The key under `datasets:`. */
  name: string;
  /** The part of its `split`, when the reference names one. */
  part?: string;
}

export function parseDatasetRef(ref: string): DatasetRef {
  const dot = ref.indexOf('.');
  return dot < 0 ? { name: ref } : { name: ref.slice(0, dot), part: ref.slice(dot + 1) };
}

/** The parts a declaration is split into, in declaration order; [] when it is not split. */
export function partsOf(dataset: DatasetConfig): string[] {
  return dataset.source === 'csv' && dataset.split ? Object.keys(dataset.split.parts) : [];
}

/** Every reference the declared datasets offer: the keys of unsplit datasets and `<key>.<part>` of split ones. */
export function datasetRefsOffered(datasets: Readonly<Record<string, DatasetConfig>>): string[] {
  return Object.entries(datasets).flatMap(([name, dataset]) => {
    const parts = partsOf(dataset);
    return parts.length === 0 ? [name] : parts.map((part) => `${name}.${part}`);
  });
}

/** Why `ref` names no dataset, or null when it names one. */
export function datasetRefProblem(datasets: Readonly<Record<string, DatasetConfig>>, ref: string): string | null {
  const { name, part } = parseDatasetRef(ref);
  const offered = datasetRefsOffered(datasets).join(', ') || '(none)';
  if (!Object.hasOwn(datasets, name)) return `expected the name of a dataset declared under datasets (declared: ${offered})`;
  const parts = partsOf(datasets[name]);
  if (part === undefined && parts.length > 0) {
    return `"${name}" is split into parts (${parts.join(', ')}): expected one of them, ${parts.map((p) => `${name}.${p}`).join(', ')}`;
  }
  if (part !== undefined && parts.length === 0) return `"${name}" has no split: expected "${name}" itself (declared: ${offered})`;
  if (part !== undefined && !parts.includes(part)) return `"${name}" has no part "${part}" (split.parts: ${parts.join(', ')})`;
  return null;
}

/** The declaration `ref` names (a part's is its whole dataset's), or undefined when it names none. */
export function declaredDataset(datasets: Readonly<Record<string, DatasetConfig>>, ref: string): DatasetConfig | undefined {
  return datasetRefProblem(datasets, ref) === null ? datasets[parseDatasetRef(ref).name] : undefined;
}

/**
 * Whether two references read one file without being two parts of one split (which are disjoint by construction):
 * a party's own data must not come from the file of another party's.
 */
export function readSameFile(datasets: Readonly<Record<string, DatasetConfig>>, a: string, b: string): boolean {
  const da = declaredDataset(datasets, a);
  const db = declaredDataset(datasets, b);
  if (!da || !db || !('path' in da) || !('path' in db) || da.path !== db.path) return false;
  const [ra, rb] = [parseDatasetRef(a), parseDatasetRef(b)];
  const partsOfOneSplit = ra.name === rb.name && ra.part !== undefined && rb.part !== undefined && ra.part !== rb.part;
  return !partsOfOneSplit;
}
