// Single-precision GEMM, C = act(op(A)·op(B) + bias), written once with GCC vector extensions and compiled once
// per instruction set (gemm_avx512.cc, gemm_avx2.cc, gemm_generic.cc): each of those files sets
// SB_ISA_NS / SB_VL / SB_MR / SB_NV and `#pragma GCC target(...)`, then includes this file.
//
// The structure is the classic Goto/BLIS one: B is packed into panels of NR = NV·VL columns, A into panels of MR
// rows (both zero-padded at the edges), and an MR × NR register tile of accumulators is updated with one
// broadcast of A and NV vector loads of B per k. Blocks: KC (depth, packed panels stay in L1/L2), MC (rows of A
// per block, L2), NC (columns of B per block, L2/L3).
//
// Included after the standard headers (gemm.h, <cstring>, <cmath>, <algorithm>, <cstdlib>): the target pragma must
// not apply to them.

#ifndef SB_ISA_NS
#error "define SB_ISA_NS, SB_VL, SB_MR, SB_NV before including gemm_impl.h"
#endif

namespace sharebox_native {
namespace SB_ISA_NS {

constexpr int VL = SB_VL;          // floats per vector
constexpr int MR = SB_MR;          // rows of the register tile
constexpr int NV = SB_NV;          // vectors per row of the register tile
constexpr int NR = NV * VL;        // columns of the register tile
constexpr long KC = 256;           // depth of a packed block
constexpr long MC = MR * 16;       // rows of A per block
constexpr long NC = 2048;          // columns of B per block (rounded to NR below)

typedef float vf __attribute__((vector_size(VL * 4)));
typedef float vfu __attribute__((vector_size(VL * 4), aligned(4)));  // for unaligned loads and stores

static inline vf loadu(const float* p) { return *reinterpret_cast<const vfu*>(p); }
static inline void storeu(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
static inline vf splat(float x) {
  vf v;
  for (int i = 0; i < VL; i++) v[i] = x;
  return v;
}

// The epilogue of the last depth block: bias (per column, or none) then a cheap activation. Sigmoid and elu need
// exp and run as a separate pass over the output (matmul.cc); here they are `linear`.
static inline vf activate(vf v, int act, float alpha) {
  switch (act) {
    case ACT_RELU: {
      vf zero = {};
      return v > zero ? v : zero;
    }
    case ACT_RELU6: {
      vf zero = {};
      vf six = splat(6.0f);
      v = v > zero ? v : zero;
      return v < six ? v : six;
    }
    case ACT_LEAKYRELU: {
      vf zero = {};
      return v > zero ? v : v * alpha;
    }
    default:
      return v;
  }
}

static inline float activate1(float v, int act, float alpha) {
  switch (act) {
    case ACT_RELU:
      return v > 0.0f ? v : 0.0f;
    case ACT_RELU6:
      return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    case ACT_LEAKYRELU:
      return v > 0.0f ? v : v * alpha;
    default:
      return v;
  }
}

// Full MR × NR tile: c (row stride ldc) = [c +] pa·pb, then on the last block bias + activation.
// pa: kc × MR (packed A panel), pb: kc × NR (packed B panel), both 64-byte aligned.
static void kernel_tile(long kc, const float* __restrict pa, const float* __restrict pb, float* __restrict c, long ldc,
                        bool accumulate, bool last, const float* bias, int act, float alpha) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = vf{};
  }
  for (long k = 0; k < kc; k++) {
    vf b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = *reinterpret_cast<const vf*>(pb + v * VL);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const float a = pa[r];  // scalar × vector: the compiler broadcasts a once (vbroadcastss)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[r][v] += a * b[v];
    }
    pa += MR;
    pb += NR;
  }
  vf biasv[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; v++) biasv[v] = (last && bias != nullptr) ? loadu(bias + v * VL) : vf{};
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
    float* cr = c + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      vf x = acc[r][v];
      if (accumulate) x += loadu(cr + v * VL);
      if (last) x = activate(x + biasv[v], act, alpha);
      storeu(cr + v * VL, x);
    }
  }
}

// An edge tile (mr ≤ MR rows, nr ≤ NR columns): computed in full into a scratch tile, then merged.
static void kernel_edge(long kc, const float* pa, const float* pb, float* c, long ldc, int mr, int nr,
                        bool accumulate, bool last, const float* bias, int act, float alpha) {
  alignas(64) float tile[MR * NR];
  kernel_tile(kc, pa, pb, tile, NR, false, false, nullptr, ACT_LINEAR, 0.0f);
  for (int r = 0; r < mr; r++) {
    float* cr = c + r * ldc;
    const float* tr = tile + r * NR;
    for (int j = 0; j < nr; j++) {
      float x = tr[j];
      if (accumulate) x += cr[j];
      if (last) x = activate1(bias != nullptr ? x + bias[j] : x, act, alpha);
      cr[j] = x;
    }
  }
}

// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into panels of MR rows: panel q holds kc × MR floats,
// element (k, r) = A(i0 + q·MR + r, p0 + k), zero beyond row M.  A(i, k) = a[i·rs + k·cs].
static void pack_a(const float* a, long rs, long cs, long i0, long mc, long p0, long kc, float* dst) {
  for (long q = 0; q < mc; q += MR) {
    const int mr = static_cast<int>(std::min<long>(MR, mc - q));
    const float* src = a + (i0 + q) * rs + p0 * cs;
    if (rs == 1 && mr == MR) {
      // op(A) = Aᵀ stored [K, M]: MR contiguous floats per k.
      for (long k = 0; k < kc; k++) std::memcpy(dst + k * MR, src + k * cs, sizeof(float) * MR);
    } else if (cs == 1) {
      // A stored [M, K]: rows are contiguous; read the mr rows in step, write the panel contiguously.
      const float* rows[MR];
      for (int r = 0; r < MR; r++) rows[r] = src + (r < mr ? r : 0) * rs;
      if (mr == MR) {
        for (long k = 0; k < kc; k++) {
#pragma GCC unroll 16
          for (int r = 0; r < MR; r++) dst[k * MR + r] = rows[r][k];
        }
      } else {
        for (long k = 0; k < kc; k++) {
          for (int r = 0; r < mr; r++) dst[k * MR + r] = rows[r][k];
          for (int r = mr; r < MR; r++) dst[k * MR + r] = 0.0f;
        }
      }
    } else {
      for (long k = 0; k < kc; k++) {
        int r = 0;
        for (; r < mr; r++) dst[k * MR + r] = src[r * rs + k * cs];
        for (; r < MR; r++) dst[k * MR + r] = 0.0f;
      }
    }
    dst += kc * MR;
  }
}

// Packs depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) into panels of NR columns: panel q holds kc × NR floats,
// element (k, c) = B(p0 + k, j0 + q·NR + c), zero beyond column N.  B(k, j) = b[k·rs + j·cs].
static void pack_b(const float* b, long rs, long cs, long p0, long kc, long j0, long nc, float* dst) {
  for (long q = 0; q < nc; q += NR) {
    const int nr = static_cast<int>(std::min<long>(NR, nc - q));
    const float* src = b + p0 * rs + (j0 + q) * cs;
    if (cs == 1) {
      // B stored [K, N]: NR contiguous floats per k.
      if (nr == NR) {
        for (long k = 0; k < kc; k++) std::memcpy(dst + k * NR, src + k * rs, sizeof(float) * NR);
      } else {
        for (long k = 0; k < kc; k++) {
          std::memcpy(dst + k * NR, src + k * rs, sizeof(float) * nr);
          std::memset(dst + k * NR + nr, 0, sizeof(float) * (NR - nr));
        }
      }
    } else if (rs == 1) {
      // op(B) = Bᵀ stored [N, K]: each column of op(B) is a contiguous row of b. Walking k in the outer loop
      // reads nr streams in step and writes the panel contiguously (the other order was ~30% slower overall).
      const float* cols[NR];
      for (int c = 0; c < NR; c++) cols[c] = src + (c < nr ? c : 0) * cs;
      if (nr == NR) {
        for (long k = 0; k < kc; k++) {
#pragma GCC unroll 32
          for (int c = 0; c < NR; c++) dst[k * NR + c] = cols[c][k];
        }
      } else {
        for (long k = 0; k < kc; k++) {
          for (int c = 0; c < nr; c++) dst[k * NR + c] = cols[c][k];
          for (int c = nr; c < NR; c++) dst[k * NR + c] = 0.0f;
        }
      }
    } else {
      for (long k = 0; k < kc; k++) {
        int c = 0;
        for (; c < nr; c++) dst[k * NR + c] = src[k * rs + c * cs];
        for (; c < NR; c++) dst[k * NR + c] = 0.0f;
      }
    }
    dst += kc * NR;
  }
}

static float* scratch(int which, size_t floats) {
  // Per thread, grown on demand, 64-byte aligned; never freed (a few hundred KiB per thread).
  static thread_local float* buffers[2] = {nullptr, nullptr};
  static thread_local size_t sizes[2] = {0, 0};
  if (sizes[which] < floats) {
    std::free(buffers[which]);
    const size_t bytes = ((floats * sizeof(float)) + 63) / 64 * 64;
    buffers[which] = static_cast<float*>(std::aligned_alloc(64, bytes));
    sizes[which] = buffers[which] != nullptr ? floats : 0;
  }
  return buffers[which];
}

// C[m0..m1) × [n0..n1) of one product. Columns n0, n1 are multiples of NR (or n1 = N) when called in parallel.
static bool gemm_region(const GemmArgs& g, long m0, long m1, long n0, long n1) {
  const long M = m1 - m0, N = n1 - n0, K = g.k;
  if (M <= 0 || N <= 0) return true;
  // Depth blocks of near-equal size, each ≤ KC.
  const long kBlocks = (K + KC - 1) / KC;
  const long kcMax = (K + kBlocks - 1) / kBlocks;
  const long ncMax = std::min<long>((NC / NR) * NR, (N + NR - 1) / NR * NR);
  const long mcMax = std::min<long>(MC, (M + MR - 1) / MR * MR);
  float* bpack = scratch(0, static_cast<size_t>(kcMax * ncMax));
  float* apack = scratch(1, static_cast<size_t>(kcMax * mcMax));
  if (bpack == nullptr || apack == nullptr) return false;
  for (long jc = 0; jc < N; jc += ncMax) {
    const long nc = std::min(ncMax, N - jc);
    for (long pc = 0; pc < K; pc += kcMax) {
      const long kc = std::min(kcMax, K - pc);
      const bool accumulate = pc > 0 || g.accumulate;
      const bool last = pc + kc >= K;
      pack_b(g.b, g.rsB, g.csB, pc, kc, n0 + jc, nc, bpack);
      for (long ic = 0; ic < M; ic += mcMax) {
        const long mc = std::min(mcMax, M - ic);
        pack_a(g.a, g.rsA, g.csA, m0 + ic, mc, pc, kc, apack);
        for (long jr = 0; jr < nc; jr += NR) {
          const int nr = static_cast<int>(std::min<long>(NR, nc - jr));
          const float* pb = bpack + (jr / NR) * kc * NR;
          const long col = n0 + jc + jr;
          const float* bias = g.bias != nullptr ? g.bias + col : nullptr;
          for (long ir = 0; ir < mc; ir += MR) {
            const int mr = static_cast<int>(std::min<long>(MR, mc - ir));
            const float* pa = apack + (ir / MR) * kc * MR;
            float* c = g.c + (m0 + ic + ir) * g.ldc + col;
            if (mr == MR && nr == NR) {
              kernel_tile(kc, pa, pb, c, g.ldc, accumulate, last, bias, g.act, g.alpha);
            } else {
              kernel_edge(kc, pa, pb, c, g.ldc, mr, nr, accumulate, last, bias, g.act, g.alpha);
            }
          }
        }
      }
    }
  }
  return true;
}


// ---------------------------------------------------------------------------------------------------------------
// Convolution without im2col: the "indirect GEMM" of XNNPACK (Dukhan 2019, "The Indirect Convolution Algorithm").
// The im2col path (conv_grad.cc) first copies each output pixel's kH·kW·Ci inputs into a row of a matrix, then the GEMM
// copies that matrix again into MR-row panels before the register tile reads it: two copies of kH·kW·Ci floats per
// pixel for kH·kW·Ci·Co multiply-adds, which on the U-Net's layers (Co = 16 or 32) cost about as much as the
// products. Here the register tile reads each input row where it lies: for a block of MR output pixels and each
// filter tap, MR pointers to the Ci input channels the tap reads (a row of zeros over the padding), and for each
// channel ci one broadcast per pointer against NV vectors of the packed filter. The filter is packed once per call
// into pack_b's NR-column panels (row k = (kh, kw, ci), the im2col order, so the sums run in the same order).
// Nearest-neighbour upsampling of the input is only a different pointer (row ih / up; conv_direct.cc turns the stride-1
// case into sub-pixel convolutions of x first, which need 2.25× fewer products for a 3×3 after up2).
//
// Layers with few output channels (the U-Net's last conv, Co = 1) would waste most of the NR-wide tile; they take
// a dot-product path instead: per pixel and output channel, Σ over taps of a vectorised dot over Ci (the filter
// packed as [Co][kH·kW·Ci]).

// Whether the dot-product path is cheaper than the tile: vector FMAs per output pixel of each.
static bool conv_uses_dot(const ConvArgs& c) {
  const long taps = c.kH * c.kW;
  const long panels = (c.outC + NR - 1) / NR;
  const double tile = static_cast<double>(taps) * c.inC * NV * panels / MR;
  const double dot = static_cast<double>(c.outC) * (taps * ((c.inC + VL - 1) / VL) + 4);
  return dot < tile;
}

static long conv_packed_floats(const ConvArgs& c) {
  const long kd = c.kH * c.kW * c.inC;
  return conv_uses_dot(c) ? kd * c.outC : kd * ((c.outC + NR - 1) / NR) * NR;
}

static void conv_pack(const ConvArgs& c, float* dst) {
  const long kd = c.kH * c.kW * c.inC;
  if (conv_uses_dot(c)) {
    for (long k = 0; k < kd; k++) {
      for (long co = 0; co < c.outC; co++) dst[co * kd + k] = c.w[k * c.outC + co];
    }
  } else {
    pack_b(c.w, c.outC, 1, 0, kd, 0, c.outC, dst);
  }
}

// Per thread: a row of zeros (the padding's inputs), grown on demand.
static const float* conv_zeros(long floats) {
  static thread_local float* zeros = nullptr;
  static thread_local long size = 0;
  if (size < floats) {
    std::free(zeros);
    zeros = static_cast<float*>(std::calloc(static_cast<size_t>(floats), sizeof(float)));
    size = zeros != nullptr ? floats : 0;
  }
  return zeros;
}

// Per thread, grown on demand: `count` Ts (which: one buffer per use).
template <typename T, int which>
static T* conv_buffer(long count) {
  static thread_local T* buffer = nullptr;
  static thread_local long size = 0;
  if (size < count) {
    std::free(buffer);
    buffer = static_cast<T*>(std::malloc(static_cast<size_t>(count) * sizeof(T)));
    size = buffer != nullptr ? count : 0;
  }
  return buffer;
}

// An output pixel p = (n·outH + oh)·outW + ow, walked in order without divisions.
struct ConvPixel {
  long n, oh, ow;
  ConvPixel(const ConvArgs& c, long p) : n(p / (c.outH * c.outW)), oh((p / c.outW) % c.outH), ow(p % c.outW) {}
  void next(const ConvArgs& c) {
    if (++ow == c.outW) {
      ow = 0;
      if (++oh == c.outH) {
        oh = 0;
        ++n;
      }
    }
  }
};

// Where each tap reads, without a division per tap (the pointer setup is most of the work of layers with few
// channels): rowOf[oh·kH + kh] = the row of x that tap row kh of output row oh reads (after the upsampling), or
// −1 over the padding; colOf[ow·kW + kw] likewise for columns. Interior pixels of a convolution without upsampling
// take the fast path: a base pointer plus the fixed offset of each tap.
struct ConvIndex {
  const long* rowOf;
  const long* colOf;
  const long* tapOffset;  // up = 1: (kh·dilH·inW + kw·dilW)·inC
  long lastRowTap, lastColTap;  // (kH − 1)·dilH, (kW − 1)·dilW
};

static bool conv_index(const ConvArgs& c, ConvIndex* index, const float*** pointerTable) {
  const long taps = c.kH * c.kW;
  long* buffer = conv_buffer<long, 0>(c.outH * c.kH + c.outW * c.kW + taps);
  *pointerTable = conv_buffer<const float*, 1>(taps * MR);
  if (buffer == nullptr || *pointerTable == nullptr) return false;
  long* rowOf = buffer;
  long* colOf = rowOf + c.outH * c.kH;
  long* tapOffset = colOf + c.outW * c.kW;
  const long up = c.upsample;
  for (long oh = 0; oh < c.outH; oh++) {
    for (long kh = 0; kh < c.kH; kh++) {
      const long ih = oh * c.strideH - c.padTop + kh * c.dilH;
      rowOf[oh * c.kH + kh] = ih >= 0 && ih < c.inH * up ? ih / up : -1;
    }
  }
  for (long ow = 0; ow < c.outW; ow++) {
    for (long kw = 0; kw < c.kW; kw++) {
      const long iw = ow * c.strideW - c.padLeft + kw * c.dilW;
      colOf[ow * c.kW + kw] = iw >= 0 && iw < c.inW * up ? iw / up : -1;
    }
  }
  for (long kh = 0; kh < c.kH; kh++) {
    for (long kw = 0; kw < c.kW; kw++) tapOffset[kh * c.kW + kw] = (kh * c.dilH * c.inW + kw * c.dilW) * c.inC;
  }
  index->rowOf = rowOf;
  index->colOf = colOf;
  index->tapOffset = tapOffset;
  index->lastRowTap = (c.kH - 1) * c.dilH;
  index->lastColTap = (c.kW - 1) * c.dilW;
  return true;
}

// out[t·stride] = the first of the Ci inputs that tap t = (kh, kw) of output pixel (n, oh, ow) reads, or `zeros`.
static inline void conv_pointers(const ConvArgs& c, const ConvIndex& index, const ConvPixel& px, const float* zeros,
                                 const float** out, long stride) {
  const float* image = c.x + px.n * c.inH * c.inW * c.inC;
  const long taps = c.kH * c.kW;
  if (c.upsample == 1) {
    const long ih0 = px.oh * c.strideH - c.padTop;
    const long iw0 = px.ow * c.strideW - c.padLeft;
    if (ih0 >= 0 && iw0 >= 0 && ih0 + index.lastRowTap < c.inH && iw0 + index.lastColTap < c.inW) {
      const float* base = image + (ih0 * c.inW + iw0) * c.inC;
      for (long t = 0; t < taps; t++) out[t * stride] = base + index.tapOffset[t];
      return;
    }
  }
  const long* rows = index.rowOf + px.oh * c.kH;
  const long* cols = index.colOf + px.ow * c.kW;
  for (long kh = 0; kh < c.kH; kh++) {
    const long ih = rows[kh];
    const float* row = ih >= 0 ? image + ih * c.inW * c.inC : nullptr;
    for (long kw = 0; kw < c.kW; kw++) {
      const long iw = cols[kw];
      out[(kh * c.kW + kw) * stride] = ih >= 0 && iw >= 0 ? row + iw * c.inC : zeros;
    }
  }
}

// The pixel of y that output pixel px is written to (ConvArgs::yH etc.).
static inline long conv_output_pixel(const ConvArgs& c, const ConvPixel& px) {
  if (c.yH < 0) return (px.n * c.outH + px.oh) * c.outW + px.ow;
  return (px.n * c.yH + px.oh * c.yStrideH + c.yOffsetH) * c.yW + px.ow * c.yStrideW + c.yOffsetW;
}

// Pixels handled together by the dot-product path (independent FMA chains).
constexpr int kDotPixels = 4;

// The next `count` output pixels (advancing px) into columns 0…count−1 of a pointer table of `stride` columns per
// tap, with each pixel's image (rowImage) and output pixel (rowOut); columns count…stride−1 repeat the last pixel
// (computed, never stored), so the kernels always run full blocks.
static inline void conv_gather_block(const ConvArgs& c, const ConvIndex& index, ConvPixel& px, const float* zeros,
                                     const float** ptrs, int stride, int count, long* rowImage, long* rowOut) {
  const long taps = c.kH * c.kW;
  for (int r = 0; r < count; r++, px.next(c)) {
    conv_pointers(c, index, px, zeros, ptrs + r, stride);
    rowImage[r] = px.n;
    rowOut[r] = conv_output_pixel(c, px);
  }
  for (int r = count; r < stride; r++) {
    for (long t = 0; t < taps; t++) ptrs[t * stride + r] = ptrs[t * stride + count - 1];
  }
}
static_assert(kDotPixels <= MR, "the pointer table holds MR pixels");

// The MR × NR tile of output pixels whose tap pointers are ptrs[t·MR + r], against one packed filter panel pb
// (kd × NR), into tile (MR × NR, row stride NR).
static void kernel_indirect(long taps, long ci, const float* const* ptrs, const float* __restrict pb, float* __restrict tile) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = vf{};
  }
  for (long t = 0; t < taps; t++) {
    const float* p[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) p[r] = ptrs[t * MR + r];
    for (long k = 0; k < ci; k++) {
      vf b[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) b[v] = loadu(pb + v * VL);
#pragma GCC unroll 16
      for (int r = 0; r < MR; r++) {
        const float a = p[r][k];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[r][v] += a * b[v];
      }
      pb += NR;
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) storeu(tile + r * NR + v * VL, acc[r][v]);
  }
}

// Output pixels [p0, p1) of the convolution, from the filter packed by conv_pack. The epilogue adds, in this
// order, bias, rowBias and residual (the order of the separate Adds it replaces).
static bool conv_region(const ConvArgs& c, const float* packed, long p0, long p1) {
  if (p1 <= p0) return true;
  const long taps = c.kH * c.kW;
  const long ci = c.inC, co = c.outC;
  const long kd = taps * ci;
  const float* zeros = conv_zeros(std::max<long>(ci, 1));
  ConvIndex index;
  const float** ptrs = nullptr;
  if (zeros == nullptr || !conv_index(c, &index, &ptrs)) return false;
  if (conv_uses_dot(c)) {
    constexpr int PB = kDotPixels;
    ConvPixel px(c, p0);
    for (long p = p0; p < p1; p += PB) {
      const int pb = static_cast<int>(std::min<long>(PB, p1 - p));
      long rowImage[PB], rowOut[PB];
      conv_gather_block(c, index, px, zeros, ptrs, PB, pb, rowImage, rowOut);
      for (long j = 0; j < co; j++) {
        const float* wr = packed + j * kd;
        vf acc[PB];
        float tail[PB];
        for (int r = 0; r < PB; r++) {
          acc[r] = vf{};
          tail[r] = 0.0f;
        }
        for (long t = 0; t < taps; t++) {
          const float* wt = wr + t * ci;
          const float* const* xp = ptrs + t * PB;
          long i = 0;
          for (; i + VL <= ci; i += VL) {
            const vf w = loadu(wt + i);
#pragma GCC unroll 4
            for (int r = 0; r < PB; r++) acc[r] += loadu(xp[r] + i) * w;
          }
          for (; i < ci; i++) {
#pragma GCC unroll 4
            for (int r = 0; r < PB; r++) tail[r] += xp[r][i] * wt[i];
          }
        }
        for (int r = 0; r < pb; r++) {
          float sum = tail[r];
          for (int l = 0; l < VL; l++) sum += acc[r][l];
          if (c.bias != nullptr) sum += c.bias[j];
          if (c.rowBias != nullptr) sum += c.rowBias[rowImage[r] * co + j];
          if (c.residual != nullptr) sum += c.residual[rowOut[r] * co + j];
          c.y[rowOut[r] * co + j] = sum;
        }
      }
    }
    return true;
  }
  alignas(64) float tile[MR * NR];
  const long panels = (co + NR - 1) / NR;
  ConvPixel px(c, p0);
  long rowImage[MR], rowOut[MR];
  for (long p = p0; p < p1; p += MR) {
    const int mr = static_cast<int>(std::min<long>(MR, p1 - p));
    conv_gather_block(c, index, px, zeros, ptrs, MR, mr, rowImage, rowOut);
    for (long q = 0; q < panels; q++) {
      const long col = q * NR;
      const int nr = static_cast<int>(std::min<long>(NR, co - col));
      kernel_indirect(taps, ci, ptrs, packed + q * kd * NR, tile);
      for (int r = 0; r < mr; r++) {
        const long pr = rowOut[r];
        const long n = rowImage[r];
        const float* tr = tile + r * NR;
        float* yr = c.y + pr * co + col;
        const float* bias = c.bias != nullptr ? c.bias + col : nullptr;
        const float* rowBias = c.rowBias != nullptr ? c.rowBias + n * co + col : nullptr;
        const float* residual = c.residual != nullptr ? c.residual + pr * co + col : nullptr;
        if (nr == NR) {
#pragma GCC unroll 4
          for (int v = 0; v < NV; v++) {
            vf x = loadu(tr + v * VL);
            if (bias != nullptr) x += loadu(bias + v * VL);
            if (rowBias != nullptr) x += loadu(rowBias + v * VL);
            if (residual != nullptr) x += loadu(residual + v * VL);
            storeu(yr + v * VL, x);
          }
        } else {
          for (int j = 0; j < nr; j++) {
            float x = tr[j];
            if (bias != nullptr) x += bias[j];
            if (rowBias != nullptr) x += rowBias[j];
            if (residual != nullptr) x += residual[j];
            yr[j] = x;
          }
        }
      }
    }
  }
  return true;
}

}  // namespace SB_ISA_NS
}  // namespace sharebox_native
