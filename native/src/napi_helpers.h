// Reading a kernel's arguments from N-API: numbers, typed arrays, the heap (the wasm module's memory) and the checks
// that every range lies inside it. Header only: every kernel file includes it.
#pragma once

#include <node_api.h>

#include <cmath>
#include <cstddef>
#include <string>

namespace sharebox_native {

inline napi_value throwError(napi_env env, const std::string& message) {
  napi_throw_error(env, "SHAREBOX_NATIVE", message.c_str());
  return nullptr;
}

inline bool getDouble(napi_env env, napi_value v, double* out) { return napi_get_value_double(env, v, out) == napi_ok; }

inline bool isNullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return false;
  return t == napi_null || t == napi_undefined;
}

// The data of a typed array of element type `wanted` and its length in elements, or nullptr when `value` is not
// one (every typed-array argument of the kernels is read through here).
inline void* typedArrayData(napi_env env, napi_value value, napi_typedarray_type wanted, size_t* length) {
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

// Reads `count` numbers starting at argv[first] into out; false if any is not a number.
inline bool getDoubles(napi_env env, napi_value* argv, int first, int count, double* out) {
  for (int i = 0; i < count; i++) {
    if (!getDouble(env, argv[first + i], &out[i])) return false;
  }
  return true;
}

inline bool isCount(double x) { return x >= 0 && x < 9.0e15 && std::floor(x) == x; }

// The heap's bytes, or nullptr after throwing.
inline char* getHeap(napi_env env, napi_value value, size_t* bytes, const char* fn) {
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
inline bool readKernelArgs(napi_env env, napi_callback_info info, size_t minArgs, size_t maxArgs, const char* fn, KernelArgs* args) {
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
inline bool inHeap(double offset, double count, size_t heapBytes) {
  return isCount(offset) && isCount(count) && std::fmod(offset, 4) == 0 && offset + 4.0 * count <= static_cast<double>(heapBytes);
}

// A Float64Array of exactly `length` values, or nullptr.
inline const double* getFloat64s(napi_env env, napi_value value, size_t length) {
  size_t actual = 0;
  const void* data = typedArrayData(env, value, napi_float64_array, &actual);
  return data != nullptr && actual == length ? static_cast<const double*>(data) : nullptr;
}

// A Float64Array of 1 to `maxLength` values (its length in *length), or nullptr.
inline const double* getFloat64List(napi_env env, napi_value value, size_t maxLength, size_t* length) {
  const void* data = typedArrayData(env, value, napi_float64_array, length);
  return data != nullptr && *length > 0 && *length <= maxLength ? static_cast<const double*>(data) : nullptr;
}

}  // namespace sharebox_native
