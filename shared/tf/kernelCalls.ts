/**
 * Helpers for kernels written in terms of other kernels of the same backend.
 *
 * A kernel function runs below the engine: it receives and returns `TensorInfo`s (no `tf.Tensor`s, no tidy), so the
 * kernels it calls are invoked directly from the registry and every intermediate must be released by hand with
 * `backend.disposeData`. These helpers keep that bookkeeping in one place.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

/** The attrs type the registry's kernel functions accept (NamedAttrMap, loosened for literal attrs). */
export type KernelAttrs = NamedAttrMap | Record<string, unknown>;

/** Kernel functions receive their backend typed as `{}`; these helpers accept any backend object. */
export type AnyBackend = object;

export function registeredKernel(kernelName: string, backendName: string): KernelConfig {
  const config = tf.getKernel(kernelName, backendName);
  if (config === undefined) {
    throw new Error(
      `shared/tf: kernel '${kernelName}' is not registered for backend '${backendName}' ` +
        `(is @tensorflow/tfjs-backend-${backendName} loaded?)`,
    );
  }
  return config;
}

/** Calls one kernel function with a single output. */
export function callKernel(
  config: KernelConfig,
  backend: AnyBackend,
  inputs: NamedTensorInfoMap,
  attrs: KernelAttrs = {},
): TensorInfo {
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap });
  if (Array.isArray(out)) {
    throw new Error(`shared/tf: kernel '${config.kernelName}' returned ${out.length} outputs, expected one`);
  }
  return out;
}

/** Calls a kernel by name on the backend it belongs to (looked up at call time, so never one we replaced). */
export function callNamedKernel(
  kernelName: string,
  backendName: string,
  backend: AnyBackend,
  inputs: NamedTensorInfoMap,
  attrs: KernelAttrs = {},
): TensorInfo {
  return callKernel(registeredKernel(kernelName, backendName), backend, inputs, attrs);
}

/** Releases intermediates created inside a kernel. Inputs of the kernel must never be passed here. */
export function disposeIntermediates(backend: AnyBackend, ...infos: Array<TensorInfo | null | undefined>): void {
  for (const info of infos) {
    if (info != null) (backend as KernelBackend).disposeData(info.dataId);
  }
}

/**
 * Replaces a registered kernel, returning the config it replaced so the caller can restore it.
 * `tf.registerKernel` warns when a key is taken, so the old one is unregistered first.
 */
export function replaceKernel(config: KernelConfig): KernelConfig | undefined {
  const previous = tf.getKernel(config.kernelName, config.backendName);
  if (previous !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
  return previous;
}

/** Puts back a kernel saved by `replaceKernel` (or just removes ours when there was none). */
export function restoreKernel(kernelName: string, backendName: string, previous: KernelConfig | undefined): void {
  if (tf.getKernel(kernelName, backendName) !== undefined) tf.unregisterKernel(kernelName, backendName);
  if (previous !== undefined) tf.registerKernel(previous);
}
