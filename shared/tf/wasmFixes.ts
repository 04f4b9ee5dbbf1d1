/**
 * The kernel fixes applied to the wasm backend (stack.md §3), installed and removed as one unit so the bench can
 * measure stock against fixed in one process.
 */
import { installConv2DBackpropFilter, isConv2DBackpropFilterInstalled, uninstallConv2DBackpropFilter } from './conv2dBackpropFilter';
import { installConv2DBackpropInput, isConv2DBackpropInputInstalled, uninstallConv2DBackpropInput } from './conv2dBackpropInput';
import { installNativeKernels, nativeKernelsLabel, uninstallNativeKernels } from './native/install';
import { nativeDisabledByEnv } from './native/load';
import { installWasmMatMulFix, isWasmMatMulFixInstalled, uninstallWasmMatMulFix } from './wasmMatmulFix';

export interface WasmFixesOptions {
  /**
   * Put the native kernels (native/install.ts: matmul, element-wise, Sum, fused Adam, conv) on top of the fixes
   * when the addon loads. Default: yes unless SHAREBOX_TF_NATIVE=0. `false` removes them if installed (the bench
   * measures both in one process).
   */
  native?: boolean;
}

/** Registers the fixed wasm kernels. Needs `@tensorflow/tfjs-backend-wasm` imported; idempotent. */
export function installWasmFixes(options: WasmFixesOptions = {}): void {
  installWasmMatMulFix();
  installConv2DBackpropFilter('wasm');
  installConv2DBackpropInput('wasm');
  const native = options.native ?? !nativeDisabledByEnv();
  // The native kernels fall back to the fixed ones, so they go on top of them.
  if (native) installNativeKernels();
  else uninstallNativeKernels();
}

/** Restores the stock wasm kernels (wasm then has no Conv2DBackpropFilter at all, as shipped). */
export function uninstallWasmFixes(): void {
  uninstallNativeKernels();
  uninstallWasmMatMulFix();
  uninstallConv2DBackpropFilter('wasm');
  uninstallConv2DBackpropInput('wasm');
}

/** Short names of the fixes currently installed on wasm, for `describeBackend()` and bench output. */
export function installedWasmFixes(): string[] {
  const names: string[] = [];
  if (isWasmMatMulFixInstalled()) names.push('matmul fix');
  if (isConv2DBackpropFilterInstalled('wasm')) names.push('conv-filter-grad fix');
  if (isConv2DBackpropInputInstalled('wasm')) names.push('conv-input-grad stride-1 fix');
  const native = nativeKernelsLabel();
  if (native !== null) names.push(native);
  return names;
}
