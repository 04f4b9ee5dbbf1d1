/**
 * Fix 2 of the team's stack notes (stack.md §3, in the team folder beside the checkout): a `Conv2DBackpropFilter`
 * kernel built from `Conv2D` + `Transpose`.
 *
 * Why: tfjs-backend-wasm 4.22.0 has no `Conv2DBackpropFilter` at all, so no conv net can train on wasm; the cpu
 * backend has one but it is ~100× slower than its own `Conv2D` (496 of 529 s of one U-Net step, stack.md §2).
 *
 * The filter gradient is itself a convolution (stack.md §3):
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co]
 * Read x as a batch of `ci` images [ci, H, W, n] (the batch becomes the channels) and dy as a filter
 * [OH, OW, n, co]; a stride-1 convolution with dilation `s` and padding (pt, pl) then yields [ci, KH, KW, co],
 * and a transpose gives [KH, KW, ci, co]. All of it runs on the backend's fast Conv2D and Transpose kernels.
 *
 * The kernel is generic over the backend name (it calls that backend's own Conv2D/Transpose/Slice), so it can
 * also replace the cpu backend's slow kernel when cpu is the fallback.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { callNamedKernel, disposeIntermediates, replaceKernel, restoreKernel } from './kernelCalls';

function makeConv2DBackpropFilter(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    const format = backend_util.convertConv2DDataFormat(dataFormat);
    if (format !== 'channelsLast') {
      throw new Error(
        `Conv2DBackpropFilter on '${backendName}' (shared/tf fix) supports dataFormat 'NHWC' only, got '${dataFormat}'`,
      );
    }
    const conv = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      format,
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = conv;
    const { filterHeight, filterWidth, strideHeight, strideWidth } = conv;
    const { top, left } = conv.padInfo;

    // Padding after the data so that the stride-1, dilation-s conv yields exactly KH×KW outputs. Rows/cols the
    // forward conv never reached (valid padding with a stride that does not divide) make it negative: crop them.
    let padBottom = filterHeight - inHeight - top + (outHeight - 1) * strideHeight;
    let padRight = filterWidth - inWidth - left + (outWidth - 1) * strideWidth;
    const usedHeight = inHeight + Math.min(0, padBottom);
    const usedWidth = inWidth + Math.min(0, padRight);
    padBottom = Math.max(0, padBottom);
    padRight = Math.max(0, padRight);

    let xUsed = x;
    if (usedHeight !== inHeight || usedWidth !== inWidth) {
      xUsed = callNamedKernel('Slice', backendName, backend, { x }, {
        begin: [0, 0, 0, 0],
        size: [batchSize, usedHeight, usedWidth, inChannels],
      });
    }
    const xAsImages = callNamedKernel('Transpose', backendName, backend, { x: xUsed }, { perm: [3, 1, 2, 0] });
    if (xUsed !== x) disposeIntermediates(backend, xUsed);
    const dyAsFilter = callNamedKernel('Transpose', backendName, backend, { x: dy }, { perm: [1, 2, 0, 3] });

    const gradCiFirst = callNamedKernel('Conv2D', backendName, backend, { x: xAsImages, filter: dyAsFilter }, {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, padBottom],
        [left, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [strideHeight, strideWidth],
    });
    disposeIntermediates(backend, xAsImages, dyAsFilter);
    if (gradCiFirst.shape[1] !== filterHeight || gradCiFirst.shape[2] !== filterWidth || gradCiFirst.shape[3] !== outChannels) {
      disposeIntermediates(backend, gradCiFirst);
      throw new Error(
        `Conv2DBackpropFilter (shared/tf fix): internal shape mismatch, got [${gradCiFirst.shape}] for filter ` +
          `[${filterShape}] (x [${x.shape}], dy [${dy.shape}], strides ${strides}, pad ${JSON.stringify(pad)})`,
      );
    }
    const grad = callNamedKernel('Transpose', backendName, backend, { x: gradCiFirst }, { perm: [1, 2, 0, 3] });
    disposeIntermediates(backend, gradCiFirst);
    return grad;
  };
}

const replaced = new Map<string, KernelConfig | undefined>();

/** Registers the Conv2D-based `Conv2DBackpropFilter` for `backendName` ('wasm' or 'cpu'). Idempotent. */
export function installConv2DBackpropFilter(backendName: string): void {
  if (replaced.has(backendName)) return;
  const previous = replaceKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: makeConv2DBackpropFilter(backendName),
  });
  replaced.set(backendName, previous);
}

export function uninstallConv2DBackpropFilter(backendName: string): void {
  if (!replaced.has(backendName)) return;
  restoreKernel('Conv2DBackpropFilter', backendName, replaced.get(backendName));
  replaced.delete(backendName);
}

export function isConv2DBackpropFilterInstalled(backendName: string): boolean {
  return replaced.has(backendName);
}
