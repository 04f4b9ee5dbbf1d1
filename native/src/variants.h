// The compiled GEMM and element-wise variants (gemm.h, elementwise.h): which ones this CPU runs, and the ones in
// force. addon.cc's Init picks the best at load time; setVariant switches the GEMM's (tests).
#pragma once

#include <string>

#include "elementwise.h"
#include "gemm.h"

namespace sharebox_native {

bool cpuHas(const char* feature);
// The GEMM variant called `name` ('avx512', 'avx2', 'wide16', 'generic'), or nullptr when this CPU lacks it.
const GemmVariant* variantByName(const std::string& name);
const GemmVariant* bestVariant();

// The variants every kernel calls through.
extern const GemmVariant* gVariant;
extern const ElementwiseVariant* gElementwise;

}  // namespace sharebox_native
