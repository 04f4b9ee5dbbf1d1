/**
 * The `mnist` dataset source: one part (pool, aux or test) of the seeded MNIST split (mnist.ts) as image records
 * (imageTable.ts). Columns, in order:
 *   digit   categorical, the task's digits as strings ("0", "1" for the pair [0, 1]; "0" … "9" for parity)
 *   parity  categorical "even" / "odd" (parity task only)
 *   stroke  categorical "thin" / "thick": the sensitive attribute S (ink mass above its digit's median)
 *   px0 …   the 784 intensities in [0, 1]
 * A scenario names the label (`digit`, or `parity`) and the sensitive column (`stroke`) in `task:`.
 */
import { MNIST_SIZE, splitMnist, type ImageSet, type MnistSplitFractions, type MnistTask } from './mnist';
import { pixelColumns, pixelCount } from './imageTable';
import type { ColumnSpec, Table } from './table';

export const MNIST_PARTS = ['pool', 'aux', 'test'] as const;
export type MnistPart = (typeof MNIST_PARTS)[number];
export const STROKE_CATEGORIES = ['thin', 'thick'];
export const PARITY_CATEGORIES = ['even', 'odd'];

export interface MnistTableSpec {
  task: MnistTask;
  part: MnistPart;
  split: MnistSplitFractions;
  /** Seed of the split's shuffle: the three parts are disjoint only when they share task, fractions and seed. */
  splitSeed: number;
}

/** The digits a task uses, ascending. */
export function taskDigits(task: MnistTask): number[] {
  return 'parity' in task ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : [...task.digits].sort((a, b) => a - b);
}

/** Attribute columns then pixel columns, as `mnistTable` builds them (also the loader's column contract). */
export function mnistColumns(task: MnistTask): ColumnSpec[] {
  const columns: ColumnSpec[] = [{ name: 'digit', type: 'categorical', categories: taskDigits(task).map(String) }];
  if ('parity' in task) columns.push({ name: 'parity', type: 'categorical', categories: [...PARITY_CATEGORIES] });
  columns.push({ name: 'stroke', type: 'categorical', categories: [...STROKE_CATEGORIES] });
  return [...columns, ...pixelColumns({ height: MNIST_SIZE, width: MNIST_SIZE, channels: 1 })];
}

export function imageSetTable(set: ImageSet, task: MnistTask): Table {
  const shape = { height: set.height, width: set.width, channels: set.channels };
  const n = pixelCount(shape);
  const digits = taskDigits(task);
  const parity = 'parity' in task;
  const rows: number[][] = new Array(set.n);
  for (let i = 0; i < set.n; i++) {
    const row = [digits.indexOf(set.digits[i])];
    if (parity) row.push(set.digits[i] % 2);
    row.push(set.s[i]);
    const pixels = set.data.subarray(i * n, (i + 1) * n);
    for (let k = 0; k < n; k++) row.push(pixels[k]);
    rows[i] = row;
  }
  return { schema: { columns: mnistColumns(task), image: shape }, rows };
}

export function mnistTable(spec: MnistTableSpec): Table {
  return imageSetTable(splitMnist(spec.task, spec.splitSeed, spec.split)[spec.part], spec.task);
}
