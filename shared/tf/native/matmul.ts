/**
 * The native `BatchMatMul` and `_FusedMatMul`: a packed, register-tiled SGEMM in the addon (AVX-512, AVX2+FMA or
 * 128-bit generic, picked at run time). Transposes and batch broadcasting are handled in the packing, bias and
 * activation in the tile's epilogue. ~80 GFLOP/s on one core here, against ~25 for XNNPACK in wasm (128-bit SIMD).
 * Non-float32 operands go to the kernel registered before (install.ts).
 */
import { broadcast_util, util } from '@tensorflow/tfjs-core';
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { callNamedKernel, disposeIntermediates } from '../kernelCalls';
import { broadcastBatchIndex } from '../wasmMatmulFix';
import type { NativeAddon } from './load';
import { BACKEND, memoryOffset, operands, type NativeKernel, type WasmBackendInternals } from './wasmKernel';

/** Activation codes of the addon (gemm.h); `prelu` has none and goes to the fallback kernel. */
const ACTIVATION_CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 };

/** Per batch-shape pair: the flat batch index of a and of b for each flat output batch index (null: all 0). */
const batchIndexCache = new Map<string, { a: Int32Array | null; b: Int32Array | null }>();

/** As wasmMatmulFix's broadcastBatchIndex, with null for an operand of one matrix (every batch reads it). */
function broadcastBatchIndexOrNull(outShape: number[], inShape: number[]): Int32Array | null {
  return util.sizeFromShape(inShape) === 1 ? null : broadcastBatchIndex(outShape, inShape);
}

function batchIndices(outBatchShape: number[], aBatchShape: number[], bBatchShape: number[]): { a: Int32Array | null; b: Int32Array | null } {
  const key = `${aBatchShape.join(',')}|${bBatchShape.join(',')}`;
  let entry = batchIndexCache.get(key);
  if (entry === undefined) {
    entry = { a: broadcastBatchIndexOrNull(outBatchShape, aBatchShape), b: broadcastBatchIndexOrNull(outBatchShape, bBatchShape) };
    if (batchIndexCache.size > 256) batchIndexCache.clear();
    batchIndexCache.set(key, entry);
  }
  return entry;
}

/** Whether `bias` is one value per output column: shape [..., N] with every other dim 1. */
function isColumnBias(bias: TensorInfo, n: number): boolean {
  const shape = bias.shape;
  if (shape.length === 0 || shape[shape.length - 1] !== n) return false;
  return shape.slice(0, -1).every((d) => d === 1);
}

/**
 * act(op(a)·op(b) + bias) in the addon, or null when this call must go to the fallback kernel.
 * Output shape [...broadcast(batch dims), M, N].
 */
function nativeMatMul(
  addon: NativeAddon,
  backend: WasmBackendInternals,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: TensorInfo | undefined,
  activation: string,
  alpha: number,
): TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const actCode = ACTIVATION_CODES[activation];
  if (actCode === undefined) return null;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  if (aRank < 2 || bRank < 2) return null;
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  util.assert(
    k === kB,
    () =>
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ` +
      `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  if (bias !== undefined && (bias.dtype !== 'float32' || !isColumnBias(bias, n))) return null;
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const outBatchShape = broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const batch = util.sizeFromShape(outBatchShape);
  const { a: aIndex, b: bIndex } = batchIndices(outBatchShape, aBatchShape, bBatchShape);

  const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
  if (batch * m * n === 0) return out;
  // Offsets and the heap are read after makeOutput: allocating may grow (and so replace) the wasm memory.
  const aOffset = m * k === 0 ? 0 : memoryOffset(backend, a);
  const bOffset = k * n === 0 ? 0 : memoryOffset(backend, b);
  const biasOffset = bias === undefined ? -1 : memoryOffset(backend, bias);
  addon.matmul(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    aOffset,
    bOffset,
    memoryOffset(backend, out),
    aIndex,
    bIndex,
    batch,
    m,
    n,
    k,
    transposeA,
    transposeB,
    biasOffset,
    actCode,
    alpha,
  );
  return out;
}

const batchMatMulKernel: NativeKernel = (addon, backend, inputs, attrs) => {
  const { a, b } = operands(inputs, 'BatchMatMul');
  return nativeMatMul(addon, backend, a, b, !!attrs.transposeA, !!attrs.transposeB, undefined, 'linear', 0);
};

/** Kernel names and attrs of the activations applied after the product when the addon cannot apply them itself. */
function activationKernel(activation: string, x: TensorInfo, alpha: number, prelu: TensorInfo | undefined): [string, NamedTensorInfoMap, Record<string, unknown>] | null {
  switch (activation) {
    case 'linear':
      return null;
    case 'relu':
      return ['Relu', { x }, {}];
    case 'relu6':
      return ['Relu6', { x }, {}];
    case 'sigmoid':
      return ['Sigmoid', { x }, {}];
    case 'elu':
      return ['Elu', { x }, {}];
    case 'leakyrelu':
      return ['LeakyRelu', { x }, { alpha }];
    case 'prelu':
      if (prelu === undefined) throw new Error('_FusedMatMul: prelu activation without prelu weights');
      return ['Prelu', { x, alpha: prelu }, {}];
    default:
      throw new Error(`_FusedMatMul: activation '${activation}' is not supported by the wasm backend`);
  }
}

/**
 * act(op(a)·op(b) + bias). The addon applies a per-column bias and every activation but prelu in the product's
 * epilogue; any other bias shape and prelu are applied after it with the registered wasm kernels (Add, Prelu, …),
 * so no float32 product ever reaches the fallback kernel.
 */
const fusedMatMulKernel: NativeKernel = (addon, backend, inputs, attrs) => {
  const { a, b } = operands(inputs, '_FusedMatMul');
  const bias = inputs.bias ?? undefined;
  const prelu = inputs.preluActivationWeights ?? undefined;
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  const alpha = (attrs.leakyreluAlpha as number | undefined) ?? 0;
  const transposeA = !!attrs.transposeA;
  const transposeB = !!attrs.transposeB;
  const n = b.shape.length >= 2 ? (transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1]) : -1;
  const columnBias = bias === undefined || (bias.dtype === 'float32' && isColumnBias(bias, n));
  if (columnBias && ACTIVATION_CODES[activation] !== undefined) {
    return nativeMatMul(addon, backend, a, b, transposeA, transposeB, bias, activation, alpha);
  }
  let out = nativeMatMul(addon, backend, a, b, transposeA, transposeB, columnBias ? bias : undefined, 'linear', 0);
  if (out === null) return null;
  const then = (kernelName: string, kernelInputs: NamedTensorInfoMap, kernelAttrs: Record<string, unknown>): void => {
    const next = callNamedKernel(kernelName, BACKEND, backend, kernelInputs, kernelAttrs);
    disposeIntermediates(backend, out);
    out = next;
  };
  if (!columnBias && bias !== undefined) then('Add', { a: out, b: bias }, {});
  const post = activationKernel(activation, out, alpha, prelu);
  if (post !== null) then(...post);
  return out;
};

export const MATMUL_KERNELS: Record<string, NativeKernel> = { BatchMatMul: batchMatMulKernel, _FusedMatMul: fusedMatMulKernel };
