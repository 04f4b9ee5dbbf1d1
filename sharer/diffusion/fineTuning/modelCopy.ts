/**
 * A new model of the base's class with other weights (and possibly one more class): the fine-tune's copy. Everything
 * else the base carries (config, data bounds for x̂₀ clipping, step count, metadata) is copied, never shared.
 */
import { TabularDdpm } from '../tabularDdpm';
import { ImageDdpm } from '../imageDdpm';

export type DiffusionModel = TabularDdpm | ImageDdpm;

export function copyModel<M extends DiffusionModel>(base: M, weights: Map<string, Float32Array>, numClasses: number): M {
  const copy = base instanceof TabularDdpm ? copyTabular(base, weights, numClasses) : new ImageDdpm({ ...(base as ImageDdpm).config, numClasses }, weights);
  copy.stepsTrained = base.stepsTrained;
  copy.metadata = structuredClone(base.metadata);
  return copy as M;
}

function copyTabular(base: TabularDdpm, weights: Map<string, Float32Array>, numClasses: number): TabularDdpm {
  const copy = new TabularDdpm({ ...base.config, numClasses }, weights);
  copy.dataBounds = base.dataBounds && { min: Float32Array.from(base.dataBounds.min), max: Float32Array.from(base.dataBounds.max) };
  copy.clipMargin = base.clipMargin;
  return copy;
}

/** Values per record (the width of a row of the training data). */
export function recordSize(model: DiffusionModel): number {
  return model instanceof TabularDdpm ? model.config.dataWidth : model.imageSize;
}
