/**
 * Fused Adam, installed with the native element-wise kernels (install.ts).
 *
 * tfjs' AdamOptimizer.applyGradients issues ~16 element-wise ops per variable (each a kernel call with
 * its own output buffer and engine bookkeeping); on the MLP of the bench that was ~2 ms of a ~9 ms step. While the
 * native kernels are installed, AdamOptimizer.prototype.applyGradients is replaced by one that does the same update
 * with one native kernel per variable ('ShareboxAdam': the same float32 operations in the same order, see
 * native/src/elementwise_impl.h) and keeps the optimizer's state (moments, accBeta1/2, iterations) exactly as the
 * stock method does, so getWeights/setWeights and a later uninstall see the same optimizer. Any other backend, or
 * a non-float32 variable, runs the stock method.
 */
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './load';
import { BACKEND, memoryOffset, type WasmBackendInternals } from './wasmKernel';

const ADAM_KERNEL = 'ShareboxAdam';

interface AdamInternals {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  incrementIterations(): void;
}

type ApplyGradients = (this: tf.AdamOptimizer, variableGradients: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>) => void;

let stockAdamApplyGradients: ApplyGradients | undefined;

function adamKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as WasmBackendInternals;
    const { value, m, v, gradient } = inputs;
    if (value === undefined || m === undefined || v === undefined || gradient === undefined) {
      throw new Error(`${ADAM_KERNEL}: inputs value, m, v and gradient are required`);
    }
    const outs = [value, m, v].map((t) => wasm.makeOutput(t.shape, 'float32'));
    const size = util.sizeFromShape(value.shape);
    if (size > 0) {
      const constants = Float32Array.from((attrs as { constants: number[] }).constants);
      const [outValue, outM, outV] = outs.map((t) => memoryOffset(wasm, t));
      addon.adam(wasm.wasm.HEAPU8.buffer as ArrayBuffer, memoryOffset(wasm, value), memoryOffset(wasm, m), memoryOffset(wasm, v), memoryOffset(wasm, gradient), outValue, outM, outV, size, constants);
    }
    return outs;
  };
}

function fusedAdamApplyGradients(this: tf.AdamOptimizer, variableGradients: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>): void {
  const stock = stockAdamApplyGradients as ApplyGradients;
  const self = this as unknown as AdamInternals;
  const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
  const gradientOf = (name: string, i: number): tf.Tensor | undefined =>
    Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
  const variables = tf.engine().registeredVariables;
  // stockAdamApplyGradients is set exactly while the fused Adam is installed, i.e. while the native element-wise
  // kernels are.
  const usable =
    stockAdamApplyGradients !== undefined &&
    tf.getBackend() === BACKEND &&
    names.every((name, i) => {
      const g = gradientOf(name, i);
      const value = variables[name];
      return g == null || (value !== undefined && value.dtype === 'float32' && g.dtype === 'float32' && util.arraysEqual(g.shape, value.shape));
    });
  if (!usable) {
    stock.call(this, variableGradients);
    return;
  }
  tf.tidy(() => {
    // The float32 scalars tfjs would build: β, 1 − β, 1 − βᵗ (from the float32 accumulators), −lr, ε.
    const acc1 = self.accBeta1.dataSync()[0];
    const acc2 = self.accBeta2.dataSync()[0];
    const constants = [self.beta1, self.beta2, 1 - self.beta1, 1 - self.beta2, 1 - acc1, 1 - acc2, -self.learningRate, self.epsilon];
    names.forEach((name, i) => {
      const value = variables[name];
      const trainable = false;
      if (self.accumulatedFirstMoment[i] == null) {
        self.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(trainable)) };
      }
      if (self.accumulatedSecondMoment[i] == null) {
        self.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(trainable)) };
      }
      const gradient = gradientOf(name, i);
      if (gradient == null) return;
      const firstMoment = (self.accumulatedFirstMoment[i] as { variable: tf.Variable }).variable;
      const secondMoment = (self.accumulatedSecondMoment[i] as { variable: tf.Variable }).variable;
      const [newValue, newFirst, newSecond] = tf
        .engine()
        .runKernel(ADAM_KERNEL, { value, m: firstMoment, v: secondMoment, gradient }, { constants }) as tf.Tensor[];
      firstMoment.assign(newFirst);
      secondMoment.assign(newSecond);
      value.assign(newValue);
    });
    self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
    self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
  });
  self.incrementIterations();
}

export function installFusedAdam(addon: NativeAddon): void {
  if (tf.getKernel(ADAM_KERNEL, BACKEND) === undefined) {
    tf.registerKernel({ kernelName: ADAM_KERNEL, backendName: BACKEND, kernelFunc: adamKernel(addon) });
  }
  const prototype = tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients };
  if (stockAdamApplyGradients === undefined) {
    stockAdamApplyGradients = prototype.applyGradients;
    prototype.applyGradients = fusedAdamApplyGradients;
  }
}

export function uninstallFusedAdam(): void {
  if (stockAdamApplyGradients !== undefined) {
    (tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients }).applyGradients = stockAdamApplyGradients;
    stockAdamApplyGradients = undefined;
  }
}
