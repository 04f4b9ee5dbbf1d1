/**
 * What every native kernel needs of the wasm backend: the backend's internals, a tensor's place in the wasm heap,
 * and the signature of a kernel that may decline a call.
 *
 * How: the wasm backend keeps every tensor in the module's linear memory. A kernel allocates its output with
 * `backend.makeOutput` (as the wasm kernels do), then hands the addon the memory's ArrayBuffer — re-read on every
 * call, since memory growth replaces it — with the byte offsets and sizes. The addon checks every range against
 * the buffer and writes the output in place.
 */
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './load';

export const BACKEND = 'wasm';

/** The parts of tfjs-backend-wasm's `BackendWasm` used here. */
export interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  dataIdMap: { get(dataId: object): { memoryOffset: number | null } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

export function memoryOffset(backend: WasmBackendInternals, info: TensorInfo): number {
  const entry = backend.dataIdMap.get(info.dataId);
  if (entry == null || entry.memoryOffset == null) throw new Error('native kernel: tensor has no wasm memory');
  return entry.memoryOffset;
}

export function operands(inputs: NamedTensorInfoMap, kernelName: string): { a: TensorInfo; b: TensorInfo } {
  const { a, b } = inputs;
  if (a === undefined || b === undefined) throw new Error(`${kernelName}: inputs 'a' and 'b' are required`);
  return { a, b };
}

/**
 * A native kernel: computes the output, or returns null to hand the call to the kernel registered before it.
 */
export type NativeKernel = (addon: NativeAddon, backend: WasmBackendInternals, inputs: NamedTensorInfoMap, attrs: Record<string, unknown>) => TensorInfo | TensorInfo[] | null;

/** For the kernels of our own (no kernel before them to fall back to): every named input must be float32. */
export function requireFloat32(kernelName: string, tensors: Record<string, TensorInfo | undefined>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t === undefined || t.dtype !== 'float32') throw new Error(`${kernelName}: input '${name}' must be a float32 tensor`);
  }
}
