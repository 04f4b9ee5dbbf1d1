/**
 * The native addon (native/, C++, no BLAS; built by `npm install` / `npm ci` through native/build.js): its
 * interface as this code speaks it, and loading it once per process.
 *
 * `SHAREBOX_TF_NATIVE=0` disables the addon; `SHAREBOX_TF_NATIVE_THREADS=n` sets the matmul thread count (default
 * 1). When the addon is missing (no compiler at install time, another OS/CPU) or stale, `loadNativeAddon` returns
 * null with the reason and the wasm kernels run as before.
 */
import * as path from 'path';
import { repoRoot } from '../../repoRoot';

export const NATIVE_ENV_VAR = 'SHAREBOX_TF_NATIVE';
export const NATIVE_THREADS_ENV_VAR = 'SHAREBOX_TF_NATIVE_THREADS';

/** Where native/build.js leaves the addon, relative to the repository root. */
export const NATIVE_ADDON_RELATIVE_PATH = path.join('native', 'build', 'Release', 'sharebox_native.node');

/** The addon interface this file speaks (native/src/addon.cc kInterfaceVersion). */
export const NATIVE_INTERFACE_VERSION = 3;

/** The addon's interface (native/src/addon.cc). */
export interface NativeAddon {
  interfaceVersion: number;
  matmul(
    heap: ArrayBuffer,
    aOffset: number,
    bOffset: number,
    cOffset: number,
    aBatchIndex: Int32Array | null,
    bBatchIndex: Int32Array | null,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    biasOffset: number,
    activation: number,
    alpha: number,
  ): void;
  info(): { variant: string; elementwise: string; threads: number; cpu: { avx2: boolean; fma: boolean; avx512f: boolean } };
  setThreads(threads: number): number;
  setVariant(name: 'avx512' | 'avx2' | 'generic' | 'wide16' | 'best'): boolean;
  binary(heap: ArrayBuffer, op: number, aOffset: number, aSize: number, bOffset: number, bSize: number, outOffset: number, outSize: number): void;
  unary(heap: ArrayBuffer, op: number, xOffset: number, outOffset: number, size: number, alpha: number): void;
  sum(heap: ArrayBuffer, xOffset: number, outer: number, inner: number, columns: boolean, outOffset: number): void;
  adam(
    heap: ArrayBuffer,
    valueOffset: number,
    mOffset: number,
    vOffset: number,
    gradientOffset: number,
    outValueOffset: number,
    outMOffset: number,
    outVOffset: number,
    size: number,
    constants: Float32Array,
  ): void;
  /**
   * NHWC convolution by im2col + the GEMM. mode 0: (x, filter) → y; 1: (dy, filter) → dx; 2: (x, dy) → dW.
   * geometry: batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft.
   */
  conv2d(heap: ArrayBuffer, mode: number, in0Offset: number, in1Offset: number, outOffset: number, geometry: Float64Array): void;
  /**
   * GroupNorm over x viewed as [B, S, C] in G groups. forward: offsets [x, gamma, beta, y, mean, rstd, 0, 0], and
   * optionally an activation applied to y (0 none, 1 relu, 2 SiLU); backward: [dy, x, gamma, mean, rstd, dx,
   * dgamma, dbeta].
   */
  groupNorm(heap: ArrayBuffer, backward: boolean, offsets: Float64Array, batch: number, spatial: number, channels: number, groups: number, epsilon: number, activation?: number): void;
  /**
   * Forward convolution y = conv(up(x), filter) + bias + rowBias[n] + residual, read straight from x.
   * offsets: x, filter, y, bias, rowBias, residual (−1: absent); geometry: conv2d's 15 values with x's own inH, inW,
   * then the upsampling factor.
   */
  conv2dFused(heap: ArrayBuffer, offsets: Float64Array, geometry: Float64Array): void;
  /** out [outer, Σ inner_i] = the inputs [outer, inner_i] side by side. */
  concat(heap: ArrayBuffer, offsets: Float64Array, inners: Float64Array, outer: number, outOffset: number): void;
  /** The inverse of concat: x [outer, Σ inner_i] into the outputs [outer, inner_i]. */
  split(heap: ArrayBuffer, xOffset: number, outer: number, offsets: Float64Array, inners: Float64Array): void;
}

let addonLoad: { addon: NativeAddon | null; reason: string } | undefined;

/** Whether SHAREBOX_TF_NATIVE=0 turns the addon off. */
export function nativeDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[NATIVE_ENV_VAR] === '0';
}

/**
 * The addon, loaded once, or null with the reason (not built, fails to load, disabled by SHAREBOX_TF_NATIVE=0).
 * Never throws.
 */
export function loadNativeAddon(): NativeAddon | null {
  if (addonLoad === undefined) {
    if (nativeDisabledByEnv()) {
      addonLoad = { addon: null, reason: `disabled by ${NATIVE_ENV_VAR}=0` };
    } else {
      let file = NATIVE_ADDON_RELATIVE_PATH;
      try {
        file = path.join(repoRoot(), NATIVE_ADDON_RELATIVE_PATH);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const addon = require(file) as NativeAddon;
        if (addon.interfaceVersion !== NATIVE_INTERFACE_VERSION) {
          throw new Error(`stale build (interface ${addon.interfaceVersion}, expected ${NATIVE_INTERFACE_VERSION}); run \`node native/build.js\``);
        }
        const threads = Number(process.env[NATIVE_THREADS_ENV_VAR] ?? '1');
        addon.setThreads(Number.isFinite(threads) && threads >= 1 ? Math.floor(threads) : 1);
        addonLoad = { addon, reason: '' };
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        addonLoad = { addon: null, reason: `cannot load ${file}: ${message}` };
      }
    }
  }
  return addonLoad.addon;
}

/** Why the addon is not in use ('' when it loaded). */
export function nativeAddonUnavailableReason(): string {
  loadNativeAddon();
  return addonLoad?.reason ?? '';
}
