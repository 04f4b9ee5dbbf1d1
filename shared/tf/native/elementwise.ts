/**
 * The native element-wise kernels: `Add`, `Sub`, `Multiply`, `RealDiv`, `SquaredDifference` (same shape, scalar,
 * or a trailing row repeated), `Sqrt`, `Square`, `Relu`, `Step`, `Neg`, `Abs`, `Sigmoid`; `Sum` over leading or
 * trailing axes; `Concat` and `SplitV` of float32 tensors. The stock wasm kernels call a function pointer per
 * element (~2 ns/element), Sum over axis 0 transposes first, and Concat/SplitV copy row by row in JavaScript.
 * `Identity` and same-dtype `Cast` share their input's buffer (as the cpu backend does) instead of copying it.
 * Whatever they decline (other dtypes, other broadcasts, other Sum axes) goes to the kernel registered before.
 */
import { backend_util, broadcast_util, util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { memoryOffset, operands, type NativeKernel, type WasmBackendInternals } from './wasmKernel';

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

/**
 * Concat of float32 tensors along any axis: one copy per row and input in the addon. The wasm kernel does it in
 * JavaScript (a typed-array copy per row and input: ~9 ms for the U-Net's [64, 28, 28, 32 + 16] at batch 64).
 * Other dtypes go to the wasm kernel.
 */
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

export const ELEMENTWISE_KERNELS: Record<string, NativeKernel> = {
  ...Object.fromEntries(Object.keys(BINARY_OPS).map((name) => [name, binaryKernel(name)])),
  ...Object.fromEntries(Object.keys(UNARY_OPS).map((name) => [name, unaryKernel(name)])),
  Sum: sumKernel,
  Cast: castKernel,
  Identity: identityKernel,
  Concat: concatKernel,
  SplitV: splitVKernel,
};
