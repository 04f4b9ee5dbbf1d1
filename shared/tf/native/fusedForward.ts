/**
 * The native kernel of shared/tf/fusedForward.ts's conv2dFused (`ShareboxConv2DFused`), a kernel of our own for
 * inference, registered with the convolutions (install.ts).
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { CONV_FUSED_KERNEL } from '../fusedForward';
import { convGeometry, convInfo } from './conv';
import type { NativeAddon } from './load';
import { memoryOffset, requireFloat32, type WasmBackendInternals } from './wasmKernel';

/**
 * The forward-only convolution of shared/tf/fusedForward.ts: y = conv2d(up(x), filter) + bias + rowBias[n] +
 * residual in one kernel, read straight from x (no im2col, no upsampled copy of x).
 */
export function convFusedKernel(addon: NativeAddon): KernelFunc {
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
