// Element-wise kernels for x86-64 with AVX2 (see elementwise_impl.h).
#include "elementwise.h"

// Each product rounded on its own, as tfjs' kernels (one op each) round it: no fused multiply-add.
#pragma GCC optimize("fp-contract=off")

#if defined(__x86_64__) || defined(__i386__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define SB_ISA_NS ew_avx2
#include "elementwise_impl.h"
#undef SB_ISA_NS

namespace sharebox_native {
const ElementwiseVariant kElementwiseAvx2 = {"AVX2", ew_avx2::binary, ew_avx2::unary, ew_avx2::sum, ew_avx2::adam, ew_avx2::groupNormForward, ew_avx2::groupNormBackward};
}
#pragma GCC pop_options
#else
namespace sharebox_native {
const ElementwiseVariant kElementwiseAvx2 = {"unavailable", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
}
#endif
