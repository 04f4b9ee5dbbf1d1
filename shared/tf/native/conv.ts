/**
 * The native `Conv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` (NHWC, float32), and the conv geometry
 * the forward-only fused conv (fusedForward.ts) shares with them.
 *
 * The U-Net of the image DDPM spends ~2/3 of a wasm step in Conv2DBackpropFilter (our rewrite as a
 * dilated Conv2D), Conv2DBackpropInput (stock for stride 2) and Conv2D. The addon computes the forward conv (and
 * the stride-1 input gradient, a forward conv of dy with the rotated filter) straight from x with the SGEMM's
 * register tile (no im2col copy, ~1.9× faster on the U-Net's layers), the other gradients as im2col (in chunks of
 * rows, ~1 MiB) + the native SGEMM: dcol = dy·Wᵀ then col2im, dW = Σ colᵀ·dy.
 * NHWC float32 only; the gradients need dilation 1 (tfjs' own gradients require it too). Anything else goes to
 * the kernel registered before (the wasm one, or our rewrites of the gradients).
 */
import { backend_util, util } from '@tensorflow/tfjs-core';
import { memoryOffset, type NativeKernel } from './wasmKernel';

/** The addon's conv2d modes. */
const CONV_FORWARD = 0;
const CONV_INPUT_GRAD = 1;
const CONV_FILTER_GRAD = 2;

/** The addon's 15 geometry values (native/src/addon.cc, conv2d) of a tfjs conv. */
export function convGeometry(conv: backend_util.Conv2DInfo): Float64Array {
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
export function convInfo(inShape: readonly number[], filterShape: readonly number[], attrs: Record<string, unknown>, dilations: unknown): backend_util.Conv2DInfo {
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

export const CONV_KERNELS: Record<string, NativeKernel> = {
  Conv2D: conv2dKernel,
  Conv2DBackpropInput: conv2dBackpropInputKernel,
  Conv2DBackpropFilter: conv2dBackpropFilterKernel,
};
