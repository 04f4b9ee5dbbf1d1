/**
 * The `BatchMatMul` gradient of tfjs-core 4.22.0 does not sum over broadcast batch dims: for `a` [3, M, K] times
 * a shared `b` [K, N] it returns a gradient for `b` of shape [3, K, N], and the tape then throws ("The gradient
 * of input 'b' has shape '3,K,N', which does not match the shape of the input"). This happens on every backend
 * (found by test/tfBackend.test.ts while checking batched matmul gradients).
 *
 * We wrap the stock gradient and reduce each input's gradient to that input's shape, the same rule every other
 * broadcasting op's gradient uses (sum over the broadcast axes). Gradients are backend-independent, so this is
 * installed for all backends. (`tf.fused.matMul` has its own gradient inside the op; it is not covered.)
 */
import * as tf from '@tensorflow/tfjs';
import { broadcast_util } from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

let stockGradient: GradConfig | undefined;

/** Sums `grad` over the axes along which `inputShape` was broadcast, then gives it `inputShape`. */
function reduceToInputShape(grad: Tensor, inputShape: number[]): Tensor {
  if (grad.shape.length === inputShape.length && grad.shape.every((d, i) => d === inputShape[i])) return grad;
  const axes = broadcast_util.getReductionAxes(inputShape, grad.shape);
  const summed = axes.length > 0 ? tf.sum(grad, axes) : grad;
  return tf.reshape(summed, inputShape);
}

/** Registers the reducing `BatchMatMul` gradient. Idempotent. */
export function installMatMulGradientFix(): void {
  if (stockGradient !== undefined) return;
  const stock = tf.getGradient('BatchMatMul');
  if (stock === undefined || stock.gradFunc === undefined) throw new Error('shared/tf: tfjs-core has no BatchMatMul gradient');
  stockGradient = stock;
  const stockGradFunc = stock.gradFunc;
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [a, b] = saved;
      const grads = stockGradFunc(dy, saved, attrs);
      return {
        a: () => reduceToInputShape(grads.a(), a.shape),
        b: () => reduceToInputShape(grads.b(), b.shape),
      };
    },
  });
}

export function uninstallMatMulGradientFix(): void {
  if (stockGradient === undefined) return;
  tf.registerGradient(stockGradient);
  stockGradient = undefined;
}
