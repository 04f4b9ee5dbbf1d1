/**
 * The receiver's real test split: its own dataset, balanced into equal (s, y) cells when `receiver.balanceTest`
 * is set (the FPA paper evaluates on a balanced test set, so a DP gap measures the classifier, not the test
 * data's own S–Y dependence). The referee calls this too, so its train-on-real baseline sees the same records.
 */
import { loadDataset } from '../data/loadDataset';
import type { ResolvedDataset } from '../scenario/slices';
import { balanceCells } from '../data/split';
import type { Table, TaskSpec } from '../data/table';
import { Rng, deriveSeed } from '../random';

export interface TestSplitConfig {
  /** The receiver's seed (its slice's `seed`). */
  seed: number;
  testData: ResolvedDataset;
  task: TaskSpec;
  balanceTest: boolean;
}

export function receiverTestSplit(config: TestSplitConfig): Table {
  const test = loadDataset(config.testData, config.testData.seed);
  return config.balanceTest ? balanceCells(test, config.task, new Rng(deriveSeed(config.seed, 'balanceTest'))) : test;
}
