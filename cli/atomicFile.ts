/**
 * Files the runner writes for others to read (reports, the external receiver's connection file) appear whole or not at
 * all: written to a temporary sibling and renamed into place, so a reader never sees half a file.
 */
import * as fs from 'fs';

/** Writes `text` to `file` atomically; `mode` sets the permissions it is created with (e.g. 0o600 for a secret). */
export function writeFileAtomically(file: string, text: string, mode?: number): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
  fs.renameSync(tmp, file);
}
