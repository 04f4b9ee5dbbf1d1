/**
 * The kernel fixes applied to the wasm backend (stack.md §3), installed and removed as one unit so the bench can
 * measure stock against fixed in one process.
 */
import { installConv2DBackpropFilter, isConv2DBackpropFilterInstalled, uninstallConv2DBackpropFilter } from './conv2dBackpropFilter';
import { installConv2DBackpropInput, isConv2DBackpropInputInstalled, uninstallConv2DBackpropInput } from './conv2dBackpropInput';
import { installWasmMatMulFix, isWasmMatMulFixInstalled, uninstallWasmMatMulFix } from './wasmMatmulFix';

/** Registers the fixed wasm kernels. Needs `@tensorflow/tfjs-backend-wasm` imported; idempotent. */
export function installWasmFixes(): void {
  installWasmMatMulFix();
  installConv2DBackpropFilter('wasm');
  installConv2DBackpropInput('wasm');
}

/** Restores the stock wasm kernels (wasm then has no Conv2DBackpropFilter at all, as shipped). */
export function uninstallWasmFixes(): void {
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
  return names;
}
