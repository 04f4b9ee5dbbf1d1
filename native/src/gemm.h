// Shared declarations of the native GEMM (see gemm_impl.h for the algorithm, matmul.cc for the N-API glue).
#pragma once

#include <cstddef>

namespace sharebox_native {

// Activation codes (the subset of tfjs' fusable activations applied inside the tile; sigmoid and elu are applied
// in a second pass by matmul.cc).
enum Activation { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKYRELU = 3, ACT_SIGMOID = 4, ACT_ELU = 5 };

// One product C[M×N] = act(op(A)[M×K] · op(B)[K×N] + bias[N]).
// op(A)(i, k) = a[i·rsA + k·csA], op(B)(k, j) = b[k·rsB + j·csB], C(i, j) = c[i·ldc + j].
struct GemmArgs {
  const float* a;
  const float* b;
  float* c;
  const float* bias;  // N floats, or nullptr
  long m, n, k;
  long rsA, csA, rsB, csB, ldc;
  int act;  // ACT_LINEAR, ACT_RELU, ACT_RELU6 or ACT_LEAKYRELU here
  float alpha;
  bool accumulate = false;  // C += op(A)·op(B) instead of C = … (the convolution filter gradient sums chunks)
};

// One NHWC convolution y = conv(x, w) [+ bias[co]] [+ rowBias[n, co]] [+ residual], computed from x directly
// (gemm_impl.h, conv_region). x [batch, inH, inW, inC] is read as if nearest-neighbour upsampled by `upsample`
// (1: as it is), so the convolution sees an (inH·upsample) × (inW·upsample) image; w [kH, kW, inC, outC];
// y and residual [batch, outH, outW, outC]; rowBias [batch, outC] (one bias row per image). Padding and strides
// refer to the image the convolution sees.
struct ConvArgs {
  const float* x;
  const float* w;
  float* y;
  long batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft;
  long upsample = 1;
  const float* bias = nullptr;
  const float* rowBias = nullptr;
  const float* residual = nullptr;
  // Where output pixel (n, oh, ow) goes in y (and is read from residual), both [batch, yH, yW, outC]: row
  // oh·yStrideH + yOffsetH, column ow·yStrideW + yOffsetW. By default y is exactly the output (yH = outH, …);
  // conv_direct.cc's sub-pixel convolution writes one phase of a larger y.
  long yH = -1, yW = -1, yStrideH = 1, yStrideW = 1, yOffsetH = 0, yOffsetW = 0;
};

// A compiled variant: its name, its register-tile width (column splits between threads are multiples of it), and
// the region function: rows [m0, m1) × columns [n0, n1) of C. Returns false when scratch memory ran out.
// The convolution: convPackedFloats(c) floats of packed filter, written by convPack, then convRegion computes output
// pixels [p0, p1) (p = (n·outH + oh)·outW + ow); p0 a multiple of convRowUnit when called in parallel.
struct GemmVariant {
  const char* name;
  int nr;
  bool (*region)(const GemmArgs&, long m0, long m1, long n0, long n1);
  int convRowUnit;
  long (*convPackedFloats)(const ConvArgs&);
  void (*convPack)(const ConvArgs&, float* packed);
  bool (*convRegion)(const ConvArgs&, const float* packed, long p0, long p1);
};

extern const GemmVariant kGemmAvx512;
extern const GemmVariant kGemmAvx2;
extern const GemmVariant kGemmGeneric;
// AVX-512 tile shape run on AVX2 hardware (the compiler splits the 16-wide vectors): lets a machine without
// AVX-512 test the AVX-512 variant's blocking and edge logic. Tests only.
extern const GemmVariant kGemmWide16OnAvx2;

}  // namespace sharebox_native
