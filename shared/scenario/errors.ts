/**
 * Scenario errors are values with context: which file, where in it, which field, what was expected, what was
 * found. One `ScenarioError` carries every issue found, so the author fixes them in one round.
 */

/** Path of a field in the scenario, as zod reports it: keys and array indices. */
export type ScenarioIssuePath = ReadonlyArray<string | number>;

export interface ScenarioIssue {
  /** The scenario file as it was named to the loader. */
  file: string;
  /** 1-based position of the offending node (the key for an unknown field, the enclosing mapping for a missing one). */
  line: number;
  col: number;
  /** Field path; empty for the whole document or a YAML syntax error. */
  path: ScenarioIssuePath;
  /** What was expected, with the value found when there is one: `expected an integer ≥ 1 (got 0)`. */
  message: string;
  /** `yaml` for syntax errors, `schema` for structure, `consistency` for cross-field rules, `files` for paths. */
  kind: 'yaml' | 'schema' | 'consistency' | 'files';
}

/** `sharer.model.timesteps`, `expect.0.max`; the empty path is the whole document. */
export function formatIssuePath(path: ScenarioIssuePath): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/** `file:line:col: path: message` — the shape editors and terminals turn into links. */
export function formatIssue(issue: ScenarioIssue): string {
  const where = issue.kind === 'yaml' ? 'YAML syntax' : formatIssuePath(issue.path);
  return `${issue.file}:${issue.line}:${issue.col}: ${where}: ${issue.message}`;
}

export class ScenarioError extends Error {
  readonly file: string;
  readonly issues: readonly ScenarioIssue[];

  constructor(file: string, issues: readonly ScenarioIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`invalid scenario ${file} (${count}):\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ScenarioError';
    this.file = file;
    this.issues = issues;
  }
}
