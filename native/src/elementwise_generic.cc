// Element-wise kernels for any CPU (the compiler's default vector width; see elementwise_impl.h).
#include "elementwise.h"

// Each product rounded on its own, as tfjs' kernels (one op each) round it: no fused multiply-add.
#pragma GCC optimize("fp-contract=off")

#define SB_ISA_NS ew_generic
#include "elementwise_impl.h"
#undef SB_ISA_NS

namespace sharebox_native {
const ElementwiseVariant kElementwiseGeneric = {"generic", ew_generic::binary, ew_generic::unary, ew_generic::sum, ew_generic::adam, ew_generic::groupNormForward, ew_generic::groupNormBackward};
}
