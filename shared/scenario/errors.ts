/**
 * Scenario errors are values with context: which file, where in it, which field, what was expected, what was
 * found. One `ScenarioError` carries every issue found, so the author fixes them in one round.
 */

/** Path of a field in the scenario, as zod reports it: keys and array indices. */
export type ScenarioIssuePath = ReadonlyArray<string | number>;

/**
 * A problem found in a scenario, before it is located in a file. Here, in a module that imports nothing, so that every
 * checker (consistency.ts, csvChecks.ts, messages.ts) can use it without an import loop.
 */
export interface PathIssue {
  path: ScenarioIssuePath;
  /** What was expected, and the value found where there is one. */
  message: string;
  /** Point at the mapping key of the last path segment rather than its value (unknown fields, bad names). */
  pointAt?: 'key';
}

/** Values as a message lists them: comma-separated, or "(none)". */
export function listForMessage(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : values.join(', ');
}

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
  /**
   * `file` for the scenario file itself (unreadable, too large, not text), `yaml` for syntax errors, `schema` for
   * structure, `consistency` for cross-field rules, `files` for the paths it names.
   */
  kind: 'file' | 'yaml' | 'schema' | 'consistency' | 'files';
}

/** `sharer.model.timesteps`, `expect.0.max`; the empty path is the whole document. */
export function formatIssuePath(path: ScenarioIssuePath): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/**
 * Control characters (C0, DEL, C1) and the bidirectional overrides, written as `\u001b` escapes. Messages quote
 * what the scenario holds (a key, a value, a file name); raw, an escape sequence from the file would be run by the
 * terminal that shows the message (clear the screen, hide text, retitle the window), and a bidi override would
 * display the text in another order than it is.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `file:line:col: path: message` — the shape editors and terminals turn into links; `file: message` for the file as
 * a whole. Control characters are escaped wherever they come from.
 */
export function formatIssue(issue: ScenarioIssue): string {
  if (issue.kind === 'file') return escapeControlCharacters(`${issue.file}: ${issue.message}`);
  const where = issue.kind === 'yaml' ? 'YAML syntax' : formatIssuePath(issue.path);
  return escapeControlCharacters(`${issue.file}:${issue.line}:${issue.col}: ${where}: ${issue.message}`);
}

export class ScenarioError extends Error {
  readonly file: string;
  readonly issues: readonly ScenarioIssue[];

  constructor(file: string, issues: readonly ScenarioIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    // A problem with the file as a whole is the only one there can be: one line says it.
    const wholeFile = issues.length === 1 && issues[0].kind === 'file';
    super(
      wholeFile
        ? `invalid scenario ${formatIssue(issues[0])}`
        : `invalid scenario ${escapeControlCharacters(file)} (${count}):\n${issues.map(formatIssue).join('\n')}`,
    );
    this.name = 'ScenarioError';
    this.file = file;
    this.issues = issues;
  }
}
