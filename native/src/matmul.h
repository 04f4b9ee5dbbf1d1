// The GEMM run over the thread pool (matmul.cc): the product behind the matmul export and the convolutions'
// im2col gradients (conv_grad.cc).
#pragma once

#include "gemm.h"

namespace sharebox_native {

// One product (GemmArgs) with the GEMM variant in force, split over the pool when it is large enough. False when
// scratch memory ran out.
bool runProduct(const GemmArgs& g);

}  // namespace sharebox_native
