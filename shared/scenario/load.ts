/**
 * Scenario YAML → validated `Scenario`, or a `ScenarioError` listing every problem as
 * `file:line:col: path.to.field: what was expected (got X)`.
 *
 * Passes, each run only if the previous one found nothing (later passes need the earlier ones' guarantees):
 *   0. the file itself (scenarioFile.ts): readable, at most 1 MiB, UTF-8 text;
 *   1. YAML syntax (all syntax errors, including duplicate keys);
 *   2. structure (schema.ts: types, ranges, unknown fields, defaults) — every issue at once;
 *   3. cross-field rules (consistency.ts) and dataset files on disk — every issue at once.
 * Dataset `path`s (and an attack's `pretrained` directory) are resolved against the scenario file's directory; the
 * result holds absolute paths.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { checkScenarioConsistency, type PathIssue } from './consistency';
import { ScenarioError, type ScenarioIssue } from './errors';
import { describeValue, describeZodIssue, valueAt } from './messages';
import { readScenarioText } from './scenarioFile';
import { scenarioSchema, type Scenario } from './schema';
import { missingHonestVariant, scenarioVariants } from './sweep';

/** Reads, parses and validates a scenario file. Throws `ScenarioError`. */
export function loadScenario(file: string): Scenario {
  const read = readScenarioText(file);
  if ('problem' in read) throw new ScenarioError(file, [{ file, line: 1, col: 1, path: [], message: read.problem, kind: 'file' }]);
  return parseScenario(read.text, file);
}

/**
 * Parses and validates scenario text. `file` names the source in messages and anchors relative dataset paths
 * (its directory, resolved against the current directory).
 */
export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);

  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => ({
        file,
        ...position(e.pos[0]),
        path: [],
        // The library's own advice (parseAllDocuments) is for programmers, not scenario authors.
        message: e.code === 'MULTIPLE_DOCS' ? 'a scenario file holds a single YAML document; remove this `---` and what follows' : e.message,
        kind: 'yaml' as const,
      })),
    );
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ScenarioError(file, [{ file, line: 1, col: 1, path: [], message: (err as Error).message, kind: 'yaml' }]);
  }

  const locate = (issue: PathIssue, kind: ScenarioIssue['kind']): ScenarioIssue => ({
    file,
    ...position(offsetOf(doc, issue.path, issue.pointAt)),
    path: issue.path,
    message: issue.message,
    kind,
  });

  const parsed = scenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((issue) => describeZodIssue(issue, raw, scenarioSchema));
    throw new ScenarioError(file, sortByPosition(issues.map((i) => locate(i, 'schema'))));
  }

  const baseDir = nodePath.dirname(nodePath.resolve(file));
  const scenario = resolveDatasetPaths(parsed.data, baseDir);
  const issues = [
    ...checkScenarioConsistency(scenario).map((i) => locate(withScalarGot(i, raw), 'consistency')),
    ...checkDatasetFiles(scenario, raw).map((i) => locate(i, 'files')),
  ];
  if (issues.length > 0) throw new ScenarioError(file, sortByPosition(issues));
  // Every sweep variant must be a valid scenario too: find out now, not after the first variant has run.
  let problem: string | null;
  try {
    problem = missingHonestVariant(scenarioVariants(scenario));
  } catch (err) {
    problem = (err as Error).message;
  }
  if (problem) throw new ScenarioError(file, [locate({ path: ['sweep'], message: problem }, 'consistency')]);
  return scenario;
}

/** Makes every dataset `path` absolute, relative to `baseDir`. Returns a new scenario. */
export function resolveDatasetPaths(scenario: Scenario, baseDir: string): Scenario {
  const datasets: Scenario['datasets'] = {};
  for (const [name, dataset] of Object.entries(scenario.datasets)) {
    datasets[name] = 'path' in dataset ? { ...dataset, path: nodePath.resolve(baseDir, dataset.path) } : dataset;
  }
  // A pretrained property discriminator is a directory named like a dataset file: relative to the scenario.
  const attacks = scenario.receiver.attacks.map((attack) =>
    typeof attack.pretrained === 'string' ? { ...attack, pretrained: nodePath.resolve(baseDir, attack.pretrained) } : attack,
  );
  return { ...scenario, datasets, receiver: { ...scenario.receiver, attacks } };
}

/** The files a pretrained property discriminator directory must hold (receiver/moves/property-inference/pretrained.ts). */
const PRETRAINED_DISCRIMINATOR_FILES = ['model.json', 'sharebox-discriminator.json'];

/** Dataset files must exist before any process starts (paths already absolute). */
function checkDatasetFiles(scenario: Scenario, raw: unknown): PathIssue[] {
  const issues: PathIssue[] = [];
  for (const [name, dataset] of Object.entries(scenario.datasets)) {
    if (!('path' in dataset)) continue;
    const path = ['datasets', name, 'path'];
    const written = describeValue(valueAt(raw, path).value);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(dataset.path);
    } catch {
      stat = undefined;
    }
    if (!stat) {
      issues.push({ path, message: `expected an existing file, relative to the scenario's directory; ${dataset.path} does not exist (got ${written})` });
    } else if (!stat.isFile()) {
      issues.push({ path, message: `expected a file, but ${dataset.path} is not one (got ${written})` });
    }
  }
  scenario.receiver.attacks.forEach((attack, i) => {
    if (typeof attack.pretrained !== 'string') return;
    const path = ['receiver', 'attacks', i, 'pretrained'];
    const written = describeValue(valueAt(raw, path).value);
    const missing = PRETRAINED_DISCRIMINATOR_FILES.filter((f) => !fs.existsSync(nodePath.join(attack.pretrained as string, f)));
    if (missing.length > 0) {
      issues.push({
        path,
        message: `expected a discriminator directory, relative to the scenario's directory, holding ${PRETRAINED_DISCRIMINATOR_FILES.join(' and ')}; ${attack.pretrained} lacks ${missing.join(' and ')} (got ${written})`,
      });
    }
  });
  return issues;
}

/** Consistency messages say what was expected; add the value written when it is a scalar. */
function withScalarGot(issue: PathIssue, raw: unknown): PathIssue {
  const { found, value } = valueAt(raw, issue.path);
  if (!found || (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')) return issue;
  return { ...issue, message: `${issue.message} (got ${describeValue(value)})` };
}

function sortByPosition(issues: ScenarioIssue[]): ScenarioIssue[] {
  return issues
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => a.issue.line - b.issue.line || a.issue.col - b.issue.col || a.order - b.order)
    .map(({ issue }) => issue);
}

function start(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

/** A `key:` with nothing after it parses as an empty null scalar, positioned after the colon. */
function isEmptyValue(node: unknown): boolean {
  return node == null || (isScalar(node) && node.value === null && (!node.range || node.range[0] === node.range[1]));
}

/**
 * Source offset of the node a path names. For a path that stops existing part-way (a missing required field),
 * the deepest mapping or list that exists; for an empty value, its key; with `pointAt: 'key'`, the key.
 */
export function offsetOf(doc: Document, path: PathIssue['path'], pointAt?: 'key'): number {
  let node: unknown = doc.contents;
  let fallback = start(doc.contents as Node | null) ?? 0;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const key = isScalar(p.key) ? p.key.value : p.key;
        return key !== null && key !== undefined && String(key) === String(segment);
      });
      if (!pair) return start(node) ?? fallback;
      const keyOffset = start(pair.key as Node) ?? fallback;
      if (last && pointAt === 'key') return keyOffset;
      if (isEmptyValue(pair.value)) return keyOffset;
      fallback = keyOffset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = typeof segment === 'number' ? node.items[segment] : undefined;
      if (item === undefined) return start(node) ?? fallback;
      if (isEmptyValue(item)) return start(node) ?? fallback;
      node = item;
    } else {
      // A scalar where a mapping or list was expected: point at the scalar.
      return start(node as Node) ?? fallback;
    }
  }
  if (isAlias(node)) return start(node) ?? fallback;
  return start(node as Node) ?? fallback;
}
