/**
 * What a fine-tune asks of a sharer model (docs/shake-to-leak.md): the spec as the sharer's model code takes it,
 * read from the wire with S2L's defaults filled in, and the capability a model kind offers when it can be fine-tuned.
 */
import { FINE_TUNE_METHODS, type FineTuneMethod } from '../shared/scenario/lists';
import type { FineTuneSpec__Output } from '../shared/grpc/generated/sharebox/FineTuneSpec';
import type { Table } from '../shared/data/table';
import type { TabularGenerator } from './tabularGenerator';
import { fineTuneCopy, type FineTuneOutcome, type FineTuneSpec } from './diffusion/fineTune';
import type { TabularDdpm } from './diffusion/tabularDdpm';
import type { ImageDdpm } from './diffusion/imageDdpm';

import { FINE_TUNE_DEFAULTS } from '../shared/scenario/fineTuneDefaults';

/** S2L's LoRA settings (VITA-Group/Shake-to-Leak `scripts/lora_db.sh`, PEFT's defaults): r = 8, α = 32, clip 1.0. */
const DEFAULT_LORA_RANK = FINE_TUNE_DEFAULTS.rank;
const DEFAULT_LORA_ALPHA = FINE_TUNE_DEFAULTS.loraAlpha;

export interface FineTuneRequest {
  method: FineTuneMethod;
  steps: number;
  batchSize: number;
  /** Constant; 0 is the sham control (the version's weights equal the base's). */
  learningRate: number;
  rank: number;
  loraAlpha: number;
  /** Weight-name patterns to adapt; empty = every dense / conv weight. */
  modules: string[];
  seed: number;
}

export interface FineTuneResult {
  finalLoss: number;
  trainableParameters: number;
  deltaSha256: string;
  /** class-embedding: the new class's index. */
  newClass?: number;
}

/** A model kind that can be fine-tuned: a copy adapted to `records`, the model itself unchanged. */
export interface FineTunable {
  fineTune(records: Table, request: FineTuneRequest): Promise<{ model: TabularGenerator; outcome: FineTuneResult }>;
}

/** The wire spec checked and completed; an error names the field. */
export function fineTuneRequestOf(spec: FineTuneSpec__Output): FineTuneRequest {
  if (!(FINE_TUNE_METHODS as readonly string[]).includes(spec.method)) {
    throw new Error(`spec.method: "${spec.method}" is not a fine-tuning method (expected one of ${FINE_TUNE_METHODS.join(', ')})`);
  }
  for (const [field, value] of [['steps', spec.steps], ['batch_size', spec.batchSize]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`spec.${field}: expected a positive integer, got ${value}`);
  }
  if (!Number.isFinite(spec.learningRate) || spec.learningRate < 0) throw new Error(`spec.learning_rate: expected ≥ 0, got ${spec.learningRate}`);
  if (!Number.isInteger(spec.rank) || spec.rank < 0) throw new Error(`spec.rank: expected a non-negative integer (0 = the default ${DEFAULT_LORA_RANK}), got ${spec.rank}`);
  if (!Number.isFinite(spec.loraAlpha) || spec.loraAlpha < 0) throw new Error(`spec.lora_alpha: expected ≥ 0 (0 = the default ${DEFAULT_LORA_ALPHA}), got ${spec.loraAlpha}`);
  return {
    method: spec.method as FineTuneMethod,
    steps: spec.steps,
    batchSize: spec.batchSize,
    learningRate: spec.learningRate,
    rank: spec.rank || DEFAULT_LORA_RANK,
    loraAlpha: spec.loraAlpha || DEFAULT_LORA_ALPHA,
    modules: [...spec.modules],
    seed: spec.seed,
  };
}

/**
 * A fine-tuned copy of a model's DDPM on its encoded records (the DDPM itself unchanged), with what the reply
 * reports. A class-embedding copy is refused: its new class is one the label column cannot name, so its records
 * would have no label to be served with (docs/shake-to-leak.md, "Not yet").
 */
export async function fineTunedDdpm<D extends TabularDdpm | ImageDdpm>(
  ddpm: D,
  x: Float32Array,
  classes: Int32Array,
  request: FineTuneRequest,
): Promise<{ ddpm: D; outcome: FineTuneResult }> {
  const { model, outcome } = await fineTuneCopy(ddpm, x, classes, fineTuneSpecOf(request));
  if (outcome.newClass !== undefined) {
    model.dispose();
    throw new Error('spec.method: class-embedding fine-tunes are not served as model versions yet (full and lora are)');
  }
  return { ddpm: model, outcome: fineTuneResultOf(outcome) };
}

/** The request as the fine-tuning library takes it: S2L's gradient clipping; no modules = the method's default set. */
function fineTuneSpecOf(request: FineTuneRequest): FineTuneSpec {
  return {
    method: request.method,
    steps: request.steps,
    batchSize: request.batchSize,
    learningRate: request.learningRate,
    gradClipNorm: FINE_TUNE_DEFAULTS.gradClipNorm,
    rank: request.rank,
    loraAlpha: request.loraAlpha,
    ...(request.modules.length > 0 ? { modules: request.modules } : {}),
    seed: request.seed,
  };
}

/** What the reply reports of the library's outcome: the last window's mean loss, the size and hash of the change. */
function fineTuneResultOf(outcome: FineTuneOutcome): FineTuneResult {
  return {
    finalLoss: outcome.losses[outcome.losses.length - 1] ?? NaN,
    trainableParameters: outcome.trainableParameters,
    deltaSha256: outcome.deltaSha256,
    ...(outcome.newClass !== undefined ? { newClass: outcome.newClass } : {}),
  };
}
