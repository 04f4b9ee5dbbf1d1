// binary, unary, sum, adam and groupNorm: the N-API side of the element-wise variant in force (elementwise.h,
// compiled per instruction set in elementwise_impl.h). Each checks its arguments against the heap, then calls it.
#include <cmath>
#include <cstddef>
#include <string>

#include "elementwise.h"
#include "kernels.h"
#include "napi_helpers.h"
#include "variants.h"

namespace sharebox_native {

napi_value Binary(napi_env env, napi_callback_info info) {
  KernelArgs args;
  if (!readKernelArgs(env, info, 8, 8, "binary", &args)) return nullptr;
  auto& [argc, argv, heap, heapBytes] = args;
  double v[7];
  if (!getDoubles(env, argv, 1, 7, v)) return throwError(env, "binary: arguments must be numbers");
  const int op = static_cast<int>(v[0]);
  const double aOff = v[1], aSize = v[2], bOff = v[3], bSize = v[4], outOff = v[5], outSize = v[6];
  if (op < 0 || op >= BIN_COUNT) return throwError(env, "binary: unknown op");
  if (!inHeap(aOff, aSize, heapBytes) || !inHeap(bOff, bSize, heapBytes) || !inHeap(outOff, outSize, heapBytes)) {
    return throwError(env, "binary: an operand lies outside the heap");
  }
  if (outSize == 0) return nullptr;
  const auto fits = [&](double size) { return size == outSize || (size >= 1 && std::fmod(outSize, size) == 0); };
  if (!fits(aSize) || !fits(bSize) || (aSize != outSize && bSize != outSize && aSize != 1 && bSize != 1)) {
    return throwError(env, "binary: operand sizes must equal the output size or divide it, one of them in full");
  }
  gElementwise->binary(op, reinterpret_cast<const float*>(heap + static_cast<size_t>(aOff)), static_cast<long>(aSize),
                       reinterpret_cast<const float*>(heap + static_cast<size_t>(bOff)), static_cast<long>(bSize),
                       reinterpret_cast<float*>(heap + static_cast<size_t>(outOff)), static_cast<long>(outSize));
  return nullptr;
}

napi_value Unary(napi_env env, napi_callback_info info) {
  KernelArgs args;
  if (!readKernelArgs(env, info, 6, 6, "unary", &args)) return nullptr;
  auto& [argc, argv, heap, heapBytes] = args;
  double v[5];
  if (!getDoubles(env, argv, 1, 5, v)) return throwError(env, "unary: arguments must be numbers");
  const int op = static_cast<int>(v[0]);
  const double xOff = v[1], outOff = v[2], size = v[3];
  if (op < 0 || op >= UN_COUNT) return throwError(env, "unary: unknown op");
  if (!inHeap(xOff, size, heapBytes) || !inHeap(outOff, size, heapBytes)) return throwError(env, "unary: an operand lies outside the heap");
  if (size == 0) return nullptr;
  gElementwise->unary(op, reinterpret_cast<const float*>(heap + static_cast<size_t>(xOff)),
                      reinterpret_cast<float*>(heap + static_cast<size_t>(outOff)), static_cast<long>(size),
                      static_cast<float>(v[4]));
  return nullptr;
}

napi_value Sum(napi_env env, napi_callback_info info) {
  KernelArgs args;
  if (!readKernelArgs(env, info, 6, 6, "sum", &args)) return nullptr;
  auto& [argc, argv, heap, heapBytes] = args;
  double v[3], outOff;
  bool columns = false;
  if (!getDoubles(env, argv, 1, 3, v) || !getDouble(env, argv[5], &outOff) || napi_get_value_bool(env, argv[4], &columns) != napi_ok) {
    return throwError(env, "sum: expected (heap, xOff, outer, inner, columns, outOff)");
  }
  const double xOff = v[0], outer = v[1], inner = v[2];
  if (!isCount(outer) || !isCount(inner) || !inHeap(xOff, outer * inner, heapBytes) ||
      !inHeap(outOff, columns ? inner : outer, heapBytes)) {
    return throwError(env, "sum: an operand lies outside the heap");
  }
  gElementwise->sum(reinterpret_cast<const float*>(heap + static_cast<size_t>(xOff)), static_cast<long>(outer),
                    static_cast<long>(inner), columns, reinterpret_cast<float*>(heap + static_cast<size_t>(outOff)));
  return nullptr;
}

napi_value Adam(napi_env env, napi_callback_info info) {
  KernelArgs args;
  if (!readKernelArgs(env, info, 10, 10, "adam", &args)) return nullptr;
  auto& [argc, argv, heap, heapBytes] = args;
  double v[8];
  if (!getDoubles(env, argv, 1, 8, v)) return throwError(env, "adam: offsets and size must be numbers");
  const double size = v[7];
  for (int i = 0; i < 7; i++) {
    if (!inHeap(v[i], size, heapBytes)) return throwError(env, "adam: an operand lies outside the heap");
  }
  size_t length = 0;
  const void* data = typedArrayData(env, argv[9], napi_float32_array, &length);
  if (data == nullptr || length != ADAM_CONSTANTS) return throwError(env, "adam: constants must be a Float32Array of 8");
  if (size == 0) return nullptr;
  const auto at = [&](int i) { return reinterpret_cast<float*>(heap + static_cast<size_t>(v[i])); };
  gElementwise->adam(at(0), at(1), at(2), at(3), at(4), at(5), at(6), static_cast<long>(size), static_cast<const float*>(data));
  return nullptr;
}

// GroupNorm and its gradient: the element-wise variant's (elementwise_impl.h, compiled per instruction set).

// groupNorm(heap, backward, offsets: Float64Array(8), B, S, C, G, eps[, activation])
//   forward (backward = false): offsets = [x, gamma, beta, y, mean, rstd, -, -]; activation (forward only): 0 none,
//   1 relu, 2 silu, applied to y (the U-Net's act(norm(x)) in one kernel when no gradient is needed)
//   backward: offsets = [dy, x, gamma, mean, rstd, dx, dgamma, dbeta]
napi_value GroupNorm(napi_env env, napi_callback_info info) {
  KernelArgs args;
  if (!readKernelArgs(env, info, 8, 9, "groupNorm", &args)) return nullptr;
  auto& [argc, argv, heap, heapBytes] = args;
  bool backward = false;
  if (napi_get_value_bool(env, argv[1], &backward) != napi_ok) return throwError(env, "groupNorm: backward must be a boolean");
  const double* off = getFloat64s(env, argv[2], 8);
  if (off == nullptr) return throwError(env, "groupNorm: offsets must be a Float64Array of 8");
  double v[4];
  if (!getDoubles(env, argv, 3, 4, v)) return throwError(env, "groupNorm: sizes must be numbers");
  double eps = 0;
  if (!getDouble(env, argv[7], &eps)) return throwError(env, "groupNorm: eps must be a number");
  double actCode = 0;
  if (argc == 9 && (!getDouble(env, argv[8], &actCode) || !(actCode == 0 || actCode == 1 || actCode == 2) || (backward && actCode != 0))) {
    return throwError(env, "groupNorm: activation must be 0 (none), 1 (relu) or 2 (silu), and 0 for the gradient");
  }
  const int activation = actCode == 1 ? UN_RELU : actCode == 2 ? UN_SILU : -1;
  for (double d : v) {
    if (!isCount(d) || d > 1e9) return throwError(env, "groupNorm: sizes must be non-negative integers");
  }
  const long B = static_cast<long>(v[0]), S = static_cast<long>(v[1]), C = static_cast<long>(v[2]), G = static_cast<long>(v[3]);
  if (G < 1 || C % G != 0) return throwError(env, "groupNorm: groups must divide the channels");
  const double n = static_cast<double>(B) * S * C;
  const double perGroup = static_cast<double>(B) * G;
  const double sizes[2][8] = {{n, double(C), double(C), n, perGroup, perGroup, 0, 0},
                              {n, n, double(C), perGroup, perGroup, n, double(C), double(C)}};
  for (int i = 0; i < 8; i++) {
    const double count = sizes[backward ? 1 : 0][i];
    if (count > 0 && !inHeap(off[i], count, heapBytes)) return throwError(env, "groupNorm: an operand lies outside the heap");
  }
  const auto at = [&](int i) { return reinterpret_cast<float*>(heap + static_cast<size_t>(off[i])); };
  if (n == 0) return nullptr;
  if (!backward) {
    gElementwise->groupNormForward(at(0), at(1), at(2), at(3), at(4), at(5), B, S, C, G, static_cast<float>(eps), activation);
  } else {
    gElementwise->groupNormBackward(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), B, S, C, G);
  }
  return nullptr;
}

}  // namespace sharebox_native
