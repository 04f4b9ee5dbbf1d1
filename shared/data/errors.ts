/**
 * Bad input files are the most common way a scenario fails, so every loader reports them the same way: which
 * file, which line, which column, and what it expected. Callers can catch `DataError` to tell "your data is
 * wrong" apart from bugs.
 */

export interface DataErrorLocation {
  file: string;
  /** 1-based physical line of the file where the offending record starts. */
  line?: number;
  column?: string;
}

export class DataError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly column?: string;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(detail: string, where: DataErrorLocation) {
    super(`${formatLocation(where)}: ${detail}`);
    this.name = 'DataError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.detail = detail;
  }
}

/** "path:12, column "age"": the editor-friendly `file:line` first so terminals make it clickable. */
function formatLocation(where: DataErrorLocation): string {
  let text = where.file;
  if (where.line !== undefined) text += `:${where.line}`;
  if (where.column !== undefined) text += `, column "${where.column}"`;
  return text;
}
