/**
 * Full fine-tuning (S2L's DreamBooth analogue, without prior preservation): the selected weights train as they are,
 * the others stay frozen.
 */
import type { FineTuningStep } from '../trainingLoop';
import { selectFullWeights } from './weightSelection';
import { weightDelta } from './lineage';
import { copyWeights, type MethodSetup } from './setup';

export const setUpFullFineTune: MethodSetup = (base, labels, spec) => {
  const { specs } = base;
  const indices = selectFullWeights(specs, spec.modules);
  const step: FineTuningStep = {
    weightIndices: indices,
    // The parameters are the weights themselves.
    parameterGradients: (grads, weights) => weights.map((w, k) => ({ name: w.name, tensor: grads[k] })),
  };
  return {
    startWeights: copyWeights(base.weights),
    numClasses: base.numClasses,
    labels,
    step,
    adaptedWeights: indices.map((k) => specs[k].name),
    trainableParameters: indices.reduce((sum, k) => sum + specs[k].shape.reduce((a, b) => a * b, 1), 0),
    // The deltas of the trained weights (the frozen ones have none).
    lineage: (final) => indices.map((k) => ({ name: specs[k].name, shape: [...specs[k].shape], values: weightDelta(final.get(specs[k].name)!, base.weights.get(specs[k].name)!) })),
    dispose: () => undefined,
  };
};
