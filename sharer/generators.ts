/** Trains (or loads from the cache) the generator `sharer.model.kind` names: the diffusion model or a baseline. */
import type { DpSgdOptions } from './diffusion/dpSgd';
import type { Table, TaskSpec } from '../shared/data/table';
import type { SharerModelConfig } from './config';
import { TabularModel } from './tabularModel';
import { BaselineModel } from './baselineModel';
import { ImageModel } from './imageModel';
import type { ProgressFn, TabularGenerator, TrainingReport } from './tabularGenerator';

export async function trainOrLoadGenerator(
  table: Table,
  task: TaskSpec,
  config: SharerModelConfig,
  seed: number,
  cacheDir: string,
  onProgress: ProgressFn,
  /** Train with DP-SGD (a sharer defence, sharer/moves/dp-training); the tabular DDPM only. */
  dp?: DpSgdOptions,
): Promise<{ model: TabularGenerator; report: TrainingReport }> {
  if (dp && config.kind !== 'tabular-ddpm') throw new Error(`sharer.model.kind: DP-SGD trains the tabular DDPM only, not ${config.kind}`);
  if (config.kind === 'tabular-ddpm') return TabularModel.trainOrLoad(table, task, config, seed, cacheDir, onProgress, dp);
  if (config.kind === 'image-ddpm') return ImageModel.trainOrLoad(table, task, config, seed, cacheDir, onProgress);
  return BaselineModel.trainOrLoad(table, task, config, seed, cacheDir, onProgress);
}
