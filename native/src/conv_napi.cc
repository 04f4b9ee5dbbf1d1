// conv2d and conv2dFused: the convolutions' N-API side. They check the geometry and every operand's range against
// the heap, then run the forward pass or a gradient (conv.h).
#include <cmath>
#include <cstring>
#include <string>

#include "conv.h"
#include "kernels.h"
#include "napi_helpers.h"

namespace sharebox_native {
namespace {

enum ConvMode { CONV_FORWARD = 0, CONV_INPUT_GRAD = 1, CONV_FILTER_GRAD = 2 };

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

}  // namespace

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

}  // namespace sharebox_native
