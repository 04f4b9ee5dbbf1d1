// matmul(heap, aOff, bOff, cOff, aBatchIdx, bBatchIdx, batch, M, N, K, transA, transB, biasOff, act, alpha): the
// batched, broadcast product (see addon.cc's list of exports), and runProduct, which splits one product over the
// thread pool.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <string>

#include "kernels.h"
#include "matmul.h"
#include "napi_helpers.h"
#include "thread_pool.h"
#include "variants.h"

namespace sharebox_native {
namespace {

float activate1(float v, int act, float alpha) {
  switch (act) {
    case ACT_RELU: return v > 0.0f ? v : 0.0f;
    case ACT_RELU6: return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    case ACT_LEAKYRELU: return v > 0.0f ? v : v * alpha;
    case ACT_SIGMOID: return 1.0f / (1.0f + std::exp(-v));
    case ACT_ELU: return v > 0.0f ? v : std::expm1(v);
    default: return v;
  }
}

}  // namespace

// Splits one product's output over the pool in about 4 chunks per thread, along the rows (each chunk packs all of
// B again) or the columns (each chunk packs all of A again), whichever repacks less.
bool runProduct(const GemmArgs& g) {
  const GemmVariant* v = gVariant;
  const double macs = static_cast<double>(g.m) * g.n * g.k;
  const int threads = gPool->size();
  if (threads <= 1 || macs < kParallelMinMacs) return v->region(g, 0, g.m, 0, g.n);
  std::unique_lock<std::mutex> use(gPoolUse, std::try_to_lock);
  if (!use.owns_lock()) return v->region(g, 0, g.m, 0, g.n);
  const bool byRows = g.n <= g.m;
  const long unit = byRows ? 24 : v->nr;  // 24: a multiple of every variant's MR (6, 12)
  const long extent = byRows ? g.m : g.n;
  const long units = (extent + unit - 1) / unit;
  const int chunks = static_cast<int>(std::min<long>(units, 4L * threads));
  std::atomic<bool> ok{true};
  gPool->run(chunks, [&](int c) {
    const long from = std::min(extent, (units * c / chunks) * unit);
    const long to = std::min(extent, (units * (c + 1) / chunks) * unit);
    const bool done = byRows ? v->region(g, from, to, 0, g.n) : v->region(g, 0, g.m, from, to);
    if (!done) ok = false;
  });
  return ok;
}

namespace {

// An Int32Array of batch indices (or null: all zero). Returns false with a message on a wrong type or length.
bool getIndexArray(napi_env env, napi_value v, long batch, const int32_t** out, std::string* err) {
  *out = nullptr;
  if (isNullish(env, v)) return true;
  size_t length = 0;
  const void* data = typedArrayData(env, v, napi_int32_array, &length);
  if (data == nullptr) {
    *err = "batch index must be an Int32Array or null";
    return false;
  }
  if (static_cast<long>(length) != batch) {
    *err = "batch index length " + std::to_string(length) + " != batch " + std::to_string(batch);
    return false;
  }
  *out = static_cast<const int32_t*>(data);
  return true;
}

}  // namespace

napi_value Matmul(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 15) return throwError(env, "matmul: expected 15 arguments");

  bool isArrayBuffer = false;
  napi_is_arraybuffer(env, argv[0], &isArrayBuffer);
  if (!isArrayBuffer) return throwError(env, "matmul: heap must be an ArrayBuffer");
  void* heapData = nullptr;
  size_t heapBytes = 0;
  if (napi_get_arraybuffer_info(env, argv[0], &heapData, &heapBytes) != napi_ok || heapData == nullptr) {
    return throwError(env, "matmul: cannot read the heap ArrayBuffer");
  }

  double num[15] = {};
  for (int i : {1, 2, 3, 6, 7, 8, 9, 12, 13, 14}) {
    if (!getDouble(env, argv[i], &num[i])) return throwError(env, "matmul: argument " + std::to_string(i) + " must be a number");
  }
  bool transA = false, transB = false;
  if (napi_get_value_bool(env, argv[10], &transA) != napi_ok || napi_get_value_bool(env, argv[11], &transB) != napi_ok) {
    return throwError(env, "matmul: transA and transB must be booleans");
  }
  const double aOff = num[1], bOff = num[2], cOff = num[3], batchD = num[6];
  const double mD = num[7], nD = num[8], kD = num[9], biasOff = num[12];
  const int act = static_cast<int>(num[13]);
  const float alpha = static_cast<float>(num[14]);
  for (double x : {aOff, bOff, cOff, batchD, mD, nD, kD}) {
    if (!(x >= 0 && x < 9.0e15 && std::floor(x) == x)) return throwError(env, "matmul: offsets and sizes must be non-negative integers");
  }
  if (act < ACT_LINEAR || act > ACT_ELU) return throwError(env, "matmul: unknown activation code");
  const long batch = static_cast<long>(batchD), M = static_cast<long>(mD), N = static_cast<long>(nD), K = static_cast<long>(kD);

  std::string err;
  const int32_t* aIdx = nullptr;
  const int32_t* bIdx = nullptr;
  if (!getIndexArray(env, argv[4], batch, &aIdx, &err) || !getIndexArray(env, argv[5], batch, &bIdx, &err)) {
    return throwError(env, "matmul: " + err);
  }
  long aMax = 0, bMax = 0;
  for (long i = 0; i < batch; i++) {
    if (aIdx != nullptr) {
      if (aIdx[i] < 0) return throwError(env, "matmul: negative batch index");
      aMax = std::max<long>(aMax, aIdx[i]);
    }
    if (bIdx != nullptr) {
      if (bIdx[i] < 0) return throwError(env, "matmul: negative batch index");
      bMax = std::max<long>(bMax, bIdx[i]);
    }
  }

  // Every byte range must lie inside the heap (a wrong offset must never write outside it).
  const double bytes = static_cast<double>(heapBytes);
  const double aEnd = aOff + 4.0 * (aMax + 1) * M * K;
  const double bEnd = bOff + 4.0 * (bMax + 1) * K * N;
  const double cEnd = cOff + 4.0 * batch * M * N;
  if (batch * M * N == 0) return nullptr;
  if ((M * K > 0 && aEnd > bytes) || (K * N > 0 && bEnd > bytes) || cEnd > bytes) {
    return throwError(env, "matmul: an operand lies outside the heap");
  }
  if (biasOff >= 0 && biasOff + 4.0 * N > bytes) return throwError(env, "matmul: bias lies outside the heap");
  if (std::fmod(aOff, 4) != 0 || std::fmod(bOff, 4) != 0 || std::fmod(cOff, 4) != 0 || (biasOff >= 0 && std::fmod(biasOff, 4) != 0)) {
    return throwError(env, "matmul: offsets must be multiples of 4");
  }

  char* heap = static_cast<char*>(heapData);
  const float* a = reinterpret_cast<const float*>(heap + static_cast<size_t>(aOff));
  const float* b = reinterpret_cast<const float*>(heap + static_cast<size_t>(bOff));
  float* c = reinterpret_cast<float*>(heap + static_cast<size_t>(cOff));
  const float* bias = biasOff >= 0 ? reinterpret_cast<const float*>(heap + static_cast<size_t>(biasOff)) : nullptr;

  // Activations with exp run as a second pass; the tile applies the cheap ones.
  const bool postPass = act == ACT_SIGMOID || act == ACT_ELU;
  const int tileAct = postPass ? ACT_LINEAR : act;

  if (K == 0) {
    for (long i = 0; i < batch * M; i++) {
      for (long j = 0; j < N; j++) c[i * N + j] = activate1(bias != nullptr ? bias[j] : 0.0f, act, alpha);
    }
    return nullptr;
  }

  for (long p = 0; p < batch; p++) {
    const long ai = aIdx != nullptr ? aIdx[p] : 0;
    const long bi = bIdx != nullptr ? bIdx[p] : 0;
    GemmArgs g;
    g.a = a + ai * M * K;
    g.b = b + bi * K * N;
    g.c = c + p * M * N;
    g.bias = bias;
    g.m = M;
    g.n = N;
    g.k = K;
    g.rsA = transA ? 1 : K;
    g.csA = transA ? M : 1;
    g.rsB = transB ? 1 : N;
    g.csB = transB ? K : 1;
    g.ldc = N;
    g.act = tileAct;
    g.alpha = alpha;
    if (!runProduct(g)) return throwError(env, "matmul: out of memory for packing buffers");
  }
  if (postPass) {
    float* out = c;
    const long size = batch * M * N;
    for (long i = 0; i < size; i++) out[i] = activate1(out[i], act, alpha);
  }
  return nullptr;
}

}  // namespace sharebox_native
