/**
 * Sweeps: one scenario that runs several variants, e.g. the poisoning ratio α ∈ {0, 0.1, …, 0.5}, or the
 * property share p ∈ {0.1, …, 0.9} of the sharer's data. `sweep:` lists (path, values) pairs; the variants are
 * their cartesian product. Each variant is the scenario with those values set, validated as a scenario of its
 * own, and run with fresh processes and the same seed (so variants differ only in what is swept: paired runs).
 *
 * Report paths address a variant by its label in brackets: `variants[alpha=0.5].receiver.downstream…`.
 */
import { scenarioSchema, type Scenario } from './schema';
import type { SweepValue } from './sweepSchema';
import { checkScenarioConsistency } from './consistency';

export { sweepEntrySchema, sweepValueSchema, type SweepEntry, type SweepValue } from './sweepSchema';

export interface ScenarioVariant {
  /** e.g. "alpha=0.5" or "alpha=0.5,method=greedy" (the last path segment, then the value or its label). */
  label: string;
  overrides: Record<string, SweepValue>;
  scenario: Scenario;
}

function setAtPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: Record<string, unknown> = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new Error(`sweep path ${path}: "${key}" is not a field holding further fields in this scenario`);
    }
    node = next as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** The label segment of one override: the path's last field name, "=", the value (or its name in `labels`). */
export function overrideLabel(path: string, value: string | number | boolean): string {
  return `${path.split('.').pop()}=${value}`;
}

/** Variants already expanded, by scenario object: the loader expands them to validate, the runner runs the same list. */
const expanded = new WeakMap<Scenario, ScenarioVariant[]>();

/**
 * Expands a validated scenario's `sweep` into variants (an empty list when it has none), once per scenario object:
 * the loader's expansion (which validates every variant) is the one the runner runs. Each variant is validated; a
 * variant that breaks the schema or a cross-field rule throws an Error naming the variant, the path and what was
 * expected. The list is shared: callers must not change it.
 */
export function scenarioVariants(scenario: Scenario): readonly ScenarioVariant[] {
  const known = expanded.get(scenario);
  if (known) return known;
  const variants = expandVariants(scenario);
  expanded.set(scenario, variants);
  return variants;
}

function expandVariants(scenario: Scenario): ScenarioVariant[] {
  const sweep = scenario.sweep ?? [];
  if (sweep.length === 0) return [];
  type Combo = { overrides: Record<string, SweepValue>; labels: string[] };
  // Each field is set by one entry: two would overwrite each other in an order nobody chose (a path inside another's
  // subtree, like sharer and sharer.defences, counts as the same field).
  const owner = new Map<string, number>();
  sweep.forEach((entry, i) => {
    const paths = 'cases' in entry ? [...new Set(entry.cases.flatMap((c) => Object.keys(c.set)))] : [entry.path];
    for (const path of paths) {
      for (const [other, j] of owner) {
        if (j !== i && (other === path || other.startsWith(`${path}.`) || path.startsWith(`${other}.`))) {
          throw new Error(`sweep[${i}]: ${path} is also set by sweep[${j}] (${other}): each field is swept by one entry`);
        }
      }
      owner.set(path, i);
    }
  });
  let combos: Combo[] = [{ overrides: {}, labels: [] }];
  for (const entry of sweep) {
    combos = combos.flatMap((combo) =>
      'cases' in entry
        ? entry.cases.map((c) => ({ overrides: { ...combo.overrides, ...c.set }, labels: [...combo.labels, `${entry.name}=${c.label}`] }))
        : entry.values.map((value, i) => ({
            overrides: { ...combo.overrides, [entry.path]: value },
            labels: [...combo.labels, overrideLabel(entry.path, entry.labels ? entry.labels[i] : (value as string | number | boolean))],
          })),
    );
  }
  return combos.map(({ overrides, labels }) => {
    const label = labels.join(',');
    const raw = JSON.parse(JSON.stringify(scenario)) as Record<string, unknown>;
    delete raw.sweep;
    for (const [path, value] of Object.entries(overrides)) setAtPath(raw, path, JSON.parse(JSON.stringify(value)));
    const parsed = scenarioSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new Error(`sweep variant ${label}: ${first.path.join('.')}: ${first.message}`);
    }
    const problems = checkScenarioConsistency(parsed.data);
    if (problems.length > 0) {
      throw new Error(`sweep variant ${label}: ${problems[0].path.join('.')}: ${problems[0].message}`);
    }
    return { label, overrides, scenario: parsed.data };
  });
}

/**
 * Whether a poisoning config is honest: no poisoning, method none, or α = 0 (a fair random selection). The one
 * definition: the sharer (which then draws a random subset meeting the constraint), the sweep check and the FPA
 * summary's baseline all ask it.
 */
export function poisoningIsHonest(p: { method: string; alpha: number } | undefined): boolean {
  return !p || p.method === 'none' || p.alpha === 0;
}

/** Whether a scenario's sharer is honest (poisoningIsHonest of its poisoning). */
export function sharerIsHonest(scenario: Scenario): boolean {
  return poisoningIsHonest(scenario.sharer.poisoning);
}

/**
 * A sweep in which some variant poisons but none is honest has no baseline for the FPA losses (cli/studies/fpa.ts):
 * the message to show at load, or null when the sweep is fine.
 */
export function missingHonestVariant(variants: readonly ScenarioVariant[]): string | null {
  if (!variants.some((v) => !sharerIsHonest(v.scenario)) || variants.some((v) => sharerIsHonest(v.scenario))) return null;
  return (
    `every variant poisons the sharer's training set (${variants.map((v) => v.label).join('; ')}) but none is honest: ` +
    'the fairness-poisoning losses are measured against an honest variant; add 0 to the sharer.poisoning.alpha values'
  );
}
