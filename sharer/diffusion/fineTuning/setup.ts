/**
 * What each fine-tuning method (full.ts, lora.ts, classEmbedding.ts) prepares for the run and hands back after it:
 * the copy's starting weights and classes, the training step's hook (trainingLoop.ts, FineTuningStep), and the
 * tensors that make up its lineage hash.
 */
import type { WeightSpec } from '../denoiserWeights';
import type { FineTuningStep } from '../trainingLoop';
import type { ResolvedFineTuneSpec } from './spec';
import type { LineagePart } from './lineage';

/** The base model as a method sees it: read-only copies, never its variables. */
export interface BaseWeights {
  specs: readonly WeightSpec[];
  /** Copies of the base's weights by name (a method may not change them: they are the reference of the deltas). */
  weights: ReadonlyMap<string, Float32Array>;
  numClasses: number;
}

export interface FineTuneSetup {
  /** The copy's weights before the first step (the base's, plus the new class row for class-embedding). */
  startWeights: Map<string, Float32Array>;
  /** The copy's numClasses. */
  numClasses: number;
  /** The labels the copy trains on. */
  labels: Int32Array | null;
  step: FineTuningStep;
  /** Names of the weights the run trains or adapts, in spec order. */
  adaptedWeights: string[];
  /** Number of scalars Adam updates. */
  trainableParameters: number;
  /** class-embedding: the new class's id. */
  newClass?: number;
  /** After the run (the copy's final weights given): what the lineage hash covers, in a stable order. */
  lineage(finalWeights: ReadonlyMap<string, Float32Array>): LineagePart[];
  /** Frees the run's tensors (adapters, kept copies). */
  dispose(): void;
}

export type MethodSetup = (base: BaseWeights, labels: Int32Array | null, spec: ResolvedFineTuneSpec) => FineTuneSetup;

/** A deep copy of a weight map. */
export function copyWeights(weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  return new Map([...weights].map(([name, values]) => [name, Float32Array.from(values)]));
}
