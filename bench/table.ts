/**
 * Bench results: one row per measured figure, printed as a table and saved as JSON under bench/results/
 * (gitignored). Every bench (this backend bench, a broker-overhead bench, …) builds `BenchRow`s and hands them
 * to `printTable` / `writeResults`, so results read the same and can be compared across runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';

export interface BenchRow {
  /** What was measured, e.g. "MLP DDPM train (batch 256, Adam)". */
  task: string;
  /** Who ran it, e.g. "tfjs wasm + fixes", "PyTorch 2.1 (OpenBLAS, 2 threads)". */
  runner: string;
  /** The figure; null when the runner was skipped (say why in `note`). */
  value: number | null;
  /** Unit of `value`, e.g. "steps/s", "records/s", "ms". */
  unit: string;
  /** How it was measured or why it was skipped (step counts, warm-up, errors). */
  note?: string;
}

/** Facts about the machine and software that every result needs beside it (stack.md §4: name BLAS and threads). */
export type BenchEnvironment = Record<string, string | number | boolean | null>;

function formatValue(row: BenchRow): string {
  if (row.value === null) return 'skipped';
  const digits = row.value >= 100 ? 0 : row.value >= 10 ? 1 : row.value >= 1 ? 2 : 3;
  return `${row.value.toFixed(digits)} ${row.unit}`;
}

/** Rows grouped by task (tasks in order of first appearance, rows within a task in their order). */
function groupedByTask(rows: BenchRow[]): BenchRow[] {
  const tasks = [...new Set(rows.map((r) => r.task))];
  return tasks.flatMap((task) => rows.filter((r) => r.task === task));
}

/** Prints rows as an aligned text table (task, runner, value, note) to stdout, grouped by task. */
export function printTable(rows: BenchRow[], out: NodeJS.WritableStream = process.stdout): void {
  const header = ['task', 'runner', 'value', 'note'];
  const cells = groupedByTask(rows).map((r) => [r.task, r.runner, formatValue(r), r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string =>
    c.map((text, i) => (i === 2 ? text.padStart(widths[i]) : text.padEnd(widths[i]))).join('  ').trimEnd();
  out.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const c of cells) out.write(`${line(c)}\n`);
}

/** Prints "key: value" lines for the environment. */
export function printEnvironment(environment: BenchEnvironment, out: NodeJS.WritableStream = process.stdout): void {
  const width = Math.max(...Object.keys(environment).map((k) => k.length));
  for (const [key, value] of Object.entries(environment)) out.write(`${key.padEnd(width)}  ${String(value)}\n`);
}

/**
 * Writes `{ name, timestamp, environment, rows }` to bench/results/<name>-<timestamp>.json and returns the path.
 * The timestamp is ISO-8601 with ':' and '.' replaced, so file names sort by time and are valid everywhere.
 */
export function writeResults(name: string, rows: BenchRow[], environment: BenchEnvironment = {}): string {
  const timestamp = new Date().toISOString();
  const dir = path.join(repoRoot(), 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${timestamp.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ name, timestamp, environment, rows }, null, 2)}\n`);
  return file;
}
