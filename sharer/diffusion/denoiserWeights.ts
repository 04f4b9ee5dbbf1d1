/**
 * A denoiser's weights as one tf variable each, named by a stable save key (the tabular MLP's and the U-Net's).
 * The initialisation is drawn in JS, seeded per weight from the config's seed and the weight's name, so the same
 * config gives the same weights on every backend; `load` passes the saved values instead.
 */
import { tf } from '../../shared/tf';
import { deriveSeed } from '../../shared/random';
import { fillStandardNormal } from './standardNormal';

/** One weight: its name (the save key), shape and initialisation. */
export interface WeightSpec {
  name: string;
  shape: number[];
  /** Standard deviation of the N(0, std²) initialisation; 0 for zeros, -1 for ones (GroupNorm scales). */
  initStd: number;
}

function weightSize(spec: Pick<WeightSpec, 'shape'>): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/**
 * One trainable variable per spec, in spec order: the seeded initialisation, or `initialWeights` (by name) when given.
 * `who` names the model in the error for a missing or mis-sized saved weight.
 */
export function createWeightVariables(
  specs: readonly WeightSpec[],
  seed: number,
  initialWeights: Map<string, Float32Array> | undefined,
  who: string,
): tf.Variable[] {
  return specs.map((spec) => {
    const size = weightSize(spec);
    let values: Float32Array;
    if (initialWeights) {
      const given = initialWeights.get(spec.name);
      if (!given || given.length !== size) {
        throw new Error(`${who}: weight "${spec.name}" missing or of wrong size (expected ${size}, got ${given?.length ?? 'none'})`);
      }
      values = given;
    } else {
      values = new Float32Array(size);
      if (spec.initStd > 0) {
        // Seeded per weight, in JS, so the initialisation is the same on every backend.
        fillStandardNormal(values, deriveSeed(seed, `init/${spec.name}`));
        for (let i = 0; i < size; i++) values[i] *= spec.initStd;
      } else if (spec.initStd < 0) values.fill(1);
    }
    return tf.tidy(() => tf.variable(tf.tensor(values, spec.shape, 'float32'), true));
  });
}

/** What the denoisers (TabularMlp, ImageUnet) have in common: named weights, one variable each, in `specs` order. */
export abstract class DenoiserNetwork {
  abstract readonly specs: WeightSpec[];
  abstract readonly variables: tf.Variable[];

  get numParameters(): number {
    return this.specs.reduce((sum, spec) => sum + weightSize(spec), 0);
  }

  /** Copies of the weights by name, in spec order (for saving, inspection and tests). */
  getWeights(): Map<string, Float32Array> {
    return new Map(this.specs.map((spec, k) => [spec.name, Float32Array.from(this.variables[k].dataSync() as Float32Array)]));
  }

  dispose(): void {
    this.variables.forEach((v) => v.dispose());
  }
}
