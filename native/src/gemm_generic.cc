// The GEMM for any CPU the compiler targets by default (SSE2 on x86-64, NEON on arm64): 6 × 8 tile of 4-wide
// vectors. Used when neither AVX2+FMA nor AVX-512 is present.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "gemm.h"

#define SB_ISA_NS generic
#define SB_VL 4
#define SB_MR 6
#define SB_NV 2
#include "gemm_impl.h"

namespace sharebox_native {
const GemmVariant kGemmGeneric = {"generic 128-bit", generic::NR, generic::gemm_region, generic::MR, generic::conv_packed_floats, generic::conv_pack, generic::conv_region};
}
