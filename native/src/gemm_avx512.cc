// The GEMM for x86-64 with AVX-512F: 12 × 32 register tile (24 zmm accumulators), as in BLIS' SkylakeX kernel.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "gemm.h"

#if defined(__x86_64__) || defined(__i386__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define SB_ISA_NS avx512
#define SB_VL 16
#define SB_MR 12
#define SB_NV 2
#include "gemm_impl.h"

namespace sharebox_native {
const GemmVariant kGemmAvx512 = {"AVX-512", avx512::NR, avx512::gemm_region, avx512::MR, avx512::conv_packed_floats, avx512::conv_pack, avx512::conv_region};
}
#pragma GCC pop_options
#else
// Not an x86 CPU: these variants do not exist (the generic one runs).
namespace sharebox_native {
const GemmVariant kGemmAvx512 = {"unavailable", 0, nullptr, 0, nullptr, nullptr, nullptr};
}
#endif
