/**
 * Fix 1 of the team's stack notes (stack.md §3, in the team folder beside the checkout): route every wasm matmul
 * through XNNPACK.
 *
 * Why: in tfjs-backend-wasm 4.22.0 the C++ `batchMatMul` (src/cc/batch_mat_mul_impl.cc) calls XNNPACK's fully
 * connected operator only when `!transpose_a && !transpose_b && a_batch == 1 && b_batch == 1`. Every other case
 * runs `slow_batch_matmul`, a naive blocked loop (~1-2 GFLOP/s vs ~24). The gradient of `a·b` is `dy·bᵀ` and
 * `aᵀ·dy`, so training sits entirely on the slow path. The slow path is also WRONG when fused with a bias: it adds
 * the bias once per 48-wide block of the inner dimension and indexes it by `i·N + j` instead of `j`, and clamps
 * (relu) partial sums; stack.md §5 lists "tf.fused.matMul with bias and a transpose on stock wasm" as giving
 * wrong gradients, and this is why.
 *
 * What we register instead (for `BatchMatMul` and `_FusedMatMul` on 'wasm'):
 *   1. a transposed operand is transposed explicitly with the wasm `Transpose` kernel (fast, memory bound);
 *   2. batch 1 × batch 1: one call of the stock kernel with no transposes (the XNNPACK path);
 *   3. batched `a` with a shared `b` (b batch 1): fold the batch into the rows, `[B·M, K]·[K, N]`, one XNNPACK call;
 *   4. otherwise (both batched, or a shared `a`): one XNNPACK call per output batch, with full numpy-style
 *      broadcasting of the leading dims (the stock kernels, wasm and cpu alike, mis-broadcast e.g. [2,1,…]×[1,3,…]).
 * Bias and activation are handed to XNNPACK when it can apply them correctly (rank-1 bias of length N, prelu
 * weights of length N); otherwise they are applied afterwards with the wasm Add / activation kernels.
 */
import { broadcast_util, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import {
  callKernel,
  callNamedKernel,
  disposeIntermediates,
  registeredKernel,
  replaceKernel,
  restoreKernel,
} from './kernelCalls';

const BACKEND = 'wasm';

/** The parts of tfjs-backend-wasm's `BackendWasm` this module uses (its own typings drag in emscripten's). */
interface WasmBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

type Activation = 'linear' | 'relu' | 'relu6' | 'prelu' | 'leakyrelu' | 'sigmoid' | 'elu';

/** What to apply after the product: `act(a·b + bias)`. */
interface Epilogue {
  bias?: TensorInfo;
  activation: Activation;
  preluWeights?: TensorInfo;
  leakyreluAlpha: number;
}

const NO_EPILOGUE: Epilogue = { activation: 'linear', leakyreluAlpha: 0 };

/** The stock kernels, captured before we replace them; they reach XNNPACK when called untransposed. */
let stockBatchMatMul: KernelConfig | undefined;
let stockFusedMatMul: KernelConfig | undefined;
let replacedBatchMatMul: KernelConfig | undefined;
let replacedFusedMatMul: KernelConfig | undefined;
let installed = false;

/**
 * XNNPACK's fully connected operator is cached in C++ by the id of `b` (plus bias id and activation), with the
 * packed weights and the [K, N] it was created for. A wasm `Reshape` shares the id, so the same buffer seen again
 * with another [K, N] (e.g. a [1, N] row reused as [N, 1]) would silently reuse the wrong packing. We remember the
 * [K, N] each buffer was first used with and copy `b` when it differs.
 */
const packedWeightShape = new WeakMap<object, string>();

/** Geometry of `a·b` after the leading dims are folded into one batch dim (as the stock kernels do). */
interface MatMulGeometry {
  rowsOut: number; // M
  inner: number; // K
  colsOut: number; // N
  batchA: number;
  batchB: number;
  outBatchShape: number[];
  outBatch: number;
  /** For each flat output batch index, the flat batch index in a and in b (numpy broadcasting). */
  aBatchOf: Int32Array;
  bBatchOf: Int32Array;
}

function matMulGeometry(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulGeometry {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const innerA = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const innerB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  util.assert(
    innerA === innerB,
    () =>
      `Error in matMul: inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ${a.shape} and ` +
      `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const outerDimsA = a.shape.slice(0, -2);
  const outerDimsB = b.shape.slice(0, -2);
  const outBatchShape = broadcast_util.assertAndGetBroadcastShape(outerDimsA, outerDimsB);
  const outBatch = util.sizeFromShape(outBatchShape);
  const aBatchOf = broadcastBatchIndex(outBatchShape, outerDimsA);
  const bBatchOf = broadcastBatchIndex(outBatchShape, outerDimsB);
  return {
    rowsOut: transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2],
    inner: innerA,
    colsOut: transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1],
    batchA: util.sizeFromShape(outerDimsA),
    batchB: util.sizeFromShape(outerDimsB),
    outBatchShape,
    outBatch,
    aBatchOf,
    bBatchOf,
  };
}

/** Maps each flat index of `outShape` to the flat index of the operand of shape `inShape` it broadcasts from. */
export function broadcastBatchIndex(outShape: number[], inShape: number[]): Int32Array {
  const outSize = util.sizeFromShape(outShape);
  const result = new Int32Array(outSize);
  const offset = outShape.length - inShape.length;
  const inStrides = util.computeStrides(inShape);
  for (let flat = 0; flat < outSize; flat++) {
    let rest = flat;
    let inFlat = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const coord = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
      const inDim = d - offset;
      if (inDim < 0 || inShape[inDim] === 1) continue;
      inFlat += coord * (inDim === inShape.length - 1 ? 1 : inStrides[inDim]);
    }
    result[flat] = inFlat;
  }
  return result;
}

/** A view of `x` with another shape over the same buffer; never disposed (it holds no reference of its own). */
function view(x: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/**
 * `x` as a row-major [batch, rows, cols] buffer, transposing explicitly if `transposed` says the stored layout is
 * [batch, cols, rows]. Returns whether the result is a new buffer the caller must dispose.
 */
function untransposed(
  backend: WasmBackend,
  x: TensorInfo,
  batch: number,
  rows: number,
  cols: number,
  transposed: boolean,
): { info: TensorInfo; owned: boolean } {
  if (!transposed) return { info: view(x, [batch, rows, cols]), owned: false };
  // The wasm Transpose kernel drops size-1 dims first, so this is a plain 2-D transpose per batch.
  const info = callNamedKernel('Transpose', BACKEND, backend, { x: view(x, [batch, cols, rows]) }, { perm: [0, 2, 1] });
  return { info, owned: true };
}

/** Whether XNNPACK can apply this epilogue itself (see the file comment): bias and prelu weights of length N. */
function xnnpackCanApply(epilogue: Epilogue, colsOut: number): boolean {
  const { bias, preluWeights, activation } = epilogue;
  if (bias !== undefined && !(bias.shape.length === 1 && bias.shape[0] === colsOut)) return false;
  if (activation === 'prelu') {
    return preluWeights !== undefined && util.sizeFromShape(preluWeights.shape) === colsOut;
  }
  return true;
}

/** One call of the stock kernel on the XNNPACK path: a [1, M, K] · b [1, K, N] → [1, M, N]. */
function xnnpackMatMul(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  epilogue: Epilogue,
  bIsFreshBuffer: boolean,
): TensorInfo {
  if (stockBatchMatMul === undefined || stockFusedMatMul === undefined) {
    throw new Error('shared/tf: wasm matmul fix used before install');
  }
  let weights = b;
  let ownedWeights = false;
  if (!bIsFreshBuffer) {
    const shapeKey = `${b.shape[1]}x${b.shape[2]}`;
    const seen = packedWeightShape.get(b.dataId);
    if (seen !== undefined && seen !== shapeKey) {
      weights = callNamedKernel('Identity', BACKEND, backend, { x: b });
      ownedWeights = true;
    } else {
      packedWeightShape.set(b.dataId, shapeKey);
    }
  }
  let out: TensorInfo;
  if (epilogue.bias === undefined && epilogue.activation === 'linear') {
    // Plain product: the stock BatchMatMul entry point; through _FusedMatMul's it measured ~20% slower (256³).
    out = callKernel(stockBatchMatMul, backend, { a, b: weights }, { transposeA: false, transposeB: false });
  } else {
    const inputs: Record<string, TensorInfo> = { a, b: weights };
    if (epilogue.bias !== undefined) inputs.bias = epilogue.bias;
    if (epilogue.preluWeights !== undefined) inputs.preluActivationWeights = epilogue.preluWeights;
    out = callKernel(stockFusedMatMul, backend, inputs, {
      transposeA: false,
      transposeB: false,
      activation: epilogue.activation,
      leakyreluAlpha: epilogue.leakyreluAlpha,
    });
  }
  if (ownedWeights) disposeIntermediates(backend, weights);
  return out;
}

/** Copies batch `batchIndex` of a row-major [batch, rows, cols] buffer into a new [1, rows, cols] buffer. */
function copyBatch(backend: WasmBackend, src: TensorInfo, batchIndex: number, rows: number, cols: number): TensorInfo {
  const out = backend.makeOutput([1, rows, cols], 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm memory and detach older views.
  const size = rows * cols;
  const srcValues = backend.typedArrayFromHeap(src);
  backend.typedArrayFromHeap(out).set(srcValues.subarray(batchIndex * size, (batchIndex + 1) * size));
  return out;
}

/** act(a·b + bias) on the XNNPACK path, for any transposes and batch shapes. Output shape [...batch, M, N]. */
function matMulOnFastPath(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  epilogue: Epilogue,
  kernelName: string,
): TensorInfo {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`${kernelName} for non-float32 tensors is not supported by the wasm backend (got ${a.dtype}, ${b.dtype})`);
  }
  const g = matMulGeometry(a, b, transposeA, transposeB);
  const { rowsOut: m, inner: k, colsOut: n } = g;
  const outShape = [...g.outBatchShape, m, n];
  const fusedEpilogue = xnnpackCanApply(epilogue, n) ? epilogue : NO_EPILOGUE;

  let product: TensorInfo;
  if (g.outBatch * m * n === 0 || k === 0) {
    // Degenerate shapes: XNNPACK rejects zero-sized operators; the product is all zeros.
    product = backend.makeOutput([g.outBatch, m, n], 'float32');
    backend.typedArrayFromHeap(product).fill(0);
    return finish(backend, product, outShape, epilogue, epilogue);
  }

  const aRowMajor = untransposed(backend, a, g.batchA, m, k, transposeA);
  const bRowMajor = untransposed(backend, b, g.batchB, k, n, transposeB);
  try {
    if (g.batchB === 1) {
      // Cases 2 and 3: the batch of a (if any) folds into its rows because b is shared.
      product = xnnpackMatMul(
        backend,
        view(aRowMajor.info, [1, g.batchA * m, k]),
        view(bRowMajor.info, [1, k, n]),
        fusedEpilogue,
        bRowMajor.owned,
      );
    } else {
      product = backend.makeOutput([g.outBatch, m, n], 'float32');
      for (let batch = 0; batch < g.outBatch; batch++) {
        const aBatch = g.batchA === 1 ? view(aRowMajor.info, [1, m, k]) : copyBatch(backend, aRowMajor.info, g.aBatchOf[batch], m, k);
        const bBatch = copyBatch(backend, bRowMajor.info, g.bBatchOf[batch], k, n);
        const piece = xnnpackMatMul(backend, aBatch, bBatch, fusedEpilogue, true);
        backend.typedArrayFromHeap(product).set(backend.typedArrayFromHeap(piece), batch * m * n);
        disposeIntermediates(backend, piece, bBatch, g.batchA === 1 ? undefined : aBatch);
      }
    }
  } finally {
    if (aRowMajor.owned) disposeIntermediates(backend, aRowMajor.info);
    if (bRowMajor.owned) disposeIntermediates(backend, bRowMajor.info);
  }
  return finish(backend, product, outShape, epilogue, fusedEpilogue === NO_EPILOGUE ? epilogue : NO_EPILOGUE);
}

/** Applies what XNNPACK did not (`pending`), with the wasm element-wise kernels, and sets the output shape. */
function finish(
  backend: WasmBackend,
  product: TensorInfo,
  outShape: number[],
  epilogue: Epilogue,
  pending: Epilogue,
): TensorInfo {
  product.shape = outShape;
  let out = product;
  const replace = (next: TensorInfo): void => {
    disposeIntermediates(backend, out);
    out = next;
  };
  if (pending.bias !== undefined) replace(callNamedKernel('Add', BACKEND, backend, { a: out, b: pending.bias }));
  switch (pending.activation) {
    case 'linear':
      break;
    case 'relu':
      replace(callNamedKernel('Relu', BACKEND, backend, { x: out }));
      break;
    case 'relu6':
      replace(callNamedKernel('Relu6', BACKEND, backend, { x: out }));
      break;
    case 'sigmoid':
      replace(callNamedKernel('Sigmoid', BACKEND, backend, { x: out }));
      break;
    case 'elu':
      replace(callNamedKernel('Elu', BACKEND, backend, { x: out }));
      break;
    case 'leakyrelu':
      replace(callNamedKernel('LeakyRelu', BACKEND, backend, { x: out }, { alpha: epilogue.leakyreluAlpha }));
      break;
    case 'prelu':
      if (pending.preluWeights === undefined) throw new Error('_FusedMatMul: prelu activation without prelu weights');
      replace(callNamedKernel('Prelu', BACKEND, backend, { x: out, alpha: pending.preluWeights }));
      break;
    default:
      throw new Error(`_FusedMatMul: activation '${String(pending.activation)}' is not supported by the wasm backend`);
  }
  return out;
}

function requireOperands(inputs: NamedTensorInfoMap, kernelName: string): { a: TensorInfo; b: TensorInfo } {
  const { a, b } = inputs;
  if (a === undefined || b === undefined) throw new Error(`${kernelName}: inputs 'a' and 'b' are required`);
  return { a, b };
}

const fixedBatchMatMul: KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = requireOperands(inputs, 'BatchMatMul');
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  return matMulOnFastPath(backend as WasmBackend, a, b, transposeA, transposeB, NO_EPILOGUE, 'BatchMatMul');
};

const fixedFusedMatMul: KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = requireOperands(inputs, '_FusedMatMul');
  const { bias, preluActivationWeights } = inputs;
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as {
    transposeA: boolean;
    transposeB: boolean;
    activation: Activation;
    leakyreluAlpha?: number;
  };
  const epilogue: Epilogue = {
    bias: bias ?? undefined,
    activation: activation ?? 'linear',
    preluWeights: preluActivationWeights ?? undefined,
    leakyreluAlpha: leakyreluAlpha ?? 0,
  };
  return matMulOnFastPath(backend as WasmBackend, a, b, transposeA, transposeB, epilogue, '_FusedMatMul');
};

/**
 * Registers the fixed `BatchMatMul` and `_FusedMatMul` for 'wasm'. Requires tfjs-backend-wasm to be imported
 * (its kernels registered); works before or after the backend is initialised. Idempotent.
 */
export function installWasmMatMulFix(): void {
  if (installed) return;
  stockBatchMatMul = registeredKernel('BatchMatMul', BACKEND);
  stockFusedMatMul = registeredKernel('_FusedMatMul', BACKEND);
  // The stock setup functions bind the C++ entry points (cwrap); ours call the stock kernel functions, so the
  // stock setups must still run when the backend initialises.
  replacedBatchMatMul = replaceKernel({
    kernelName: 'BatchMatMul',
    backendName: BACKEND,
    setupFunc: stockBatchMatMul.setupFunc,
    kernelFunc: fixedBatchMatMul,
  });
  replacedFusedMatMul = replaceKernel({
    kernelName: '_FusedMatMul',
    backendName: BACKEND,
    setupFunc: stockFusedMatMul.setupFunc,
    kernelFunc: fixedFusedMatMul,
  });
  installed = true;
}

/** Puts the stock kernels back (used by the bench to measure stock vs fixed in one process). */
export function uninstallWasmMatMulFix(): void {
  if (!installed) return;
  restoreKernel('BatchMatMul', BACKEND, replacedBatchMatMul);
  restoreKernel('_FusedMatMul', BACKEND, replacedFusedMatMul);
  installed = false;
}

export function isWasmMatMulFixInstalled(): boolean {
  return installed;
}
