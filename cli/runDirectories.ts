/**
 * The directories a run writes into (`--out`, `--cache`), created and checked before any party starts: a cache
 * that cannot be written would otherwise be found out only when the sharer saves the model it has just trained,
 * and an `--out` that cannot be created would surface as a stack trace, or not at all (below).
 * Each problem is one line: the flag, the path, what was expected and what was found.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface DirectoryRequirement {
  /** How the user named the directory: `--out`, `--cache`, `$SHAREBOX_CACHE_DIR`. */
  flag: string;
  /** Absolute path. */
  dir: string;
  /** The run folder must be new or empty: its audit log is append-only, and logs from two runs must not mix. */
  mustBeEmpty?: boolean;
}

/** Creates the directory if needed and checks it can be written into. Returns the problem, or null. */
export function prepareRunDirectory({ flag, dir, mustBeEmpty = false }: DirectoryRequirement): string | null {
  const problem = createDirectory(dir);
  if (problem) return `${flag} ${dir}: expected a directory sharebox can create, but ${problem}`;
  if (mustBeEmpty) {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch (err) {
      return `${flag} ${dir}: expected a new or empty directory, but it cannot be listed (${reasonOf(err)})`;
    }
    if (entries.length > 0) {
      const shown = entries.sort().slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
      return `${flag} ${dir}: expected a new or empty directory, but it already holds ${shown}; choose another`;
    }
  }
  const probe = path.join(dir, `.sharebox-write-check-${process.pid}`);
  try {
    fs.writeFileSync(probe, '', { flag: 'wx' });
    fs.unlinkSync(probe);
  } catch (err) {
    return `${flag} ${dir}: expected a directory sharebox can write into, but writing a file there failed (${reasonOf(err)})`;
  }
  return null;
}

/**
 * `mkdir -p`, one missing component at a time, so that every failure is final. Node's own recursive mkdir reads an
 * ENOENT as "the parent is missing", creates the parent (EEXIST: fine) and retries the child forever; under /proc
 * or /sys, where a directory that exists refuses new entries with ENOENT, that loop never ends (100 % CPU, no
 * output). Returns what went wrong, or null.
 */
function createDirectory(dir: string): string | null {
  const missing: string[] = [];
  let existing = dir;
  for (;;) {
    let stat: fs.Stats | null;
    try {
      stat = fs.statSync(existing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a component above is a file; the walk up reaches it and says so.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `${existing} cannot be examined (${reasonOf(err)})`;
      stat = null;
    }
    if (stat) {
      if (!stat.isDirectory()) return `${existing} is not a directory`;
      break;
    }
    const parent = path.dirname(existing);
    if (parent === existing) return `${existing} does not exist`;
    missing.unshift(existing);
    existing = parent;
  }
  for (const component of missing) {
    try {
      fs.mkdirSync(component);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // procfs and sysfs answer ENOENT for a name they do not provide, even though the parent exists.
      const why = code === 'ENOENT' ? `${path.dirname(component)} does not accept new directories` : reasonOf(err);
      return `mkdir ${component} failed (${why})`;
    }
  }
  return null;
}

function reasonOf(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EEXIST: 'something is already there',
  };
  return code ? `${code}: ${reasons[code] ?? message}` : message;
}
