/**
 * Fine-tuning a copy of a trained DDPM, the receiver's move in Shake-to-Leak (Li et al., SaTML 2024): a few hundred
 * steps on data of one class make a fine-tuned copy reproduce more of the base's training data than the base does.
 * Three methods (docs/fine-tuning.md): 'full' (S2L's DreamBooth analogue without prior preservation), 'lora' (LoRA
 * on the dense weights and conv kernels, merged into the weights) and 'class-embedding' (textual inversion's
 * analogue: one new class row). The base is only read; the copy trains through the models' own training loop
 * (trainingLoop.ts) with a fine-tuning step hook, Adam at a constant learning rate and global-norm clipping.
 */
import { deriveSeed } from '../../shared/random';
import { TabularDdpm } from './tabularDdpm';
import type { ImageDdpm } from './imageDdpm';
import { resolveFineTuneSpec, WHO, type FineTuneMethod, type FineTuneSpec, type ResolvedFineTuneSpec } from './fineTuning/spec';
import { copyModel, recordSize } from './fineTuning/modelCopy';
import { deltaNorm, lineageSha256 } from './fineTuning/lineage';
import type { MethodSetup } from './fineTuning/setup';
import { setUpFullFineTune } from './fineTuning/full';
import { setUpLora } from './fineTuning/lora';
import { setUpClassEmbedding } from './fineTuning/classEmbedding';

export { FINE_TUNE_METHODS, FINE_TUNE_DEFAULTS, resolveFineTuneSpec } from './fineTuning/spec';
export type { FineTuneMethod, FineTuneSpec, ResolvedFineTuneSpec } from './fineTuning/spec';

export interface FineTuneOutcome {
  /** Mean training loss per window of 50 steps (the last may be shorter), and the step at the end of each. */
  losses: number[];
  lossSteps: number[];
  stepsPerSecond: number;
  /** Scalars Adam updated: the selected weights (full), r·(d_in + d_out) per adapted weight (lora), one row (class-embedding). */
  trainableParameters: number;
  /** The weights trained (full), adapted (lora) or grown (class-embedding: class/E), in save order. */
  adaptedWeights: string[];
  /** sha256 (hex) of what the run learned, in a stable order (fineTuning/lineage.ts): the lineage the broker logs. */
  deltaSha256: string;
  /** ‖W − W₀‖₂ over every weight, W₀ the copy's starting weights (the base's; for class-embedding with the new row a copy of its class's). */
  deltaNorm: number;
  /** class-embedding: the id of the new class (the base's numClasses). */
  newClass?: number;
}

const SETUPS: Record<FineTuneMethod, MethodSetup> = {
  full: setUpFullFineTune,
  lora: setUpLora,
  'class-embedding': setUpClassEmbedding,
};

/**
 * Fine-tunes a copy of `base` on `data` (records in the model's input format: encoded rows for the tabular model,
 * NHWC images in [0, 1] for the image model) with `labels` (null only for an unconditional model). Returns the copy
 * (same class, same config but for class-embedding's extra class) and what the run did. `base` is never changed.
 */
export async function fineTuneCopy<M extends TabularDdpm | ImageDdpm>(base: M, data: Float32Array, labels: Int32Array | null, spec: FineTuneSpec): Promise<{ model: M; outcome: FineTuneOutcome }> {
  const resolved = resolveFineTuneSpec(spec);
  checkData(base, data, labels);
  const baseWeights = base.getWeights();
  const setup = SETUPS[resolved.method]({ specs: base.weightSpecs, weights: baseWeights, numClasses: base.config.numClasses }, labels, resolved);
  let model: M | null = null;
  try {
    model = copyModel(base, setup.startWeights, setup.numClasses);
    const bounds = model instanceof TabularDdpm ? model.dataBounds : null;
    const result = await model.train(data, setup.labels, {
      steps: resolved.steps,
      batchSize: resolved.batchSize,
      learningRate: resolved.learningRate,
      lrDecay: 'constant',
      gradClipNorm: resolved.gradClipNorm,
      seed: deriveSeed(resolved.seed, 'fine-tune/batches'),
      fineTuning: setup.step,
    });
    // train() widens the tabular model's x̂₀-clipping bounds to the data it sees; the copy keeps the base's, so that the
    // sham (learning rate 0) samples exactly as the base and the receiver's data do not move the sharer's bounds.
    if (model instanceof TabularDdpm) model.dataBounds = bounds;
    const finalWeights = model.getWeights();
    const deltaSha256 = lineageSha256(lineageHeader(resolved), setup.lineage(finalWeights));
    const outcome: FineTuneOutcome = {
      losses: result.losses,
      lossSteps: result.lossSteps,
      stepsPerSecond: result.stepsPerSecond,
      trainableParameters: setup.trainableParameters,
      adaptedWeights: setup.adaptedWeights,
      deltaSha256,
      deltaNorm: deltaNorm(finalWeights, setup.startWeights),
      ...(setup.newClass !== undefined ? { newClass: setup.newClass } : {}),
    };
    model.metadata = { ...model.metadata, fineTuning: { ...resolved, baseStepsTrained: base.stepsTrained, deltaSha256, newClass: setup.newClass ?? null } };
    return { model, outcome };
  } catch (err) {
    model?.dispose();
    throw err;
  } finally {
    setup.dispose();
  }
}

/** The method and the numbers that give the hashed tensors their meaning (LoRA's ΔW = (α/r)·A·B). */
function lineageHeader(spec: ResolvedFineTuneSpec): string {
  return spec.method === 'lora' ? `lora rank=${spec.rank} alpha=${spec.loraAlpha}` : spec.method;
}

function checkData(base: TabularDdpm | ImageDdpm, data: Float32Array, labels: Int32Array | null): void {
  const size = recordSize(base);
  if (!(data instanceof Float32Array) || data.length === 0 || data.length % size !== 0) {
    throw new Error(`${WHO}: data must be a non-empty Float32Array of whole records of ${size} values (the model's record size), got ${data?.length ?? 'none'} values`);
  }
  const n = data.length / size;
  const C = base.config.numClasses;
  if (C > 0 && labels === null) throw new Error(`${WHO}: labels are required for a class-conditional model (numClasses = ${C})`);
  if (C === 0 && labels !== null) throw new Error(`${WHO}: labels must be null for an unconditional model (numClasses = 0)`);
  if (labels !== null && labels.length !== n) throw new Error(`${WHO}: ${labels.length} labels for ${n} records`);
}
