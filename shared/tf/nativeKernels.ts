/**
 * Native kernels for the wasm backend (stack.md §4), computed by a small N-API addon (native/, C++, no BLAS; built
 * by `npm install` / `npm ci` through native/build.js) directly in the wasm heap:
 *   - `BatchMatMul`, `_FusedMatMul`: a packed, register-tiled SGEMM (AVX-512, AVX2+FMA or 128-bit generic, picked
 *     at run time). Transposes and batch broadcasting are handled in the packing, bias and activation in the tile's
 *     epilogue. ~80 GFLOP/s on one core here, against ~25 for XNNPACK in wasm (128-bit SIMD).
 *   - element-wise `Add`, `Sub`, `Multiply`, `RealDiv`, `SquaredDifference` (same shape, scalar, or a trailing row
 *     repeated), `Sqrt`, `Square`, `Relu`, `Step`, `Neg`, `Abs`, `Sigmoid`; `Sum` over leading or trailing axes;
 *     `Concat` and `SplitV` of float32 tensors. The stock wasm kernels call a function pointer per element
 *     (~2 ns/element), Sum over axis 0 transposes first, and Concat/SplitV copy row by row in JavaScript.
 *   - `Identity` and same-dtype `Cast` share their input's buffer (as the cpu backend does) instead of copying it.
 *   - Adam: `AdamOptimizer.prototype.applyGradients` does its update with one fused kernel per variable instead of
 *     ~16 element-wise ops (see "Fused Adam" below).
 *   - `Conv2D`, `Conv2DBackpropInput`, `Conv2DBackpropFilter` (NHWC, float32): the forward conv (and the stride-1
 *     input gradient, a forward conv of dy) read straight from x by the SGEMM's register tile, the other gradients
 *     im2col in row chunks + the same SGEMM (see "Convolutions" below); the wasm ones (XNNPACK forward, our
 *     rewrites for the gradients) ran the image U-Net's step at ~0.3 steps/s.
 *   - forward-only kernels for inference (fusedForward.ts): `ShareboxConv2DFused` (conv of an optionally upsampled
 *     x + bias + a bias row per image + a residual) and the GroupNorm kernel's activation attr.
 *
 * How: the wasm backend keeps every tensor in the module's linear memory. A kernel here allocates its output with
 * `backend.makeOutput` (as the wasm kernels do), then hands the addon the memory's ArrayBuffer — re-read on every
 * call, since memory growth replaces it — with the byte offsets and sizes. The addon checks every range against
 * the buffer and writes the output in place.
 *
 * Fallback: whatever was registered before (the fixed kernels of wasmMatmulFix.ts etc. when `installWasmFixes`
 * runs, else the stock ones) is kept and called for what the addon does not do (non-float32 tensors, other
 * broadcasts, other Sum axes). When the addon is missing (no compiler at install time, another OS/CPU) nothing is
 * registered and the wasm kernels run as before.
 *
 * `SHAREBOX_TF_NATIVE=0` disables the addon; `SHAREBOX_TF_NATIVE_THREADS=n` sets the matmul thread count (default
 * 1); `SHAREBOX_TF_NATIVE_ELEMENTWISE=0` keeps only the matmuls native.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { backend_util, broadcast_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { repoRoot } from '../repoRoot';
import { callNamedKernel, disposeIntermediates, replaceKernel, restoreKernel } from './kernelCalls';
import { broadcastBatchIndex } from './wasmMatmulFix';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL } from './groupNorm';
import { CONV_FUSED_KERNEL, GROUP_NORM_ACTIVATIONS } from './fusedForward';

const BACKEND = 'wasm';

export const NATIVE_ENV_VAR = 'SHAREBOX_TF_NATIVE';
export const NATIVE_THREADS_ENV_VAR = 'SHAREBOX_TF_NATIVE_THREADS';

/** Where native/build.js leaves the addon, relative to the repository root. */
export const NATIVE_ADDON_RELATIVE_PATH = path.join('native', 'build', 'Release', 'sharebox_native.node');

/** The addon interface this file speaks (native/src/addon.cc kInterfaceVersion). */
export const NATIVE_INTERFACE_VERSION = 3;

/** The addon's interface (native/src/addon.cc). */
export interface NativeAddon {
  interfaceVersion: number;
  matmul(
    heap: ArrayBuffer,
    aOffset: number,
    bOffset: number,
    cOffset: number,
    aBatchIndex: Int32Array | null,
    bBatchIndex: Int32Array | null,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    biasOffset: number,
    activation: number,
    alpha: number,
  ): void;
  info(): { variant: string; elementwise: string; threads: number; cpu: { avx2: boolean; fma: boolean; avx512f: boolean } };
  setThreads(threads: number): number;
  setVariant(name: 'avx512' | 'avx2' | 'generic' | 'wide16' | 'best'): boolean;
  binary(heap: ArrayBuffer, op: number, aOffset: number, aSize: number, bOffset: number, bSize: number, outOffset: number, outSize: number): void;
  unary(heap: ArrayBuffer, op: number, xOffset: number, outOffset: number, size: number, alpha: number): void;
  sum(heap: ArrayBuffer, xOffset: number, outer: number, inner: number, columns: boolean, outOffset: number): void;
  adam(
    heap: ArrayBuffer,
    valueOffset: number,
    mOffset: number,
    vOffset: number,
    gradientOffset: number,
    outValueOffset: number,
    outMOffset: number,
    outVOffset: number,
    size: number,
    constants: Float32Array,
  ): void;
  /**
   * NHWC convolution by im2col + the GEMM. mode 0: (x, filter) → y; 1: (dy, filter) → dx; 2: (x, dy) → dW.
   * geometry: batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft.
   */
  conv2d(heap: ArrayBuffer, mode: number, in0Offset: number, in1Offset: number, outOffset: number, geometry: Float64Array): void;
  /**
   * GroupNorm over x viewed as [B, S, C] in G groups. forward: offsets [x, gamma, beta, y, mean, rstd, 0, 0], and
   * optionally an activation applied to y (0 none, 1 relu, 2 SiLU); backward: [dy, x, gamma, mean, rstd, dx,
   * dgamma, dbeta].
   */
  groupNorm(heap: ArrayBuffer, backward: boolean, offsets: Float64Array, batch: number, spatial: number, channels: number, groups: number, epsilon: number, activation?: number): void;
  /**
   * Forward convolution y = conv(up(x), filter) + bias + rowBias[n] + residual, read straight from x.
   * offsets: x, filter, y, bias, rowBias, residual (−1: absent); geometry: conv2d's 15 values with x's own inH, inW,
   * then the upsampling factor.
   */
  conv2dFused(heap: ArrayBuffer, offsets: Float64Array, geometry: Float64Array): void;
  /** out [outer, Σ inner_i] = the inputs [outer, inner_i] side by side. */
  concat(heap: ArrayBuffer, offsets: Float64Array, inners: Float64Array, outer: number, outOffset: number): void;
  /** The inverse of concat: x [outer, Σ inner_i] into the outputs [outer, inner_i]. */
  split(heap: ArrayBuffer, xOffset: number, outer: number, offsets: Float64Array, inners: Float64Array): void;
}

/** Activation codes of the addon (gemm.h); `prelu` has none and goes to the fallback kernel. */
const ACTIVATION_CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 };

/** The parts of tfjs-backend-wasm's `BackendWasm` used here. */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  dataIdMap: { get(dataId: object): { memoryOffset: number | null } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

let addonLoad: { addon: NativeAddon | null; reason: string } | undefined;

/** Whether SHAREBOX_TF_NATIVE=0 turns the addon off. */
export function nativeDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[NATIVE_ENV_VAR] === '0';
}

/**
 * The addon, loaded once, or null with the reason (not built, fails to load, disabled by SHAREBOX_TF_NATIVE=0).
 * Never throws.
 */
export function loadNativeAddon(): NativeAddon | null {
  if (addonLoad === undefined) {
    if (nativeDisabledByEnv()) {
      addonLoad = { addon: null, reason: `disabled by ${NATIVE_ENV_VAR}=0` };
    } else {
      let file = NATIVE_ADDON_RELATIVE_PATH;
      try {
        file = path.join(repoRoot(), NATIVE_ADDON_RELATIVE_PATH);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const addon = require(file) as NativeAddon;
        if (addon.interfaceVersion !== NATIVE_INTERFACE_VERSION) {
          throw new Error(`stale build (interface ${addon.interfaceVersion}, expected ${NATIVE_INTERFACE_VERSION}); run \`node native/build.js\``);
        }
        const threads = Number(process.env[NATIVE_THREADS_ENV_VAR] ?? '1');
        addon.setThreads(Number.isFinite(threads) && threads >= 1 ? Math.floor(threads) : 1);
        addonLoad = { addon, reason: '' };
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        addonLoad = { addon: null, reason: `cannot load ${file}: ${message}` };
      }
    }
  }
  return addonLoad.addon;
}

/** Why the addon is not in use ('' when it loaded). */
export function nativeAddonUnavailableReason(): string {
  loadNativeAddon();
  return addonLoad?.reason ?? '';
}

// ---------------------------------------------------------------------------------------------------------------

let installed = false;
let installedElementwise = false;
let installedConv = false;
/** Per kernel name: the config registered before ours (restored on uninstall, and our fallback meanwhile). */
const replaced = new Map<string, KernelConfig>();

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

function memoryOffset(backend: WasmBackendInternals, info: TensorInfo): number {
  const entry = backend.dataIdMap.get(info.dataId);
  if (entry == null || entry.memoryOffset == null) throw new Error('native kernel: tensor has no wasm memory');
  return entry.memoryOffset;
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

function operands(inputs: NamedTensorInfoMap, kernelName: string): { a: TensorInfo; b: TensorInfo } {
  const { a, b } = inputs;
  if (a === undefined || b === undefined) throw new Error(`${kernelName}: inputs 'a' and 'b' are required`);
  return { a, b };
}

/**
 * A native kernel: computes the output, or returns null to hand the call to the kernel registered before it.
 */
type NativeKernel = (addon: NativeAddon, backend: WasmBackendInternals, inputs: NamedTensorInfoMap, attrs: Record<string, unknown>) => TensorInfo | TensorInfo[] | null;

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

/** Binary op codes of the addon (elementwise.h). */
const BINARY_OPS: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, SquaredDifference: 4 };
/** Unary op codes of the addon (elementwise.h). */
const UNARY_OPS: Record<string, number> = { Sqrt: 0, Square: 1, Relu: 2, Step: 3, Neg: 4, Abs: 5, Sigmoid: 6 };

/**
 * Whether an operand of shape `shape` broadcasts into `outShape` as a block the addon can repeat: all of it, a
 * single value, or its trailing dims (leading 1s aside) equal to the output's, e.g. a bias [N] into [M, N].
 */
function repeatsAsBlock(shape: number[], outShape: number[]): boolean {
  let first = 0;
  while (first < shape.length && shape[first] === 1) first++;
  const core = shape.slice(first);
  if (core.length === 0) return true;
  if (core.length > outShape.length) return false;
  const offset = outShape.length - core.length;
  return core.every((d, i) => d === outShape[offset + i]);
}

function binaryKernel(kernelName: string): NativeKernel {
  const op = BINARY_OPS[kernelName];
  return (addon, backend, inputs) => {
    const { a, b } = operands(inputs, kernelName);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
    const outShape = broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const outSize = util.sizeFromShape(outShape);
    const aSize = util.sizeFromShape(a.shape);
    const bSize = util.sizeFromShape(b.shape);
    // One operand whole (or a scalar) and the other a repeated block; anything else stays on the wasm kernel.
    if (!repeatsAsBlock(a.shape, outShape) || !repeatsAsBlock(b.shape, outShape)) return null;
    if (aSize !== outSize && bSize !== outSize && aSize !== 1 && bSize !== 1) return null;
    const out = backend.makeOutput(outShape, 'float32');
    if (outSize === 0) return out;
    addon.binary(backend.wasm.HEAPU8.buffer as ArrayBuffer, op, memoryOffset(backend, a), aSize, memoryOffset(backend, b), bSize, memoryOffset(backend, out), outSize);
    return out;
  };
}

function unaryKernel(kernelName: string): NativeKernel {
  const op = UNARY_OPS[kernelName];
  return (addon, backend, inputs, attrs) => {
    const { x } = inputs;
    if (x === undefined || x.dtype !== 'float32') return null;
    const out = backend.makeOutput(x.shape, 'float32');
    const size = util.sizeFromShape(x.shape);
    if (size === 0) return out;
    const alpha = kernelName === 'Step' ? ((attrs.alpha as number | undefined) ?? 0) : 0;
    addon.unary(backend.wasm.HEAPU8.buffer as ArrayBuffer, op, memoryOffset(backend, x), memoryOffset(backend, out), size, alpha);
    return out;
  };
}

/**
 * Sum over leading axes (e.g. a bias gradient, [M, N] → [N]; the stock wasm kernel transposes first) or trailing
 * axes, of float32 tensors. Other axis sets stay on the wasm kernel.
 */
const sumKernel: NativeKernel = (addon, backend, inputs, attrs) => {
  const { x } = inputs;
  if (x === undefined || x.dtype !== 'float32') return null;
  const rank = x.shape.length;
  const axes = [...new Set(util.parseAxisParam(attrs.axis as number | number[], x.shape))].sort((p, q) => p - q);
  if (axes.length === 0 || rank === 0) return null;
  const leading = axes.every((axis, i) => axis === i);
  const trailing = axes.every((axis, i) => axis === rank - axes.length + i);
  if (!leading && !trailing) return null;
  const reduced = new Set(axes);
  const outShape = x.shape.filter((_, i) => !reduced.has(i));
  const outerDims = trailing ? x.shape.slice(0, rank - axes.length) : x.shape.slice(0, axes.length);
  const outer = util.sizeFromShape(outerDims);
  const inner = util.sizeFromShape(x.shape) / Math.max(outer, 1);
  const out = backend.makeOutput(attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape, 'float32');
  const outSize = util.sizeFromShape(outShape);
  if (outSize === 0) return out;
  if (outer * inner === 0) {
    new Float32Array(backend.wasm.HEAPU8.buffer, memoryOffset(backend, out), outSize).fill(0);
    return out;
  }
  // trailing: one sum per row of [outer, inner]; leading: one per column.
  addon.sum(backend.wasm.HEAPU8.buffer as ArrayBuffer, memoryOffset(backend, x), outer, inner, !trailing, memoryOffset(backend, out));
  return out;
};

/**
 * Cast to the dtype a tensor already has (the relu gradient does it every step): share the buffer, as the cpu
 * backend does, instead of copying it (the wasm kernel copies). wasm's Reshape shares buffers the same way.
 */
const castKernel: NativeKernel = (_addon, backend, inputs, attrs) => {
  const { x } = inputs;
  if (x === undefined || attrs.dtype !== x.dtype) return null;
  return shareBuffer(backend, x);
};

function shareBuffer(backend: WasmBackendInternals, x: TensorInfo): TensorInfo {
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Identity, which the engine runs to keep every tensor a gradient needs (~26 copies of up to 256 KiB per step of
 * the bench's MLP): share the buffer like the cpu backend. This is safe only because no float32 matmul reaches
 * wasmMatmulFix.ts any more while the native kernels are installed — that file copies a buffer with Identity to
 * give XNNPACK's weight cache a fresh buffer id, which a shared buffer would not be.
 */
const identityKernel: NativeKernel = (_addon, backend, inputs) => {
  const { x } = inputs;
  return x === undefined ? null : shareBuffer(backend, x);
};

/**
 * Concat of float32 tensors along any axis: one copy per row and input in the addon. The wasm kernel does it in
 * JavaScript (a typed-array copy per row and input: ~9 ms for the U-Net's [64, 28, 28, 32 + 16] at batch 64).
 * Other dtypes go to the wasm kernel.
 */
/**
 * SplitV of a float32 tensor (the gradient of Concat): one addon call. The wasm kernel slices each output out
 * (~13 ms per split of the U-Net's [64, 28, 28, 48] at batch 64). Other dtypes go to the wasm kernel.
 */
const splitVKernel: NativeKernel = (addon, backend, inputs, attrs) => {
  const { x } = inputs;
  if (x === undefined || x.dtype !== 'float32') return null;
  const axis = util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const sizes = backend_util.prepareSplitSize(x, attrs.numOrSizeSplits as number[] | number, axis);
  const outs = sizes.map((size) => {
    const shape = x.shape.slice();
    shape[axis] = size;
    return backend.makeOutput(shape, 'float32');
  });
  const parts = outs.filter((t) => util.sizeFromShape(t.shape) > 0);
  if (parts.length === 0) return outs;
  const outer = util.sizeFromShape(x.shape.slice(0, axis));
  addon.split(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    memoryOffset(backend, x),
    outer,
    Float64Array.from(parts.map((t) => memoryOffset(backend, t))),
    Float64Array.from(parts.map((t) => util.sizeFromShape(t.shape.slice(axis)))),
  );
  return outs;
};

const concatKernel: NativeKernel = (addon, backend, inputs, attrs) => {
  const tensors = Object.values(inputs).filter((t): t is TensorInfo => t != null);
  if (tensors.length === 0 || tensors.some((t) => t.dtype !== 'float32')) return null;
  const axis = util.parseAxisParam(attrs.axis as number, tensors[0].shape)[0];
  const shapes = tensors.map((t) => t.shape);
  backend_util.assertParamsConsistent(shapes, axis);
  const outShape = backend_util.computeOutShape(shapes, axis);
  const out = backend.makeOutput(outShape, 'float32');
  const outSize = util.sizeFromShape(outShape);
  if (outSize === 0) return out;
  const parts = tensors.filter((t) => util.sizeFromShape(t.shape) > 0);
  const outer = util.sizeFromShape(outShape.slice(0, axis));
  addon.concat(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    Float64Array.from(parts.map((t) => memoryOffset(backend, t))),
    Float64Array.from(parts.map((t) => util.sizeFromShape(t.shape.slice(axis)))),
    outer,
    memoryOffset(backend, out),
  );
  return out;
};

// ---------------------------------------------------------------------------------------------------------------
// Convolutions. The U-Net of the image DDPM spends ~2/3 of a wasm step in Conv2DBackpropFilter (our rewrite as a
// dilated Conv2D), Conv2DBackpropInput (stock for stride 2) and Conv2D. The addon computes the forward conv (and
// the stride-1 input gradient, a forward conv of dy with the rotated filter) straight from x with the SGEMM's
// register tile (no im2col copy, ~1.9× faster on the U-Net's layers), the other gradients as im2col (in chunks of
// rows, ~1 MiB) + the native SGEMM: dcol = dy·Wᵀ then col2im, dW = Σ colᵀ·dy.
// NHWC float32 only; the gradients need dilation 1 (tfjs' own gradients require it too). Anything else goes to
// the kernel registered before (the wasm one, or our rewrites of the gradients).

const CONV_FORWARD = 0;
const CONV_INPUT_GRAD = 1;
const CONV_FILTER_GRAD = 2;

function convGeometry(conv: backend_util.Conv2DInfo): Float64Array {
  return Float64Array.from([
    conv.batchSize,
    conv.inHeight,
    conv.inWidth,
    conv.inChannels,
    conv.outHeight,
    conv.outWidth,
    conv.outChannels,
    conv.filterHeight,
    conv.filterWidth,
    conv.strideHeight,
    conv.strideWidth,
    conv.dilationHeight,
    conv.dilationWidth,
    conv.padInfo.top,
    conv.padInfo.left,
  ]);
}

function isChannelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

function validConvInfo(conv: backend_util.Conv2DInfo): boolean {
  return conv.padInfo.top >= 0 && conv.padInfo.left >= 0 && conv.inChannels > 0;
}

/** tfjs' geometry of an NHWC conv of an input of `inShape` with a [kH, kW, inC, outC] filter, from the kernel's attrs. */
function convInfo(inShape: readonly number[], filterShape: readonly number[], attrs: Record<string, unknown>, dilations: unknown): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    (dilations as [number, number] | number | undefined) ?? 1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
}

const conv2dKernel: NativeKernel = (addon, backend, inputs, attrs) => {
  const { x, filter } = inputs;
  if (x === undefined || filter === undefined || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (!isChannelsLast(attrs.dataFormat) || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  const conv = convInfo(x.shape, filter.shape, attrs, attrs.dilations);
  if (!validConvInfo(conv)) return null;
  const out = backend.makeOutput(conv.outShape, 'float32');
  if (util.sizeFromShape(conv.outShape) === 0) return out;
  addon.conv2d(backend.wasm.HEAPU8.buffer as ArrayBuffer, CONV_FORWARD, memoryOffset(backend, x), memoryOffset(backend, filter), memoryOffset(backend, out), convGeometry(conv));
  return out;
};

const conv2dBackpropInputKernel: NativeKernel = (addon, backend, inputs, attrs) => {
  const { dy, filter } = inputs;
  if (dy === undefined || filter === undefined || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (!isChannelsLast(attrs.dataFormat) || dy.shape.length !== 4 || filter.shape.length !== 4) return null;
  const inputShape = attrs.inputShape as [number, number, number, number];
  const conv = convInfo(inputShape, filter.shape, attrs, 1);
  if (!validConvInfo(conv) || !util.arraysEqual(conv.outShape, dy.shape)) return null;
  const out = backend.makeOutput(inputShape, 'float32');
  if (util.sizeFromShape(inputShape) === 0) return out;
  addon.conv2d(backend.wasm.HEAPU8.buffer as ArrayBuffer, CONV_INPUT_GRAD, memoryOffset(backend, dy), memoryOffset(backend, filter), memoryOffset(backend, out), convGeometry(conv));
  return out;
};

const conv2dBackpropFilterKernel: NativeKernel = (addon, backend, inputs, attrs) => {
  const { x, dy } = inputs;
  if (x === undefined || dy === undefined || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  if (!isChannelsLast(attrs.dataFormat) || x.shape.length !== 4 || dy.shape.length !== 4) return null;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const conv = convInfo(x.shape, filterShape, attrs, 1);
  if (!validConvInfo(conv) || !util.arraysEqual(conv.outShape, dy.shape)) return null;
  const out = backend.makeOutput(filterShape, 'float32');
  if (util.sizeFromShape(filterShape) === 0) return out;
  // dy may be empty (batch 0): the addon writes zeros without reading it.
  const dyOffset = util.sizeFromShape(dy.shape) === 0 ? 0 : memoryOffset(backend, dy);
  const xOffset = util.sizeFromShape(x.shape) === 0 ? 0 : memoryOffset(backend, x);
  addon.conv2d(backend.wasm.HEAPU8.buffer as ArrayBuffer, CONV_FILTER_GRAD, xOffset, dyOffset, memoryOffset(backend, out), convGeometry(conv));
  return out;
};

const CONV_KERNELS: Record<string, NativeKernel> = {
  Conv2D: conv2dKernel,
  Conv2DBackpropInput: conv2dBackpropInputKernel,
  Conv2DBackpropFilter: conv2dBackpropFilterKernel,
};

// ---------------------------------------------------------------------------------------------------------------
// GroupNorm (shared/tf/groupNorm.ts): two kernels of our own, forward (y, and the per-(image, group) mean and 1/σ it
// keeps for the gradient) and backward (dx, dγ, dβ). Registered with the convolutions; without them groupNorm()
// runs as tf ops.

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

function requireFloat32(kernelName: string, tensors: Record<string, TensorInfo | undefined>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t === undefined || t.dtype !== 'float32') throw new Error(`${kernelName}: input '${name}' must be a float32 tensor`);
  }
}

function groupNormKernel(addon: NativeAddon): KernelFunc {
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

function groupNormGradKernel(addon: NativeAddon): KernelFunc {
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

/**
 * The forward-only convolution of shared/tf/fusedForward.ts: y = conv2d(up(x), filter) + bias + rowBias[n] +
 * residual in one kernel, read straight from x (no im2col, no upsampled copy of x).
 */
function convFusedKernel(addon: NativeAddon): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as WasmBackendInternals;
    const { x, filter, bias, rowBias, residual } = inputs as Record<string, TensorInfo | undefined>;
    requireFloat32(CONV_FUSED_KERNEL, { x, filter });
    const optional = { bias, rowBias, residual };
    for (const [name, t] of Object.entries(optional)) {
      if (t !== undefined && t.dtype !== 'float32') throw new Error(`${CONV_FUSED_KERNEL}: input '${name}' must be a float32 tensor`);
    }
    const xInfo = x as TensorInfo;
    const filterInfo = filter as TensorInfo;
    const upsample = (attrs as { upsample?: number }).upsample ?? 1;
    if (!Number.isInteger(upsample) || upsample < 1) throw new Error(`${CONV_FUSED_KERNEL}: upsample must be a positive integer, got ${upsample}`);
    if (xInfo.shape.length !== 4 || filterInfo.shape.length !== 4 || filterInfo.shape[2] !== xInfo.shape[3]) {
      throw new Error(`${CONV_FUSED_KERNEL}: x [${xInfo.shape}] and filter [${filterInfo.shape}] must be NHWC and [kH, kW, ${xInfo.shape[3]}, outC]`);
    }
    const [batch, height, width, channels] = xInfo.shape;
    // conv2dFused sets no dimRoundingMode, so convInfo passes undefined as before.
    const conv = convInfo([batch, height * upsample, width * upsample, channels], filterInfo.shape, attrs as Record<string, unknown>, (attrs as { dilations?: unknown }).dilations);
    if (conv.padInfo.top < 0 || conv.padInfo.left < 0) throw new Error(`${CONV_FUSED_KERNEL}: negative padding is not supported`);
    const outC = conv.outChannels;
    const expected: Record<string, number[]> = { bias: [outC], rowBias: [batch, outC], residual: conv.outShape };
    for (const [name, t] of Object.entries(optional)) {
      if (t !== undefined && !util.arraysEqual(t.shape, expected[name])) {
        throw new Error(`${CONV_FUSED_KERNEL}: ${name} has shape [${t.shape}], expected [${expected[name]}]`);
      }
    }
    const out = wasm.makeOutput(conv.outShape, 'float32');
    if (util.sizeFromShape(conv.outShape) === 0) return out;
    // Offsets are read after makeOutput (allocating may grow the heap); an empty tensor has no memory of its own.
    const offset = (t: TensorInfo | undefined): number => (t === undefined ? -1 : util.sizeFromShape(t.shape) === 0 ? 0 : memoryOffset(wasm, t));
    const geometry = convGeometry(conv);
    geometry[1] = height;
    geometry[2] = width;
    const offsets = Float64Array.from([offset(xInfo), offset(filterInfo), memoryOffset(wasm, out), offset(bias), offset(rowBias), offset(residual)]);
    addon.conv2dFused(wasm.wasm.HEAPU8.buffer as ArrayBuffer, offsets, Float64Array.from([...geometry, upsample]));
    return out;
  };
}

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

const MATMUL_KERNELS: Record<string, NativeKernel> = { BatchMatMul: batchMatMulKernel, _FusedMatMul: fusedMatMulKernel };
const ELEMENTWISE_KERNELS: Record<string, NativeKernel> = {
  ...Object.fromEntries(Object.keys(BINARY_OPS).map((name) => [name, binaryKernel(name)])),
  ...Object.fromEntries(Object.keys(UNARY_OPS).map((name) => [name, unaryKernel(name)])),
  Sum: sumKernel,
  Cast: castKernel,
  Identity: identityKernel,
  Concat: concatKernel,
  SplitV: splitVKernel,
};

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

// ---------------------------------------------------------------------------------------------------------------
// Fused Adam. tfjs' AdamOptimizer.applyGradients issues ~16 element-wise ops per variable (each a kernel call with
// its own output buffer and engine bookkeeping); on the MLP of the bench that was ~2 ms of a ~9 ms step. While the
// native kernels are installed, AdamOptimizer.prototype.applyGradients is replaced by one that does the same update
// with one native kernel per variable ('ShareboxAdam': the same float32 operations in the same order, see
// native/src/elementwise_impl.h) and keeps the optimizer's state (moments, accBeta1/2, iterations) exactly as the
// stock method does, so getWeights/setWeights and a later uninstall see the same optimizer. Any other backend, or
// a non-float32 variable, runs the stock method.

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
  const usable =
    installedElementwise &&
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

function installFusedAdam(addon: NativeAddon): void {
  if (tf.getKernel(ADAM_KERNEL, BACKEND) === undefined) {
    tf.registerKernel({ kernelName: ADAM_KERNEL, backendName: BACKEND, kernelFunc: adamKernel(addon) });
  }
  const prototype = tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients };
  if (stockAdamApplyGradients === undefined) {
    stockAdamApplyGradients = prototype.applyGradients;
    prototype.applyGradients = fusedAdamApplyGradients;
  }
}

function uninstallFusedAdam(): void {
  if (stockAdamApplyGradients !== undefined) {
    (tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients }).applyGradients = stockAdamApplyGradients;
    stockAdamApplyGradients = undefined;
  }
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
  if (!installed || addonLoad?.addon == null) return null;
  const { variant, elementwise, threads } = addonLoad.addon.info();
  const parts = [
    `matmul ${variant}`,
    ...(installedConv ? ['conv2d/GroupNorm'] : []),
    ...(installedElementwise ? [`element-wise/Adam ${elementwise}`] : []),
    `${threads} thread${threads === 1 ? '' : 's'}`,
  ];
  return `native kernels (${parts.join(', ')})`;
}
