/**
 * Forward-only fused kernels for a convolutional network's inference pass (the image U-Net's sampling, gray-box
 * ε̂): on wasm with the native kernels (native/install.ts) and while no gradient is being recorded.
 *
 *   - `conv2dFused`: y = conv2d(up(x), W) + b [+ rowBias[n]] [+ residual] as one kernel that reads x where it lies
 *     (no im2col copy, no upsampled copy of x; `up` is nearest-neighbour ×upsample). Replaces conv, bias Add, the
 *     time embedding's broadcast Add, the residual Add and the upsampling's broadcast Multiply.
 *   - `groupNormAct`: act(GroupNorm(x)) as one kernel (the GroupNorm kernel with its activation attr).
 *
 * They have no gradients: `fusedForwardAvailable()` is false while a tape records (inside tf.grad,
 * tf.variableGrads, …), so a caller that checks it takes its plain-ops path there. Values match the plain ops up to
 * float rounding (the same sums in the same order; SiLU's exp is a polynomial, ~1e-7 relative), checked against
 * the cpu backend in test/tfNativeConv.test.ts and test/imageDdpm.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { GROUP_NORM_KERNEL } from './groupNorm';

export const CONV_FUSED_KERNEL = 'ShareboxConv2DFused';

/** Activation codes of the GroupNorm kernel's `activation` attr (native/src/addon.cc, groupNorm). */
export const GROUP_NORM_ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, silu: 2 };

export type FusedActivation = 'linear' | 'relu' | 'silu';

/** Whether a tape is recording (tf.grad, tf.variableGrads, customGrad's forward under them, …). */
export function gradientRecording(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/** Whether the fused kernels serve the active backend and no gradient is being recorded. */
export function fusedForwardAvailable(): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel(CONV_FUSED_KERNEL, 'wasm') !== undefined &&
    tf.getKernel(GROUP_NORM_KERNEL, 'wasm') !== undefined &&
    !gradientRecording()
  );
}

export interface Conv2dFusedOptions {
  strides?: number | [number, number];
  pad?: 'same' | 'valid';
  dilations?: number | [number, number];
  /** x is read nearest-neighbour upsampled by this integer factor (default 1). */
  upsample?: number;
  /** [B, outC]: one bias row per image (a time embedding), added after `bias`. */
  rowBias?: tf.Tensor2D;
  /** [B, outH, outW, outC], added last (a residual connection). */
  residual?: tf.Tensor4D;
}

function requireFused(what: string): void {
  if (!fusedForwardAvailable()) {
    throw new Error(`${what}: the fused forward kernels need the wasm backend with the native kernels and no gradient tape (check fusedForwardAvailable() first)`);
  }
}

/** conv2d(up(x), filter) + bias [+ rowBias[n]] [+ residual], NHWC, forward only. */
export function conv2dFused(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, opts: Conv2dFusedOptions = {}): tf.Tensor4D {
  requireFused('conv2dFused');
  const inputs: Record<string, tf.Tensor> = { x, filter };
  if (bias !== null) inputs.bias = bias;
  if (opts.rowBias !== undefined) inputs.rowBias = opts.rowBias;
  if (opts.residual !== undefined) inputs.residual = opts.residual;
  const attrs = { strides: opts.strides ?? 1, pad: opts.pad ?? 'same', dilations: opts.dilations ?? 1, upsample: opts.upsample ?? 1 };
  return tf.engine().runKernel(CONV_FUSED_KERNEL, inputs, attrs) as tf.Tensor4D;
}

/** act(GroupNorm(x)) for x [B, H, W, C], forward only (the statistics it also computes are dropped). */
export function groupNormAct(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, activation: FusedActivation, epsilon = 1e-5): tf.Tensor4D {
  requireFused('groupNormAct');
  if (x.shape[3] % groups !== 0) throw new Error(`groupNormAct: ${groups} groups do not divide ${x.shape[3]} channels`);
  const [y, mean, rstd] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x, gamma, beta }, { groups, epsilon, activation }) as tf.Tensor[];
  tf.dispose([mean, rstd]);
  return y as tf.Tensor4D;
}
