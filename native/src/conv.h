// The convolutions' shared pieces: their geometry, and the forward pass and the gradients that conv_napi.cc's
// exports call.
#pragma once

#include "gemm.h"

namespace sharebox_native {

// Convolutions (NHWC input, [KH, KW, Ci, Co] filter). The forward pass reads x where it lies (gemm_impl.h,
// conv_region: the register tile takes one pointer per output pixel and filter tap), with an optional epilogue
// (bias, a bias row per image, a residual) and nearest-neighbour upsampling of x folded in (conv2dFused). The
// gradients use im2col + the GEMM (matmul.h): a row r = (n, oh, ow) of the im2col matrix holds the KH·KW·Ci input
// values the output pixel reads, in the filter's (kh, kw, ci) order, zero where the window hangs over the padding;
//   input gradient   dcol[M, Kd]     = dy[M, Co] · Wᵀ, scattered back (col2im, summed) into dx (stride > 1; at
//                    stride 1 it is a forward conv of dy, conv_grad.cc)
//   filter gradient  dW[Kd, Co]      = colᵀ · dy, summed over row chunks (GemmArgs::accumulate)
// with M = N·OH·OW and Kd = KH·KW·Ci. Rows are processed in chunks so the im2col buffer stays ~1 MiB (in L2/L3)
// instead of the whole [M, Kd] matrix. A 1×1 stride-1 unpadded conv is one GEMM on the tensors themselves.

struct ConvGeometry {
  long batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft;
};

// conv_direct.cc: the forward convolution read straight from x.
ConvArgs convArgs(const ConvGeometry& c, const float* x, const float* w, float* y);
bool convForwardDirect(const ConvArgs& a);
bool convForward(const ConvGeometry& c, const float* x, const float* w, float* y);

// conv_grad.cc: the input gradient (dy, w → dx) and the filter gradient (x, dy → dW).
bool convInputGrad(const ConvGeometry& c, const float* dy, const float* w, float* dx);
bool convFilterGrad(const ConvGeometry& c, const float* x, const float* dy, float* dw);

}  // namespace sharebox_native
