// The AVX-512 variant's tile shape (12 × 32, 16-wide vectors) compiled for AVX2: the compiler splits each vector
// in two. Slow (it spills), and only for tests: it lets a machine without AVX-512 check the blocking and edge logic
// of that tile shape (setVariant('wide16')). On an AVX-512 machine the tests run the real variant too.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "gemm.h"

#if defined(__x86_64__) || defined(__i386__)
// The AVX-512 tile shape (12 × 32) compiled for AVX2, for tests on machines without AVX-512.
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define SB_ISA_NS wide16_on_avx2
#define SB_VL 16
#define SB_MR 12
#define SB_NV 2
#include "gemm_impl.h"
#undef SB_ISA_NS
#undef SB_VL
#undef SB_MR
#undef SB_NV

namespace sharebox_native {
const GemmVariant kGemmWide16OnAvx2 = {"AVX-512 tile on AVX2 (test)", wide16_on_avx2::NR, wide16_on_avx2::gemm_region, wide16_on_avx2::MR, wide16_on_avx2::conv_packed_floats, wide16_on_avx2::conv_pack, wide16_on_avx2::conv_region};
}
#pragma GCC pop_options
#else
namespace sharebox_native {
const GemmVariant kGemmWide16OnAvx2 = {"unavailable", 0, nullptr, 0, nullptr, nullptr, nullptr};
}
#endif
