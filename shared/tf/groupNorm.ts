/**
 * GroupNorm (Wu & He 2018) for NHWC tensors: per image and group of C/G channels, x̂ = (x − μ)/√(σ² + ε), then
 * γ_c·x̂ + β_c.
 *
 * On wasm with the native kernels installed (native/install.ts) it is one native kernel forward and one backward
 * (`ShareboxGroupNorm`, `ShareboxGroupNormGrad`, through tf.customGrad); elsewhere it is the same function as
 * plain tf ops (reshape, moments, broadcasts), ~20 kernels with autodiff, which on wasm run on the slow
 * element-wise paths (the broadcasts [B, HW, G, C/G] against [B, 1, G, 1] are not a form the native element-wise
 * kernels take). test/imageDdpm.test.ts checks the two against each other, values and gradients.
 */
import * as tf from '@tensorflow/tfjs';

export const GROUP_NORM_KERNEL = 'ShareboxGroupNorm';
export const GROUP_NORM_GRAD_KERNEL = 'ShareboxGroupNormGrad';

/** The tf-ops version (every backend). */
export function groupNormOps(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, epsilon = 1e-5): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W, C] = x.shape;
    const grouped = tf.reshape(x, [B, H * W, groups, C / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normalised = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(tf.reshape(normalised, [B, H, W, C]), gamma), beta) as tf.Tensor4D;
  });
}

/** Whether the native kernels serve the active backend. */
export function hasNativeGroupNorm(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(GROUP_NORM_KERNEL, 'wasm') !== undefined && tf.getKernel(GROUP_NORM_GRAD_KERNEL, 'wasm') !== undefined;
}

/** GroupNorm of x [B, H, W, C] with `groups` dividing C; γ and β of shape [C]. */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, epsilon = 1e-5): tf.Tensor4D {
  if (x.shape[3] % groups !== 0) throw new Error(`groupNorm: ${groups} groups do not divide ${x.shape[3]} channels`);
  if (!hasNativeGroupNorm() || x.dtype !== 'float32') return groupNormOps(x, gamma, beta, groups, epsilon);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, rstd] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x: xIn, gamma: gammaIn, beta: betaIn }, { groups, epsilon }) as tf.Tensor[];
    save([xIn, gammaIn, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, gammaSaved, meanSaved, rstdSaved] = saved;
        return tf.engine().runKernel(GROUP_NORM_GRAD_KERNEL, { dy, x: xSaved, gamma: gammaSaved, mean: meanSaved, rstd: rstdSaved }, { groups }) as tf.Tensor[];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}
