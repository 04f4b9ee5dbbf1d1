/** Trains (or loads from the cache) the generator `sharer.model.kind` names: the diffusion model or a baseline. */
import type { DpSgdOptions } from './diffusion/dpSgd';
import type { Table, TaskSpec } from '../shared/data/table';
import type { SharerModelConfig } from './config';
import type { EncoderData } from './encoderData';
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
  options: {
    /** Train with DP-SGD (a sharer defence, sharer/moves/dp-training); the tabular DDPM only. */
    dp?: DpSgdOptions;
    /** sharer.encoderData: fit the encoder on this public table (sharer/encoderData.ts); tabular models only. */
    encoderData?: EncoderData;
  } = {},
): Promise<{ model: TabularGenerator; report: TrainingReport }> {
  const { dp, encoderData } = options;
  if (dp && config.kind !== 'tabular-ddpm') throw new Error(`sharer.model.kind: DP-SGD trains the tabular DDPM only, not ${config.kind}`);
  if (config.kind === 'tabular-ddpm') return TabularModel.trainOrLoad(table, task, config, seed, cacheDir, onProgress, { dp, encoderData });
  if (config.kind === 'image-ddpm') {
    // The scenario loader refuses this already (shared/scenario/consistency.ts); this guards a slice built by hand.
    if (encoderData) throw new Error(`sharer.encoderData: applies to tabular models only, not ${config.kind} (its pixel scaling is fitted on no data)`);
    return ImageModel.trainOrLoad(table, task, config, seed, cacheDir, onProgress);
  }
  return BaselineModel.trainOrLoad(table, task, config, seed, cacheDir, onProgress, { encoderData });
}
