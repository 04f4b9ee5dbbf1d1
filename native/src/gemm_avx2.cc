// The GEMM for x86-64 with AVX2 + FMA: 6 × 16 register tile (12 ymm accumulators), as in BLIS' Haswell kernel.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "gemm.h"

#if defined(__x86_64__) || defined(__i386__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define SB_ISA_NS avx2
#define SB_VL 8
#define SB_MR 6
#define SB_NV 2
#include "gemm_impl.h"
#undef SB_ISA_NS
#undef SB_VL
#undef SB_MR
#undef SB_NV

namespace sharebox_native {
const GemmVariant kGemmAvx2 = {"AVX2+FMA", avx2::NR, avx2::gemm_region, avx2::MR, avx2::conv_packed_floats, avx2::conv_pack, avx2::conv_region};
}
#pragma GCC pop_options

#else
// Not an x86 CPU: these variants do not exist (the generic one runs).
namespace sharebox_native {
const GemmVariant kGemmAvx2 = {"unavailable", 0, nullptr, 0, nullptr, nullptr, nullptr};
}
#endif
