/**
 * LoRA (Hu et al. 2022) on the denoiser's dense weights and conv kernels: W_eff = W₀ + (α/r)·A·B with W₀ frozen,
 * A (d_in × r) drawn N(0, 1/r) and B (r × d_out) zeros, so the copy starts exactly at the base. A conv kernel
 * k×k×c_in×c_out is adapted as the (k·k·c_in) × c_out matrix (LoCon: a k×k c_in→r conv, then a 1×1 r→c_out conv).
 *
 * The merged weight W_eff is what the model's variable holds, so the forward pass is the model's own (fused and native
 * kernels, hand-written dense gradients) and sampling needs nothing special. Each step the loop computes
 * G = ∂L/∂W_eff as in training; by the chain rule ∂L/∂A = (α/r)·G·Bᵀ and ∂L/∂B = (α/r)·Aᵀ·G; Adam updates A and B
 * (clipped on their joint norm) and W₀ + (α/r)·A·B is written back.
 */
import { tf } from '../../../shared/tf';
import { deriveSeed } from '../../../shared/random';
import { fillStandardNormal } from '../standardNormal';
import type { FineTuningStep, NamedGradients } from '../trainingLoop';
import { loraMatrixShape, selectLoraWeights } from './weightSelection';
import { copyWeights, type MethodSetup } from './setup';

/** One adapted weight: its frozen W₀ as a matrix and its trainable factors. */
interface LoraAdapter {
  name: string;
  shape: number[];
  base: tf.Tensor2D;
  A: tf.Variable;
  B: tf.Variable;
}

/** ∂L/∂A = s·G·Bᵀ and ∂L/∂B = s·Aᵀ·G for W_eff = W₀ + s·A·B, G = ∂L/∂W_eff as a d_in × d_out matrix. */
export function loraGradients(G: tf.Tensor2D, A: tf.Tensor2D, B: tf.Tensor2D, scale: number): { dA: tf.Tensor2D; dB: tf.Tensor2D } {
  return tf.tidy(() => ({
    dA: tf.mul(tf.matMul(G, B, false, true), scale) as tf.Tensor2D,
    dB: tf.mul(tf.matMul(A, G, true, false), scale) as tf.Tensor2D,
  }));
}

/** W₀ + s·A·B in the weight's own shape. */
export function mergedLoraWeight(base: tf.Tensor2D, A: tf.Tensor2D, B: tf.Tensor2D, scale: number, shape: number[]): tf.Tensor {
  return tf.tidy(() => tf.reshape(tf.add(base, tf.mul(tf.matMul(A, B), scale)), shape));
}

export const setUpLora: MethodSetup = (base, labels, spec) => {
  const { specs } = base;
  const r = spec.rank;
  const scale = spec.loraAlpha / r;
  const indices = selectLoraWeights(specs, spec.modules, r);
  const adapters: LoraAdapter[] = [];
  try {
    for (const k of indices) {
      const { name, shape } = specs[k];
      const { rows, cols } = loraMatrixShape(specs[k])!;
      // A ~ N(0, σ² = 1/r), seeded per weight name so that adding a module does not change the others' A.
      const a = new Float32Array(rows * r);
      fillStandardNormal(a, deriveSeed(spec.seed, `fine-tune/lora/A/${name}`));
      const std = 1 / Math.sqrt(r);
      for (let i = 0; i < a.length; i++) a[i] *= std;
      adapters.push({
        name,
        shape: [...shape],
        base: tf.tensor2d(base.weights.get(name)!, [rows, cols]),
        // tf.variable keeps its own reference to the data: the tidy drops the initial tensors.
        A: tf.tidy(() => tf.variable(tf.tensor2d(a, [rows, r]), true)),
        B: tf.tidy(() => tf.variable(tf.zeros([r, cols]), true)),
      });
    }
  } catch (err) {
    disposeAdapters(adapters);
    throw err;
  }
  const step: FineTuningStep = {
    weightIndices: indices,
    parameterGradients: (grads) => {
      const named: NamedGradients = [];
      adapters.forEach((ad, k) => {
        const G = tf.reshape(grads[k], ad.base.shape) as tf.Tensor2D;
        const { dA, dB } = loraGradients(G, ad.A as tf.Tensor as tf.Tensor2D, ad.B as tf.Tensor as tf.Tensor2D, scale);
        named.push({ name: ad.A.name, tensor: dA }, { name: ad.B.name, tensor: dB });
      });
      return named;
    },
    afterUpdate: (weights) => {
      adapters.forEach((ad, k) => weights[k].assign(mergedLoraWeight(ad.base, ad.A as tf.Tensor as tf.Tensor2D, ad.B as tf.Tensor as tf.Tensor2D, scale, ad.shape)));
    },
  };
  return {
    startWeights: copyWeights(base.weights),
    numClasses: base.numClasses,
    labels,
    step,
    adaptedWeights: adapters.map((ad) => ad.name),
    trainableParameters: adapters.reduce((sum, ad) => sum + ad.A.size + ad.B.size, 0),
    // What LoRA learned is A and B: ΔW = (α/r)·A·B follows from them and α, r (in the hash's header, fineTune.ts).
    lineage: () =>
      adapters.flatMap((ad) => [
        { name: `${ad.name}/lora_A`, shape: [...ad.A.shape], values: Float32Array.from(ad.A.dataSync() as Float32Array) },
        { name: `${ad.name}/lora_B`, shape: [...ad.B.shape], values: Float32Array.from(ad.B.dataSync() as Float32Array) },
      ]),
    dispose: () => disposeAdapters(adapters),
  };
};

function disposeAdapters(adapters: LoraAdapter[]): void {
  for (const ad of adapters) {
    ad.base.dispose();
    ad.A.dispose();
    ad.B.dispose();
  }
}
