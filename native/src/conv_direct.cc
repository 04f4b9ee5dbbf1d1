// The forward convolution read straight from x by the GEMM's register tile (gemm_impl.h, conv_region), split over
// the thread pool, and its nearest-neighbour-upsampled stride-1 case as sub-pixel convolutions of x.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "conv.h"
#include "thread_pool.h"
#include "variants.h"

namespace sharebox_native {
namespace {

bool convUpsampledSubPixel(const ConvArgs& a);

}  // namespace

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

namespace {

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

}  // namespace

// The forward convolution (Conv2D, and the stride-1 input gradient of conv_grad.cc) reads x directly:
// convForwardDirect. The im2col + GEMM it replaced was ~1.9× slower on the U-Net's layers (the two copies of each
// pixel's inputs cost as much as the products when Co is 16 or 32). Returns false when scratch memory ran out.
bool convForward(const ConvGeometry& c, const float* x, const float* w, float* y) {
  return convForwardDirect(convArgs(c, x, w, y));
}

}  // namespace sharebox_native
