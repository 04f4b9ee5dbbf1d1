/**
 * The native GroupNorm kernels of shared/tf/groupNorm.ts: two kernels of our own, forward (y, and the
 * per-(image, group) mean and 1/σ it keeps for the gradient) and backward (dx, dγ, dβ). Registered with the
 * convolutions (install.ts); without them groupNorm() runs as tf ops. The forward kernel also takes the activation
 * attr of shared/tf/fusedForward.ts's groupNormAct.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { GROUP_NORM_ACTIVATIONS } from '../fusedForward';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL } from '../groupNorm';
import type { NativeAddon } from './load';
import { memoryOffset, requireFloat32, type WasmBackendInternals } from './wasmKernel';

function groupNormSizes(x: TensorInfo, groups: number): { batch: number; spatial: number; channels: number } {
  const shape = x.shape;
  if (shape.length < 2) throw new Error(`${GROUP_NORM_KERNEL}: x must have a batch and a channel axis, got [${shape}]`);
  const batch = shape[0];
  const channels = shape[shape.length - 1];
  if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0) {
    throw new Error(`${GROUP_NORM_KERNEL}: groups (${groups}) must divide the ${channels} channels`);
  }
  return { batch, spatial: util.sizeFromShape(shape.slice(1, -1)), channels };
}

export function groupNormKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as WasmBackendInternals;
    const { x, gamma, beta } = inputs;
    requireFloat32(GROUP_NORM_KERNEL, { x, gamma, beta });
    const groups = (attrs as { groups: number }).groups;
    const epsilon = (attrs as { epsilon?: number }).epsilon ?? 1e-5;
    const activationName = (attrs as { activation?: string }).activation ?? 'linear';
    const activation = GROUP_NORM_ACTIVATIONS[activationName];
    if (activation === undefined) throw new Error(`${GROUP_NORM_KERNEL}: unknown activation '${activationName}'`);
    const { batch, spatial, channels } = groupNormSizes(x as TensorInfo, groups);
    const y = wasm.makeOutput((x as TensorInfo).shape, 'float32');
    const mean = wasm.makeOutput([batch, groups], 'float32');
    const rstd = wasm.makeOutput([batch, groups], 'float32');
    if (batch * spatial * channels > 0) {
      const offsets = Float64Array.from([x, gamma, beta, y, mean, rstd].map((t) => memoryOffset(wasm, t as TensorInfo)).concat([0, 0]));
      addon.groupNorm(wasm.wasm.HEAPU8.buffer as ArrayBuffer, false, offsets, batch, spatial, channels, groups, epsilon, activation);
    }
    return [y, mean, rstd];
  };
}

export function groupNormGradKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as WasmBackendInternals;
    const { dy, x, gamma, mean, rstd } = inputs;
    requireFloat32(GROUP_NORM_GRAD_KERNEL, { dy, x, gamma, mean, rstd });
    const groups = (attrs as { groups: number }).groups;
    const { batch, spatial, channels } = groupNormSizes(x as TensorInfo, groups);
    const dx = wasm.makeOutput((x as TensorInfo).shape, 'float32');
    const dgamma = wasm.makeOutput([channels], 'float32');
    const dbeta = wasm.makeOutput([channels], 'float32');
    if (batch * spatial * channels > 0) {
      const offsets = Float64Array.from([dy, x, gamma, mean, rstd, dx, dgamma, dbeta].map((t) => memoryOffset(wasm, t as TensorInfo)));
      addon.groupNorm(wasm.wasm.HEAPU8.buffer as ArrayBuffer, true, offsets, batch, spatial, channels, groups, 0);
    } else if (channels > 0) {
      for (const t of [dgamma, dbeta]) new Float32Array(wasm.wasm.HEAPU8.buffer, memoryOffset(wasm, t), channels).fill(0);
    }
    return [dx, dgamma, dbeta];
  };
}
