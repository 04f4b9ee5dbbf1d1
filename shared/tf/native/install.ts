/**
 * Native kernels for the wasm backend (stack.md §4), computed by a small N-API addon (load.ts) directly in the wasm
 * heap (wasmKernel.ts). This module registers them and takes them off again:
 *   - `BatchMatMul`, `_FusedMatMul` (matmul.ts).
 *   - element-wise `Add`, `Sub`, `Multiply`, `RealDiv`, `SquaredDifference`, `Sqrt`, `Square`, `Relu`, `Step`,
 *     `Neg`, `Abs`, `Sigmoid`; `Sum`; `Concat` and `SplitV`; `Identity` and same-dtype `Cast` sharing their input's
 *     buffer (elementwise.ts).
 *   - Adam: `AdamOptimizer.prototype.applyGradients` does its update with one fused kernel per variable instead of
 *     ~16 element-wise ops (adam.ts).
 *   - `Conv2D`, `Conv2DBackpropInput`, `Conv2DBackpropFilter` (NHWC, float32; conv.ts); the wasm ones (XNNPACK
 *     forward, our rewrites for the gradients) ran the image U-Net's step at ~0.3 steps/s. With them, the GroupNorm
 *     kernels of shared/tf/groupNorm.ts (groupNorm.ts) and the forward-only `ShareboxConv2DFused` of
 *     shared/tf/fusedForward.ts (fusedForward.ts).
 *
 * Fallback: whatever was registered before (the fixed kernels of wasmMatmulFix.ts etc. when `installWasmFixes`
 * runs, else the stock ones) is kept and called for what the addon does not do (non-float32 tensors, other
 * broadcasts, other Sum axes). When the addon is missing (no compiler at install time, another OS/CPU) nothing is
 * registered and the wasm kernels run as before.
 *
 * `SHAREBOX_TF_NATIVE_ELEMENTWISE=0` keeps only the matmuls native; `SHAREBOX_TF_NATIVE_CONV=0` leaves the
 * convolutions and GroupNorm out.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { CONV_FUSED_KERNEL } from '../fusedForward';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL } from '../groupNorm';
import { replaceKernel, restoreKernel } from '../kernelCalls';
import { installFusedAdam, uninstallFusedAdam } from './adam';
import { CONV_KERNELS } from './conv';
import { ELEMENTWISE_KERNELS } from './elementwise';
import { convFusedKernel } from './fusedForward';
import { groupNormGradKernel, groupNormKernel } from './groupNorm';
import { loadNativeAddon, type NativeAddon } from './load';
import { MATMUL_KERNELS } from './matmul';
import { BACKEND, type NativeKernel, type WasmBackendInternals } from './wasmKernel';

let installed = false;
let installedElementwise = false;
let installedConv = false;
/** Per kernel name: the config registered before ours (restored on uninstall, and our fallback meanwhile). */
const replaced = new Map<string, KernelConfig>();

/**
 * The kernels of our own, registered with the convolutions: GroupNorm forward and backward, and the fused forward
 * conv. There is no kernel under them to fall back to, so they are registered only where the name is free.
 */
function installGroupNorm(addon: NativeAddon): void {
  for (const [name, kernelFunc] of [
    [GROUP_NORM_KERNEL, groupNormKernel(addon)],
    [GROUP_NORM_GRAD_KERNEL, groupNormGradKernel(addon)],
    [CONV_FUSED_KERNEL, convFusedKernel(addon)],
  ] as const) {
    if (tf.getKernel(name, BACKEND) === undefined) tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc });
  }
}

function uninstallGroupNorm(): void {
  for (const name of [GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL, CONV_FUSED_KERNEL]) {
    if (tf.getKernel(name, BACKEND) !== undefined) tf.unregisterKernel(name, BACKEND);
  }
}

/**
 * Registers `native` for `kernelName` on wasm over the current kernel, which it falls back to. A kernel wasm does
 * not have (another tfjs version) is left alone: there would be nothing to fall back to.
 */
function installKernel(addon: NativeAddon, kernelName: string, native: NativeKernel): void {
  const current = tf.getKernel(kernelName, BACKEND);
  if (current === undefined) return;
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) =>
    native(addon, backend as WasmBackendInternals, inputs, (attrs ?? {}) as Record<string, unknown>) ??
    current.kernelFunc({ inputs, backend, attrs: attrs ?? {} });
  // The replaced kernel's setup function is kept: a stock fallback needs it to bind its wasm entry point when the
  // backend initialises.
  replaceKernel({ kernelName, backendName: BACKEND, setupFunc: current.setupFunc, kernelFunc });
  replaced.set(kernelName, current);
}

export interface NativeKernelsOptions {
  /**
   * Also the element-wise kernels (Add, Sub, Multiply, RealDiv, SquaredDifference, Sqrt, Square, Relu, Step, Neg,
   * Abs, Sigmoid), Sum, Concat, SplitV, a same-dtype Cast that shares its input's buffer, and the fused Adam update. Default true unless SHAREBOX_TF_NATIVE_ELEMENTWISE=0 (the matmuls alone,
   * to compare).
   */
  elementwise?: boolean;
  /**
   * Also Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter, the GroupNorm kernels of shared/tf/groupNorm.ts and
   * the forward-only ShareboxConv2DFused of shared/tf/fusedForward.ts (the image U-Net's kernels). Default true unless SHAREBOX_TF_NATIVE_CONV=0 (the bench measures the U-Net with
   * and without them).
   */
  conv?: boolean;
}

export const NATIVE_CONV_ENV_VAR = 'SHAREBOX_TF_NATIVE_CONV';

export const NATIVE_ELEMENTWISE_ENV_VAR = 'SHAREBOX_TF_NATIVE_ELEMENTWISE';

/**
 * Registers the native kernels for 'wasm' on top of whatever is registered now (which becomes their fallback):
 * `BatchMatMul`, `_FusedMatMul`, and unless told otherwise the element-wise ones and `Sum`. Needs
 * tfjs-backend-wasm imported. Returns false, registering nothing, when the addon is unavailable (see
 * `nativeAddonUnavailableReason`). Calling it again with other options re-installs.
 */
export function installNativeKernels(options: NativeKernelsOptions = {}): boolean {
  const elementwise = options.elementwise ?? process.env[NATIVE_ELEMENTWISE_ENV_VAR] !== '0';
  const conv = options.conv ?? process.env[NATIVE_CONV_ENV_VAR] !== '0';
  if (installed && installedElementwise === elementwise && installedConv === conv) return true;
  uninstallNativeKernels();
  const addon = loadNativeAddon();
  if (addon === null) return false;
  const kernels = { ...MATMUL_KERNELS, ...(elementwise ? ELEMENTWISE_KERNELS : {}), ...(conv ? CONV_KERNELS : {}) };
  try {
    for (const [name, native] of Object.entries(kernels)) installKernel(addon, name, native);
    if (elementwise) installFusedAdam(addon);
    if (conv) installGroupNorm(addon);
  } catch (error) {
    installed = true;
    uninstallNativeKernels();
    throw error;
  }
  installed = true;
  installedElementwise = elementwise;
  installedConv = conv;
  return true;
}

/** Puts back the kernels that were registered before `installNativeKernels`. */
export function uninstallNativeKernels(): void {
  if (!installed) return;
  for (const [name, previous] of replaced) restoreKernel(name, BACKEND, previous);
  replaced.clear();
  uninstallFusedAdam();
  uninstallGroupNorm();
  installed = false;
  installedElementwise = false;
  installedConv = false;
}

export function isNativeKernelsInstalled(): boolean {
  return installed;
}

/**
 * e.g. "native kernels (matmul AVX2+FMA, conv2d/GroupNorm, element-wise/Adam AVX2, 1 thread)", or null when they are not installed.
 */
export function nativeKernelsLabel(): string | null {
  // Installed means the addon loaded: loadNativeAddon() returns it from its cache.
  const addon = installed ? loadNativeAddon() : null;
  if (addon === null) return null;
  const { variant, elementwise, threads } = addon.info();
  const parts = [
    `matmul ${variant}`,
    ...(installedConv ? ['conv2d/GroupNorm'] : []),
    ...(installedElementwise ? [`element-wise/Adam ${elementwise}`] : []),
    `${threads} thread${threads === 1 ? '' : 's'}`,
  ];
  return `native kernels (${parts.join(', ')})`;
}
