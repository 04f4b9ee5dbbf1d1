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
// exp and run as a separate pass over the output (gemm.cc); here they are `linear`.
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

}  // namespace SB_ISA_NS
}  // namespace sharebox_native
