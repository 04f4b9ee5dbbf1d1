// concat and split: tfjs' Concat and SplitV of float32 tensors as one copy per row and input in the heap.
#include <cstdint>
#include <cstring>
#include <string>

#include "kernels.h"
#include "napi_helpers.h"

namespace sharebox_native {

// concat(heap, offsets: Float64Array(k), inners: Float64Array(k), outer, outOff)
//   out [outer, Σ inner_i] = the inputs [outer, inner_i] side by side (tfjs' Concat along an axis, with outer the
//   product of the dims before it). The wasm kernel does it in JavaScript, a typed-array copy per row and input.
napi_value Concat(napi_env env, napi_callback_info info) {
  KernelArgs args;
  if (!readKernelArgs(env, info, 5, 5, "concat", &args)) return nullptr;
  auto& [argc, argv, heap, heapBytes] = args;
  size_t length = 0;
  const double* offsets = getFloat64List(env, argv[1], 4096, &length);
  if (offsets == nullptr) return throwError(env, "concat: offsets must be a Float64Array of 1 to 4096 values");
  const uint32_t count = static_cast<uint32_t>(length);
  const double* inners = getFloat64s(env, argv[2], count);
  if (inners == nullptr) return throwError(env, "concat: inners must be a Float64Array as long as offsets");
  double outer = 0, outOff = 0;
  if (!getDouble(env, argv[3], &outer) || !getDouble(env, argv[4], &outOff) || !isCount(outer)) {
    return throwError(env, "concat: outer and outOff must be numbers");
  }
  double width = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (!isCount(inners[i]) || !inHeap(offsets[i], outer * inners[i], heapBytes)) return throwError(env, "concat: an input lies outside the heap");
    width += inners[i];
  }
  if (!inHeap(outOff, outer * width, heapBytes)) return throwError(env, "concat: the output lies outside the heap");
  float* out = reinterpret_cast<float*>(heap + static_cast<size_t>(outOff));
  const long rows = static_cast<long>(outer), w = static_cast<long>(width);
  long column = 0;
  for (uint32_t i = 0; i < count; i++) {
    const long inner = static_cast<long>(inners[i]);
    const float* src = reinterpret_cast<const float*>(heap + static_cast<size_t>(offsets[i]));
    for (long r = 0; r < rows; r++) std::memcpy(out + r * w + column, src + r * inner, sizeof(float) * inner);
    column += inner;
  }
  return nullptr;
}

// split(heap, xOff, outer, offsets: Float64Array(k), inners: Float64Array(k))
//   the inverse of concat: x [outer, Σ inner_i] into the outputs [outer, inner_i] (tfjs' SplitV, the gradient of
//   Concat; the wasm kernel slices each output out with a strided copy).
napi_value Split(napi_env env, napi_callback_info info) {
  KernelArgs args;
  if (!readKernelArgs(env, info, 5, 5, "split", &args)) return nullptr;
  auto& [argc, argv, heap, heapBytes] = args;
  double xOff = 0, outer = 0;
  if (!getDouble(env, argv[1], &xOff) || !getDouble(env, argv[2], &outer) || !isCount(outer)) {
    return throwError(env, "split: xOff and outer must be numbers");
  }
  size_t length = 0;
  const double* offsets = getFloat64List(env, argv[3], 4096, &length);
  if (offsets == nullptr) return throwError(env, "split: offsets must be a Float64Array of 1 to 4096 values");
  const double* inners = getFloat64s(env, argv[4], length);
  if (inners == nullptr) return throwError(env, "split: inners must be a Float64Array as long as offsets");
  double width = 0;
  for (size_t i = 0; i < length; i++) {
    if (!isCount(inners[i]) || !inHeap(offsets[i], outer * inners[i], heapBytes)) return throwError(env, "split: an output lies outside the heap");
    width += inners[i];
  }
  if (!inHeap(xOff, outer * width, heapBytes)) return throwError(env, "split: the input lies outside the heap");
  const float* x = reinterpret_cast<const float*>(heap + static_cast<size_t>(xOff));
  const long rows = static_cast<long>(outer), w = static_cast<long>(width);
  long column = 0;
  for (size_t i = 0; i < length; i++) {
    const long inner = static_cast<long>(inners[i]);
    float* dst = reinterpret_cast<float*>(heap + static_cast<size_t>(offsets[i]));
    for (long r = 0; r < rows; r++) std::memcpy(dst + r * inner, x + r * w + column, sizeof(float) * inner);
    column += inner;
  }
  return nullptr;
}

}  // namespace sharebox_native
