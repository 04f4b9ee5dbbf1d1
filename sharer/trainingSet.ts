/**
 * The records the sharer's model is trained on: its private data, or the selection its fairness-poisoning move
 * makes of it (docs/fpa.md). One function, called by the sharer to train and by the referee to score the run
 * against what the model really saw (the train-on-real baseline and the marginals of an FPA variant are measured
 * on the N selected records, not on the whole file the selection was made from). Deterministic in the seed.
 */
import type { Table, TaskSpec } from '../shared/data/table';
import { deriveSeed } from '../shared/random';
import { poisonTrainingSet, type PoisoningMoveRecord } from './poisoningMove';
import type { SharerPoisoningConfig } from './config';

export interface SharerTrainingSet {
  table: Table;
  /** The poisoning move's ground truth; empty for an honest sharer that trains on everything. */
  moves: PoisoningMoveRecord[];
}

/** `sharerSeed` is the sharer's own seed; the move draws from deriveSeed(sharerSeed, 'poisoning'). */
export async function sharerTrainingSet(
  privateData: Table,
  task: TaskSpec,
  poisoning: SharerPoisoningConfig | undefined,
  sharerSeed: number,
): Promise<SharerTrainingSet> {
  if (!poisoning || poisoning.method === 'none') return { table: privateData, moves: [] };
  const poisoned = await poisonTrainingSet(privateData, task, poisoning, deriveSeed(sharerSeed, 'poisoning'));
  return { table: poisoned.table, moves: [poisoned.move] };
}
