/**
 * The one place that loads TensorFlow.js. Every module imports `tf` from here so that all of them share the
 * backend chosen by `initBackend`.
 *
 * Backend choice (stack.md §1, §3, §6): tfjs-node ('tensorflow') when it loads — it is an optional dependency that
 * cannot install on these machines — else 'wasm' with our kernel fixes (5-6× faster training than stock wasm),
 * else the pure-JS 'cpu' backend (far too slow to train, but always there). Each is tried in turn;
 * `SHAREBOX_TF_BACKEND=tensorflow|wasm|cpu` (or `initBackend({ prefer })`) puts one first.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installConv2DBackpropFilter, isConv2DBackpropFilterInstalled } from './conv2dBackpropFilter';
import { installMatMulGradientFix } from './matMulGradientFix';
import { suppressTfjsNodeBanner } from './quietConsole';
import { installedWasmFixes, installWasmFixes } from './wasmFixes';

export { tf };
export { installWasmFixes, uninstallWasmFixes, installedWasmFixes } from './wasmFixes';
export type { WasmFixesOptions } from './wasmFixes';
// Native kernels (native/ addon, stack.md §4), installed by installWasmFixes when the addon loads.
export { isNativeKernelsInstalled, nativeKernelsLabel } from './native/install';
export { loadNativeAddon, nativeAddonUnavailableReason } from './native/load';
export { installMatMulGradientFix } from './matMulGradientFix';

// Installed at import, not in initBackend: the banner fires on the first cpu tensor, which may come first.
suppressTfjsNodeBanner();

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const BACKEND_ENV_VAR = 'SHAREBOX_TF_BACKEND';
/** `SHAREBOX_TF_WASM_FIXES=0` runs wasm with its stock kernels, to tell a kernel-fix bug from any other. */
export const WASM_FIXES_ENV_VAR = 'SHAREBOX_TF_WASM_FIXES';

function wasmFixesWanted(opts: InitBackendOptions): boolean {
  if (opts.wasmFixes !== undefined) return opts.wasmFixes;
  return process.env[WASM_FIXES_ENV_VAR] !== '0';
}

export interface InitBackendOptions {
  /** Backend to try first. Wins over SHAREBOX_TF_BACKEND (code that names one has a reason, e.g. a test). */
  prefer?: string;
  /** Do not report on stderr that a preferred backend failed and another one was used. */
  quiet?: boolean;
  /** Install the wasm kernel fixes (default true unless SHAREBOX_TF_WASM_FIXES=0; false only to debug). */
  wasmFixes?: boolean;
}

let selection: Promise<BackendName> | undefined;
let wasmHasSimd: boolean | undefined;

/**
 * Selects and initialises the backend once per process; later calls return the same promise (their options are
 * ignored). Resolves to the backend's name.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<string> {
  if (selection === undefined) {
    selection = selectBackend(opts);
    // A failed selection (every backend failed) may be retried.
    selection.catch(() => {
      selection = undefined;
    });
  }
  return selection;
}

function parseBackendName(value: string, source: string): BackendName {
  const name = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(`${source}='${value}' is not a tfjs backend sharebox knows; use one of ${BACKEND_NAMES.join(', ')}`);
}

/**
 * The order backends are tried in: `prefer` (from code) or else the env override first, then the default order.
 * Exported for tests.
 */
export function backendOrder(
  prefer: string | undefined,
  envValue: string | undefined = process.env[BACKEND_ENV_VAR],
): { order: BackendName[]; preferred?: BackendName } {
  let preferred: BackendName | undefined;
  if (prefer !== undefined) preferred = parseBackendName(prefer, 'initBackend({ prefer })');
  else if (envValue !== undefined && envValue.trim() !== '') preferred = parseBackendName(envValue, BACKEND_ENV_VAR);
  const order = preferred === undefined ? [...BACKEND_NAMES] : [preferred, ...BACKEND_NAMES.filter((n) => n !== preferred)];
  return { order, preferred };
}

async function selectBackend(opts: InitBackendOptions): Promise<BackendName> {
  const { order, preferred } = backendOrder(opts.prefer);
  installMatMulGradientFix(); // a tfjs-core bug, so for every backend
  const failures: string[] = [];
  for (const name of order) {
    try {
      await startBackend(name, opts);
      if (preferred !== undefined && name !== preferred && !opts.quiet) {
        process.stderr.write(`sharebox: tfjs backend '${preferred}' unavailable (${failures[0]}); using '${name}'\n`);
      }
      return name;
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  throw new Error(`sharebox: no tfjs backend could start (${failures.join('; ')})`);
}

async function startBackend(name: BackendName, opts: InitBackendOptions): Promise<void> {
  if (name === 'tensorflow') {
    // Registers the 'tensorflow' backend as a side effect. A variable module name keeps tsc from requiring it
    // to resolve: it is an optionalDependency that is absent here (stack.md §1, §6).
    const tfjsNodeModule = '@tensorflow/tfjs-node';
    require(tfjsNodeModule);
  } else if (name === 'wasm') {
    setWasmPaths(wasmBinaryDirectory());
    if (wasmFixesWanted(opts)) installWasmFixes();
    wasmHasSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean;
  } else {
    // The cpu fallback keeps its stock kernels except the filter gradient, ~100× slower than its own Conv2D.
    installConv2DBackpropFilter('cpu');
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

/**
 * Directory holding tfjs-backend-wasm's .wasm binaries, with a trailing separator as `setWasmPaths` expects.
 * Resolved from the installed package so it works from sources (jest), from dist/ and from any cwd.
 */
export function wasmBinaryDirectory(): string {
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(packageJson), 'dist') + path.sep;
}

/**
 * One line for logs and bench output, e.g. "wasm (SIMD, 1 thread, matmul fix, conv-filter-grad fix, …, native kernels
 * (matmul AVX2+FMA, element-wise/Adam AVX2, 1 thread))".
 * Describes the backend active now (the bench switches backends), or says none is initialised.
 */
export function describeBackend(): string {
  const name = tf.getBackend() as string | null | undefined;
  if (!name) return 'no tfjs backend initialised';
  if (name === 'wasm') {
    const threads = getThreadsCount();
    const details = [
      wasmHasSimd === false ? 'no SIMD' : 'SIMD',
      `${threads} thread${threads === 1 ? '' : 's'}`,
      ...installedWasmFixes(),
    ];
    return `wasm (${details.join(', ')})`;
  }
  if (name === 'cpu') {
    return isConv2DBackpropFilterInstalled('cpu') ? 'cpu (pure JS, conv-filter-grad fix)' : 'cpu (pure JS)';
  }
  if (name === 'tensorflow') return 'tensorflow (tfjs-node, native libtensorflow)';
  return name;
}
