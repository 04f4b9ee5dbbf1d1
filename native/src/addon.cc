// sharebox_native: native kernels for the tfjs wasm backend (loaded by shared/tf/nativeKernels.ts).
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
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "elementwise.h"
#include "gemm.h"

namespace sharebox_native {
namespace {

bool cpuHas(const char* feature) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (std::strcmp(feature, "avx512f") == 0) return __builtin_cpu_supports("avx512f");
  if (std::strcmp(feature, "avx2") == 0) return __builtin_cpu_supports("avx2");
  if (std::strcmp(feature, "fma") == 0) return __builtin_cpu_supports("fma");
#endif
  (void)feature;
  return false;
}

const GemmVariant* variantByName(const std::string& name) {
  if (name == "avx512") return cpuHas("avx512f") && kGemmAvx512.region ? &kGemmAvx512 : nullptr;
  if (name == "avx2") return cpuHas("avx2") && cpuHas("fma") && kGemmAvx2.region ? &kGemmAvx2 : nullptr;
  if (name == "wide16") return cpuHas("avx2") && cpuHas("fma") && kGemmWide16OnAvx2.region ? &kGemmWide16OnAvx2 : nullptr;
  if (name == "generic") return &kGemmGeneric;
  return nullptr;
}

const GemmVariant* bestVariant() {
  for (const char* name : {"avx512", "avx2"}) {
    if (const GemmVariant* v = variantByName(name)) return v;
  }
  return &kGemmGeneric;
}

const GemmVariant* gVariant = nullptr;
const ElementwiseVariant* gElementwise = nullptr;

// ---------------------------------------------------------------------------------------------------------------
// A small pool for splitting one product over the cores. A job is a list of chunks that every participating thread
// (the calling JavaScript thread included) takes from a shared counter, so a worker that the OS has descheduled —
// the machine is often shared with other processes — simply takes fewer chunks instead of making the caller wait
// for a fixed half. Workers spin briefly after a job (a training step issues matmuls back to back), then sleep.

class Pool {
 public:
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    threads = std::max(1, std::min(8, threads));
    if (threads == size()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    for (int i = 1; i < threads; i++) workers_.emplace_back([this] { loop(); });
  }

  // Runs fn(chunk) for every chunk in [0, chunks), spread over the pool.
  void run(int chunks, const std::function<void(int)>& fn) {
    if (chunks <= 1 || workers_.empty()) {
      for (int c = 0; c < chunks; c++) fn(c);
      return;
    }
    Job job{&fn, chunks};
    job_.store(&job);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    work(job);
    // Chunks taken by workers may still be running: wait for them, yielding so a descheduled worker can finish.
    for (int spins = 0; job.done.load() != chunks; spins++) {
      if (spins < 2000) {
        pause();
      } else {
        std::this_thread::yield();
      }
    }
    // No worker may touch `job` (on this stack) after we return: unpublish it, then wait for any worker that
    // picked up the pointer before that.
    job_.store(nullptr);
    while (active_.load() != 0) pause();
  }

 private:
  struct Job {
    const std::function<void(int)>* fn;
    int chunks;
    std::atomic<int> next{0};
    std::atomic<int> done{0};
  };

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  static void work(Job& job) {
    for (int c = job.next.fetch_add(1); c < job.chunks; c = job.next.fetch_add(1)) {
      (*job.fn)(c);
      job.done.fetch_add(1);
    }
  }

  void loop() {
    uint64_t seen = generation_.load();
    for (;;) {
      const auto spinUntil = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
      while (generation_.load() == seen && std::chrono::steady_clock::now() < spinUntil) pause();
      if (generation_.load() == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen; });
      }
      seen = generation_.load();
      if (stop_) return;
      active_.fetch_add(1);
      if (Job* job = job_.load()) work(*job);
      active_.fetch_sub(1);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<Job*> job_{nullptr};
  std::atomic<int> active_{0};
  bool stop_ = false;
};

Pool* gPool = nullptr;
// Held while the pool runs a job: a second JavaScript thread (a worker_thread that loaded the addon too) that finds
// it taken computes on its own thread instead of sharing the pool.
std::mutex gPoolUse;

// Products smaller than this many multiply-adds run on one thread (a wake-up costs more than they take).
constexpr double kParallelMinMacs = 1 << 20;

// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// N-API helpers

napi_value throwError(napi_env env, const std::string& message) {
  napi_throw_error(env, "SHAREBOX_NATIVE", message.c_str());
  return nullptr;
}

bool getDouble(napi_env env, napi_value v, double* out) { return napi_get_value_double(env, v, out) == napi_ok; }

bool isNullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return false;
  return t == napi_null || t == napi_undefined;
}

// The data of a typed array of element type `wanted` and its length in elements, or nullptr when `value` is not
// one (every typed-array argument of the kernels below is read through here).
void* typedArrayData(napi_env env, napi_value value, napi_typedarray_type wanted, size_t* length) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  if (!isTyped) return nullptr;
  napi_typedarray_type type;
  void* data = nullptr;
  napi_value arraybuffer;
  size_t byteOffset;
  if (napi_get_typedarray_info(env, value, &type, length, &data, &arraybuffer, &byteOffset) != napi_ok || type != wanted) {
    return nullptr;
  }
  return data;
}

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

// Reads `count` numbers starting at argv[first] into out; false if any is not a number.
bool getDoubles(napi_env env, napi_value* argv, int first, int count, double* out) {
  for (int i = 0; i < count; i++) {
    if (!getDouble(env, argv[first + i], &out[i])) return false;
  }
  return true;
}

bool isCount(double x) { return x >= 0 && x < 9.0e15 && std::floor(x) == x; }

// The heap's bytes, or nullptr after throwing.
char* getHeap(napi_env env, napi_value value, size_t* bytes, const char* fn) {
  bool isArrayBuffer = false;
  napi_is_arraybuffer(env, value, &isArrayBuffer);
  void* data = nullptr;
  if (!isArrayBuffer || napi_get_arraybuffer_info(env, value, &data, bytes) != napi_ok || data == nullptr) {
    throwError(env, std::string(fn) + ": heap must be an ArrayBuffer");
    return nullptr;
  }
  return static_cast<char*>(data);
}

// A kernel call's arguments: the heap (argument 0, an ArrayBuffer: the wasm module's memory) and the rest.
struct KernelArgs {
  size_t argc = 16;
  napi_value argv[16];
  char* heap = nullptr;
  size_t heapBytes = 0;
};

// Reads `minArgs` to `maxArgs` arguments (at most 16) and the heap; false after throwing a JS error that names `fn`.
bool readKernelArgs(napi_env env, napi_callback_info info, size_t minArgs, size_t maxArgs, const char* fn, KernelArgs* args) {
  napi_get_cb_info(env, info, &args->argc, args->argv, nullptr, nullptr);
  if (args->argc < minArgs || args->argc > maxArgs) {
    const std::string expected = minArgs == maxArgs ? std::to_string(minArgs) : std::to_string(minArgs) + " or " + std::to_string(maxArgs);
    throwError(env, std::string(fn) + ": expected " + expected + " arguments");
    return false;
  }
  args->heap = getHeap(env, args->argv[0], &args->heapBytes, fn);
  return args->heap != nullptr;
}

// Whether [offset, offset + 4·count) lies in the heap and offset is a multiple of 4.
bool inHeap(double offset, double count, size_t heapBytes) {
  return isCount(offset) && isCount(count) && std::fmod(offset, 4) == 0 && offset + 4.0 * count <= static_cast<double>(heapBytes);
}

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

// ---------------------------------------------------------------------------------------------------------------
// Convolutions (NHWC input, [KH, KW, Ci, Co] filter). The forward pass reads x where it lies (gemm_impl.h,
// conv_region: the register tile takes one pointer per output pixel and filter tap), with an optional epilogue
// (bias, a bias row per image, a residual) and nearest-neighbour upsampling of x folded in (conv2dFused). The
// gradients use im2col + the GEMM above: a row r = (n, oh, ow) of the im2col matrix holds the KH·KW·Ci input
// values the output pixel reads, in the filter's (kh, kw, ci) order, zero where the window hangs over the padding;
//   input gradient   dcol[M, Kd]     = dy[M, Co] · Wᵀ, scattered back (col2im, summed) into dx (stride > 1; at
//                    stride 1 it is a forward conv of dy, below)
//   filter gradient  dW[Kd, Co]      = colᵀ · dy, summed over row chunks (GemmArgs::accumulate)
// with M = N·OH·OW and Kd = KH·KW·Ci. Rows are processed in chunks so the im2col buffer stays ~1 MiB (in L2/L3)
// instead of the whole [M, Kd] matrix. A 1×1 stride-1 unpadded conv is one GEMM on the tensors themselves.

struct ConvGeometry {
  long batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft;
};

bool isPointwise(const ConvGeometry& c) {
  return c.kH == 1 && c.kW == 1 && c.strideH == 1 && c.strideW == 1 && c.padTop == 0 && c.padLeft == 0 &&
         c.outH == c.inH && c.outW == c.inW;
}

// Rows [r0, r1) of the im2col matrix of x into col (row length Kd).
void im2col(const ConvGeometry& c, const float* x, long r0, long r1, float* col) {
  const long kd = c.kH * c.kW * c.inC;
  const long perImage = c.outH * c.outW;
  for (long r = r0; r < r1; r++) {
    const long n = r / perImage;
    const long oh = (r % perImage) / c.outW;
    const long ow = r % c.outW;
    float* dst = col + (r - r0) * kd;
    const float* image = x + n * c.inH * c.inW * c.inC;
    for (long kh = 0; kh < c.kH; kh++) {
      const long ih = oh * c.strideH - c.padTop + kh * c.dilH;
      if (ih < 0 || ih >= c.inH) {
        std::memset(dst, 0, sizeof(float) * c.kW * c.inC);
        dst += c.kW * c.inC;
        continue;
      }
      for (long kw = 0; kw < c.kW; kw++, dst += c.inC) {
        const long iw = ow * c.strideW - c.padLeft + kw * c.dilW;
        if (iw < 0 || iw >= c.inW) {
          std::memset(dst, 0, sizeof(float) * c.inC);
        } else {
          std::memcpy(dst, image + (ih * c.inW + iw) * c.inC, sizeof(float) * c.inC);
        }
      }
    }
  }
}

// dx += col2im(dcol) for rows [r0, r1).
void col2imAdd(const ConvGeometry& c, const float* dcol, long r0, long r1, float* dx) {
  const long kd = c.kH * c.kW * c.inC;
  const long perImage = c.outH * c.outW;
  for (long r = r0; r < r1; r++) {
    const long n = r / perImage;
    const long oh = (r % perImage) / c.outW;
    const long ow = r % c.outW;
    const float* src = dcol + (r - r0) * kd;
    float* image = dx + n * c.inH * c.inW * c.inC;
    for (long kh = 0; kh < c.kH; kh++) {
      const long ih = oh * c.strideH - c.padTop + kh * c.dilH;
      if (ih < 0 || ih >= c.inH) {
        src += c.kW * c.inC;
        continue;
      }
      for (long kw = 0; kw < c.kW; kw++, src += c.inC) {
        const long iw = ow * c.strideW - c.padLeft + kw * c.dilW;
        if (iw < 0 || iw >= c.inW) continue;
        float* dst = image + (ih * c.inW + iw) * c.inC;
        for (long ci = 0; ci < c.inC; ci++) dst[ci] += src[ci];
      }
    }
  }
}

// The im2col scratch of the calling thread, grown on demand.
float* convScratch(size_t floats) {
  static thread_local std::vector<float> buffer;
  if (buffer.size() < floats) buffer.resize(floats);
  return buffer.data();
}

// Rows per chunk: ~2^18 floats (1 MiB) of im2col, at least 96 rows (a few register tiles of A).
long convChunkRows(const ConvGeometry& c, long m) {
  const long kd = c.kH * c.kW * c.inC;
  return std::max<long>(1, std::min<long>(m, std::max<long>(96, (1L << 18) / std::max<long>(kd, 1))));
}

GemmArgs plainGemm(const float* a, const float* b, float* cOut, long m, long n, long k) {
  GemmArgs g;
  g.a = a;
  g.b = b;
  g.c = cOut;
  g.bias = nullptr;
  g.m = m;
  g.n = n;
  g.k = k;
  g.rsA = k;
  g.csA = 1;
  g.rsB = n;
  g.csB = 1;
  g.ldc = n;
  g.act = ACT_LINEAR;
  g.alpha = 0.0f;
  return g;
}

enum ConvMode { CONV_FORWARD = 0, CONV_INPUT_GRAD = 1, CONV_FILTER_GRAD = 2 };

ConvArgs convArgs(const ConvGeometry& c, const float* x, const float* w, float* y) {
  ConvArgs a;
  a.x = x;
  a.w = w;
  a.y = y;
  a.batch = c.batch;
  a.inH = c.inH;
  a.inW = c.inW;
  a.inC = c.inC;
  a.outH = c.outH;
  a.outW = c.outW;
  a.outC = c.outC;
  a.kH = c.kH;
  a.kW = c.kW;
  a.strideH = c.strideH;
  a.strideW = c.strideW;
  a.dilH = c.dilH;
  a.dilW = c.dilW;
  a.padTop = c.padTop;
  a.padLeft = c.padLeft;
  return a;
}

bool convUpsampledSubPixel(const ConvArgs& a);

// The convolution read straight from x (gemm_impl.h, conv_region: no im2col copy), with its epilogue (bias, one
// bias row per image, a residual), split over the pool by blocks of output pixels. False when memory ran out.
bool convForwardDirect(const ConvArgs& a) {
  if (a.upsample > 1 && a.strideH == 1 && a.strideW == 1 && a.dilH == 1 && a.dilW == 1 && a.yH < 0) {
    return convUpsampledSubPixel(a);
  }
  const GemmVariant* v = gVariant;
  const long m = a.batch * a.outH * a.outW;
  if (m == 0 || a.outC == 0) return true;
  static thread_local std::vector<float> packedBuffer;
  packedBuffer.resize(static_cast<size_t>(v->convPackedFloats(a)));
  const float* packed = packedBuffer.data();
  v->convPack(a, packedBuffer.data());
  const double macs = static_cast<double>(m) * a.kH * a.kW * a.inC * a.outC;
  const int threads = gPool->size();
  if (threads <= 1 || macs < kParallelMinMacs) return v->convRegion(a, packed, 0, m);
  std::unique_lock<std::mutex> use(gPoolUse, std::try_to_lock);
  if (!use.owns_lock()) return v->convRegion(a, packed, 0, m);
  const long unit = 4L * v->convRowUnit;
  const long units = (m + unit - 1) / unit;
  const int chunks = static_cast<int>(std::min<long>(units, 4L * threads));
  std::atomic<bool> ok{true};
  gPool->run(chunks, [&](int chunk) {
    const long from = std::min(m, (units * chunk / chunks) * unit);
    const long to = std::min(m, (units * (chunk + 1) / chunks) * unit);
    if (!v->convRegion(a, packed, from, to)) ok = false;
  });
  return ok;
}

long floorDiv(long x, long d) { return x >= 0 ? x / d : -((-x + d - 1) / d); }

// Nearest-neighbour upsampling by u then a stride-1 convolution is, for each output phase (a, b) = (oh mod u,
// ow mod u), a convolution of x itself with a smaller filter: tap row kh of output row oh = u·i + a reads
// upsampled row u·i + a − padTop + kh, i.e. row i + ⌊(a − padTop + kh)/u⌋ of x, so the taps that land on the same
// row of x are summed into one tap of the phase's filter (and likewise for columns; the padding of the upsampled
// image is exactly the rows of x outside [0, inH)). For the U-Net's 3×3 conv after up2 that is 2×2 taps per
// phase: 2.25× fewer multiply-adds, and no reads through the upsampling's index arithmetic. The phase filters'
// sums round differently from summing the products (~1e-7 relative).
bool convUpsampledSubPixel(const ConvArgs& a) {
  const long u = a.upsample;
  std::vector<float> phaseFilter;
  const long ci = a.inC, co = a.outC;
  for (long ph = 0; ph < u; ph++) {
    for (long pw = 0; pw < u; pw++) {
      ConvArgs p = a;
      p.outH = (a.outH - ph + u - 1) / u;
      p.outW = (a.outW - pw + u - 1) / u;
      if (p.outH <= 0 || p.outW <= 0) continue;
      const long firstRow = floorDiv(ph - a.padTop, u), firstCol = floorDiv(pw - a.padLeft, u);
      p.kH = floorDiv(ph - a.padTop + a.kH - 1, u) - firstRow + 1;
      p.kW = floorDiv(pw - a.padLeft + a.kW - 1, u) - firstCol + 1;
      phaseFilter.assign(static_cast<size_t>(p.kH * p.kW * ci * co), 0.0f);
      for (long kh = 0; kh < a.kH; kh++) {
        for (long kw = 0; kw < a.kW; kw++) {
          const long th = floorDiv(ph - a.padTop + kh, u) - firstRow;
          const long tw = floorDiv(pw - a.padLeft + kw, u) - firstCol;
          const float* src = a.w + (kh * a.kW + kw) * ci * co;
          float* dst = phaseFilter.data() + (th * p.kW + tw) * ci * co;
          for (long k = 0; k < ci * co; k++) dst[k] += src[k];
        }
      }
      p.w = phaseFilter.data();
      p.upsample = 1;
      p.padTop = -firstRow;
      p.padLeft = -firstCol;
      p.yH = a.outH;
      p.yW = a.outW;
      p.yStrideH = u;
      p.yStrideW = u;
      p.yOffsetH = ph;
      p.yOffsetW = pw;
      if (!convForwardDirect(p)) return false;
    }
  }
  return true;
}

// The forward convolution (Conv2D, and the stride-1 input gradient below) reads x directly: convForwardDirect.
// The im2col + GEMM it replaced was ~1.9× slower on the U-Net's layers (the two copies of each pixel's inputs
// cost as much as the products when Co is 16 or 32). Returns false when scratch memory ran out.
bool convForward(const ConvGeometry& c, const float* x, const float* w, float* y) {
  return convForwardDirect(convArgs(c, x, w, y));
}

// Stride 1, dilation 1: dx is the forward conv of dy with the filter rotated by 180° and its channel axes swapped,
// W'[kh', kw', co, ci] = W[KH−1−kh', KW−1−kw', ci, co], padding KH−1−top (and KW−1−left) before. That runs at the
// forward conv's speed (no col2im scatter): on the U-Net's 3×3 layers the same or up to ~15% faster (most where the
// input has more channels than the output, e.g. after a skip concat).
bool convInputGradStride1(const ConvGeometry& c, const float* dy, const float* w, float* dx) {
  static thread_local std::vector<float> rotated;
  rotated.resize(static_cast<size_t>(c.kH * c.kW * c.inC * c.outC));
  for (long kh = 0; kh < c.kH; kh++) {
    for (long kw = 0; kw < c.kW; kw++) {
      const float* src = w + ((c.kH - 1 - kh) * c.kW + (c.kW - 1 - kw)) * c.inC * c.outC;
      float* dst = rotated.data() + (kh * c.kW + kw) * c.outC * c.inC;
      for (long ci = 0; ci < c.inC; ci++) {
        for (long co = 0; co < c.outC; co++) dst[co * c.inC + ci] = src[ci * c.outC + co];
      }
    }
  }
  ConvGeometry t{};
  t.batch = c.batch;
  t.inH = c.outH;
  t.inW = c.outW;
  t.inC = c.outC;
  t.outH = c.inH;
  t.outW = c.inW;
  t.outC = c.inC;
  t.kH = c.kH;
  t.kW = c.kW;
  t.strideH = t.strideW = t.dilH = t.dilW = 1;
  t.padTop = c.kH - 1 - c.padTop;
  t.padLeft = c.kW - 1 - c.padLeft;
  return convForward(t, dy, rotated.data(), dx);
}

bool convInputGrad(const ConvGeometry& c, const float* dy, const float* w, float* dx) {
  const long m = c.batch * c.outH * c.outW;
  const long kd = c.kH * c.kW * c.inC;
  if (!isPointwise(c) && c.strideH == 1 && c.strideW == 1 && c.dilH == 1 && c.dilW == 1 && c.padTop <= c.kH - 1 &&
      c.padLeft <= c.kW - 1) {
    return convInputGradStride1(c, dy, w, dx);
  }
  // op(B) = Wᵀ: B(k = co, j) = w[j·Co + co].
  if (isPointwise(c)) {
    GemmArgs g = plainGemm(dy, w, dx, m, c.inC, c.outC);
    g.rsB = 1;
    g.csB = c.outC;
    return runProduct(g);
  }
  std::memset(dx, 0, sizeof(float) * c.batch * c.inH * c.inW * c.inC);
  const long chunk = convChunkRows(c, m);
  float* dcol = convScratch(static_cast<size_t>(chunk * kd));
  for (long r0 = 0; r0 < m; r0 += chunk) {
    const long r1 = std::min(m, r0 + chunk);
    GemmArgs g = plainGemm(dy + r0 * c.outC, w, dcol, r1 - r0, kd, c.outC);
    g.rsB = 1;
    g.csB = c.outC;
    if (!runProduct(g)) return false;
    col2imAdd(c, dcol, r0, r1, dx);
  }
  return true;
}

bool convFilterGrad(const ConvGeometry& c, const float* x, const float* dy, float* dw) {
  const long m = c.batch * c.outH * c.outW;
  const long kd = c.kH * c.kW * c.inC;
  if (m == 0) {
    std::memset(dw, 0, sizeof(float) * kd * c.outC);
    return true;
  }
  // op(A) = colᵀ: A(i = kd index, k = row) = col[row·Kd + i].
  if (isPointwise(c)) {
    GemmArgs g = plainGemm(x, dy, dw, c.inC, c.outC, m);
    g.rsA = 1;
    g.csA = c.inC;
    return runProduct(g);
  }
  const long chunk = convChunkRows(c, m);
  float* col = convScratch(static_cast<size_t>(chunk * kd));
  for (long r0 = 0; r0 < m; r0 += chunk) {
    const long r1 = std::min(m, r0 + chunk);
    im2col(c, x, r0, r1, col);
    GemmArgs g = plainGemm(col, dy + r0 * c.outC, dw, kd, c.outC, r1 - r0);
    g.rsA = 1;
    g.csA = kd;
    g.accumulate = r0 > 0;
    if (!runProduct(g)) return false;
  }
  return true;
}

// The 15 geometry values (batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop,
// padLeft) into c; false with a message when one is not a count or a kernel size, stride or dilation is 0.
bool readConvGeometry(const double* gd, ConvGeometry* c, std::string* err) {
  for (int i = 0; i < 15; i++) {
    if (!isCount(gd[i]) || gd[i] > 1e9) {
      *err = "geometry values must be non-negative integers";
      return false;
    }
  }
  for (int i : {7, 8, 9, 10, 11, 12}) {
    if (gd[i] < 1) {
      *err = "kernel size, strides and dilations must be ≥ 1";
      return false;
    }
  }
  long* fields[15] = {&c->batch, &c->inH, &c->inW, &c->inC, &c->outH, &c->outW, &c->outC, &c->kH, &c->kW,
                      &c->strideH, &c->strideW, &c->dilH, &c->dilW, &c->padTop, &c->padLeft};
  for (int i = 0; i < 15; i++) *fields[i] = static_cast<long>(gd[i]);
  return true;
}

// A Float64Array of exactly `length` values, or nullptr.
const double* getFloat64s(napi_env env, napi_value value, size_t length) {
  size_t actual = 0;
  const void* data = typedArrayData(env, value, napi_float64_array, &actual);
  return data != nullptr && actual == length ? static_cast<const double*>(data) : nullptr;
}

// A Float64Array of 1 to `maxLength` values (its length in *length), or nullptr.
const double* getFloat64List(napi_env env, napi_value value, size_t maxLength, size_t* length) {
  const void* data = typedArrayData(env, value, napi_float64_array, length);
  return data != nullptr && *length > 0 && *length <= maxLength ? static_cast<const double*>(data) : nullptr;
}

// conv2dFused(heap, offsets: Float64Array(6), geometry: Float64Array(16))
//   y = conv(up(x), w) + bias + rowBias + residual, forward only (the image U-Net's sampling pass).
//   offsets: x, filter, y, bias [outC], rowBias [batch, outC], residual [batch, outH, outW, outC]; −1 for an absent
//   term. geometry: conv2d's 15 values, then the upsampling factor of x (≥ 1; inH, inW are x's own size).
napi_value Conv2dFused(napi_env env, napi_callback_info info) {
  KernelArgs args;
  if (!readKernelArgs(env, info, 3, 3, "conv2dFused", &args)) return nullptr;
  auto& [argc, argv, heap, heapBytes] = args;
  const double* off = getFloat64s(env, argv[1], 6);
  if (off == nullptr) return throwError(env, "conv2dFused: offsets must be a Float64Array of 6");
  const double* gd = getFloat64s(env, argv[2], 16);
  if (gd == nullptr) return throwError(env, "conv2dFused: geometry must be a Float64Array of 16");
  ConvGeometry c{};
  std::string err;
  if (!readConvGeometry(gd, &c, &err)) return throwError(env, "conv2dFused: " + err);
  if (!isCount(gd[15]) || gd[15] < 1 || gd[15] > 64) return throwError(env, "conv2dFused: upsampling must be an integer in [1, 64]");
  const double xSize = static_cast<double>(c.batch) * c.inH * c.inW * c.inC;
  const double ySize = static_cast<double>(c.batch) * c.outH * c.outW * c.outC;
  const double wSize = static_cast<double>(c.kH) * c.kW * c.inC * c.outC;
  const double sizes[6] = {xSize, wSize, ySize, static_cast<double>(c.outC), static_cast<double>(c.batch) * c.outC, ySize};
  for (int i = 0; i < 6; i++) {
    const bool required = i < 3;
    if (!required && off[i] == -1) continue;
    if (!inHeap(off[i], sizes[i], heapBytes)) return throwError(env, "conv2dFused: an operand lies outside the heap");
  }
  if (ySize == 0) return nullptr;
  const auto at = [&](int i) { return off[i] == -1 ? nullptr : reinterpret_cast<float*>(heap + static_cast<size_t>(off[i])); };
  ConvArgs a = convArgs(c, at(0), at(1), at(2));
  a.upsample = static_cast<long>(gd[15]);
  a.bias = at(3);
  a.rowBias = at(4);
  a.residual = at(5);
  if (c.inC == 0 || xSize == 0) {
    // No inputs to read: y is the epilogue's terms alone.
    const long m = c.batch * c.outH * c.outW;
    for (long p = 0; p < m; p++) {
      for (long j = 0; j < c.outC; j++) {
        float v = 0.0f;
        if (a.bias != nullptr) v += a.bias[j];
        if (a.rowBias != nullptr) v += a.rowBias[(p / (c.outH * c.outW)) * c.outC + j];
        if (a.residual != nullptr) v += a.residual[p * c.outC + j];
        a.y[p * c.outC + j] = v;
      }
    }
    return nullptr;
  }
  if (!convForwardDirect(a)) return throwError(env, "conv2dFused: out of memory for packing buffers");
  return nullptr;
}

// conv2d(heap, mode, in0Off, in1Off, outOff, geometry: Float64Array(15))
//   mode 0: in0 = x, in1 = filter, out = y;  1: in0 = dy, in1 = filter, out = dx;  2: in0 = x, in1 = dy, out = dW.
//   geometry: batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft.
napi_value Conv2d(napi_env env, napi_callback_info info) {
  KernelArgs args;
  if (!readKernelArgs(env, info, 6, 6, "conv2d", &args)) return nullptr;
  auto& [argc, argv, heap, heapBytes] = args;
  double v[4];
  if (!getDoubles(env, argv, 1, 4, v)) return throwError(env, "conv2d: mode and offsets must be numbers");
  const int mode = static_cast<int>(v[0]);
  if (mode < CONV_FORWARD || mode > CONV_FILTER_GRAD || v[0] != mode) return throwError(env, "conv2d: unknown mode");
  const double* gd = getFloat64s(env, argv[5], 15);
  if (gd == nullptr) return throwError(env, "conv2d: geometry must be a Float64Array of 15");
  ConvGeometry c{};
  std::string err;
  if (!readConvGeometry(gd, &c, &err)) return throwError(env, "conv2d: " + err);
  const double xSize = static_cast<double>(c.batch) * c.inH * c.inW * c.inC;
  const double ySize = static_cast<double>(c.batch) * c.outH * c.outW * c.outC;
  const double wSize = static_cast<double>(c.kH) * c.kW * c.inC * c.outC;
  const double sizes[3][3] = {{xSize, wSize, ySize}, {ySize, wSize, xSize}, {xSize, ySize, wSize}};
  for (int i = 0; i < 3; i++) {
    if (!inHeap(v[1 + i], sizes[mode][i], heapBytes)) return throwError(env, "conv2d: an operand lies outside the heap");
  }
  const auto at = [&](int i) { return reinterpret_cast<float*>(heap + static_cast<size_t>(v[1 + i])); };
  if (sizes[mode][2] == 0) return nullptr;
  bool ok = true;
  if (mode == CONV_FORWARD) {
    if (c.inC == 0) {
      std::memset(at(2), 0, sizeof(float) * static_cast<size_t>(ySize));
    } else {
      ok = convForward(c, at(0), at(1), at(2));
    }
  } else if (mode == CONV_INPUT_GRAD) {
    if (c.outC == 0 || ySize == 0) {
      std::memset(at(2), 0, sizeof(float) * static_cast<size_t>(xSize));
    } else {
      ok = convInputGrad(c, at(0), at(1), at(2));
    }
  } else {
    ok = convFilterGrad(c, at(0), at(1), at(2));
  }
  if (!ok) return throwError(env, "conv2d: out of memory for packing buffers");
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------------------
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

// Bumped whenever an export's signature changes: shared/tf/nativeKernels.ts refuses an addon of another version
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
