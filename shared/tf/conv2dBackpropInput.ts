/**
 * A faster stride-1 `Conv2DBackpropInput` for wasm (stack.md §5: the stock wasm kernel is a naive loop, ~10×
 * slower than its forward conv).
 *
 * For stride 1 the input gradient is a "full" convolution of dy with the filter rotated by 180° and its channel
 * axes swapped:  dx[n,h,w,ci] = Σ_{kh,kw,co} dy[n, h+pt−kh, w+pl−kw, co] · W[kh,kw,ci,co]
 *                            = conv2d(dy, W'[KH−1−kh, KW−1−kw, co, ci], stride 1, pad (KH−1−pt, KW−1−pl, …)).
 * That runs on the XNNPACK Conv2D. Strided cases (which would need a dilated dy) keep the stock kernel.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { callNamedKernel, disposeIntermediates, registeredKernel, replaceKernel, restoreKernel } from './kernelCalls';

function makeConv2DBackpropInput(backendName: string, stock: KernelConfig): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    const format = backend_util.convertConv2DDataFormat(dataFormat);
    const conv = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      format,
    );
    const { filterHeight, filterWidth, inHeight, inWidth, outHeight, outWidth } = conv;
    const padTop = filterHeight - 1 - conv.padInfo.top;
    const padLeft = filterWidth - 1 - conv.padInfo.left;
    const padBottom = inHeight - outHeight - padTop + filterHeight - 1;
    const padRight = inWidth - outWidth - padLeft + filterWidth - 1;
    const rewritable =
      format === 'channelsLast' &&
      conv.strideHeight === 1 &&
      conv.strideWidth === 1 &&
      Math.min(padTop, padLeft, padBottom, padRight) >= 0;
    if (!rewritable) return stock.kernelFunc(args);

    const flipped = callNamedKernel('Reverse', backendName, backend, { x: filter }, { dims: [0, 1] });
    const rotated = callNamedKernel('Transpose', backendName, backend, { x: flipped }, { perm: [0, 1, 3, 2] });
    disposeIntermediates(backend, flipped);
    const dx = callNamedKernel('Conv2D', backendName, backend, { x: dy, filter: rotated }, {
      strides: [1, 1],
      pad: [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    });
    disposeIntermediates(backend, rotated);
    return dx;
  };
}

const replaced = new Map<string, KernelConfig | undefined>();

/** Registers the stride-1 rewrite of `Conv2DBackpropInput` for `backendName`, keeping the stock kernel for the rest. */
export function installConv2DBackpropInput(backendName: string): void {
  if (replaced.has(backendName)) return;
  const stock = registeredKernel('Conv2DBackpropInput', backendName);
  const previous = replaceKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName,
    setupFunc: stock.setupFunc,
    kernelFunc: makeConv2DBackpropInput(backendName, stock),
  });
  replaced.set(backendName, previous);
}

export function uninstallConv2DBackpropInput(backendName: string): void {
  if (!replaced.has(backendName)) return;
  restoreKernel('Conv2DBackpropInput', backendName, replaced.get(backendName));
  replaced.delete(backendName);
}

export function isConv2DBackpropInputInstalled(backendName: string): boolean {
  return replaced.has(backendName);
}
