/**
 * Reading a scenario file as text, or saying in one sentence why it is not one: it cannot be read, it is larger than
 * a scenario has any reason to be, or it is not UTF-8 text. Nothing of the file's content is quoted in those
 * sentences: a binary file echoed to a terminal is noise at best and escape sequences at worst.
 */
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';

/**
 * The largest scenario file read. The bundled scenarios are a few KiB; a file of megabytes is a mistake (a data set
 * or a log named by accident, or a generated list gone wrong), and it is cheaper to say so than to parse it, run it
 * and write reports as large as it is.
 */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
const LIMIT = '1 MiB';

export type ScenarioText = { text: string } | { problem: string };

export function readScenarioText(file: string): ScenarioText {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    return { problem: `cannot read the scenario file: ${reasonOf(err)}` };
  }
  let bytes: Buffer;
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) return { problem: 'expected a scenario file, but this is a directory' };
    // Checked before reading: a regular file says its size up front.
    if (stat.isFile() && stat.size > MAX_SCENARIO_BYTES) {
      return { problem: `the file is ${sizeOf(stat.size)}, over the ${LIMIT} limit for a scenario file` };
    }
    // A pipe or a device has no size to check first: read at most one byte past the limit.
    bytes = readAtMost(fd, MAX_SCENARIO_BYTES + 1);
    if (bytes.length > MAX_SCENARIO_BYTES) return { problem: `the file holds more than the ${LIMIT} limit for a scenario file` };
  } catch (err) {
    return { problem: `cannot read the scenario file: ${reasonOf(err)}` };
  } finally {
    fs.closeSync(fd);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { problem: `expected a YAML text file, but it holds a NUL byte (line ${lineAt(bytes, nul)}): is it a binary file?` };
  const badLine = firstNonUtf8Line(bytes);
  if (badLine !== null) return { problem: `expected a YAML text file in UTF-8, but line ${badLine} is not valid UTF-8 (another encoding, or a binary file?)` };
  return { text: bytes.toString('utf8') };
}

/** `52428800 bytes (50.0 MiB)`: the exact count to compare with `ls -l`, and a size to read at a glance. */
function sizeOf(bytes: number): string {
  return `${bytes} bytes (${(bytes / (1024 * 1024)).toFixed(1)} MiB)`;
}

function readAtMost(fd: number, limit: number): Buffer {
  const buffer = Buffer.alloc(limit);
  let filled = 0;
  while (filled < limit) {
    const read = fs.readSync(fd, buffer, filled, limit - filled, null);
    if (read === 0) break;
    filled += read;
  }
  return buffer.subarray(0, filled);
}

/** 1-based line of a byte offset. */
function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i >= 0 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

/** The first line that is not valid UTF-8 (a newline byte never occurs inside a multi-byte character), or null. */
function firstNonUtf8Line(bytes: Buffer): number | null {
  if (isUtf8(bytes)) return null;
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(10, start);
    if (!isUtf8(bytes.subarray(start, end < 0 ? bytes.length : end))) return line;
    if (end < 0) return null;
    start = end + 1;
  }
}

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}
