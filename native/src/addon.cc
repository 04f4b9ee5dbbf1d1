// sharebox_native: native kernels for the tfjs wasm backend (loaded by shared/tf/native/load.ts).
//
// The wasm backend keeps every tensor in the wasm module's linear memory, an ArrayBuffer. JavaScript passes that
// buffer plus byte offsets; the kernels read and write the tensors in place, so no data is copied in or out.
//
// Exports (interfaceVersion: 3):
//   matmul(heap, aOff, bOff, cOff, aBatchIdx, bBatchIdx, batch, M, N, K, transA, transB, biasOff, act, alpha)
//     C[b] = act(op(A[aBatchIdx[b]]) · op(B[bBatchIdx[b]]) + bias) for b < batch, with A[i] the i-th [M,K] (or
//     [K,M] when transA) matrix at aOff, B[i] the i-th [K,N] (or [N,K]) at bOff, C[b] the b-th [M,N] at cOff.
//     aBatchIdx / bBatchIdx: Int32Array of length batch, or null for "all zero" (a shared operand).
//     biasOff < 0: no bias; else N floats at biasOff. act: see gemm.h (0 linear, 1 relu, 2 relu6, 3 leakyrelu,
//     4 sigmoid, 5 elu). Every range is checked against the buffer before anything is touched.
//   info() → { variant, threads, cpu: { avx2, fma, avx512f } }
//   setThreads(n) → the thread count now in force (1 ≤ n ≤ 8)
//   setVariant(name) → bool: 'avx512' | 'avx2' | 'generic' | 'wide16' (tests); false when the CPU lacks it
//   binary(heap, op, aOff, aSize, bOff, bSize, outOff, outSize)   element-wise a op b (elementwise.h), where
//     aSize and bSize each equal outSize or divide it (a trailing row repeated, or a scalar)
//   unary(heap, op, xOff, outOff, size, alpha)                    element-wise op(x)
//   sum(heap, xOff, outer, inner, columns, outOff)                 sums of x viewed as [outer, inner]: over the
//     rows (columns = true, inner outputs) or within each row (outer outputs)
//   adam(heap, valueOff, mOff, vOff, gOff, outValueOff, outMOff, outVOff, size, constants: Float32Array(8))
//     one fused Adam update (elementwise.h: AdamConstant)
//   conv2d(heap, mode, in0Off, in1Off, outOff, geometry: Float64Array(15))
//     NHWC convolution (mode 0), its input gradient (1) or filter gradient (2) by im2col + the GEMM (see Conv2d)
//   groupNorm(heap, backward, offsets: Float64Array(8), B, S, C, G, eps[, activation])
//     GroupNorm over [B, S, C] and its gradient, the forward optionally followed by relu or SiLU (see GroupNorm)
//   conv2dFused(heap, offsets: Float64Array(6), geometry: Float64Array(16))
//     forward convolution of an optionally upsampled x, plus bias, a bias row per image and a residual
//   concat(heap, offsets: Float64Array(k), inners: Float64Array(k), outer, outOff)
//     inputs [outer, inner_i] side by side
//   split(heap, xOff, outer, offsets: Float64Array(k), inners: Float64Array(k))
//     the inverse of concat
//
// This file is the module: its exports, info, setThreads and setVariant. The kernels live in matmul.cc,
// elementwise_napi.cc, concat_split.cc and conv_*.cc (kernels.h), on the thread pool (thread_pool.h) and the
// variants picked for this CPU (variants.h).
#include <node_api.h>

#include <string>

#include "elementwise.h"
#include "gemm.h"
#include "kernels.h"
#include "napi_helpers.h"
#include "thread_pool.h"
#include "variants.h"

namespace sharebox_native {
namespace {

napi_value makeBool(napi_env env, bool value) {
  napi_value v;
  napi_get_boolean(env, value, &v);
  return v;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value result, cpu, s, n;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, gVariant->name, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, result, "variant", s);
  napi_create_string_utf8(env, gElementwise->name, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, result, "elementwise", s);
  napi_create_int32(env, gPool->size(), &n);
  napi_set_named_property(env, result, "threads", n);
  napi_create_object(env, &cpu);
  napi_set_named_property(env, cpu, "avx2", makeBool(env, cpuHas("avx2")));
  napi_set_named_property(env, cpu, "fma", makeBool(env, cpuHas("fma")));
  napi_set_named_property(env, cpu, "avx512f", makeBool(env, cpuHas("avx512f")));
  napi_set_named_property(env, result, "cpu", cpu);
  return result;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double threads = 1;
  if (argc < 1 || !getDouble(env, argv[0], &threads)) return throwError(env, "setThreads: expected a number");
  gPool->resize(static_cast<int>(threads));
  napi_value n;
  napi_create_int32(env, gPool->size(), &n);
  return n;
}

napi_value SetVariant(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  char name[32] = {};
  size_t length = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &length) != napi_ok) {
    return throwError(env, "setVariant: expected a string");
  }
  const GemmVariant* v = std::string(name) == "best" ? bestVariant() : variantByName(name);
  if (v != nullptr) gVariant = v;
  return makeBool(env, v != nullptr);
}

void addFunction(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

// Bumped whenever an export's signature changes: shared/tf/native/load.ts refuses an addon of another version
// (a stale build left from before a pull) and asks for `node native/build.js`.
constexpr int kInterfaceVersion = 3;

napi_value Init(napi_env env, napi_value exports) {
  if (gVariant == nullptr) gVariant = bestVariant();
  if (gElementwise == nullptr) {
    gElementwise = cpuHas("avx2") && kElementwiseAvx2.binary != nullptr ? &kElementwiseAvx2 : &kElementwiseGeneric;
  }
  // One pool per process (worker threads that load the addon share it; calls come from one thread at a time in
  // practice, and the pool is never destroyed while the process runs).
  if (gPool == nullptr) gPool = new Pool();
  napi_value version;
  napi_create_int32(env, kInterfaceVersion, &version);
  napi_set_named_property(env, exports, "interfaceVersion", version);
  addFunction(env, exports, "matmul", Matmul);
  addFunction(env, exports, "info", Info);
  addFunction(env, exports, "setThreads", SetThreads);
  addFunction(env, exports, "setVariant", SetVariant);
  addFunction(env, exports, "binary", Binary);
  addFunction(env, exports, "unary", Unary);
  addFunction(env, exports, "sum", Sum);
  addFunction(env, exports, "adam", Adam);
  addFunction(env, exports, "conv2d", Conv2d);
  addFunction(env, exports, "groupNorm", GroupNorm);
  addFunction(env, exports, "conv2dFused", Conv2dFused);
  addFunction(env, exports, "concat", Concat);
  addFunction(env, exports, "split", Split);
  return exports;
}

}  // namespace
}  // namespace sharebox_native

NAPI_MODULE(NODE_GYP_MODULE_NAME, sharebox_native::Init)
